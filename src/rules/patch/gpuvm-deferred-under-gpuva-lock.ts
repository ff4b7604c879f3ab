/**
 * docs/model.md, "Locking": `drm_gpuvm_bo_put_deferred()` (when it reaches zero),
 * and `drm_gpuva_unlink_defer()` (both 6.19+) take the GEM's `gpuva.lock`
 * themselves. Calling them with that mutex held
 * deadlocks on the first call that needs it.
 */

import { defineRule } from '../rule';
import { callsWhileHeld, isGpuvaLock } from './held-calls';
import { functionLabel, rowLine, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const gpuvmDeferredUnderGpuvaLock = defineRule({
  id: 'gpuvm-deferred-under-gpuva-lock',
  summary: 'A drm_gpuvm function that takes the GEM gpuva.lock itself is called with it held.',
  defaultSeverity: 'error',
  tags: ['patch', 'drm_gpuvm', 'locking'],
  messages: {
    deadlock:
      "{call}() takes the GEM's gpuva.lock itself (6.19+), but {fn} already holds {lock} (line {lockLine}): self-deadlock. Call it outside the lock.",
    fixed: 'The patch moves {call}() in {fn} out of the gpuva.lock section it would deadlock on.',
  },
});

// drm_gpuvm_bo_obtain_prealloc() also takes the lock since 6.19, but asserted it held before: without the target
// kernel version a finding there would be wrong for every patch written against 6.18 or older, so it is left out.
const CALLS = new Set(['drm_gpuvm_bo_put_deferred', 'drm_gpuva_unlink_defer']);

export const gpuvmDeferredUnderGpuvaLockCheck: PatchRuleCheck = {
  rule: gpuvmDeferredUnderGpuvaLock,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    return callsWhileHeld(review, side, CALLS, isGpuvaLock)
      .filter(({ held }) => held.acquireRow !== undefined)
      .map(({ view, call, held }) => ({
        view,
        key: `${view.ir.name}|${call.name}(${call.args.join(',')})|${held.key}`,
        row: call.row,
        column: call.column,
        messageId: 'deadlock',
        data: { call: call.name, fn: functionLabel(view), lock: held.key, lockLine: rowLine(view, held.acquireRow as number) },
        related: [{ row: held.acquireRow as number, message: `${held.key} taken here` }],
      }));
  },
};
