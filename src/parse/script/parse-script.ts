/**
 * Parser for GPUVM replay scripts (`.gpuvm`, README.md, "GPUVM scripts"):
 * one command per line, numbers in C syntax, `#` comment lines.
 *
 * Never throws: a line that is not a well-formed command becomes a `bad`
 * command carrying the reason, so the runner can print `ERR bad-command` and go
 * on, and the editor can underline exactly that line.
 *
 * One grammar, two entries: `parseCommandBytes` reads a line straight from a
 * byte buffer (the command line's hot path: no string, no regex; numbers below
 * 2^53 come out as numbers, `Num64`), `parseCommand` reads a string and gives
 * exact bigints (`exactCommand`), which is what the editor features compute
 * with. A line is what the text is after `String.prototype.trim`, split on
 * runs of spaces and tabs; the byte reader trims ASCII white space itself and
 * hands lines that may end in other Unicode white space to the string path,
 * so both read every line the same.
 */

import { parseCNumberBytes, toU64, type Num64, type U64 } from '../../base/u64';

export type LockModeName = 'exec' | 'all' | 'none';

/** A parsed command; `V` is `U64` (exact bigints) unless it came from `parseCommandBytes`. */
export type ScriptCommand<V extends Num64 = U64> =
  | { kind: 'vm'; start: V; range: V; kernelStart: V; kernelRange: V; immediate: boolean; resvProtected: boolean }
  | { kind: 'bo'; id: V; size: V; private: boolean }
  | { kind: 'map' | 'insert'; addr: V; range: V; bo: V | null; offset: V }
  | { kind: RangeCommand; addr: V; range: V }
  | { kind: 'find_prev' | 'find_next'; at: V }
  | { kind: 'bounmap'; bo: V }
  | { kind: 'execlock' | 'dump' | 'bos' }
  | { kind: 'lockmode'; mode: LockModeName }
  | { kind: 'locklog'; on: boolean }
  | { kind: 'comment' }
  | { kind: 'bad'; reason: string };

type RangeCommand = 'unmap' | 'madvise' | 'prefetch' | 'remove' | 'find' | 'find_first' | 'empty' | 'valid' | 'execlock_range';

export interface ScriptLine {
  /** 1-based line number in the script. */
  readonly line: number;
  readonly text: string;
  readonly command: ScriptCommand;
}

/** Splits script text into lines (LF or CRLF) and parses each. */
export function parseScript(text: string): ScriptLine[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((raw, index) => {
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    return { line: index + 1, text: lineText, command: parseCommand(lineText) };
  });
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Parses one script line, with exact (bigint) values. */
export function parseCommand(line: string): ScriptCommand {
  const bytes = encoder.encode(line.trim());
  return exactCommand(parseTrimmed(bytes, 0, bytes.length));
}

/** Parses the line held in `bytes[start, end)` (without its LF; a CR before it is white space). */
export function parseCommandBytes(bytes: Uint8Array, start: number, end: number): ScriptCommand<Num64> {
  while (start < end && isAsciiSpace(bytes[start] as number)) start++;
  while (end > start && isAsciiSpace(bytes[end - 1] as number)) end--;
  // Other white space that `trim` removes is all outside ASCII.
  if (start < end && ((bytes[start] as number) >= 0x80 || (bytes[end - 1] as number) >= 0x80)) {
    const trimmed = encoder.encode(decoder.decode(bytes.subarray(start, end)).trim());
    return parseTrimmed(trimmed, 0, trimmed.length);
  }
  return parseTrimmed(bytes, start, end);
}

/** TAB, LF, VT, FF, CR, space: the ASCII white space `trim` removes. */
function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** The same command with every value a bigint (itself when it has no number). */
export function exactCommand(command: ScriptCommand<Num64>): ScriptCommand {
  switch (command.kind) {
    case 'vm':
      return typeof command.start === 'bigint' &&
        typeof command.range === 'bigint' &&
        typeof command.kernelStart === 'bigint' &&
        typeof command.kernelRange === 'bigint'
        ? (command as ScriptCommand)
        : {
            ...command,
            start: toU64(command.start),
            range: toU64(command.range),
            kernelStart: toU64(command.kernelStart),
            kernelRange: toU64(command.kernelRange),
          };
    case 'bo':
      return typeof command.id === 'bigint' && typeof command.size === 'bigint'
        ? (command as ScriptCommand)
        : { ...command, id: toU64(command.id), size: toU64(command.size) };
    case 'map':
    case 'insert':
      return typeof command.addr === 'bigint' &&
        typeof command.range === 'bigint' &&
        typeof command.offset === 'bigint' &&
        typeof command.bo !== 'number'
        ? (command as ScriptCommand)
        : {
            kind: command.kind,
            addr: toU64(command.addr),
            range: toU64(command.range),
            bo: command.bo === null ? null : toU64(command.bo),
            offset: toU64(command.offset),
          };
    case 'find_prev':
    case 'find_next':
      return typeof command.at === 'bigint' ? (command as ScriptCommand) : { kind: command.kind, at: toU64(command.at) };
    case 'bounmap':
      return typeof command.bo === 'bigint' ? (command as ScriptCommand) : { kind: 'bounmap', bo: toU64(command.bo) };
    case 'execlock':
    case 'dump':
    case 'bos':
    case 'lockmode':
    case 'locklog':
    case 'comment':
    case 'bad':
      return command;
    default:
      return typeof command.addr === 'bigint' && typeof command.range === 'bigint'
        ? (command as ScriptCommand)
        : { kind: command.kind, addr: toU64(command.addr), range: toU64(command.range) };
  }
}

// ---------------------------------------------------------------------------
// The grammar, over the tokens of a trimmed line

/** Token boundaries of the line being parsed: [start0, end0, start1, end1, ...]; reused. */
const MAX_TOKENS = 8;
const bounds = new Int32Array(MAX_TOKENS * 2);

/** Command names, the hot ones first. */
const NAMES = [
  'map',
  'unmap',
  'madvise',
  'insert',
  'remove',
  'prefetch',
  'find',
  'find_first',
  'find_prev',
  'find_next',
  'empty',
  'valid',
  'execlock_range',
  'execlock',
  'bounmap',
  'dump',
  'bos',
  'bo',
  'vm',
  'lockmode',
  'locklog',
] as const;
type Name = (typeof NAMES)[number];
const NAME_BYTES = NAMES.map((name) => encoder.encode(name));

function nameOf(bytes: Uint8Array, start: number, end: number): Name | undefined {
  const length = end - start;
  for (let n = 0; n < NAMES.length; n++) {
    const name = NAME_BYTES[n] as Uint8Array;
    if (name.length !== length) continue;
    let i = 0;
    while (i < length && name[i] === bytes[start + i]) i++;
    if (i === length) return NAMES[n];
  }
  return undefined;
}

function bad(reason: string): ScriptCommand<Num64> {
  return { kind: 'bad', reason };
}

// The line being parsed by `parseTrimmed`: module state rather than closures,
// so that parsing a line allocates nothing but its command.
let lineBytes: Uint8Array = new Uint8Array(0);
let lineStart = 0;
let lineEnd = 0;

/** Token `n` as text (error messages only). */
function token(n: number): string {
  return n < MAX_TOKENS
    ? decoder.decode(lineBytes.subarray(bounds[n * 2] as number, bounds[n * 2 + 1] as number))
    : tokenText(lineBytes, lineStart, lineEnd, n);
}

/** Argument `n` (0-based) as a number, undefined when it is none. */
function number(n: number): Num64 | undefined {
  return parseCNumberBytes(lineBytes, bounds[n * 2 + 2] as number, bounds[n * 2 + 3] as number);
}

/** Whether argument `n` (0-based) is `word`. */
function is(n: number, word: string): boolean {
  if (n + 1 >= MAX_TOKENS) return tokenText(lineBytes, lineStart, lineEnd, n + 1) === word;
  const s = bounds[n * 2 + 2] as number;
  if ((bounds[n * 2 + 3] as number) - s !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (lineBytes[s + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** `wanted` numeric arguments of command `name`, or why not. */
function numbers(name: Name, args: number, wanted: number): string | undefined {
  if (args !== wanted) return `${name} takes ${wanted} argument${wanted === 1 ? '' : 's'}, got ${args}`;
  for (let n = 0; n < wanted; n++) if (number(n) === undefined) return `not a number: ${token(n + 1)}`;
  return undefined;
}

function parseTrimmed(bytes: Uint8Array, start: number, end: number): ScriptCommand<Num64> {
  // Tokens: runs of anything but space and tab.
  let count = 0;
  let i = start;
  while (i < end) {
    const tokenStart = i;
    while (i < end && bytes[i] !== 0x20 && bytes[i] !== 0x09) i++;
    if (count < MAX_TOKENS) {
      bounds[count * 2] = tokenStart;
      bounds[count * 2 + 1] = i;
    }
    count++;
    while (i < end && (bytes[i] === 0x20 || bytes[i] === 0x09)) i++;
  }
  if (count === 0 || bytes[start] === 0x23 /* # */) return { kind: 'comment' };
  lineBytes = bytes;
  lineStart = start;
  lineEnd = end;
  const args = count - 1;
  const name = nameOf(bytes, bounds[0] as number, bounds[1] as number);
  if (name === undefined) return bad(`unknown command: ${token(0)}`);

  switch (name) {
    case 'map':
    case 'insert': {
      if (args !== 4) return bad(`${name} takes <addr> <range> <bo-id|none> <offset>`);
      const addr = number(0);
      const range = number(1);
      const offset = number(3);
      const bo = is(2, 'none') ? null : number(2);
      if (addr === undefined || range === undefined || offset === undefined || bo === undefined) {
        return bad(`${name} takes <addr> <range> <bo-id|none> <offset>`);
      }
      return { kind: name, addr, range, bo, offset };
    }
    case 'unmap':
    case 'madvise':
    case 'prefetch':
    case 'remove':
    case 'find':
    case 'find_first':
    case 'empty':
    case 'valid':
    case 'execlock_range': {
      if (args === 2) {
        const addr = number(0);
        const range = number(1);
        if (addr !== undefined && range !== undefined) return { kind: name, addr, range };
      }
      return bad(numbers(name, args, 2) as string);
    }
    case 'vm': {
      if (args < 4) return bad('vm takes <start> <range> <kstart> <krange> [immediate] [resv_protected]');
      for (let n = 0; n < 4; n++) if (number(n) === undefined) return bad(`not a number: ${token(n + 1)}`);
      let immediate = false;
      let resvProtected = false;
      for (let n = 4; n < args; n++) {
        if (is(n, 'immediate')) immediate = true;
        else if (is(n, 'resv_protected')) resvProtected = true;
        else return bad(`unknown vm flag: ${token(n + 1)}`);
      }
      return {
        kind: 'vm',
        start: number(0) as Num64,
        range: number(1) as Num64,
        kernelStart: number(2) as Num64,
        kernelRange: number(3) as Num64,
        immediate,
        resvProtected,
      };
    }
    case 'bo': {
      const isPrivate = args === 3 && is(2, 'private');
      if (args !== 2 && !isPrivate) return bad('bo takes <id> <size> [private]');
      const id = number(0);
      const size = number(1);
      if (id === undefined || size === undefined) return bad('bo id and size must be numbers');
      return { kind: 'bo', id, size, private: isPrivate };
    }
    case 'find_prev':
    case 'find_next': {
      const why = numbers(name, args, 1);
      if (why !== undefined) return bad(why);
      return { kind: name, at: number(0) as Num64 };
    }
    case 'bounmap': {
      const why = numbers(name, args, 1);
      if (why !== undefined) return bad(why);
      return { kind: 'bounmap', bo: number(0) as Num64 };
    }
    case 'execlock':
    case 'dump':
    case 'bos':
      return args === 0 ? { kind: name } : bad(`${name} takes no arguments`);
    case 'lockmode':
      if (args === 1) {
        if (is(0, 'exec')) return { kind: 'lockmode', mode: 'exec' };
        if (is(0, 'all')) return { kind: 'lockmode', mode: 'all' };
        if (is(0, 'none')) return { kind: 'lockmode', mode: 'none' };
      }
      return bad('lockmode takes exec, all or none');
    case 'locklog':
      if (args === 1 && (is(0, 'on') || is(0, 'off'))) return { kind: 'locklog', on: is(0, 'on') };
      return bad('locklog takes on or off');
  }
}

/** Token `n` of a line with more tokens than `bounds` holds (only a `vm` line with many flags needs one). */
function tokenText(bytes: Uint8Array, start: number, end: number, n: number): string {
  return decoder.decode(bytes.subarray(start, end)).split(/[ \t]+/)[n] ?? '';
}
