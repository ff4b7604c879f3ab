/**
 * Matches an event payload against a kernel `TP_printk` format string, so that
 * event layouts are data (the kernel's format strings, docs/trace-formats.md) and
 * not one hand-written regular expression per event.
 *
 * A format is compiled once into literal pieces and conversions. Matching
 * walks the payload: every literal must appear where expected, each value
 * runs up to the next literal (or, for two adjacent conversions, up to the
 * first character the numeric conversion cannot contain), and each value is
 * checked against its conversion (`%u`/`%d` decimal, `%x` family hex, `%p` a
 * pointer as the kernel or libtraceevent prints it, `%s` anything). A payload
 * that fails any step does not match: that is how a changed format is noticed.
 *
 * Pure and never throws. Matching reads code units (`code-units.ts`) and
 * records where each value is, so the trace replay makes no string for a
 * value it only compares or converts; `matchFormat` is the same match for a
 * string, with the values as strings.
 */

import { toNum64, type Num64 } from '../../base/u64';
import { unitsEqual, unitsOf, type CodeUnits } from './code-units';

/** `dec`: `%d`/`%i` (signed); `udec`: `%u`; `hex`: the `%x` family; `ptr`: `%p`; `str`: `%s`/`%c`. */
export type ConversionType = 'dec' | 'udec' | 'hex' | 'ptr' | 'str';

export interface CompiledFormat {
  readonly format: string;
  /** Literal text before the first conversion. */
  readonly head: string;
  readonly types: readonly ConversionType[];
  /** `tails[k]` is the literal after conversion k ('' when the next conversion follows directly or at the end). */
  readonly tails: readonly string[];
  /** The last literal without trailing spaces: what the payload must end with. */
  readonly closing: string;
  /** `head`'s and `tails[k]`'s code units (compared unit by unit on every line). */
  readonly headUnits: Uint16Array;
  readonly tailUnits: readonly Uint16Array[];
}

const CONVERSION = /%[-+ #0-9.]*(?:ll|l|L|z|h|hh)?([sduixXpc])/g;

export function compileFormat(format: string): CompiledFormat {
  const types: ConversionType[] = [];
  const literals: string[] = [];
  let last = 0;
  CONVERSION.lastIndex = 0;
  for (let match = CONVERSION.exec(format); match; match = CONVERSION.exec(format)) {
    literals.push(format.slice(last, match.index).replace(/%%/g, '%'));
    const letter = match[1];
    types.push(
      letter === 's' || letter === 'c'
        ? 'str'
        : letter === 'p'
          ? 'ptr'
          : letter === 'x' || letter === 'X'
            ? 'hex'
            : letter === 'u'
              ? 'udec'
              : 'dec',
    );
    last = match.index + match[0].length;
  }
  literals.push(format.slice(last).replace(/%%/g, '%'));
  const tails = literals.slice(1);
  const head = literals[0] ?? '';
  const unitsOfText = (text: string) => Uint16Array.from(text, (letter) => letter.charCodeAt(0));
  const closing = (tails[tails.length - 1] ?? '').trimEnd();
  return { format, head, types, tails, closing, headUnits: unitsOfText(head), tailUnits: tails.map(unitsOfText) };
}

const C0 = 48;
const C9 = 57;

function isHexCode(code: number): boolean {
  return (code >= C0 && code <= C9) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

/**
 * A hex value: checks its first, middle and last digits. Hot path: a changed
 * format almost always breaks the literals between values, which are checked
 * in full; a value of another type (a name where a number was) starts or
 * ends with a non-hex character, so sampling three digits keeps that check
 * at a constant cost per value.
 */
function validHex(units: CodeUnits, start: number, end: number): boolean {
  if (end <= start) return false;
  return isHexCode(units[start] as number) && isHexCode(units[end - 1] as number) && isHexCode(units[(start + end) >> 1] as number);
}

function validDec(units: CodeUnits, start: number, end: number, signed: boolean): boolean {
  if (signed && units[start] === 45 /* - */) start++;
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const code = units[i] as number;
    if (code < C0 || code > C9) return false;
  }
  return true;
}

const NULL_POINTERS = ['(nil)', '(null)', '(____ptrval____)', '(ptrval)'];

function validPointer(units: CodeUnits, start: number, end: number): boolean {
  if (units[start] === 40 /* ( */) {
    for (const text of NULL_POINTERS) if (text.length === end - start && unitsEqual(units, start, text)) return true;
    return false;
  }
  if (units[start] === C0 && units[start + 1] === 120 /* x */) start += 2;
  return validHex(units, start, end);
}

/** Where a value that runs up to the next conversion ends (at most `end`). */
function numericEnd(units: CodeUnits, start: number, end: number, type: ConversionType): number {
  let i = start;
  if (type === 'ptr' && units[i] === C0 && units[i + 1] === 120) i += 2;
  if (type === 'dec' && units[i] === 45) i++;
  while (i < end) {
    const code = units[i] as number;
    if (type === 'dec' || type === 'udec' ? code < C0 || code > C9 : !isHexCode(code)) break;
    i++;
  }
  return i;
}

/** The first `text` in `units[from, end)`, or -1. */
function unitsAt(units: CodeUnits, start: number, text: Uint16Array): boolean {
  for (let k = 0; k < text.length; k++) if (units[start + k] !== text[k]) return false;
  return true;
}

function indexOfUnits(units: CodeUnits, text: Uint16Array, from: number, end: number): number {
  const length = text.length;
  const first = text[0] as number;
  const last = end - length;
  for (let i = from; i <= last; i++) {
    if (units[i] !== first) continue;
    let k = 1;
    while (k < length && units[i + k] === text[k]) k++;
    if (k === length) return i;
  }
  return -1;
}

/** Whether `units[start, end)` is exactly `text`. */
function rangeIs(units: CodeUnits, start: number, end: number, text: string): boolean {
  return end - start === text.length && unitsEqual(units, start, text);
}

/**
 * Matches the payload `units[start, end)` against `format`: true when it
 * matches, with conversion value k at `bounds[2k]`..`bounds[2k + 1]`
 * (absolute offsets; `bounds` holds at least two per conversion). Trailing
 * spaces of the payload are tolerated (editors strip them).
 */
export function matchUnits(format: CompiledFormat, units: CodeUnits, start: number, end: number, bounds: Int32Array): boolean {
  const head = format.headUnits;
  if (head.length > 0 && !(start + head.length <= end && unitsAt(units, start, head))) return false;
  let length = end;
  while (length > start && units[length - 1] === 32) length--;
  let pos = start + head.length;
  const types = format.types;
  const tails = format.tails;
  const count = types.length;
  for (let k = 0; k < count; k++) {
    const type = types[k] as ConversionType;
    const tail = tails[k] as string;
    let valueEnd: number;
    if (tail.length === 0) {
      valueEnd = k === count - 1 ? length : type === 'str' ? -1 : numericEnd(units, pos, end, type);
      if (valueEnd === -1) return false;
    } else if (k === count - 1) {
      // The last literal closes the payload (e.g. ` signaled`, a trailing comma).
      const closing = format.closing;
      if (closing.length === 0) valueEnd = length;
      else if (length - closing.length >= start && unitsEqual(units, length - closing.length, closing)) valueEnd = length - closing.length;
      else return false;
    } else {
      valueEnd = indexOfUnits(units, format.tailUnits[k] as Uint16Array, pos, end);
      if (valueEnd === -1) return false;
    }
    if (valueEnd > length) valueEnd = length;
    if (valueEnd < pos) return false;
    const valid =
      type === 'hex'
        ? validHex(units, pos, valueEnd)
        : type === 'dec' || type === 'udec'
          ? validDec(units, pos, valueEnd, type === 'dec')
          : type === 'ptr'
            ? validPointer(units, pos, valueEnd)
            : true;
    if (!valid) return false;
    bounds[2 * k] = pos;
    bounds[2 * k + 1] = valueEnd;
    pos = k === count - 1 ? length : valueEnd + tail.length;
  }
  if (count === 0) return rangeIs(units, start, length, format.head.trimEnd()) || rangeIs(units, start, length, format.head);
  return pos >= length;
}

const stringBounds = new Int32Array(128);

/**
 * Matches `payload` against `format`; returns the conversion values in order,
 * or null. Trailing whitespace of the payload is tolerated (editors strip it).
 */
export function matchFormat(format: CompiledFormat, payload: string): string[] | null {
  if (format.types.length * 2 > stringBounds.length) return null;
  if (!matchUnits(format, unitsOf(payload), 0, payload.length, stringBounds)) return null;
  const values: string[] = new Array<string>(format.types.length);
  for (let k = 0; k < values.length; k++) values[k] = payload.slice(stringBounds[2 * k], stringBounds[2 * k + 1]);
  return values;
}

/**
 * A pointer value as an identity key: 16 lowercase hex digits, whichever way
 * it was printed (`00000000a1b2c3d4`, `0xffff8881a1b2c3d4`, `(nil)`).
 */
export function pointerKey(value: string): string {
  // The kernel and libtraceevent print pointers in lowercase: the common case is free.
  if (value.length === 16 && value.charCodeAt(0) !== 40) return value;
  if (value.startsWith('(')) return '0000000000000000';
  const digits = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value;
  return digits.toLowerCase().padStart(16, '0');
}

/** True for NULL however printed. */
export function isNullPointer(value: string): boolean {
  return /^(?:0x)?0+$|^\(nil\)$|^\(null\)$/i.test(value);
}

/**
 * A hex field's text as a value (with or without `0x`); 0 for anything
 * unparsable or absent. A `Num64`: a number when it is in [0, 2^53), else
 * the bigint.
 */
export function hexValue(value: string | undefined): Num64 {
  if (!value) return 0;
  // Up to 13 hex digits fit a double exactly; parseInt is much cheaper than BigInt(string).
  if (value.length <= 13 && value.charCodeAt(1) !== 120 /* x */) {
    const number = parseInt(value, 16);
    if (!Number.isNaN(number)) return number >= 0 ? number : BigInt(number);
  }
  try {
    return toNum64(BigInt(value.startsWith('0x') || value.startsWith('0X') ? value : '0x' + value));
  } catch {
    return 0;
  }
}
