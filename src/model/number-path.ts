/**
 * When the engine may compute with JS numbers instead of bigints.
 *
 * The model's u64 arithmetic (`add64`/`sub64`/`dec64` over `Num64`) is plain
 * number arithmetic on numbers, so it gives the kernel's u64 results exactly
 * when no value it computes leaves [0, 2^53): then nothing rounds and nothing
 * wraps. The predicates here say, per VM and per request, that this holds,
 * from the request's inputs alone:
 *
 * - a VM is on the number path when its window's start and its reserved
 *   window are given as numbers, the reserved window ends at or below
 *   2^53 - 1 and the window does not wrap. A window reaching past 2^53 - 1
 *   (a trace's VM spans the whole u64 space) is held clamped to end at 2^53:
 *   every qualifying request ends at or below 2^53 - 1, so it compares with
 *   that end exactly as with the real one (`GpuVm` keeps the real one for
 *   `widen`);
 * - a request over [addr, addr + range) qualifies when `addr + range` is at
 *   most 2^53 - 1 and at least 1 (its `addr + range - 1` does not wrap: a
 *   zero-size request at 0 covers the whole u64 space), and, with an offset,
 *   when `offset + range` is at most 2^53 - 1.
 *
 * Then every VA in a number-path tree satisfies the same bounds (a split
 * piece is inside the VA it came from, its offset moves by less than that
 * VA's range; madvise maps have offset 0), so every value the split/merge
 * walk, the range checks and the lookups compute stays exact. A zero-size VA
 * at address 0 (`last` = 2^64 - 1, the top of the space) can only come from a
 * request that does not qualify.
 *
 * A request that does not qualify moves its VM to bigints for good
 * (`GpuVm.widen`), before it runs: each result is computed entirely on one
 * path, and both paths compute the same values, so the output is the same
 * whichever path a VM is on. The property test in
 * test/unit/model/number-path.property.test.ts replays random scripts both
 * ways and compares them byte for byte.
 */

import { MAX_EXACT, toU64, U64_MAX, type Num64 } from '../base/u64';

/** `addr + range` qualifies: both numbers, the end at most 2^53 - 1 and not 0. */
export function spanOnNumbers(addr: Num64, range: Num64): boolean {
  if (typeof addr !== 'number' || typeof range !== 'number') return false;
  // Both are below 2^53, so a true sum above MAX_EXACT rounds to at least
  // 2^53: the comparison is exact.
  const end = addr + range;
  return end <= MAX_EXACT && end >= 1;
}

/** A map or insert request qualifies: its span, and `offset + range`. */
export function mapOnNumbers(addr: Num64, range: Num64, offset: Num64): boolean {
  return spanOnNumbers(addr, range) && typeof offset === 'number' && offset + (range as number) <= MAX_EXACT;
}

/** `drm_gpuva_find_prev(start)` qualifies: it looks at [start - 1, start]. */
export function findPrevOnNumbers(start: Num64): boolean {
  return typeof start === 'number' && start >= 1 && start <= MAX_EXACT;
}

/** `drm_gpuva_find_next(end)` qualifies: it looks at [end, end + 1]. */
export function findNextOnNumbers(end: Num64): boolean {
  return typeof end === 'number' && end + 1 <= MAX_EXACT;
}

/**
 * A VM's window and reserved window qualify: the window's start and the
 * reserved window are numbers, the reserved window ends at or below 2^53 - 1
 * and the window (its range may be a bigint) does not wrap.
 */
export function windowOnNumbers(start: Num64, range: Num64, kernelStart: Num64, kernelRange: Num64): boolean {
  return (
    typeof start === 'number' &&
    typeof kernelStart === 'number' &&
    typeof kernelRange === 'number' &&
    kernelStart + kernelRange <= MAX_EXACT &&
    BigInt(start) + toU64(range) <= U64_MAX
  );
}

/** Where a number-path window reaching past 2^53 - 1 is held to end (see the module comment). */
export const CLAMPED_END = 2 ** 53;
