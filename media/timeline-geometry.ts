/**
 * Line arithmetic of the mapping timeline, kept free of the DOM so it is
 * unit-tested: which span of lines to show (the VM's life, the whole
 * document, zoomed), where a lifetime bar falls in it, and which rows of a
 * long list are on screen (the view renders only those, so 100k mappings
 * cost the same as a screenful).
 *
 * Lines are 0-based, as in the protocol; a lifetime covers [bound, unbound)
 * and one still live at the end runs to the end of the document.
 */

import type { Timeline, TimelineBar } from '../src/protocol/lsp-ext';

/** A half-open span of lines [from, to). */
export interface LineWindow {
  readonly from: number;
  readonly to: number;
}

/** Bars narrower than this many pixels are widened so that every lifetime can be seen and clicked. */
export const MIN_BAR_PX = 3;

export function wholeDocument(t: Timeline): LineWindow {
  return { from: 0, to: Math.max(1, t.lineCount) };
}

/** From the VM's creation to its free (or the end), widened to every bar it drew. */
export function vmLifetime(t: Timeline): LineWindow {
  if (!t.vm) return wholeDocument(t);
  let from = t.vm.line;
  let to = (t.vm.freedLine ?? t.lineCount - 1) + 1;
  for (const bar of t.bars) {
    if (bar.boundLine < from) from = bar.boundLine;
    if ((bar.unboundLine ?? t.lineCount - 1) + 1 > to) to = (bar.unboundLine ?? t.lineCount - 1) + 1;
  }
  return { from: Math.max(0, from), to: Math.max(from + 1, to) };
}

/** Zooms by `factor` (below 1: in) around `anchor` (0..1 of the window), inside the document, at least 8 lines. */
export function zoomWindow(w: LineWindow, factor: number, anchor: number, t: Timeline): LineWindow {
  const whole = wholeDocument(t);
  const span = Math.min(whole.to - whole.from, Math.max(8, Math.round((w.to - w.from) * factor)));
  const at = w.from + (w.to - w.from) * anchor;
  let from = Math.round(at - span * anchor);
  from = Math.max(whole.from, Math.min(from, whole.to - span));
  return { from, to: from + span };
}

/** The end of a bar's life: its unbind line, or the end of the document while live. */
export function barEnd(bar: TimelineBar, t: Timeline): number {
  return bar.unboundLine ?? t.lineCount;
}

/**
 * Left and width of a bar as fractions of the track, or null when it lies
 * outside the window; at least `MIN_BAR_PX` of `widthPx` wide.
 */
export function barBox(bar: TimelineBar, w: LineWindow, t: Timeline, widthPx: number): { left: number; width: number } | null {
  const end = Math.max(barEnd(bar, t), bar.boundLine + 1);
  if (end <= w.from || bar.boundLine >= w.to) return null;
  const span = w.to - w.from;
  const left = (Math.max(bar.boundLine, w.from) - w.from) / span;
  const right = (Math.min(end, w.to) - w.from) / span;
  const min = MIN_BAR_PX / Math.max(1, widthPx);
  const width = Math.max(right - left, min);
  return { left: Math.min(left, 1 - width), width };
}

/** Fraction of the window at which `line` lies, or null outside it. */
export function lineFraction(line: number, w: LineWindow): number | null {
  return line < w.from || line >= w.to ? null : (line - w.from) / (w.to - w.from);
}

/** Indexes [first, last) of the rows to render for a scroll position, with `overscan` rows either side. */
export function visibleRows(
  scrollTop: number,
  viewportPx: number,
  rowPx: number,
  count: number,
  overscan = 10,
): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowPx) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewportPx) / rowPx) + overscan);
  return { first, last: Math.max(first, last) };
}
