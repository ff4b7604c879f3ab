/**
 * Mutators of the fuzzer: each takes a text and returns a damaged copy, the
 * way real inputs get damaged (a ring buffer cut mid-line, a mail client's
 * CRLF, a binary blob pasted into a log, a counter at its limit). An input is
 * a slice of a seed with one to four mutations applied.
 */

import type { Random } from '../helpers/random';

/** Numbers at the edges of what parsers convert: 0, -1, 2^53, 2^64-1, 2^64, and far beyond. */
export const BOUNDARY_NUMBERS: readonly string[] = [
  '0',
  '-1',
  '1',
  '0x0',
  '-0x1',
  '9007199254740992',
  '9007199254740993',
  '0x20000000000000',
  '18446744073709551615',
  '0xffffffffffffffff',
  '18446744073709551616',
  '0x10000000000000000',
  '0xfffffffffffff000',
  '4294967295',
  '4294967296',
  '2147483648',
  '-9223372036854775808',
  '1e308',
  '99999999999999999999999999999999999999999999',
  '0x' + 'f'.repeat(40),
  'NaN',
  '00000000000000000000001',
  '0x',
];

const NUMBER = /-?(?:0x[0-9a-fA-F]+|\d+)/g;

function splitLines(text: string): string[] {
  return text.split('\n');
}

function randomChar(rng: Random): string {
  const roll = rng.int(0, 9);
  if (roll < 5) return String.fromCharCode(rng.int(0x20, 0x7e));
  if (roll < 7) return String.fromCharCode(rng.int(0, 0x1f));
  if (roll < 9) return String.fromCharCode(rng.int(0x80, 0xff));
  return rng.pick(['\u2028', '\ufeff', '\ud800', '\u{1f600}', '\uffff']);
}

export type Mutator = (text: string, rng: Random, pool: readonly string[]) => string;

export const MUTATORS: Readonly<Record<string, Mutator>> = {
  byteFlip(text, rng) {
    if (text.length === 0) return randomChar(rng);
    const chars = [...text];
    for (let n = rng.int(1, 8); n > 0; n--) {
      const at = rng.int(0, chars.length - 1);
      if (rng.chance(0.5)) chars[at] = String.fromCharCode((chars[at]?.charCodeAt(0) ?? 0) ^ (1 << rng.int(0, 7)));
      else chars[at] = randomChar(rng);
    }
    return chars.join('');
  },
  lineSplice(text, rng, pool) {
    const lines = splitLines(text);
    for (let n = rng.int(1, 6); n > 0; n--) {
      const at = rng.int(0, lines.length);
      if (rng.chance(0.5)) lines.splice(at, 0, rng.pick(pool));
      else lines[Math.min(at, lines.length - 1)] = rng.pick(pool);
    }
    return lines.join('\n');
  },
  numberBoundary(text, rng) {
    const matches = [...text.matchAll(NUMBER)];
    if (matches.length === 0) return text + ' ' + rng.pick(BOUNDARY_NUMBERS);
    let out = text;
    for (let n = rng.int(1, 4); n > 0; n--) {
      const match = rng.pick(matches);
      const at = match.index ?? 0;
      if (at + match[0].length > out.length) continue;
      out = out.slice(0, at) + rng.pick(BOUNDARY_NUMBERS) + out.slice(at + match[0].length);
    }
    return out;
  },
  truncate(text, rng) {
    return text.slice(0, rng.int(0, text.length));
  },
  dropLines(text, rng) {
    const lines = splitLines(text);
    const at = rng.int(0, lines.length - 1);
    lines.splice(at, rng.int(1, Math.max(1, lines.length >> 2)));
    return lines.join('\n');
  },
  duplicateLines(text, rng) {
    const lines = splitLines(text);
    const at = rng.int(0, lines.length - 1);
    const chunk = lines.slice(at, at + rng.int(1, 8));
    lines.splice(rng.int(0, lines.length), 0, ...chunk);
    return lines.join('\n');
  },
  crlfNul(text, rng) {
    const roll = rng.int(0, 3);
    if (roll === 0) return text.replace(/\n/g, '\r\n');
    if (roll === 1) return text.replace(/\n/g, '\r');
    let out = text;
    for (let n = rng.int(1, 6); n > 0; n--) {
      const at = rng.int(0, out.length);
      out = out.slice(0, at) + rng.pick(['\0', '\r', '\r\n', '\n', '\0\0\0\0', '\t']) + out.slice(at);
    }
    return out;
  },
  longLine(text, rng, pool) {
    const lines = splitLines(text);
    const unit = rng.chance(0.5) ? rng.pick(pool) || 'x' : rng.pick(['a', ' ', '0', 'ff', '|', '(', '[', '\\', '"', '0x1000 ']);
    const length = rng.pick([1_000, 10_000, 100_000, 400_000]);
    const long = unit.repeat(Math.ceil(length / Math.max(1, unit.length))).slice(0, length);
    lines.splice(rng.int(0, lines.length), 0, rng.chance(0.5) ? long : (rng.pick(lines) ?? '') + long);
    return lines.join('\n');
  },
  garbage(text, rng) {
    let out = '';
    for (let n = rng.int(1, 200); n > 0; n--) out += randomChar(rng);
    const at = rng.int(0, text.length);
    return text.slice(0, at) + out + text.slice(at);
  },
};

const NAMES = Object.keys(MUTATORS);

/** A window of up to 400 lines of `seed` with one to four mutations applied. */
export function mutate(seed: string, rng: Random, pool: readonly string[]): string {
  const lines = splitLines(seed);
  const start = lines.length > 400 ? rng.int(0, lines.length - 400) : 0;
  let text = lines.length > 400 || rng.chance(0.2) ? lines.slice(start, start + rng.int(1, 400)).join('\n') : seed;
  for (let n = rng.int(1, 4); n > 0; n--) {
    const name = rng.pick(NAMES);
    text = (MUTATORS[name] as Mutator)(text, rng, pool);
  }
  return text;
}
