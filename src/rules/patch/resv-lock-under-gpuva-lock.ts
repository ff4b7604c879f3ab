/**
 * docs/model.md, "Locking": the GEM's `gpuva.lock` nests inside the dma-resv
 * locks and may be taken in the fence-signalling path; a blocking
 * `dma_resv_lock()` (or a drm_exec lock) taken while holding it inverts that
 * order and can wait on a fence that needs the gpuva.lock to signal.
 */

import { defineRule } from '../rule';
import { callsWhileHeld, isGpuvaLock } from './held-calls';
import { functionLabel, rowLine, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const resvLockUnderGpuvaLock = defineRule({
  id: 'resv-lock-under-gpuva-lock',
  summary: 'A blocking dma_resv lock is taken while the GEM gpuva.lock mutex is held.',
  defaultSeverity: 'error',
  tags: ['patch', 'drm_gpuvm', 'locking'],
  messages: {
    inversion:
      '{fn} takes a reservation lock with {call}() while holding {lock} (line {lockLine}): gpuva.lock nests inside dma_resv and is used in the fence-signalling path, so this inverts the lock order (deadlock). Take the resv first, or use dma_resv_trylock().',
    fixed: 'The patch stops taking a blocking reservation lock under {lock} in {fn}.',
  },
});

const CALLS = new Set([
  'dma_resv_lock',
  'dma_resv_lock_interruptible',
  'dma_resv_lock_slow',
  'drm_exec_lock_obj',
  'drm_exec_prepare_obj',
  'ttm_bo_reserve',
  'drm_gpuvm_bo_deferred_cleanup',
]);

export const resvLockUnderGpuvaLockCheck: PatchRuleCheck = {
  rule: resvLockUnderGpuvaLock,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    return callsWhileHeld(review, side, CALLS, isGpuvaLock).map(({ view, call, held }) => ({
      view,
      key: `${view.ir.name}|${call.name}(${call.args.join(',')})|${held.key}`,
      row: call.row,
      column: call.column,
      messageId: 'inversion',
      data: {
        call: call.name,
        fn: functionLabel(view),
        lock: held.key,
        lockLine: held.acquireRow !== undefined ? rowLine(view, held.acquireRow) : 0,
      },
      related: held.acquireRow !== undefined ? [{ row: held.acquireRow, message: `${held.key} taken here` }] : [],
    }));
  },
};
