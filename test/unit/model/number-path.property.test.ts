/**
 * The number path and the bigint path replay every script identically
 * (src/model/number-path.ts): random scripts with values near 2^53 and 2^64,
 * zero-size VAs, zero-range requests at 0 and wrap-around are replayed
 *
 * - exactly, as the editor does: `parseScript` (bigints), `runScript`;
 * - as `gpuvm-lens replay` does: `parseCommandBytes` from the bytes (numbers
 *   below 2^53), a streaming replay that reuses freed VAs, records written by
 *   `ByteLines`;
 *
 * and the two outputs must be the same text. The test also requires that
 * both paths, and VMs moving from numbers to bigints mid-script, were really
 * exercised. Every kernel vector is replayed through the second path too.
 */

import { describe, expect, it } from 'vitest';
import { ByteLines } from '../../../src/base/byte-lines';
import { parseScript, parseCommandBytes } from '../../../src/parse/script/parse-script';
import { renderScriptResult, runScript, createScriptReplay } from '../../../src/model/script-runner';
import { writeRecord, type ReplayRecord } from '../../../src/model/replay-output';
import { Random } from '../../helpers/random';
import { loadVectorGroups } from '../../helpers/vectors';

const TWO_53 = 2n ** 53n;
const TWO_64 = 2n ** 64n;
const PAGE = 0x1000n;

interface NumberReplay {
  readonly text: string;
  /** Records naming a VA held as a number / as a bigint. */
  readonly numberVas: number;
  readonly bigintVas: number;
  /** A VA record held as a bigint right after one held as a number (a VM moved to bigints). */
  readonly widenings: number;
}

function exactReplay(text: string): string {
  return renderScriptResult(runScript(parseScript(text)));
}

function vaOf(record: ReplayRecord): unknown {
  switch (record.kind) {
    case 'map':
      return record.map.addr;
    case 'remap':
      return record.unmap.va.addr;
    case 'unmap':
    case 'prefetch':
    case 'va':
    case 'apply-error':
      return record.va.addr;
    case 'found':
      return record.va?.addr;
    default:
      return undefined;
  }
}

function numberReplay(text: string): NumberReplay {
  const chunks: Buffer[] = [];
  // A small chunk size makes lines cross chunk boundaries.
  const out = new ByteLines((chunk) => chunks.push(Buffer.from(chunk)), 256);
  let numberVas = 0;
  let bigintVas = 0;
  let widenings = 0;
  let last: 'number' | 'bigint' | null = null;
  const replay = createScriptReplay((record) => {
    const addr = vaOf(record);
    if (typeof addr === 'number') {
      numberVas++;
      last = 'number';
    } else if (typeof addr === 'bigint') {
      bigintVas++;
      if (last === 'number') widenings++;
      last = 'bigint';
    }
    if (record.kind === 'map' && record.map.addr === 0n) last = null;
    writeRecord(out, record);
  });
  const bytes = Buffer.from(text, 'utf8');
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const command = parseCommandBytes(bytes, start, end);
    if (command.kind === 'vm') last = null;
    replay.step(command);
    start = end + 1;
  }
  replay.end();
  out.flush();
  return { text: Buffer.concat(chunks).toString('utf8'), numberVas, bigintVas, widenings };
}

/** A u64 as a script token: mostly hex, sometimes decimal, octal, or negated. */
function token(random: Random, value: bigint): string {
  const v = ((value % TWO_64) + TWO_64) % TWO_64;
  const roll = random.next();
  if (roll < 0.05 && v > TWO_64 / 2n) return `-0x${(TWO_64 - v).toString(16)}`;
  if (roll < 0.12) return v.toString(10);
  if (roll < 0.15) return v === 0n ? '0' : `0${v.toString(8)}`;
  return `0x${v.toString(16)}`;
}

interface Window {
  readonly start: bigint;
  readonly range: bigint;
}

const WINDOWS: readonly Window[] = [
  { start: 0n, range: 1n << 32n },
  { start: 0x100000n, range: 0x1000000n },
  { start: TWO_53 - (1n << 24n), range: (1n << 24n) - 1n }, // ends at 2^53 - 1: numbers
  { start: TWO_53 - (1n << 24n), range: 1n << 24n }, // ends at 2^53: bigints
  { start: TWO_53 - (1n << 20n), range: 1n << 21n }, // straddles 2^53
  { start: 0n, range: TWO_64 - 1n }, // the whole space
  { start: TWO_64 - (1n << 24n), range: (1n << 24n) - 1n }, // the top
  { start: TWO_64 - (1n << 24n), range: 1n << 24n }, // overflows: WARN
];

/**
 * Values: usually near the window's edges or inside it; with probability
 * `edge`, near 0, 2^53 or 2^64, or a span or offset that reaches them (what
 * moves a number-path VM to bigints).
 */
function address(random: Random, window: Window, edge: number): bigint {
  const near = random.chance(edge)
    ? random.pick([TWO_53, TWO_64, 0n])
    : random.pick([window.start, window.start + window.range, window.start + window.range / 2n]);
  const roll = random.next();
  let value = window.start + PAGE * BigInt(random.int(0, 64));
  if (roll < 0.6) value = near + PAGE * BigInt(random.int(-16, 16));
  else if (roll < 0.8) value = near + BigInt(random.int(-3, 3));
  // Below 0 wraps to the top of the space: an edge.
  return value < 0n && !random.chance(edge) ? -value : value;
}

function span(random: Random, edge: number): bigint {
  const roll = random.next();
  if (roll < 0.08) return 0n;
  if (roll < 0.14) return BigInt(random.int(1, 3));
  if (random.chance(edge)) return random.pick([TWO_53 - 1n, TWO_53, TWO_64 - 1n, 1n << 63n]);
  return PAGE * BigInt(random.int(1, 24));
}

function offset(random: Random, edge: number): bigint {
  if (random.chance(edge)) return random.pick([TWO_53 - PAGE * BigInt(random.int(0, 32)), TWO_64 - PAGE * BigInt(random.int(1, 32))]);
  return random.chance(0.8) ? PAGE * BigInt(random.int(0, 32)) : BigInt(random.int(0, 7));
}

/** A random script of about `commands` commands over one or two VMs. */
function randomScript(random: Random, commands: number): string {
  const lines: string[] = [];
  const vm = () => {
    // Half of the VMs start on numbers.
    const window = random.chance(0.5) ? random.pick(WINDOWS.slice(0, 3)) : random.pick(WINDOWS);
    const kernel = random.chance(0.3);
    const kStart = window.start + PAGE * BigInt(random.int(0, 8));
    const kRange = kernel ? PAGE * BigInt(random.int(1, 4)) : 0n;
    const flags = [random.chance(0.2) ? 'immediate' : '', random.chance(0.2) ? 'resv_protected' : ''].filter(Boolean);
    lines.push(
      ['vm', token(random, window.start), token(random, window.range), token(random, kStart), token(random, kRange), ...flags].join(' '),
    );
    return window;
  };
  let window = vm();
  const edge = random.pick([0, 0.002, 0.01, 0.05, 0.3]);
  for (let id = 1; id <= 4; id++) lines.push(`bo ${id} 0x10000000${id === 4 && random.chance(0.5) ? ' private' : ''}`);
  if (random.chance(0.3)) lines.push(`bo ${token(random, TWO_53 + 5n)} 0x1000`);
  for (let i = 0; i < commands; i++) {
    const roll = random.next();
    const addr = () => token(random, address(random, window, edge));
    const where = () => `${addr()} ${token(random, span(random, edge))}`;
    const bo = () => (random.chance(0.15) ? 'none' : String(random.int(1, 4)));
    if (roll < 0.4) lines.push(`map ${where()} ${bo()} ${token(random, offset(random, edge))}`);
    else if (roll < 0.52) lines.push(`unmap ${where()}`);
    else if (roll < 0.6) lines.push(`madvise ${where()}`);
    else if (roll < 0.65) lines.push(`insert ${where()} ${bo()} ${token(random, offset(random, edge))}`);
    else if (roll < 0.69) lines.push(`remove ${where()}`);
    else if (roll < 0.77) lines.push(`${random.pick(['find', 'find_first', 'empty', 'valid', 'prefetch', 'execlock_range'])} ${where()}`);
    else if (roll < 0.83) lines.push(`${random.pick(['find_prev', 'find_next'])} ${addr()}`);
    else if (roll < 0.85) lines.push(`bounmap ${random.int(1, 4)}`);
    else if (roll < 0.87) lines.push(random.pick(['dump', 'bos', 'execlock']));
    else if (roll < 0.88) lines.push(random.pick(['lockmode none', 'lockmode exec', 'lockmode all', 'locklog on', 'locklog off']));
    else if (roll < 0.885) window = vm();
    else lines.push(`map ${where()} ${bo()} ${token(random, offset(random, edge))}`);
  }
  return lines.join('\n') + '\n';
}

describe('the number path and the bigint path', () => {
  it('replay 12,000 random commands identically, near 2^53 and 2^64, with zero sizes and wrap-around', () => {
    const random = new Random(20261205);
    let commands = 0;
    let numberVas = 0;
    let bigintVas = 0;
    let widenings = 0;
    for (let script = 0; script < 100; script++) {
      const text = randomScript(random, 120);
      commands += 120;
      const fast = numberReplay(text);
      const exact = exactReplay(text);
      if (fast.text !== exact) {
        const a = fast.text.split('\n');
        const b = exact.split('\n');
        const at = a.findIndex((line, index) => line !== b[index]);
        expect(`${a[at]}`, `script ${script}, output line ${at + 1}\n${text}`).toBe(`${b[at]}`);
      }
      expect(exact).not.toContain('ERR internal');
      numberVas += fast.numberVas;
      bigintVas += fast.bigintVas;
      widenings += fast.widenings;
    }
    expect(commands).toBeGreaterThanOrEqual(10_000);
    // Both paths did real work, and VMs moved from one to the other.
    expect(numberVas).toBeGreaterThan(2_000);
    expect(bigintVas).toBeGreaterThan(2_000);
    expect(widenings).toBeGreaterThan(20);
  });

  it('replay every kernel vector as the kernel did', () => {
    const groups = loadVectorGroups();
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) {
      for (const vector of group.vectors) {
        const want = [...vector.expected.flat(), ...(vector.teardown ?? [])];
        const got = numberReplay(vector.script.join('\n') + '\n').text;
        expect(got, `${group.group}: ${vector.name}`).toBe(want.length ? want.join('\n') + '\n' : '');
      }
    }
  });
});
