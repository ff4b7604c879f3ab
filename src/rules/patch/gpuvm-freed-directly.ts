/**
 * docs/model.md, "Lifetime and references": a driver that embeds `struct drm_gpuvm` in its own VM
 * structure must free that structure from the `vm_free` callback, when the
 * last GPUVM reference goes. Freeing it next to `drm_gpuvm_put()` frees the
 * VM while VM_BOs and VAs may still hold references to it — the bug fixed in
 * imagination ("vm: fix drm_gpuvm reference count") and the reason nouveau
 * allocates its uvmm separately.
 */

import { defineRule } from '../rule';
import { resourceKey } from './resource-paths';
import { functionLabel, rowLine, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const gpuvmFreedDirectly = defineRule({
  id: 'gpuvm-freed-directly',
  summary: 'A structure embedding drm_gpuvm is freed directly instead of from the vm_free callback.',
  defaultSeverity: 'error',
  tags: ['patch', 'drm_gpuvm', 'lifetime'],
  messages: {
    freed:
      '{fn} frees {container} itself, but it embeds the drm_gpuvm put at line {putLine}: VM_BOs and VAs may still hold GPUVM references, so the VM is freed under them (use-after-free). Free {container} from the vm_free callback and let drm_gpuvm_put() drop the last reference.',
    fixed:
      'The patch stops freeing {container} directly in {fn}: the structure embedding drm_gpuvm is now freed when the last GPUVM reference goes.',
  },
});

const FREE = new Set(['kfree', 'kvfree', 'vfree']);

export const gpuvmFreedDirectlyCheck: PatchRuleCheck = {
  rule: gpuvmFreedDirectly,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const containers = new Map<string, number>();
      for (const call of view.ir.calls) {
        if (call.name !== 'drm_gpuvm_put') continue;
        const key = resourceKey(call.args[0]);
        const match = key ? /^(.*?)(?:->|\.)\w+$/.exec(key) : null;
        if (match && call.args[0]?.startsWith('&')) containers.set(match[1] as string, call.row);
      }
      if (containers.size === 0) continue;
      for (const call of view.ir.calls) {
        if (!FREE.has(call.name)) continue;
        const freed = resourceKey(call.args[0]);
        const putRow = freed === undefined ? undefined : containers.get(freed);
        if (freed === undefined || putRow === undefined) continue;
        issues.push({
          view,
          key: `${view.ir.name}|${freed}`,
          row: call.row,
          column: call.column,
          messageId: 'freed',
          data: { fn: functionLabel(view), container: freed, putLine: rowLine(view, putRow) },
          related: [{ row: putRow, message: 'drm_gpuvm_put() of the embedded VM' }],
        });
      }
    }
    return issues;
  },
};
