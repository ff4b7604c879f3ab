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
 * Pure, allocation-light (one array of value strings per match), never throws.
 */

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
  return { format, head: literals[0] ?? '', types, tails, closing: (tails[tails.length - 1] ?? '').trimEnd() };
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
function validHex(text: string, start: number, end: number): boolean {
  if (end <= start) return false;
  return isHexCode(text.charCodeAt(start)) && isHexCode(text.charCodeAt(end - 1)) && isHexCode(text.charCodeAt((start + end) >> 1));
}

function validDec(text: string, start: number, end: number, signed: boolean): boolean {
  if (signed && text.charCodeAt(start) === 45 /* - */) start++;
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < C0 || code > C9) return false;
  }
  return true;
}

function validPointer(text: string, start: number, end: number): boolean {
  if (text.charCodeAt(start) === 40 /* ( */) {
    const value = text.slice(start, end);
    return value === '(nil)' || value === '(null)' || value === '(____ptrval____)' || value === '(ptrval)';
  }
  if (text.charCodeAt(start) === C0 && text.charCodeAt(start + 1) === 120 /* x */) start += 2;
  return validHex(text, start, end);
}

/** Where a value that runs up to the next conversion ends. */
function numericEnd(text: string, start: number, type: ConversionType): number {
  let i = start;
  if (type === 'ptr' && text.charCodeAt(i) === C0 && text.charCodeAt(i + 1) === 120) i += 2;
  if (type === 'dec' && text.charCodeAt(i) === 45) i++;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (type === 'dec' || type === 'udec' ? code < C0 || code > C9 : !isHexCode(code)) break;
    i++;
  }
  return i;
}

/**
 * Matches `payload` against `format`; returns the conversion values in order,
 * or null. Trailing whitespace of the payload is tolerated (editors strip it).
 */
export function matchFormat(format: CompiledFormat, payload: string): string[] | null {
  const head = format.head;
  if (head.length > 0 && !payload.startsWith(head)) return null;
  let length = payload.length;
  while (length > 0 && payload.charCodeAt(length - 1) === 32) length--;
  let pos = head.length;
  const types = format.types;
  const tails = format.tails;
  const count = types.length;
  const values: string[] = new Array<string>(count);
  for (let k = 0; k < count; k++) {
    const type = types[k] as ConversionType;
    const tail = tails[k] as string;
    let end: number;
    if (tail.length === 0) {
      end = k === count - 1 ? length : type === 'str' ? -1 : numericEnd(payload, pos, type);
      if (end === -1) return null;
    } else if (k === count - 1) {
      // The last literal closes the payload (e.g. ` signaled`, a trailing comma).
      const closing = format.closing;
      if (closing.length === 0) end = length;
      else if (payload.startsWith(closing, length - closing.length)) end = length - closing.length;
      else return null;
    } else {
      end = payload.indexOf(tail, pos);
      if (end === -1) return null;
    }
    if (end > length) end = length;
    if (end < pos) return null;
    const valid =
      type === 'hex'
        ? validHex(payload, pos, end)
        : type === 'dec' || type === 'udec'
          ? validDec(payload, pos, end, type === 'dec')
          : type === 'ptr'
            ? validPointer(payload, pos, end)
            : true;
    if (!valid) {
      return null;
    }
    values[k] = payload.slice(pos, end);
    pos = k === count - 1 ? length : end + tail.length;
  }
  if (count === 0) return payload.slice(0, length) === head.trimEnd() || payload.slice(0, length) === head ? values : null;
  return pos >= length ? values : null;
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
