/**
 * Lowercase hex digits and the two 32-bit words they stand for: how trace
 * keys print pointers (16 digits, zero-padded) and how the decoder, the
 * touch log and the checkpoints hold them without a string or a bigint.
 *
 * Invariant: `pointerText(high, low)` is the text `readHexWords` reads back
 * to the same words, for every pair of words.
 */

/** Each code unit's value as a lowercase hex digit, -1 for any other unit (index `unit & 0xff`; see `readHexWords`). */
export const HEX_DIGIT_VALUES = Int8Array.from({ length: 256 }, (_, unit) =>
  unit >= 0x30 && unit <= 0x39 ? unit - 0x30 : unit >= 0x61 && unit <= 0x66 ? unit - 0x57 : -1,
);

/**
 * `text` read as 1 to 16 lowercase hex digits: its value's high word at
 * `words[at]`, its low word at `words[at + 1]` (written whatever the
 * answer), and whether it was that. Without a branch per digit: a bad digit
 * (-1), or a unit past 0xff (`unit >>> 8`, negated), sets the sign bit of
 * `bad`; each digit shifts the pair of words left by four.
 */
export function readHexWords(text: string, words: Int32Array, at: number): boolean {
  const length = text.length;
  let high = 0;
  let low = 0;
  let bad = length === 0 || length > 16 ? -1 : 0;
  for (let i = 0; i < length && i < 16; i++) {
    const unit = text.charCodeAt(i);
    const digit = HEX_DIGIT_VALUES[unit & 0xff] as number;
    bad |= digit | -(unit >>> 8);
    high = (high << 4) | (low >>> 28);
    low = (low << 4) | (digit & 15);
  }
  words[at] = high;
  words[at + 1] = low;
  return bad >= 0;
}

/** Whether `text` is a pointer as keys print it (16 lowercase hex digits), its words then at `words[at]`, `words[at + 1]`. */
export function parsePointer(text: string, words: Int32Array, at: number): boolean {
  return text.length === 16 && readHexWords(text, words, at);
}

/** Each hex digit's character code, by value. */
const DIGIT_UNITS = Uint8Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));

/**
 * The 16-digit text of a pointer's two words (`parsePointer` backwards), as
 * one flat string made at once: keys are built for every object the index
 * numbers, every mapping a checkpoint gives back and every new pointer a
 * trace names, and two `toString(16)`, two `padStart` and a concatenation
 * took ten times as long (and a concatenation is walked by every later hash).
 */
export function pointerText(high: number, low: number): string {
  const d = DIGIT_UNITS;
  return String.fromCharCode(
    d[(high >>> 28) & 15] as number,
    d[(high >>> 24) & 15] as number,
    d[(high >>> 20) & 15] as number,
    d[(high >>> 16) & 15] as number,
    d[(high >>> 12) & 15] as number,
    d[(high >>> 8) & 15] as number,
    d[(high >>> 4) & 15] as number,
    d[high & 15] as number,
    d[(low >>> 28) & 15] as number,
    d[(low >>> 24) & 15] as number,
    d[(low >>> 20) & 15] as number,
    d[(low >>> 16) & 15] as number,
    d[(low >>> 12) & 15] as number,
    d[(low >>> 8) & 15] as number,
    d[(low >>> 4) & 15] as number,
    d[low & 15] as number,
  );
}
