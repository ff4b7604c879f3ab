/**
 * Shared glue of the rules built on the resource paths: picks the path
 * events of one kind from each function of an image and gives them a key that
 * is stable between the pre- and post-image (texts, not line numbers).
 */

import type { PathEvent } from './resource-paths';
import { rowText, type FunctionView, type HunkReview, type ImageSide } from './review-context';

export function eventsOf<T extends PathEvent['type']>(
  review: HunkReview,
  side: ImageSide,
  type: T,
): { view: FunctionView; event: Extract<PathEvent, { type: T }> }[] {
  const out: { view: FunctionView; event: Extract<PathEvent, { type: T }> }[] = [];
  for (const view of review[side]) {
    for (const event of view.paths.events) if (event.type === type) out.push({ view, event: event as Extract<PathEvent, { type: T }> });
  }
  return out;
}

/** A key made of the function name and the texts of the rows involved. */
export function textKey(view: FunctionView, ...parts: (string | number)[]): string {
  return [view.ir.name, ...parts.map((part) => (typeof part === 'number' ? rowText(view, part).replace(/\s+/g, '') : part))].join('|');
}
