/**
 * docs/model.md, "Locking": `drm_gpuva_link()` and `drm_gpuva_unlink()` change
 * the GEM's gpuva list and the VM_BO's VA list, which the GEM's lock protects
 * (its dma-resv, or the `gpuva.lock` mutex in immediate mode); both assert it.
 * A patch that removes the lock taken around such a call, leaving the call in
 * place, breaks that rule on every path through it.
 *
 * Only the removal is reported: whether a new call is covered by a lock its
 * caller takes cannot be seen in the function alone.
 */

import { defineRule } from '../rule';
import type { CallSite } from '../../parse/c/function-ir';
import { eventsOf } from './path-issues';
import { functionLabel, rowChanged, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const gpuvaLinkUnlocked = defineRule({
  id: 'gpuva-link-unlocked',
  summary: 'The lock around drm_gpuva_link()/drm_gpuva_unlink() is removed while the call stays.',
  defaultSeverity: 'warning',
  tags: ['patch', 'drm_gpuvm', 'locking'],
  messages: {
    removed:
      "The patch removes {lock} from around {call}() in {fn}, which stays: link and unlink change the GEM's gpuva list and assert the GEM's lock (its resv, or gpuva.lock in immediate mode). Keep the lock, or assert that the caller holds it.",
  },
});

const CALLS = new Set(['drm_gpuva_link', 'drm_gpuva_unlink', 'drm_gpuva_unlink_defer']);
const signature = (call: CallSite) => `${call.name}(${call.args.join(',')})`;

export const gpuvaLinkUnlockedCheck: PatchRuleCheck = {
  rule: gpuvaLinkUnlocked,
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    if (side !== 'post') return [];
    const lockedAfter = new Set(
      eventsOf(review, 'post', 'call-while-held')
        .filter(({ event }) => CALLS.has(event.call.name) && event.held.some((held) => held.pair.kind === 'lock'))
        .map(({ event }) => signature(event.call)),
    );
    const stillCalled = new Set(review.post.flatMap((view) => view.ir.calls.filter((call) => CALLS.has(call.name)).map(signature)));
    const issues: PatchIssue[] = [];
    const seen = new Set<string>();
    for (const { view, event } of eventsOf(review, 'pre', 'call-while-held')) {
      if (!CALLS.has(event.call.name)) continue;
      const sig = signature(event.call);
      if (!stillCalled.has(sig) || lockedAfter.has(sig)) continue;
      const held = event.held.find(
        (item) => item.pair.kind === 'lock' && item.acquireRow !== undefined && rowChanged(view, item.acquireRow),
      );
      if (!held || held.acquireRow === undefined || seen.has(sig)) continue;
      seen.add(sig);
      issues.push({
        view,
        key: `${view.ir.name}|${sig}`,
        row: held.acquireRow,
        messageId: 'removed',
        data: { lock: `the ${held.pair.what} on ${held.key}`, call: event.call.name, fn: functionLabel(view) },
        related: [{ row: event.call.row, message: `${event.call.name}() was called under it here` }],
      });
    }
    return issues;
  },
};
