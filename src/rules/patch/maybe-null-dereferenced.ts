/**
 * A pointer the patch takes from something the code itself believes may be
 * NULL, dereferenced on some path before anything tests it:
 *
 * - the result of a lookup its other callers test for NULL
 *   (`dev = kfd_device_by_id(id);` tested in every other ioctl of the file,
 *   "drm/amdkfd: check for null dev to avoid a null pointer dereference");
 * - a field the patch's own code tests for NULL elsewhere
 *   (`if (res->bo && ...)` in one function, `bo = res->bo; bo->base.size` in
 *   another: "drm/ttm: fix missing NULL check in ttm_device_swapout").
 *
 * The beliefs come from `null-beliefs.ts` and are cited. A path stops at a
 * test of the pointer, a new value for it, or a gap the patch leaves out. A
 * pointer the function steps through an array (`wa++`) is a counted walk's
 * cursor, not a value to test.
 */

import { defineRule } from '../rule';
import { regExpLiteral } from '../../base/regexp-literal';
import type { FunctionIr } from '../../parse/c/function-ir';
import type { NullBelief } from './null-beliefs';
import { ASSERTION } from './resource-paths';
import {
  functionLabel,
  rowChanged,
  rowText,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

/** Functions that undo a set-up, and so may run after it failed half-way. */
const TEARDOWN = /(?:^|_)(?:fini|cleanup|destroy|release|free|remove|teardown|unbind|uninit|deinit|exit|close)(?:_|$)/;

export const maybeNullDereferenced = defineRule({
  id: 'maybe-null-dereferenced',
  summary: 'A pointer taken from something the code tests for NULL elsewhere is dereferenced without a test.',
  defaultSeverity: 'warning',
  tags: ['patch'],
  messages: {
    call: '{fn} dereferences {name} (`{text}`), the result of {source}(), without testing it for NULL; the other callers test it ({tested} of {calls} calls, e.g. {where}: `{belief}`). Test {name} before using it.',
    field:
      '{fn} dereferences {name} (`{text}`), taken from {source}, without testing it for NULL; the patch itself tests {source} for NULL ({where}: `{belief}`). Test {name} before using it.',
  },
});

/** The first node reached from `from` that dereferences `name` before a test of it or a new value. */
function firstUnguardedDeref(ir: FunctionIr, from: number, name: string): number | undefined {
  const mention = new RegExp(`(?<![\\w.>])${regExpLiteral(name)}(?!\\w)`);
  // A condition that tests it before it dereferences it (`p && p->x`, `!p || p->x`): the && or || guards the use.
  // `WARN_ON(!p) || p->x` too: the assertion's result guards the use the same way.
  const guard = new RegExp(
    `(?:^|[(&|])(?:!?${regExpLiteral(name)}|${regExpLiteral(name)}[!=]=NULL|\\w*WARN_ON(?:_ONCE)?\\((?:[^()]*,)?!${regExpLiteral(name)}\\))(?:&&|\\|\\|)`,
  );
  const start = ir.nodes[from];
  if (!start) return undefined;
  const seen = new Set<number>();
  const stack = [...start.succ];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown' || node.kind === 'exit') continue;
    if (node.cond !== undefined && guard.test(node.cond)) continue;
    if (node.derefs.includes(name)) return id;
    if (node.cond !== undefined && mention.test(node.cond)) continue;
    if (node.returned !== undefined && mention.test(node.returned)) continue;
    if (node.assigns.some((assign) => assign.target === name)) continue;
    // Handed to a call that may test it (`if (WARN_ON(!x))` is a condition above).
    if (node.calls.some((call) => call.args.some((arg) => mention.test(arg)))) continue;
    stack.push(...node.succ);
  }
  return undefined;
}

/**
 * Whether the function tests the field itself, or asserts it set (`drm_WARN_ON(&i915->drm, !fbc->plane);`,
 * `GEM_BUG_ON(!x)`): the author states what it holds there.
 */
function testsSource(ir: FunctionIr, source: string): boolean {
  const mention = new RegExp(`(?<![\\w.>])${regExpLiteral(source)}(?![\\w(])`);
  return ir.nodes.some(
    (node) =>
      (node.cond !== undefined && mention.test(node.cond)) ||
      node.calls.some((call) => ASSERTION.test(call.name) && call.args.some((arg) => mention.test(arg))),
  );
}

const where = (belief: NullBelief) => `${belief.path}:${belief.line}`;

export const maybeNullDereferencedCheck: PatchRuleCheck = {
  rule: maybeNullDereferenced,
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const beliefs = review.nullBeliefs;
    if (!beliefs || (beliefs.calls.size === 0 && beliefs.fields.size === 0)) return [];
    const issues: PatchIssue[] = [];
    for (const view of side === 'post' ? review.post : review.pre) {
      for (const node of view.ir.nodes) {
        for (const assign of node.assigns) {
          if (!/^[A-Za-z_]\w*$/.test(assign.target)) continue;
          const callee = /^(?:\([^()]*\))?([A-Za-z_]\w*)\(/.exec(assign.value)?.[1];
          const callBelief = callee ? beliefs.calls.get(callee) : undefined;
          const fieldBelief = callBelief ? undefined : beliefs.fields.get(assign.value);
          const belief = callBelief ?? fieldBelief;
          if (!belief) continue;
          // The lookup's own line is where the belief came from.
          if (callBelief && node.derefs.includes(assign.target)) continue;
          // The function tests the field itself (`if (!node->obj) continue; obj = node->obj;`).
          if (fieldBelief && testsSource(view.ir, assign.value)) continue;
          // Known only from an allocation's check: NULL where that allocation failed, which only a teardown sees.
          if (fieldBelief?.allocationCheck && !TEARDOWN.test(view.ir.name)) continue;
          // A cursor stepped through an array (`for (i = 0, wa = wal->list; i < wal->count; i++, wa++)`):
          // the walk is bounded by a count, and an array that may be NULL is one with nothing in it.
          if (view.ir.nodes.some((other) => other.steps?.includes(assign.target))) continue;
          const deref = firstUnguardedDeref(view.ir, node.id, assign.target);
          if (deref === undefined) continue;
          const derefRow = (view.ir.nodes[deref] as { row: number }).row;
          if (side === 'post' && !rowChanged(view, node.row) && !rowChanged(view, derefRow)) continue;
          issues.push({
            view,
            key: `${view.ir.name}|maybe-null|${assign.target}|${assign.value}`,
            row: derefRow,
            messageId: callBelief ? 'call' : 'field',
            data: {
              fn: functionLabel(view),
              name: assign.target,
              text: rowText(view, derefRow),
              source: callBelief ? (callee as string) : assign.value,
              where: where(belief),
              belief: belief.text,
              tested: belief.tested ?? 0,
              calls: belief.calls ?? 0,
            },
            related: [{ row: node.row, message: `${assign.target} is assigned here` }],
          });
        }
      }
    }
    return issues;
  },
};
