/**
 * A list taken apart element by element whose walk releases what each
 * element holds but never the element itself: every element leaks ("drm/i915:
 * Don't leak the capture list items": `while (capture) { next =
 * capture->next; i915_vma_snapshot_put(capture->vma_snapshot); capture =
 * next; }` without `kfree(capture)`).
 *
 * A walk that fetches the next element before it steps (a `_safe` list
 * iterator, or `next = pos->member; … pos = next;` by hand) is the walk of
 * code that ends each element's life; one whose body releases a member of
 * the element (`put(pos->x)`) is tearing the elements down. If nothing in
 * the body then takes the element itself, the walk forgets it.
 *
 * Invariants, for precision:
 *   - the element counts as taken by any call given the element or the
 *     address of something in it (`kfree(pos)`, `list_del(&pos->link)`,
 *     `kref_put(&pos->ref, …)`, `call_rcu(&pos->rcu, …)`, `cb(pos)`), by
 *     any store or return of it, and by any node the IR does not know: only
 *     a body whose every mention of the element is a read of a member
 *     (`pos->x`) is reported;
 *   - the member release must come from the pair table (curated or learned),
 *     and release a member, not the element (`objectOf` of its key is not the
 *     element: `drm_gem_object_put(&pos->base)` releases `pos`);
 *   - the walk must reach its head again after the release (a body that
 *     always leaves the loop is not a walk).
 */

import type { IrNode } from '../../parse/c/function-ir';
import { iteratorElement } from '../../parse/c/iterator-macros';
import { loopBody } from './loop-body';
import { regExpLiteral } from '../../base/regexp-literal';
import { defineRule } from '../rule';
import { objectOf, releaseKeyOfCall } from './resource-paths';
import {
  functionLabel,
  rowChanged,
  rowLine,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const walkLeaksElement = defineRule({
  id: 'walk-leaks-element',
  summary: 'A teardown walk releases what each list element holds but never frees the element itself.',
  defaultSeverity: 'warning',
  tags: ['patch', 'leak'],
  messages: {
    leaked:
      '{fn} takes the list apart with {cursor} (it fetches the next element before it steps, line {walkLine}) and releases {member} with {release}(), but nothing frees, unlinks or hands on {cursor} itself: every element leaks.',
    fixed: 'The patch makes the walk in {fn} free or hand on each {cursor} it takes apart.',
  },
});

/** List iterators that fetch the next element before the body runs. */
const SAFE_ITERATOR = /^(h?list|llist)_for_each_entry_safe(_continue|_reverse|_from)?$/;

const IDENTIFIER = /^[A-Za-z_]\w*$/;

/**
 * The element a loop head may be taking apart, from the head alone: a `_safe`
 * iterator's element, or the variable a `while (pos)` tests (`safe: false`:
 * its body must still be seen to step by a saved `pos->next`).
 */
function headElement(head: IrNode): { element: string; safe: boolean } | undefined {
  const iterator = head.calls.find((call) => SAFE_ITERATOR.test(call.name));
  if (iterator) {
    const element = iteratorElement(iterator.name, iterator.args);
    return element !== undefined && IDENTIFIER.test(element) ? { element, safe: true } : undefined;
  }
  const cond = head.cond?.replace(/^\((.*)\)$/, '$1').replace(/!=NULL$/, '');
  return cond !== undefined && IDENTIFIER.test(cond) && head.calls.length === 0 ? { element: cond, safe: false } : undefined;
}

/** The body saves `next = pos->member` and steps with `pos = next`. */
function stepsBySavedNext(body: readonly IrNode[], element: string): boolean {
  const saved = new Set<string>();
  for (const node of body)
    for (const assign of node.assigns)
      if (assign.value.startsWith(`${element}->`) && IDENTIFIER.test(assign.target)) saved.add(assign.target);
  return body.some((node) => node.assigns.some((assign) => assign.target === element && saved.has(assign.value)));
}

/** A test of whether a text mentions `element` other than by reading a member of it (`element->x`, not `&element->x`). */
function takerOf(element: string): (text: string) => boolean {
  const mention = new RegExp(`\\b${regExpLiteral(element)}\\b`, 'g');
  return (text) => {
    mention.lastIndex = 0;
    for (let match = mention.exec(text); match; match = mention.exec(text)) {
      const before = text.slice(0, match.index);
      // A member of another object with the same name (`q->pos`, `s.pos`).
      if (before.endsWith('->') || before.endsWith('.')) continue;
      const read = text.startsWith('->', match.index + element.length) && !/&\(*$/.test(before);
      if (!read) return true;
    }
    return false;
  };
}

export const walkLeaksElementCheck: PatchRuleCheck = {
  rule: walkLeaksElement,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      for (const head of ir.nodes) {
        const candidate = head.kind === 'branch' ? headElement(head) : undefined;
        if (candidate === undefined) continue;
        const { element } = candidate;
        const { nodes: body, back } = loopBody(ir, head, [head.succ[0] as number], undefined, true);
        if (!back || (!candidate.safe && !stepsBySavedNext(body, element))) continue;
        const takesElement = takerOf(element);
        let release: { name: string; member: string; row: number } | undefined;
        let taken = false;
        for (const node of body) {
          if (node.kind === 'unknown') taken = true;
          if (node.returned !== undefined && takesElement(node.returned)) taken = true;
          for (const assign of node.assigns) if (takesElement(assign.value)) taken = true;
          for (const call of node.calls) {
            if (call.args.some((arg) => takesElement(arg))) taken = true;
            if (release) continue;
            for (const pair of review.pairs.releases.get(call.name) ?? []) {
              const key = releaseKeyOfCall(pair, call);
              if (key === undefined || !key.startsWith(`${element}->`) || objectOf(key, pair) === element) continue;
              release = { name: call.name, member: key, row: call.row };
              break;
            }
          }
          if (taken) break;
        }
        if (taken || !release) continue;
        if (!rowChanged(view, head.row) && !rowChanged(view, release.row)) continue;
        issues.push({
          view,
          key: `${ir.name}|walk-leaks|${element}|${release.member}`,
          row: release.row,
          messageId: 'leaked',
          data: {
            fn: functionLabel(view),
            cursor: element,
            walkLine: rowLine(view, head.row),
            member: release.member,
            release: release.name,
          },
          related: [{ row: head.row, message: `the walk over ${element}` }],
        });
      }
    }
    return issues;
  },
};
