/**
 * A counted reference turned into a weak one: the patch makes a get
 * conditional, or removes it while the pointer it protected is still stored
 * in an object. drm_gpuvm's lifetime rules (a VM_BO holds its GEM, a VA its
 * VM_BO, every VA its VM) rely on these references; the maintainers rejected
 * "weak reference" modes because each one leaves a use-after-free trap for
 * the next driver that frees in a different order.
 *
 * A get removed together with the function's own put of the same pointer is
 * a transfer, not a weakening: the store keeps the reference the function had.
 */

import { defineRule } from '../rule';
import type { CallSite } from '../../parse/c/function-ir';
import { resourceKey } from './resource-paths';
import { functionLabel, rowChanged, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const weakReference = defineRule({
  id: 'weak-reference',
  summary: 'A counted reference is made conditional or removed while the object still keeps the pointer.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    conditional:
      'The patch makes {call}() in {fn} conditional ({cond}): when it is skipped, {object} is kept without a reference and may be freed under the pointer (a weak reference); the matching put must then be skipped too, on every path.',
    removed:
      'The patch removes {call}({object}) from {fn} but still stores the pointer ({store}): the object no longer holds the reference that keeps {object} alive.',
  },
});

const signature = (call: CallSite) => `${call.name}(${call.args.join(',')})`;

function isGet(review: HunkReview, call: CallSite): boolean {
  const pair = review.pairs.acquires.get(call.name);
  return pair !== undefined && pair.kind === 'reference' && pair.style === 'always';
}

export const weakReferenceCheck: PatchRuleCheck = {
  rule: weakReference,
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    if (side !== 'post') return [];
    const issues: PatchIssue[] = [];
    const preUnconditional = new Set<string>();
    for (const view of review.pre) {
      const guarded = new Set(view.ir.ifs.flatMap((fact) => [...fact.thenCalls, ...fact.elseCalls]));
      for (const call of view.ir.calls) if (isGet(review, call) && !guarded.has(call)) preUnconditional.add(signature(call));
    }
    for (const view of review.post) {
      for (const fact of view.ir.ifs) {
        if (!rowChanged(view, fact.row)) continue;
        for (const call of fact.thenCalls) {
          if (!isGet(review, call) || !preUnconditional.has(signature(call))) continue;
          issues.push({
            view,
            key: `${view.ir.name}|cond|${signature(call)}`,
            row: fact.row,
            messageId: 'conditional',
            data: { call: call.name, fn: functionLabel(view), cond: fact.cond, object: resourceKey(call.args[0]) ?? 'the object' },
            related: [{ row: call.row, message: `${call.name}() now only runs when the condition holds` }],
          });
        }
      }
    }
    const postSignatures = new Set(review.post.flatMap((view) => view.ir.calls.map(signature)));
    const postStores = review.post.flatMap((view) =>
      view.ir.nodes.flatMap((node) => node.assigns.map((assign) => ({ view, node, assign }))),
    );
    for (const view of review.pre) {
      for (const call of view.ir.calls) {
        if (!isGet(review, call) || !rowChanged(view, call.row)) continue;
        const sig = signature(call);
        if (postSignatures.has(sig) || review.patchAddedText.includes(sig)) continue;
        const object = resourceKey(call.args[0]);
        if (!object) continue;
        /** A put the patch removes from this function, on the first argument `matches` accepts. */
        const putRemoved = (matches: (arg: string | undefined) => boolean) =>
          view.ir.calls.some(
            (other) =>
              rowChanged(view, other.row) &&
              review.pairs.releases.get(other.name)?.some((pair) => pair.kind === 'reference') === true &&
              matches(other.args[0]) &&
              !postSignatures.has(signature(other)),
          );
        // The patch drops the function's own put of it too: its reference now goes to the store (a transfer).
        if (putRemoved((arg) => resourceKey(arg) === object)) continue;
        const store = postStores.find(
          ({ assign }) =>
            /->|\./.test(assign.target) && (assign.value === object || assign.value === `${call.name}(${call.args.join(',')})`),
        );
        if (!store) continue;
        // The patch drops the put of what the field held before too: the field no longer holds references at
        // all (it now keeps a sequence number or a borrowed pointer by design), so nothing is left weak.
        const field = store.assign.target.replace(/\s+/g, '');
        if (putRemoved((arg) => (arg ?? '').replace(/\s+/g, '') === field)) continue;
        issues.push({
          view,
          key: `${view.ir.name}|removed|${sig}`,
          row: call.row,
          column: call.column,
          messageId: 'removed',
          data: { call: call.name, fn: functionLabel(view), object, store: `${store.assign.target} = ${store.assign.value}` },
          related: [],
        });
      }
    }
    return issues;
  },
};
