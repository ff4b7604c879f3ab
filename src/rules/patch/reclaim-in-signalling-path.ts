/**
 * docs/model.md, "Locking": nothing may allocate with reclaim inside a
 * fence-signalling section (`dma_fence_begin_signalling()`), nor under the
 * GEM's `gpuva.lock` in immediate mode (it is taken in that path): reclaim can
 * wait on the very fence being signalled. Allocate before (create +
 * obtain_prealloc, `*_ops_create` ahead of the run) or use GFP_NOWAIT.
 */

import { defineRule } from '../rule';
import { callsWhileHeld, isGpuvaLock, isSignalling } from './held-calls';
import { functionLabel, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const reclaimInSignallingPath = defineRule({
  id: 'reclaim-in-signalling-path',
  summary: 'Memory that can enter reclaim is allocated inside a fence-signalling section or under the GEM gpuva.lock.',
  defaultSeverity: 'warning',
  tags: ['patch', 'drm_gpuvm', 'locking', 'dma-fence'],
  messages: {
    alloc:
      '{call}() in {fn} can allocate with reclaim while {where}: reclaim may wait for the fence this path is about to signal (deadlock). Allocate before the section (or use GFP_NOWAIT).',
    fixed: 'The patch moves the allocation {call}() in {fn} out of {where}.',
  },
});

const ALLOCATORS =
  /^(?:kv?[mz]alloc\w*|kv?calloc|kmalloc_array|kmem_cache_alloc\w*|kmemdup|kstrdup|vmalloc|vzalloc|alloc_pages\w*|drm_gpuvm_bo_create|drm_gpuvm_bo_obtain|drm_gpuvm_bo_obtain_locked|drm_gpuvm_\w*ops_create|drm_gpuvm_madvise_ops_create)$/;
const NO_RECLAIM = /GFP_NOWAIT|GFP_ATOMIC|GFP_NOIO|GFP_NOFS|__GFP_NORETRY/;

export const reclaimInSignallingPathCheck: PatchRuleCheck = {
  rule: reclaimInSignallingPath,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    return callsWhileHeld(review, side, ALLOCATORS, (held) => isSignalling(held) || (isGpuvaLock(held) && held.acquireRow !== undefined))
      .filter(({ call }) => !call.args.some((arg) => NO_RECLAIM.test(arg)))
      .map(({ view, call, held }) => {
        const where =
          held.pair.kind === 'fence-signalling'
            ? 'inside the fence-signalling section'
            : `holding ${held.key} (taken in the fence-signalling path in immediate mode)`;
        return {
          view,
          key: `${view.ir.name}|${call.name}(${call.args.join(',')})|${held.key}`,
          row: call.row,
          column: call.column,
          messageId: 'alloc',
          data: { call: call.name, fn: functionLabel(view), where },
          related:
            held.acquireRow !== undefined
              ? [
                  {
                    row: held.acquireRow,
                    message: held.pair.kind === 'fence-signalling' ? 'section begins here' : `${held.key} taken here`,
                  },
                ]
              : [],
        };
      });
  },
};
