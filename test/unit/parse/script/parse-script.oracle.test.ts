/**
 * The byte-level script parser against a reference: the straightforward
 * string parser it replaced (trim, split on spaces and tabs, regular
 * expressions for C numbers), kept here as the oracle. Random lines built
 * from the script vocabulary, numbers in every syntax and size, Unicode white
 * space and stray bytes must parse to the same command (reasons included)
 * from a string (`parseCommand`) and from bytes (`parseCommandBytes`, values
 * made exact).
 */

import { describe, expect, it } from 'vitest';
import { parseCNumber, sub, U64_MAX, type U64 } from '../../../../src/base/u64';
import { exactCommand, parseCommand, parseCommandBytes, type ScriptCommand } from '../../../../src/parse/script/parse-script';
import { Random } from '../../../helpers/random';

// ---------------------------------------------------------------------------
// The oracle

const DIGITS_DEC = /^[0-9]+$/;
const DIGITS_HEX = /^0[xX][0-9a-fA-F]+$/;
const DIGITS_OCT = /^0[0-7]*$/;

function oracleNumber(text: string): U64 | undefined {
  const sign = text.charCodeAt(0);
  const negative = sign === 0x2d;
  const digits = negative || sign === 0x2b ? text.slice(1) : text;
  let value: bigint;
  if (DIGITS_HEX.test(digits)) value = BigInt(digits.toLowerCase());
  else if (DIGITS_OCT.test(digits)) value = BigInt('0o' + (digits.slice(1) || '0'));
  else if (DIGITS_DEC.test(digits)) value = BigInt(digits);
  else return undefined;
  if (value > U64_MAX) return undefined;
  return negative ? sub(0n, value) : value;
}

const RANGE_COMMANDS = new Set(['unmap', 'madvise', 'prefetch', 'remove', 'find', 'find_first', 'empty', 'valid', 'execlock_range']);

function oracle(line: string): ScriptCommand {
  const bad = (reason: string): ScriptCommand => ({ kind: 'bad', reason });
  const words = line.trim().split(/[ \t]+/);
  const name = words[0] ?? '';
  if (name === '' || name.startsWith('#')) return { kind: 'comment' };
  const args = words.slice(1);
  const numbers = (count: number): U64[] | string => {
    if (args.length !== count) return `${name} takes ${count} argument${count === 1 ? '' : 's'}, got ${args.length}`;
    const values: U64[] = [];
    for (const arg of args) {
      const value = oracleNumber(arg);
      if (value === undefined) return `not a number: ${arg}`;
      values.push(value);
    }
    return values;
  };
  if (RANGE_COMMANDS.has(name)) {
    const values = numbers(2);
    if (typeof values === 'string') return bad(values);
    return { kind: name as 'unmap', addr: values[0] as U64, range: values[1] as U64 };
  }
  switch (name) {
    case 'vm': {
      if (args.length < 4) return bad('vm takes <start> <range> <kstart> <krange> [immediate] [resv_protected]');
      const values: U64[] = [];
      for (const arg of args.slice(0, 4)) {
        const value = oracleNumber(arg);
        if (value === undefined) return bad(`not a number: ${arg}`);
        values.push(value);
      }
      let immediate = false;
      let resvProtected = false;
      for (const flag of args.slice(4)) {
        if (flag === 'immediate') immediate = true;
        else if (flag === 'resv_protected') resvProtected = true;
        else return bad(`unknown vm flag: ${flag}`);
      }
      const [start, range, kernelStart, kernelRange] = values as [U64, U64, U64, U64];
      return { kind: 'vm', start, range, kernelStart, kernelRange, immediate, resvProtected };
    }
    case 'bo': {
      const isPrivate = args.length === 3 && args[2] === 'private';
      if (args.length !== 2 && !isPrivate) return bad('bo takes <id> <size> [private]');
      const id = oracleNumber(args[0] as string);
      const size = oracleNumber(args[1] as string);
      if (id === undefined || size === undefined) return bad('bo id and size must be numbers');
      return { kind: 'bo', id, size, private: isPrivate };
    }
    case 'map':
    case 'insert': {
      if (args.length !== 4) return bad(`${name} takes <addr> <range> <bo-id|none> <offset>`);
      const addr = oracleNumber(args[0] as string);
      const range = oracleNumber(args[1] as string);
      const offset = oracleNumber(args[3] as string);
      const boText = args[2] as string;
      const bo = boText === 'none' ? null : oracleNumber(boText);
      if (addr === undefined || range === undefined || offset === undefined || bo === undefined) {
        return bad(`${name} takes <addr> <range> <bo-id|none> <offset>`);
      }
      return { kind: name, addr, range, bo, offset };
    }
    case 'find_prev':
    case 'find_next': {
      const values = numbers(1);
      if (typeof values === 'string') return bad(values);
      return { kind: name, at: values[0] as U64 };
    }
    case 'bounmap': {
      const values = numbers(1);
      if (typeof values === 'string') return bad(values);
      return { kind: 'bounmap', bo: values[0] as U64 };
    }
    case 'execlock':
    case 'dump':
    case 'bos':
      return args.length === 0 ? { kind: name } : bad(`${name} takes no arguments`);
    case 'lockmode':
      if (args.length === 1 && (args[0] === 'exec' || args[0] === 'all' || args[0] === 'none')) return { kind: 'lockmode', mode: args[0] };
      return bad('lockmode takes exec, all or none');
    case 'locklog':
      if (args.length === 1 && (args[0] === 'on' || args[0] === 'off')) return { kind: 'locklog', on: args[0] === 'on' };
      return bad('locklog takes on or off');
    default:
      return bad(`unknown command: ${name}`);
  }
}

// ---------------------------------------------------------------------------
// Random lines

const WORDS = [
  'vm',
  'bo',
  'map',
  'unmap',
  'madvise',
  'prefetch',
  'bounmap',
  'insert',
  'remove',
  'find',
  'find_first',
  'find_prev',
  'find_next',
  'empty',
  'valid',
  'execlock',
  'execlock_range',
  'dump',
  'bos',
  'lockmode',
  'locklog',
  'none',
  'private',
  'immediate',
  'resv_protected',
  'exec',
  'all',
  'on',
  'off',
  '#',
  '#map',
  'mapx',
  'MAP',
  'map\u00a0',
  'é',
];
const SPACES = [' ', '\t', '  ', ' \t ', '\v', '\f', '\r', '\u00a0', '\u2028', '\ufeff', '\u3000', '\u0085', '\u2003'];

function randomNumber(random: Random): string {
  const sign = random.pick(['', '', '', '-', '+']);
  const magnitude = random.pick([0n, 1n, 7n, 8n, 0x1000n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 70n]);
  const value = magnitude + BigInt(random.int(-2, 2));
  const v = value < 0n ? 0n : value;
  switch (random.int(0, 5)) {
    case 0:
      return sign + v.toString(10);
    case 1:
      return sign + '0' + v.toString(8);
    case 2:
      return sign + '0X' + v.toString(16).toUpperCase();
    case 3:
      return sign + random.pick(['0x', '09', '0089', '00', '0x0', '1x', '--1', '0b1', '']);
    default:
      return sign + '0x' + '0'.repeat(random.int(0, 20)) + v.toString(16);
  }
}

function randomLine(random: Random): string {
  const tokens: string[] = [random.chance(0.9) ? random.pick(WORDS) : randomNumber(random)];
  for (let n = random.int(0, 9); n > 0; n--) tokens.push(random.chance(0.6) ? randomNumber(random) : random.pick(WORDS));
  let line = '';
  tokens.forEach((word, index) => {
    line += (index > 0 ? (random.chance(0.95) ? random.pick(SPACES.slice(0, 4)) : random.pick(SPACES)) : '') + word;
  });
  if (random.chance(0.2)) line = random.pick(SPACES) + line;
  if (random.chance(0.2)) line += random.pick(SPACES);
  return line;
}

describe('the script parser', () => {
  it('reads 20,000 random lines as the reference does, from strings and from bytes', () => {
    const random = new Random(5);
    for (let i = 0; i < 20_000; i++) {
      const line = randomLine(random);
      const want = oracle(line);
      expect(parseCommand(line), JSON.stringify(line)).toEqual(want);
      const bytes = Buffer.from(`junk\n${line}\njunk`, 'utf8');
      const start = bytes.indexOf(0x0a) + 1;
      const end = bytes.lastIndexOf(0x0a);
      expect(exactCommand(parseCommandBytes(bytes, start, end)), JSON.stringify(line)).toEqual(want);
    }
  });

  it('reads C numbers as the reference does', () => {
    const random = new Random(6);
    for (let i = 0; i < 20_000; i++) {
      const text = randomNumber(random);
      expect(parseCNumber(text), text).toBe(oracleNumber(text));
    }
  });

  it('gives numbers below 2^53 and bigints from there on', () => {
    const at = (text: string) => {
      const bytes = Buffer.from(`find_prev ${text}`);
      const command = parseCommandBytes(bytes, 0, bytes.length);
      return command.kind === 'find_prev' ? command.at : undefined;
    };
    expect(at('0x1fffffffffffff')).toBe(2 ** 53 - 1);
    expect(at('0x20000000000000')).toBe(2n ** 53n);
    expect(at('-1')).toBe(2n ** 64n - 1n);
    expect(at('-0xffffffffffffff00')).toBe(0x100);
    expect(at('0x000000000000000000001000')).toBe(0x1000);
  });

  it('reads numbers of any length by their significant digits only', () => {
    // A mutated script once held a 400,000-digit number: reading it must not be quadratic.
    expect(parseCNumber('0x' + '0'.repeat(400_000) + 'ffffffffffffffff')).toBe(U64_MAX);
    expect(parseCNumber('0x1' + '0'.repeat(16))).toBeUndefined();
    expect(parseCNumber('0x' + 'f'.repeat(400_000))).toBeUndefined();
    expect(parseCNumber('18446744073709551615')).toBe(U64_MAX);
    expect(parseCNumber('18446744073709551616')).toBeUndefined();
    expect(parseCNumber('01777777777777777777777')).toBe(U64_MAX);
    expect(parseCNumber('02000000000000000000000')).toBeUndefined();
    expect(parseCNumber('-' + '0'.repeat(300_000) + '1')).toBe(U64_MAX);
  });
});
