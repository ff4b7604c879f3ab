/**
 * A list walked with an iterator that is not the `_safe` kind, whose body
 * frees the element it stands on and then goes on to the next pass: the
 * iterator reads the next element through the freed one
 * (`pos = list_next_entry(pos, member)`), a use after free on every pass
 * that frees ("drm/i915: Fix use-after-free of context during
 * free_contexts": `llist_for_each_entry` whose body freed the context).
 * The same holds for an element the body takes out of the list
 * (`list_del(&pos->link)`, `list_del_init()`, `list_move()`): the iterator
 * then steps through links that no longer lead along the list.
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
  summary: 'A list iterator that is not the _safe kind steps on from an element its body freed or took out of the list.',
  defaultSeverity: 'error',
  tags: ['patch', 'lifetime'],
  messages: {
    freed:
      '{fn} frees {cursor} with {release}() at line {freeLine} inside {iterator}(), which then reads the next element through {cursor}: a use after free on every pass that frees. Use {safe}() (it fetches the next element first).',
    unlinked:
      '{fn} takes {cursor} out of the list with {release}() at line {freeLine} inside {iterator}(), which then reads the next element through {cursor}->{member}: {consequence}. Use {safe}() (it fetches the next element first).',
    fixed: 'The patch stops stepping {iterator}() on from a {cursor} its body freed or unlinked in {fn}.',
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

/**
 * Calls that change the links of the element they are given, and what the
 * iterator then finds through them (<linux/list.h>): `list_del()` poisons
 * them, `list_del_init()` points them at the element itself, a move puts the
 * element in another list. The `_rcu` deletions keep `next` for readers.
 */
const UNLINKS: Readonly<Record<string, string>> = {
  list_del: 'list_del() poisoned that link, so the next step dereferences LIST_POISON1',
  hlist_del: 'hlist_del() poisoned that link, so the next step dereferences LIST_POISON1',
  list_del_init: 'list_del_init() pointed that link back at the element, so the walk finds the element again and never ends',
  hlist_del_init: 'hlist_del_init() cleared that link, so the walk stops at this element and skips the rest of the list',
  list_move: 'the element now sits in another list, so the walk goes on through that list and takes its head for an element',
  list_move_tail: 'the element now sits in another list, so the walk goes on through that list and takes its head for an element',
};

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
        const member = (iterator.args[iterator.args.length - 1] ?? '').replace(/\s+/g, '');
        for (const node of loopBody(ir, head, [head.succ[0] as number]).nodes) {
          for (const call of node.calls) {
            // Taken out of the walked list (`list_del(&pos->link)`), or freed: either way the next step is lost.
            const unlinks =
              UNLINKS[call.name] !== undefined &&
              /^\w+$/.test(member) &&
              (call.args[0] ?? '').replace(/\s+/g, '') === `&${cursor}->${member}`;
            const frees =
              !unlinks &&
              !DEFERRED_FREE.test(call.name) &&
              (review.pairs.releases.get(call.name) ?? []).some(
                (pair) => pair.kind === 'memory' && !pair.handsOver && !pair.objectLivesOn && releaseKeyOfCall(pair, call) === cursor,
              );
            if (!unlinks && !frees) continue;
            if (reassigns(node, cursor) || !loopBody(ir, head, node.succ, (next) => reassigns(next, cursor)).back) continue;
            if (!rowChanged(view, head.row) && !rowChanged(view, call.row)) continue;
            const what = unlinks ? 'unlinked' : 'freed';
            issues.push({
              view,
              key: `${ir.name}|cursor-${what}|${iterator.name}|${cursor}|${call.name}`,
              row: head.row,
              messageId: what,
              data: {
                fn: functionLabel(view),
                cursor,
                release: call.name,
                freeLine: rowLine(view, call.row),
                iterator: iterator.name,
                safe: safeName(iterator.name),
                ...(unlinks ? { member, consequence: UNLINKS[call.name] as string } : {}),
              },
              related: [{ row: call.row, message: `${cursor} ${what} here` }],
            });
          }
        }
      }
    }
    return issues;
  },
};
