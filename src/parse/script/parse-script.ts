/**
 * Parser for GPUVM replay scripts (`.gpuvm`, README.md, "GPUVM scripts"):
 * one command per line, numbers in C syntax, `#` comment lines.
 *
 * Never throws: a line that is not a well-formed command becomes a `bad`
 * command carrying the reason, so the runner can print `ERR bad-command` and go
 * on, and the editor can underline exactly that line.
 */

import { parseCNumber, type U64 } from '../../base/u64';

export type LockModeName = 'exec' | 'all' | 'none';

export type ScriptCommand =
  | { kind: 'vm'; start: U64; range: U64; kernelStart: U64; kernelRange: U64; immediate: boolean; resvProtected: boolean }
  | { kind: 'bo'; id: U64; size: U64; private: boolean }
  | { kind: 'map' | 'insert'; addr: U64; range: U64; bo: U64 | null; offset: U64 }
  | { kind: 'unmap' | 'madvise' | 'prefetch' | 'remove' | 'find' | 'find_first' | 'empty' | 'valid' | 'execlock_range'; addr: U64; range: U64 }
  | { kind: 'find_prev' | 'find_next'; at: U64 }
  | { kind: 'bounmap'; bo: U64 }
  | { kind: 'execlock' | 'dump' | 'bos' }
  | { kind: 'lockmode'; mode: LockModeName }
  | { kind: 'locklog'; on: boolean }
  | { kind: 'comment' }
  | { kind: 'bad'; reason: string };

export interface ScriptLine {
  /** 1-based line number in the script. */
  readonly line: number;
  readonly text: string;
  readonly command: ScriptCommand;
}

const RANGE_COMMANDS = new Set(['unmap', 'madvise', 'prefetch', 'remove', 'find', 'find_first', 'empty', 'valid', 'execlock_range']);

/** Splits script text into lines (LF or CRLF) and parses each. */
export function parseScript(text: string): ScriptLine[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((raw, index) => {
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    return { line: index + 1, text: lineText, command: parseCommand(lineText) };
  });
}

function bad(reason: string): ScriptCommand {
  return { kind: 'bad', reason };
}

/** Parses one script line. */
export function parseCommand(line: string): ScriptCommand {
  const words = line.trim().split(/[ \t]+/);
  const name = words[0] ?? '';
  if (name === '' || name.startsWith('#')) return { kind: 'comment' };
  const args = words.slice(1);

  const numbers = (count: number): U64[] | string => {
    if (args.length !== count) return `${name} takes ${count} argument${count === 1 ? '' : 's'}, got ${args.length}`;
    const values: U64[] = [];
    for (const arg of args) {
      const value = parseCNumber(arg);
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
        const value = parseCNumber(arg);
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
      const id = parseCNumber(args[0] as string);
      const size = parseCNumber(args[1] as string);
      if (id === undefined || size === undefined) return bad('bo id and size must be numbers');
      return { kind: 'bo', id, size, private: isPrivate };
    }
    case 'map':
    case 'insert': {
      if (args.length !== 4) return bad(`${name} takes <addr> <range> <bo-id|none> <offset>`);
      const addr = parseCNumber(args[0] as string);
      const range = parseCNumber(args[1] as string);
      const offset = parseCNumber(args[3] as string);
      const boText = args[2] as string;
      const bo = boText === 'none' ? null : parseCNumber(boText);
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
      if (args.length === 1 && (args[0] === 'exec' || args[0] === 'all' || args[0] === 'none')) {
        return { kind: 'lockmode', mode: args[0] };
      }
      return bad('lockmode takes exec, all or none');
    case 'locklog':
      if (args.length === 1 && (args[0] === 'on' || args[0] === 'off')) return { kind: 'locklog', on: args[0] === 'on' };
      return bad('locklog takes on or off');
    default:
      return bad(`unknown command: ${name}`);
  }
}
