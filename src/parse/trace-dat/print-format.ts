/**
 * An event's payload as text, from its fields: the event's own `print fmt`
 * when it is a plain format string over plain fields (`REC->x`,
 * `__get_str(x)`, casts), which is what the GPU events print, else every
 * field as `name=value` (the `trace-cmd report -R` style). The text matches
 * what `trace-cmd report` shows for such events, so a `.dat` capture reads
 * like its text report in the editor and through the text rules.
 */

import type { EventFormat, FormatField } from './event-format';

export type RecordValue = number | bigint | string | Uint8Array | undefined;

const CONVERSION = /%([-+ #0]*)(\d*)(?:\.(\d+))?(hh|h|ll|l|z|L)?([diuxXpsc%])/g;

interface Compiled {
  readonly pieces: readonly string[];
  readonly specs: readonly { flags: string; width: number; precision: number | undefined; letter: string }[];
  /** Field name per conversion ('' for none: the format cannot be used). */
  readonly args: readonly string[];
}

const cache = new WeakMap<EventFormat, Compiled | null>();

/** The C string literal at the start of `text` and the rest after it. */
function splitFormat(text: string): { format: string; rest: string } | null {
  if (!text.startsWith('"')) return null;
  let out = '';
  for (let k = 1; k < text.length; k++) {
    const c = text[k] as string;
    if (c === '\\') {
      const next = text[++k];
      out += next === 'n' ? '\n' : next === 't' ? '\t' : (next ?? '');
    } else if (c === '"') return { format: out, rest: text.slice(k + 1) };
    else out += c;
  }
  return null;
}

/** Splits the argument list on top-level commas. */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    if (c === ',' && depth === 0) {
      args.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim()) args.push(current.trim());
  return args;
}

/** The field a plain argument names: `REC->x`, `__get_str(x)`, with casts and parentheses around. */
function plainField(arg: string): string {
  let text = arg.trim();
  for (;;) {
    const cast = /^\(\s*[\w\s*]+\)\s*(.*)$/s.exec(text);
    if (cast && !/^\(\s*REC->/.test(text)) text = (cast[1] as string).trim();
    else break;
  }
  while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1).trim();
  return /^REC->(\w+)$/.exec(text)?.[1] ?? /^__get_str\(\s*(\w+)\s*\)$/.exec(text)?.[1] ?? '';
}

function compile(format: EventFormat): Compiled | null {
  const split = splitFormat(format.printFmt.trim());
  if (!split) return null;
  const pieces: string[] = [];
  const specs: Compiled['specs'][number][] = [];
  let last = 0;
  CONVERSION.lastIndex = 0;
  for (let match = CONVERSION.exec(split.format); match; match = CONVERSION.exec(split.format)) {
    if (match[5] === '%') continue;
    pieces.push(split.format.slice(last, match.index).replace(/%%/g, '%'));
    specs.push({
      flags: match[1] ?? '',
      width: Number(match[2] || 0),
      precision: match[3] === undefined ? undefined : Number(match[3]),
      letter: match[5] as string,
    });
    last = match.index + match[0].length;
  }
  pieces.push(split.format.slice(last).replace(/%%/g, '%'));
  const args = splitArgs(split.rest.replace(/^\s*,/, '')).map(plainField);
  if (args.length !== specs.length || args.some((name) => name === '' || !format.byName.has(name))) return null;
  return { pieces, specs, args };
}

function asBigInt(value: RecordValue): bigint | undefined {
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'bigint') return value;
  return undefined;
}

function pad(text: string, width: number, flags: string): string {
  if (text.length >= width) return text;
  if (flags.includes('-')) return text.padEnd(width);
  if (flags.includes('0')) {
    const negative = text.startsWith('-');
    return (negative ? '-' : '') + (negative ? text.slice(1) : text).padStart(width - (negative ? 1 : 0), '0');
  }
  return text.padStart(width);
}

function convert(spec: Compiled['specs'][number], value: RecordValue, field: FormatField): string {
  if (spec.letter === 's') return pad(typeof value === 'string' ? value : String(value ?? ''), spec.width, spec.flags);
  const number = asBigInt(value);
  if (number === undefined) return '';
  const unsigned = number < 0n ? number + (1n << BigInt(field.size * 8)) : number;
  let text: string;
  switch (spec.letter) {
    case 'x':
      text = (spec.flags.includes('#') ? '0x' : '') + unsigned.toString(16);
      break;
    case 'X':
      text = (spec.flags.includes('#') ? '0X' : '') + unsigned.toString(16).toUpperCase();
      break;
    case 'p':
      // libtraceevent prints a pointer as 0x and its hex digits.
      text = '0x' + unsigned.toString(16);
      break;
    case 'u':
      text = unsigned.toString();
      break;
    case 'c':
      text = String.fromCharCode(Number(unsigned & 0xffn));
      break;
    default:
      text = number.toString();
  }
  return pad(text, spec.width, spec.flags);
}

/** A field's value as `trace-cmd report -R` shows it. */
export function rawValue(field: FormatField, value: RecordValue): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Array.from(value, (byte) => byte.toString(16).padStart(2, '0')).join('');
  if (field.hex) {
    const unsigned = typeof value === 'bigint' ? BigInt.asUintN(field.size * 8, value) : BigInt.asUintN(field.size * 8, BigInt(value));
    return '0x' + unsigned.toString(16);
  }
  return value.toString();
}

/** The payload: the print format when it applies, else the raw fields. */
export function renderPayload(format: EventFormat, get: (field: FormatField) => RecordValue): string {
  let compiled = cache.get(format);
  if (compiled === undefined) {
    compiled = compile(format);
    cache.set(format, compiled);
  }
  if (compiled) {
    let text = compiled.pieces[0] as string;
    for (let k = 0; k < compiled.specs.length; k++) {
      const field = format.byName.get(compiled.args[k] as string) as FormatField;
      text += convert(compiled.specs[k] as Compiled['specs'][number], get(field), field) + (compiled.pieces[k + 1] as string);
    }
    return text;
  }
  return renderRaw(format, get);
}

/** Every non-common field as `name=value`, space-separated (`trace-cmd report -R`). */
export function renderRaw(format: EventFormat, get: (field: FormatField) => RecordValue): string {
  const parts: string[] = [];
  for (const field of format.fields) if (!field.name.startsWith('common_')) parts.push(`${field.name}=${rawValue(field, get(field))}`);
  return parts.join(' ');
}
