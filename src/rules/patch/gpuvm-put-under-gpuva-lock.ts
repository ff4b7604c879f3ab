/**
 * docs/model.md, "Lifetime and references" and "Locking": in immediate mode a `drm_gpuvm_bo_put()` or
 * `drm_gpuva_unlink()` can drop the last VM_BO reference, and destroying the
 * VM_BO drops its GEM reference, which can free the GEM — and with it the
 * `gpuva.lock` mutex the caller is still holding. That is why 6.19 added
 * `drm_gpuvm_bo_put_deferred()` and `drm_gpuva_unlink_defer()`.
 */

import { defineRule } from '../rule';
import { callsWhileHeld, isGpuvaLock } from './held-calls';
import { functionLabel, rowLine, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const gpuvmPutUnderGpuvaLock = defineRule({
  id: 'gpuvm-put-under-gpuva-lock',
  summary: 'drm_gpuvm_bo_put() or drm_gpuva_unlink() is called while the GEM gpuva.lock mutex is held.',
  defaultSeverity: 'warning',
  tags: ['patch', 'drm_gpuvm', 'lifetime', 'locking'],
  messages: {
    held: '{call}() in {fn} runs with {lock} held (taken at line {lockLine}): if it drops the last VM_BO reference the VM_BO is destroyed and its GEM reference put, which can free the GEM and the mutex still held. Use {deferred}() under the lock and drm_gpuvm_bo_deferred_cleanup() later.',
    fixed: 'The patch moves {call}() in {fn} out of the GEM gpuva.lock section.',
  },
});

/** An extra VM_BO or GEM reference taken earlier makes the put non-final, or keeps the GEM (and its mutex) alive. */
const KEEPS_ALIVE = new Set(['drm_gpuvm_bo_get', 'drm_gem_object_get']);

const CALLS = new Map([
  ['drm_gpuvm_bo_put', 'drm_gpuvm_bo_put_deferred'],
  ['drm_gpuva_unlink', 'drm_gpuva_unlink_defer'],
]);

export const gpuvmPutUnderGpuvaLockCheck: PatchRuleCheck = {
  rule: gpuvmPutUnderGpuvaLock,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    return (
      callsWhileHeld(review, side, new Set(CALLS.keys()), isGpuvaLock)
        // Not the final put: asserted by a WARN around it, or the function holds its own VM_BO reference.
        .filter(({ call }) => !/WARN/.test(call.within ?? ''))
        .filter(
          ({ view, call }) =>
            !view.ir.calls.some(
              (other) => KEEPS_ALIVE.has(other.name) && (other.row < call.row || (other.row === call.row && other.column < call.column)),
            ),
        )
        // Taking a GEM reference first is the documented mitigation; it can only be ruled out when the function start is visible.
        .filter(({ view }) => view.ir.startVisible)
        .map(({ view, call, held }) => ({
          view,
          key: `${view.ir.name}|${call.name}(${call.args.join(',')})|${held.key}`,
          row: call.row,
          column: call.column,
          messageId: 'held',
          data: {
            call: call.name,
            fn: functionLabel(view),
            lock: held.key,
            lockLine: held.acquireRow !== undefined ? rowLine(view, held.acquireRow) : 0,
            deferred: CALLS.get(call.name) as string,
          },
          related: held.acquireRow !== undefined ? [{ row: held.acquireRow, message: `${held.key} taken here` }] : [],
        }))
    );
  },
};
