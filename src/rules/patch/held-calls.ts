/**
 * Shared by the drm_gpuvm locking-contract rules: the calls a function makes
 * while the GEM's `gpuva.lock` mutex (immediate mode, 6.18+) or a
 * fence-signalling section is held, from the resource paths.
 */

import type { CallSite } from '../../parse/c/function-ir';
import type { HeldResource } from './resource-paths';
import { eventsOf } from './path-issues';
import type { FunctionView, HunkReview, ImageSide } from './review-context';

/** `&obj->gpuva.lock`, `bo->base.gpuva.lock`: the GEM's gpuva mutex. */
export const isGpuvaLock = (held: HeldResource): boolean => held.pair.kind === 'lock' && /gpuva\.lock$/.test(held.key);
export const isSignalling = (held: HeldResource): boolean => held.pair.kind === 'fence-signalling';

export function callsWhileHeld(
  review: HunkReview,
  side: ImageSide,
  names: ReadonlySet<string> | RegExp,
  holding: (held: HeldResource) => boolean,
): { view: FunctionView; call: CallSite; held: HeldResource }[] {
  const out: { view: FunctionView; call: CallSite; held: HeldResource }[] = [];
  const seen = new Set<CallSite>();
  for (const { view, event } of eventsOf(review, side, 'call-while-held')) {
    const matches = names instanceof RegExp ? names.test(event.call.name) : names.has(event.call.name);
    if (!matches || seen.has(event.call)) continue;
    const held = event.held.find(holding);
    if (!held) continue;
    seen.add(event.call);
    out.push({ view, call: event.call, held });
  }
  return out;
}
