/**
 * Binary search over items kept in ascending `line` order (checkpoints of a
 * replay): the index of the last item at or before a line.
 */

/** Index of the last item whose `line` is <= `line`; 0 when every item is after it. */
export function lastAtOrBefore(items: readonly { readonly line: number }[], line: number): number {
  let low = 0;
  let high = items.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((items[middle] as { readonly line: number }).line <= line) low = middle;
    else high = middle - 1;
  }
  return low;
}
