/**
 * A trace line as code units, the one representation the ftrace tokeniser
 * (`trace-line.ts`) and the payload matcher (`payload-format.ts`) read.
 *
 * A line of printable ASCII is read in place, as the UTF-8 bytes it came in
 * (a `Uint8Array`, no string made); any other line (non-ASCII text, control
 * characters, a line from a JS string that is not ASCII) as its UTF-16 code
 * units (a `Uint16Array`). Either way one unit is one character of the line's
 * string, so every column and length the tokeniser reports is the string's,
 * and both kinds of line decode to exactly what the string would.
 */

import { HEX_DIGIT_VALUES, pointerText, readHexWords } from '../../base/hex-words';

export type CodeUnits = Uint8Array | Uint16Array;

/**
 * True when `bytes[start, end)` is printable ASCII (space to `~`), the line
 * the byte path reads in place. Tabs, control characters and non-ASCII bytes
 * send the line to the string path, where the rules for white space, stray
 * bytes and UTF-8 are the string's.
 */
export function isPrintableAscii(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  if (end - start >= 16) {
    // Four bytes at a time over the aligned words of the buffer (this runs
    // over every byte of a capture): a word has a byte below 0x20 when
    // `(w - 0x20202020) & ~w` sets that byte's high bit, one above 0x7e
    // when `(w + 0x01010101) | w` does (exact tests: no false answers).
    const words = wordsOf(bytes.buffer);
    const base = bytes.byteOffset;
    for (; ((base + i) & 3) !== 0; i++) {
      const code = bytes[i] as number;
      if (code < 0x20 || code > 0x7e) return false;
    }
    const wordEnd = (base + end) >> 2;
    for (let w = (base + i) >> 2; w < wordEnd; w++) {
      const word = words[w] as number;
      if ((((word - 0x20202020) & ~word) | (word + 0x01010101) | word) & 0x80808080) return false;
    }
    i = (wordEnd << 2) - base;
  }
  for (; i < end; i++) {
    const code = bytes[i] as number;
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}

let wordsBuffer: ArrayBufferLike | null = null;
let wordsView: Int32Array<ArrayBufferLike> = new Int32Array(0);

/** The whole words of `buffer` (the last buffer's view is kept: lines come a chunk at a time). */
function wordsOf(buffer: ArrayBufferLike): Int32Array {
  if (buffer !== wordsBuffer) {
    wordsBuffer = buffer;
    wordsView = new Int32Array(buffer, 0, buffer.byteLength >> 2);
  }
  return wordsView;
}

const encoder = new TextEncoder();

/**
 * Turns strings into units in buffers it reuses: what `of` returns is valid
 * until its next call. One per reader, so two readers never share a buffer.
 */
export class UnitsScratch {
  private bytes = new Uint8Array(4096);
  private wide = new Uint16Array(4096);

  /** The units of `text`: its bytes when it is printable ASCII, else its UTF-16 units. */
  of(text: string): CodeUnits {
    const length = text.length;
    let ascii = true;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x20 || code > 0x7e) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      if (this.bytes.length < length) this.bytes = new Uint8Array(length * 2);
      encoder.encodeInto(text, this.bytes);
      return this.bytes.subarray(0, length);
    }
    if (this.wide.length < length) this.wide = new Uint16Array(length * 2);
    for (let i = 0; i < length; i++) this.wide[i] = text.charCodeAt(i);
    return this.wide.subarray(0, length);
  }
}

const shared = new UnitsScratch();

/** The units of a string, in a buffer the next call reuses (for one-off reads). */
export function unitsOf(text: string): CodeUnits {
  return shared.of(text);
}

/** The UTF-16 units of a string in a buffer of their own. */
export function ownUnits(text: string): Uint16Array {
  const units = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
  return units;
}

const SHORT_TEXT = 24;
/** One array per length up to `SHORT_TEXT`, reused by every call (this module is synchronous). */
const SHORT_SCRATCH: number[][] = Array.from({ length: SHORT_TEXT + 1 }, (_, n) => Array.from({ length: n }, () => 0));

/** The string of `units[start, end)`. */
export function unitsText(units: CodeUnits, start: number, end: number): string {
  if (end - start <= 0) return '';
  // A pointer's 16 digits, the most common value made a string: no view of the units is needed.
  if (end - start === 16) return text16(units, start);
  if (end - start <= SHORT_TEXT) {
    // A short value (an amdgpu page key, a decimal id): its units copied
    // into an array kept for its length, so no view of the units is made.
    const scratch = SHORT_SCRATCH[end - start] as number[];
    for (let i = start; i < end; i++) scratch[i - start] = units[i] as number;
    return String.fromCharCode.apply(null, scratch);
  }
  if (end - start < 256) return String.fromCharCode.apply(null, units.subarray(start, end) as unknown as number[]);
  let text = '';
  for (let from = start; from < end; from += 4096) {
    text += String.fromCharCode.apply(null, units.subarray(from, Math.min(end, from + 4096)) as unknown as number[]);
  }
  return text;
}

function text16(u: CodeUnits, s: number): string {
  return String.fromCharCode(
    u[s] as number,
    u[s + 1] as number,
    u[s + 2] as number,
    u[s + 3] as number,
    u[s + 4] as number,
    u[s + 5] as number,
    u[s + 6] as number,
    u[s + 7] as number,
    u[s + 8] as number,
    u[s + 9] as number,
    u[s + 10] as number,
    u[s + 11] as number,
    u[s + 12] as number,
    u[s + 13] as number,
    u[s + 14] as number,
    u[s + 15] as number,
  );
}

/** Whether `units[start, start + text.length)` is `text`. */
export function unitsEqual(units: CodeUnits, start: number, text: string): boolean {
  if (start + text.length > units.length) return false;
  for (let k = 0; k < text.length; k++) if (units[start + k] !== text.charCodeAt(k)) return false;
  return true;
}

/**
 * Short values seen recently, as strings: a direct-mapped cache from a
 * value's units to the one string made for them. Identities (a pointer's 16
 * digits, an amdgpu page key) recur on every event about their object, so
 * most lookups hit: no string is made, and the string a map is probed with
 * is the one it was stored under, its hash already computed. A slot holds
 * the last value hashed to it; a miss makes the string and replaces it.
 * The strings are made by `unitsText`, never views of the line, so they may
 * be kept.
 */
const CACHE_BITS = 16;
const CACHE_MASK = (1 << CACHE_BITS) - 1;
/** Words of a cached value: its bytes four to a word, `SHORT_TEXT` bytes at most. */
const CACHE_WORDS = SHORT_TEXT / 4;
const cachedTexts: string[] = new Array<string>(1 << CACHE_BITS).fill('');
/**
 * The bytes of each slot's string, four to a 32-bit word (the last word
 * padded with zeros): a hit is told by comparing a few words, not by reading
 * the string unit by unit.
 */
const cachedWords = new Int32Array((1 << CACHE_BITS) * CACHE_WORDS);
/** The words of the value being looked up. */
const words = new Int32Array(CACHE_WORDS);

function slotOf(count: number, length: number): number {
  let hash = length;
  for (let w = 0; w < count; w++) hash = Math.imul(hash ^ (words[w] as number), 0x01000193);
  return (hash ^ (hash >>> 15) ^ (hash >>> 26)) & CACHE_MASK;
}

/**
 * `unitsText(units, start, end)`, from the cache of short values when it
 * holds it (bytes only, at most `SHORT_TEXT` of them: a line of other units
 * is rare and gets a string of its own).
 */
export function cachedUnitsText(units: CodeUnits, start: number, end: number): string {
  const length = end - start;
  if (length <= 0 || length > SHORT_TEXT || !(units instanceof Uint8Array)) return unitsText(units, start, end);
  // Each byte in its own 8 bits: equal words are equal bytes.
  const count = (length + 3) >> 2;
  let w = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    words[w++] =
      (units[i] as number) | ((units[i + 1] as number) << 8) | ((units[i + 2] as number) << 16) | ((units[i + 3] as number) << 24);
  }
  if (i < end) {
    let last = 0;
    for (let shift = 0; i < end; i++, shift += 8) last |= (units[i] as number) << shift;
    words[w] = last;
  }
  const slot = slotOf(count, length);
  const cached = cachedTexts[slot] as string;
  const at = slot * CACHE_WORDS;
  if (cached.length === length) {
    let k = 0;
    while (k < count && cachedWords[at + k] === words[k]) k++;
    if (k === count) return cached;
  }
  const text = unitsText(units, start, end);
  cachedTexts[slot] = text;
  for (let k = 0; k < count; k++) cachedWords[at + k] = words[k] as number;
  return text;
}

/**
 * Hex values already read as numbers (by the reader thread, `prescan.ts`),
 * as strings: a direct-mapped cache from the number to the one string made
 * for it, one table for each way such a value is keyed. It answers what
 * `cachedUnitsText` answers for the value's digits without reading them
 * again, and with one probe of a number array instead of a word compare.
 * A slot whose number is -1 is empty (no value is negative).
 */
const NUMBER_CACHE_BITS = 16;
const NUMBER_CACHE_MASK = (1 << NUMBER_CACHE_BITS) - 1;
const TWO_32 = 2 ** 32;

class NumberTexts {
  readonly numbers = new Float64Array(1 << NUMBER_CACHE_BITS).fill(-1);
  readonly texts: string[] = new Array<string>(1 << NUMBER_CACHE_BITS).fill('');
  constructor(private readonly render: (value: number) => string) {}

  text(value: number): string {
    const slot = numberSlot(value);
    if (this.numbers[slot] === value) return this.texts[slot] as string;
    const text = this.render(value);
    this.numbers[slot] = value;
    this.texts[slot] = text;
    return text;
  }
}

function numberSlot(value: number): number {
  const hash = Math.imul((value >>> 0) ^ Math.imul(Math.floor(value / TWO_32), 0x9e3779b1), 0x85ebca6b);
  return (hash ^ (hash >>> 15)) & NUMBER_CACHE_MASK;
}

/** The 16 lowercase hex digits of `value` (an integer in [0, 2^53)), zero-padded. */
function pointerDigits(value: number): string {
  return pointerText(Math.floor(value / TWO_32), value >>> 0);
}

/** `pointerDigits` without the leading zeros (one kept for zero), flat (a `slice` would be a view of the padded text). */
function keyDigits(value: number): string {
  const text = pointerDigits(value);
  let zeros = 0;
  while (zeros < 15 && text.charCodeAt(zeros) === 48) zeros++;
  return zeros === 0 ? text : unitsText(unitsOf(text), zeros, 16);
}

/** A pointer's 16 lowercase digits, zero-padded (`pointerKey`). */
const pointerTexts = new NumberTexts(pointerDigits);
/** A hex key: lowercase digits without leading zeros (`hexKeyText`). */
const hexKeyTexts = new NumberTexts(keyDigits);

/**
 * The 16 zero-padded lowercase hex digits of `value` (an integer in [0, 2^53)),
 * the string `cachedUnitsText` gives for a pointer printed with those digits.
 */
export function cachedPointerText(value: number): string {
  return pointerTexts.text(value);
}

/** The lowercase hex digits of `value` (an integer in [0, 2^53)) without leading zeros. */
export function cachedHexKeyText(value: number): string {
  return hexKeyTexts.text(value);
}

/** The words `lowerHexText` reads into. */
const textWords = new Int32Array(2);

/** `lowerHexUnits` of a string's units. */
function lowerHexText(text: string): number {
  if (!readHexWords(text, textWords, 0)) return NaN;
  const high = textWords[0] as number;
  return high >>> 21 === 0 ? high * TWO_32 + ((textWords[1] as number) >>> 0) : NaN;
}

/**
 * `units[start, end)` read as lowercase hex digits (1 to 16 of them, no
 * `0x`): the value, or NaN when the range is not that or the value is 2^53
 * or more (then no double holds it exactly).
 */
export function lowerHexUnits(units: CodeUnits, start: number, end: number): number {
  if (end <= start || end - start > 16) return NaN;
  // The value's two 32-bit words in integer arithmetic, as `readHexWords` reads a string (the same
  // loop over a typed array: this one runs on every value of every trace line).
  let high = 0;
  let low = 0;
  let bad = 0;
  for (let i = start; i < end; i++) {
    const code = units[i] as number;
    const digit = HEX_DIGIT_VALUES[code & 0xff] as number;
    bad |= digit | -(code >>> 8);
    high = (high << 4) | (low >>> 28);
    low = (low << 4) | (digit & 15);
  }
  // Below 2^53: the high word below 2^21.
  if (bad < 0 || high >>> 21 !== 0) return NaN;
  return high * TWO_32 + (low >>> 0);
}

/**
 * The string one of the caches of short values holds equal to `text`, or
 * undefined: a string made from units or a number, never a view of a longer
 * one, so it may be kept where `text` (perhaps a slice of a line) should not.
 */
export function cachedTextEqual(text: string): string | undefined {
  return numberCachedText(text) ?? unitsCachedText(text);
}

function numberCachedText(text: string): string | undefined {
  const value = lowerHexText(text);
  if (value !== value) return undefined;
  const texts = text.length === 16 ? pointerTexts : hexKeyTexts;
  const cached = texts.texts[numberSlot(value)] as string;
  return cached === text ? cached : undefined;
}

function unitsCachedText(text: string): string | undefined {
  const length = text.length;
  if (length === 0 || length > SHORT_TEXT) return undefined;
  const count = (length + 3) >> 2;
  for (let w = 0, i = 0; w < count; w++, i += 4) {
    // charCodeAt past the end is NaN, which `|` reads as 0, the padding. A unit above 0xff cannot be cached; the compare below says no.
    words[w] =
      (text.charCodeAt(i) & 0xff) |
      ((text.charCodeAt(i + 1) & 0xff) << 8) |
      ((text.charCodeAt(i + 2) & 0xff) << 16) |
      ((text.charCodeAt(i + 3) & 0xff) << 24);
  }
  const cached = cachedTexts[slotOf(count, length)] as string;
  return cached === text ? cached : undefined;
}
