/**
 * A list walked with an iterator that is not the `_safe` kind, whose body
 * frees the element it stands on and then goes on to the next pass: the
 * iterator reads the next element through the freed one
 * (`pos = list_next_entry(pos, member)`), a use after free on every pass
 * that frees ("drm/i915: Fix use-after-free of context during
 * free_contexts": `llist_for_each_entry` whose body freed the context).
 *
 * Invariants, for precision:
 *   - only iterators that step through the cursor itself (the `list`,
 *     `hlist` and `llist` entry walkers); index walks (`xa_for_each`,
 *     `idr_for_each_entry`) look their next entry up by index and may free
 *     the current one;
 *   - only a free of memory (`kfree()`, or a function the code shows
 *     freeing its argument): a put may leave the object alive, as the list
 *     often holds its own reference; RCU-deferred frees are left out;
 *   - the free must reach the next pass: a `break`, `return` or `goto` out
 *     of the loop after it, or a new value for the cursor, ends the walk
 *     over the freed element.
 */

import type { IrNode } from '../../parse/c/function-ir';
import { iteratorElement } from '../../parse/c/iterator-macros';
import { loopBody } from './loop-body';
import { defineRule } from '../rule';
import { releaseKeyOfCall } from './resource-paths';
import {
  functionLabel,
  rowChanged,
  rowLine,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const iteratorCursorFreed = defineRule({
  id: 'iterator-cursor-freed',
  summary: 'A list iterator that is not the _safe kind steps on from an element its body freed.',
  defaultSeverity: 'error',
  tags: ['patch', 'lifetime'],
  messages: {
    freed:
      '{fn} frees {cursor} with {release}() at line {freeLine} inside {iterator}(), which then reads the next element through {cursor}: a use after free on every pass that frees. Use {safe}() (it fetches the next element first).',
    fixed: 'The patch stops stepping {iterator}() on from a {cursor} its body freed in {fn}.',
  },
});

/** Iterators that find the next element through the current one, and their `_safe` counterparts. */
const STEPPING_ITERATOR = /^(h?list|llist)_for_each_entry(_continue|_reverse|_from|_continue_reverse|_from_reverse)?$/;

function safeName(name: string): string {
  const match = STEPPING_ITERATOR.exec(name);
  if (!match) return `${name}_safe`;
  // `list_for_each_entry_continue` → `list_for_each_entry_safe_continue`, as <linux/list.h> names them.
  return `${match[1]}_for_each_entry_safe${match[2] ?? ''}`;
}

/** RCU-deferred frees end the object's life after the walk, not during it. */
const DEFERRED_FREE = /rcu/;

/** A new value for the cursor: the freed element is no longer what the iterator steps from. */
const reassigns = (node: IrNode, cursor: string) =>
  node.assigns.some((assign) => assign.target === cursor) || node.calls.some((call) => call.target === cursor);

export const iteratorCursorFreedCheck: PatchRuleCheck = {
  rule: iteratorCursorFreed,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      for (const head of ir.nodes) {
        if (head.kind !== 'branch') continue;
        const iterator = head.calls.find((call) => STEPPING_ITERATOR.test(call.name));
        const cursor = iterator && iteratorElement(iterator.name, iterator.args);
        if (!iterator || !cursor || !/^[A-Za-z_]\w*$/.test(cursor)) continue;
        for (const node of loopBody(ir, head, [head.succ[0] as number]).nodes) {
          for (const call of node.calls) {
            if (DEFERRED_FREE.test(call.name)) continue;
            const frees = (review.pairs.releases.get(call.name) ?? []).some(
              (pair) => pair.kind === 'memory' && !pair.handsOver && !pair.objectLivesOn && releaseKeyOfCall(pair, call) === cursor,
            );
            if (!frees || reassigns(node, cursor)) continue;
            if (!loopBody(ir, head, node.succ, (next) => reassigns(next, cursor)).back) continue;
            if (!rowChanged(view, head.row) && !rowChanged(view, call.row)) continue;
            issues.push({
              view,
              key: `${ir.name}|cursor-freed|${iterator.name}|${cursor}|${call.name}`,
              row: head.row,
              messageId: 'freed',
              data: {
                fn: functionLabel(view),
                cursor,
                release: call.name,
                freeLine: rowLine(view, call.row),
                iterator: iterator.name,
                safe: safeName(iterator.name),
              },
              related: [{ row: call.row, message: `${cursor} freed here` }],
            });
          }
        }
      }
    }
    return issues;
  },
};
