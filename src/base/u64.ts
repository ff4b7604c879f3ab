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
 * Parses an integer in C syntax (decimal, `0x` hex, leading-zero octal) with
 * an optional sign, as `strtoull(text, NULL, 0)` reads a whole token: a leading
 * `-` negates modulo 2^64 (`-0x1000` is 0xfffffffffffff000), `+` is allowed.
 * Returns undefined for a token that is not entirely such a number, or whose
 * magnitude is above 2^64-1, so that a caller can report the line instead of
 * guessing.
 */
export function parseCNumber(text: string): U64 | undefined {
  const sign = text.charCodeAt(0);
  const negative = sign === 0x2d; /* - */
  const digits = negative || sign === 0x2b /* + */ ? text.slice(1) : text;
  let value: bigint;
  if (DIGITS_HEX.test(digits)) value = BigInt(digits.toLowerCase());
  else if (DIGITS_OCT.test(digits)) value = BigInt('0o' + (digits.slice(1) || '0'));
  else if (DIGITS_DEC.test(digits)) value = BigInt(digits);
  else return undefined;
  if (value > U64_MAX) return undefined;
  return negative ? sub(0n, value) : value;
}
