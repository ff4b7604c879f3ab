/**
 * Checks one parsed VA-space snapshot against the invariants the kernel keeps
 * for every VM (docs/model.md, "Invariants of the VA space" and "Range validation"): no overlap, address order, end =
 * start + range, inside the window, outside the kernel-reserved node, no
 * zero-size VA. Each violation is a finding on the row's line, with the row it
 * conflicts with as a related location.
 *
 * Arithmetic is done on unbounded bigints (not wrapping u64) so that a row
 * whose end wraps past 2^64 is seen as leaving the window instead of being
 * folded back into it.
 */

import { add, hex16 } from '../../base/u64';
import type { RegionRow, VaRow, VaSpaceSnapshot } from '../../parse/dump/snapshot';
import type { Finding } from '../../rules/rule';
import {
  dumpEndMismatch,
  dumpOverlappingVas,
  dumpRowsOutOfOrder,
  dumpVaInReservedNode,
  dumpVaOutsideWindow,
  dumpZeroRangeVa,
} from '../../rules/dump/dump-rules';

const U64_LIMIT = 1n << 64n;

function at(row: { line?: number }): { line: number } {
  return { line: row.line ?? 1 };
}

export function checkSnapshot(snapshot: VaSpaceSnapshot, findings: Finding[]): void {
  const vm = snapshot.name;
  const hasReserved = snapshot.reservedEnd > snapshot.reservedStart;
  const hasWindow = snapshot.end > snapshot.start;
  let previous: VaRow | undefined;

  for (const row of snapshot.rows) {
    const trueEnd = row.addr + row.range;
    const span = at(row);
    if (row.end !== add(row.addr, row.range)) {
      findings.push(dumpEndMismatch.report(span, 'va', { end: hex16(row.end), expected: hex16(add(row.addr, row.range)) }));
    }
    if (row.range === 0n) findings.push(dumpZeroRangeVa.report(span, 'zero', { addr: hex16(row.addr), vm }));
    if (trueEnd > U64_LIMIT) {
      findings.push(dumpVaOutsideWindow.report(span, 'wraps', { addr: hex16(row.addr), range: hex16(row.range), vm }));
    } else if (hasWindow && (row.addr < snapshot.start || trueEnd > snapshot.end)) {
      findings.push(
        dumpVaOutsideWindow.report(span, 'outside', {
          addr: hex16(row.addr),
          end: hex16(add(row.addr, row.range)),
          vm,
          start: hex16(snapshot.start),
          windowEnd: hex16(snapshot.end),
        }),
      );
    }
    if (hasReserved && row.range !== 0n && row.addr < snapshot.reservedEnd && snapshot.reservedStart < trueEnd) {
      findings.push(
        dumpVaInReservedNode.report(span, 'reserved', {
          addr: hex16(row.addr),
          end: hex16(add(row.addr, row.range)),
          vm,
          reservedStart: hex16(snapshot.reservedStart),
          reservedEnd: hex16(snapshot.reservedEnd),
        }),
      );
    }
    if (previous && row.addr < previous.addr) {
      findings.push(
        dumpRowsOutOfOrder.report(
          span,
          'order',
          { addr: hex16(row.addr), vm, previous: hex16(previous.addr), previousLine: previous.line ?? 1 },
          [{ line: previous.line ?? 1, message: `the VA at ${hex16(previous.addr)} printed before it` }],
        ),
      );
    }
    previous = row;
  }

  checkOverlaps(snapshot, findings);

  for (const region of snapshot.regions ?? []) {
    if (region.end !== add(region.start, region.range)) {
      findings.push(
        dumpEndMismatch.report(at(region), 'region', { end: hex16(region.end), expected: hex16(add(region.start, region.range)) }),
      );
    }
  }
  checkRegionOverlaps(snapshot, findings);
}

/** nouveau's sparse regions never overlap each other (their maple tree refuses it). */
function checkRegionOverlaps(snapshot: VaSpaceSnapshot, findings: Finding[]): void {
  const regions = [...(snapshot.regions ?? [])]
    .filter((region) => region.range !== 0n)
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (let i = 1; i < regions.length; i++) {
    const previous = regions[i - 1] as RegionRow;
    const region = regions[i] as RegionRow;
    if (region.start >= previous.start + previous.range) continue;
    const [first, second] = (previous.line ?? 0) <= (region.line ?? 0) ? [previous, region] : [region, previous];
    findings.push(
      dumpOverlappingVas.report(
        at(second),
        'region',
        {
          addr: hex16(second.start),
          end: hex16(add(second.start, second.range)),
          vm: snapshot.name,
          otherAddr: hex16(first.start),
          otherEnd: hex16(add(first.start, first.range)),
          otherLine: first.line ?? 1,
        },
        [{ line: first.line ?? 1, message: `the overlapping region [${hex16(first.start)}, ${hex16(add(first.start, first.range))})` }],
      ),
    );
  }
}

/**
 * Sweeps the rows in address order, remembering the row reaching furthest;
 * every row starting below that end overlaps it. Reported on whichever of the
 * two is printed later, so a finding points at the row a reader meets second.
 * Zero-size VAs have their own rule and take no part here.
 */
function checkOverlaps(snapshot: VaSpaceSnapshot, findings: Finding[]): void {
  const rows = snapshot.rows.filter((row) => row.range !== 0n);
  const sorted = [...rows].sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : (a.line ?? 0) - (b.line ?? 0)));
  let reach: VaRow | undefined;
  for (const row of sorted) {
    if (reach && row.addr < reach.addr + reach.range) {
      const [first, second] = (reach.line ?? 0) <= (row.line ?? 0) ? [reach, row] : [row, reach];
      findings.push(
        dumpOverlappingVas.report(
          at(second),
          'overlap',
          {
            addr: hex16(second.addr),
            end: hex16(add(second.addr, second.range)),
            vm: snapshot.name,
            otherAddr: hex16(first.addr),
            otherEnd: hex16(add(first.addr, first.range)),
            otherLine: first.line ?? 1,
          },
          [{ line: first.line ?? 1, message: `the overlapping VA [${hex16(first.addr)}, ${hex16(add(first.addr, first.range))})` }],
        ),
      );
    }
    if (!reach || row.addr + row.range > reach.addr + reach.range) reach = row;
  }
}
