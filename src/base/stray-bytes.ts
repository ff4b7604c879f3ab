/**
 * Stray bytes in text lines: NUL and other control characters (tab and CR
 * excepted) and U+FFFD, which is what a byte that is not UTF-8 decodes to.
 * Captures pick them up from a ring buffer copied while written, pstore, or
 * a serial console; a line with a few of them is still the line it was, so
 * readers decode it without them (and say so) instead of dropping it as
 * binary data. A line that is mostly such bytes stays binary.
 */

const STRAY = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]/;
const STRAY_ALL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]/g;

/** At most this many stray characters, and at most one per four kept ones, make "a few". */
const MAX_STRAY = 16;

export function hasStrayBytes(text: string): boolean {
  return STRAY.test(text);
}

/**
 * `text` without its stray characters and how many there were, or
 * undefined when there are none or too many for the line to be text.
 */
export function withoutStrayBytes(text: string): { readonly text: string; readonly removed: number } | undefined {
  const cleaned = text.replace(STRAY_ALL, '');
  const removed = text.length - cleaned.length;
  if (removed === 0 || removed > MAX_STRAY || removed * 4 > cleaned.length) return undefined;
  return { text: cleaned, removed };
}
