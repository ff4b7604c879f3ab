/**
 * The lines of one function view (a patch image's function, whole or as far
 * as the window shows it) as the lock scanner of `lock-facts` reads them:
 * each line is numbered by its fragment row, so what the scanner reports maps
 * straight back to a row of the view.
 */

import { scanLocks, type LockEvent, type ScanLine } from './lock-facts';
import type { PairIndex } from './resource-pairs';
import type { FunctionView } from './review-context';

export function viewLines(view: FunctionView): ScanLine[] {
  const lines: ScanLine[] = [];
  for (let row = view.ir.startRow; row <= view.ir.endRow; row++) {
    const source = view.rows[row];
    if (source) lines.push({ text: source.text, line: row });
  }
  return lines;
}

/**
 * The lock classes the linear scan holds at the start of each row of `view`,
 * each with the row it was taken (or asserted held) at; `onEvent` sees the
 * scan's events on the way.
 */
export function heldAtRows(
  view: FunctionView,
  pairs: PairIndex,
  onEvent: (event: LockEvent) => void = () => undefined,
): Map<number, ReadonlyMap<string, number>> {
  const held = new Map<number, ReadonlyMap<string, number>>();
  scanLocks(viewLines(view), pairs, onEvent, (line, _code, before) => {
    held.set(line, new Map(before.map((lock) => [lock.cls, lock.line])));
  });
  return held;
}
