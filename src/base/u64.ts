/**
 * Unsigned 64-bit arithmetic on bigint, as the kernel's u64.
 *
 * Invariant: every value produced here is in [0, 2^64). Addresses, ranges and
 * offsets in drm_gpuvm wrap around at 2^64 (`addr + range` is computed in u64),
 * and the model must reproduce that wrap exactly, so all arithmetic that can
 * leave the range goes through `add`/`sub`.
 */

export type U64 = bigint;

export const U64_MAX: U64 = (1n << 64n) - 1n;

/** `a + b` in u64 (wrapping). */
export function add(a: U64, b: U64): U64 {
  const sum = a + b;
  return sum > U64_MAX ? sum - (1n << 64n) : sum;
}

/** `a - b` in u64 (wrapping). */
export function sub(a: U64, b: U64): U64 {
  const diff = a - b;
  return diff < 0n ? diff + (1n << 64n) : diff;
}

/** True when `a + b` does not fit in u64 (the kernel's `check_add_overflow`). */
export function addOverflows(a: U64, b: U64): boolean {
  return a + b > U64_MAX;
}

/** Lowercase hex without padding, as the replay output prints numbers: `0x1f000`. */
export function hex(value: U64): string {
  return '0x' + value.toString(16);
}

/** `0x` and 16 lowercase hex digits, as the gpuvas debugfs file prints numbers. */
export function hex16(value: U64): string {
  return '0x' + value.toString(16).padStart(16, '0');
}

const DIGITS_DEC = /^[0-9]+$/;
const DIGITS_HEX = /^0[xX][0-9a-fA-F]+$/;
const DIGITS_OCT = /^0[0-7]*$/;

/**
 * Parses an unsigned integer in C syntax (decimal, `0x` hex, leading-zero octal),
 * as `strtoull(text, &end, 0)` with a check that the whole token was used.
 * Returns undefined for anything else, including values above 2^64-1, so that a
 * caller can report the line instead of guessing.
 */
export function parseCNumber(text: string): U64 | undefined {
  let value: bigint;
  if (DIGITS_HEX.test(text)) value = BigInt(text.toLowerCase());
  else if (DIGITS_OCT.test(text)) value = BigInt('0o' + (text.slice(1) || '0'));
  else if (DIGITS_DEC.test(text)) value = BigInt(text);
  else return undefined;
  return value > U64_MAX ? undefined : value;
}
