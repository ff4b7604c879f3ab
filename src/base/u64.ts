/**
 * Unsigned 64-bit arithmetic, as the kernel's u64, in two representations.
 *
 * `U64` is the exact one: a bigint in [0, 2^64). Addresses, ranges and
 * offsets in drm_gpuvm wrap around at 2^64 (`addr + range` is computed in
 * u64), and the model must reproduce that wrap exactly, so all bigint
 * arithmetic that can leave the range goes through `add`/`sub`.
 *
 * `Num64` is what the engine computes with: a JS number where the values
 * involved are known to stay below 2^53 (then every sum and difference the
 * kernel code computes is exact and never wraps, so plain `+`/`-` give the
 * u64 result), else a `U64` bigint. Which one a value is never depends on the
 * operation, only on the caller's choice for the whole VM (see
 * `model/number-path.ts`); the `*64` helpers below take either and never mix
 * them.
 */

export type U64 = bigint;

/** A u64 held as a number (exactly, below 2^53) or as a bigint; see the module comment. */
export type Num64 = number | U64;

/** The largest u64 a number holds exactly: 2^53 - 1. */
export const MAX_EXACT = Number.MAX_SAFE_INTEGER;
const MAX_EXACT_U64 = BigInt(MAX_EXACT);

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

/** `a + b` in u64; numbers are added exactly (the caller guarantees no wrap). */
export function add64(a: Num64, b: Num64): Num64 {
  return typeof a === 'number' ? a + (b as number) : add(a, b as U64);
}

/** `a - b` in u64; numbers are subtracted exactly (the caller guarantees no wrap). */
export function sub64(a: Num64, b: Num64): Num64 {
  return typeof a === 'number' ? a - (b as number) : sub(a, b as U64);
}

/** `a - 1` in u64 (a number 0 gives -1: only ever stored, never compared; see `model/number-path.ts`). */
export function dec64(a: Num64): Num64 {
  return typeof a === 'number' ? a - 1 : sub(a, 1n);
}

/** `a + 1` in u64. */
export function inc64(a: Num64): Num64 {
  return typeof a === 'number' ? a + 1 : add(a, 1n);
}

/** True when `a + b` does not fit in u64; two numbers below 2^53 never overflow. */
export function addOverflows64(a: Num64, b: Num64): boolean {
  return typeof a === 'number' ? false : addOverflows(a, b as U64);
}

export function isZero64(a: Num64): boolean {
  return a === 0 || a === 0n;
}

/** Zero in the representation of `like`. */
export function zero64(like: Num64): Num64 {
  return typeof like === 'number' ? 0 : 0n;
}

/** The exact bigint of either representation. */
export function toU64(value: Num64): U64 {
  return typeof value === 'number' ? BigInt(value) : value;
}

/** A number when `value` is below 2^53, else the bigint itself. */
export function toNum64(value: U64): Num64 {
  return value <= MAX_EXACT_U64 ? Number(value) : value;
}

/** Lowercase hex without padding, as the replay output prints numbers: `0x1f000`. */
export function hex(value: Num64): string {
  return '0x' + value.toString(16);
}

/**
 * `hex` of `last + 1`, the exclusive end of an inclusive range, not wrapped
 * (a range ending at 2^64 - 1 ends at 0x10000000000000000). The same text
 * for a number and for a bigint: a number `last` is below 2^53, so
 * `last + 1` is exact.
 */
export function hexEnd(last: Num64): string {
  return hex(typeof last === 'number' ? last + 1 : last + 1n);
}

/** `0x` and 16 lowercase hex digits, as the gpuvas debugfs file prints numbers. */
export function hex16(value: Num64): string {
  return '0x' + value.toString(16).padStart(16, '0');
}

/**
 * Parses an integer in C syntax (decimal, `0x` hex, leading-zero octal) with
 * an optional sign from `bytes[start, end)`, as `strtoull(text, NULL, 0)` reads
 * a whole token: a leading `-` negates modulo 2^64 (`-0x1000` is
 * 0xfffffffffffff000), `+` is allowed; a leading zero followed by digits that
 * include 8 or 9 is read as decimal. Returns undefined for a token that is
 * not entirely such a number, or whose magnitude is above 2^64-1, so that a
 * caller can report the line instead of guessing.
 *
 * The result is a number when it is below 2^53 and a bigint otherwise
 * (`Num64`): digits are accumulated in a double, which is exact as long as it
 * stays below 2^53; only longer numbers go through bigint.
 */
export function parseCNumberBytes(bytes: Uint8Array, start: number, end: number): Num64 | undefined {
  let i = start;
  const sign = bytes[i];
  const negative = sign === 0x2d; /* - */
  if (negative || sign === 0x2b /* + */) i++;
  if (i >= end) return undefined;
  let value = 0;
  let radix: number;
  let digits = i;
  if (bytes[i] === 0x30 && i + 1 < end && ((bytes[i + 1] as number) | 0x20) === 0x78 /* x */) {
    radix = 16;
    digits = i + 2;
    if (digits >= end) return undefined;
    for (let j = digits; j < end; j++) {
      const c = bytes[j] as number;
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) d = (c | 0x20) - 0x57;
      else return undefined;
      value = value * 16 + d;
    }
  } else {
    // Octal when it starts with 0 and every digit is below 8, else decimal.
    radix = bytes[i] === 0x30 ? 8 : 10;
    for (let j = i; j < end; j++) {
      const d = (bytes[j] as number) - 0x30;
      if (d < 0 || d > 9) return undefined;
      if (d > 7) radix = 10;
    }
    for (let j = i; j < end; j++) value = value * radix + ((bytes[j] as number) - 0x30);
  }
  // Every partial value is at most the final one, so below 2^53 all of them were exact.
  if (value <= MAX_EXACT && !negative) return value;
  // Leading zeros do not count; more digits than a u64 can hold is out of
  // range without computing it (a token of a million digits must not cost
  // a quadratic bigint loop).
  while (digits < end && bytes[digits] === 0x30) digits++;
  if (end - digits > MAX_U64_DIGITS[radix]!) return undefined;
  let exact = 0n;
  const big = BigInt(radix);
  for (let j = digits; j < end; j++) {
    const c = bytes[j] as number;
    exact = exact * big + BigInt(c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
  }
  if (exact > U64_MAX) return undefined;
  return toNum64(negative ? sub(0n, exact) : exact);
}

/** The most digits a value up to 2^64-1 has in each radix `parseCNumberBytes` reads. */
const MAX_U64_DIGITS: Record<number, number> = { 8: 22, 10: 20, 16: 16 };

const encoder = new TextEncoder();

/** `parseCNumberBytes` of a string token, as an exact bigint. */
export function parseCNumber(text: string): U64 | undefined {
  const bytes = encoder.encode(text);
  const value = parseCNumberBytes(bytes, 0, bytes.length);
  return value === undefined ? undefined : toU64(value);
}
