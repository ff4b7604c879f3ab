/**
 * A call whose result the function used to keep and act on (`ret = f(...);`
 * followed by `return ret;` or `if (ret)`) that the patch turns into a bare
 * `f(...);`: the errors `f()` reports are now ignored, and the caller is told
 * everything went well. When `f()` reports something the caller relies on
 * (`-EBUSY`: "I dropped your lock"), the caller then acts on a wrong belief
 * ("drm/ttm: Fix a deadlock if the target BO is not idle during swap").
 *
 * Quiet when the patch makes `f()` return `void` (nothing left to check), and
 * when the result was never looked at before.
 */

import { defineRule } from '../rule';
import type { CallSite, FunctionIr, IrNode } from '../../parse/c/function-ir';
import {
  functionLabel,
  rowChanged,
  rowText,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';
import { regExpLiteral } from '../../base/regexp-literal';

export const errorResultDropped = defineRule({
  id: 'error-result-dropped',
  summary: "The patch stops looking at a call's result that the function used to return or test.",
  defaultSeverity: 'warning',
  tags: ['patch'],
  messages: {
    dropped:
      '{fn} now calls {call}() without looking at its result; before the patch it kept it in {target} and {use} (`{useText}`). The errors {call}() reports are now lost, and the caller hears success. Keep the result, or say why it cannot fail here.',
  },
});

const signature = (call: CallSite) => `${call.name}(${call.args.join(',')})`;

/**
 * Calls whose result the kernel asks callers not to check: debugfs reports its own failures, and its
 * maintainers removed the checks tree-wide ("debugfs: no need to check return value").
 */
const IGNORED_RESULT = /^debugfs_create_\w+$/;

export const errorResultDroppedCheck: PatchRuleCheck = {
  rule: errorResultDropped,
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    if (side !== 'post') return [];
    const issues: PatchIssue[] = [];
    for (const view of review.post) {
      const before = review.pre.find((pre) => pre.ir.name === view.ir.name);
      if (!before) continue;
      const keptAfter = new Set(view.ir.calls.filter((call) => call.target !== undefined).map((call) => call.name));
      for (const call of view.ir.calls) {
        if (call.target !== undefined || call.within !== undefined || call.negated || !rowChanged(view, call.row)) continue;
        if (IGNORED_RESULT.test(call.name)) continue;
        // A statement of its own: `f(...);`, not an argument or a condition.
        if (!new RegExp(`^${regExpLiteral(call.name)}\\s*\\(`).test(rowText(view, call.row))) continue;
        // ... that starts the statement: a continuation line (`x = a &&\n f(...);`) keeps the result.
        const statement = view.ir.nodes.find((node) => node.calls.includes(call));
        if (statement && (statement.row !== call.row || statement.assigns.length > 0)) continue;
        // A `for` header's condition on a line of its own (`for (;\n OA_TAKEN(tail, head);\n ...)`) is tested.
        if (view.ir.nodes.some((node) => node.kind === 'branch' && node.calls.includes(call))) continue;
        // The patch makes the callee, or the function pointer called (`void (*fn)(...)`), return void: no result is left to keep.
        if (keptAfter.has(call.name) || new RegExp(`void(?:\\(\\*)?${regExpLiteral(call.name)}\\)?\\(`).test(review.patchAddedText))
          continue;
        const old = before.ir.calls.find(
          (candidate) => candidate.target !== undefined && signature(candidate) === signature(call) && rowChanged(before, candidate.row),
        );
        if (!old || !/^\w+$/.test(old.target as string)) continue;
        const use = useOf(before.ir, old);
        if (!use) continue;
        // A result the code went on to dereference (`rq = __unwind_incomplete_requests(engine); if (!rq) ...;
        // rq->head`) is an object it worked with, not an error it reported: calling for the side effect drops no error.
        if (dereferencedAfter(before.ir, old)) continue;
        issues.push({
          view,
          key: `${view.ir.name}|dropped|${call.name}`,
          row: call.row,
          column: call.column,
          messageId: 'dropped',
          data: {
            fn: functionLabel(view),
            call: call.name,
            target: old.target as string,
            use: use.returned ? 'returned it' : 'tested it',
            useText: rowText(before, use.row),
          },
          related: [],
        });
      }
    }
    return issues;
  },
};

/**
 * The nodes after `call`, along every path, until one assigns its target again; the first for which
 * `found` answers is the answer.
 */
function firstAfter<T>(ir: FunctionIr, call: CallSite, found: (node: IrNode) => T | undefined): T | undefined {
  const target = call.target as string;
  const start = ir.nodes.find((node) => node.calls.includes(call));
  if (!start) return undefined;
  const seen = new Set<number>();
  const stack = [...start.succ];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown') continue;
    const answer = found(node);
    if (answer !== undefined) return answer;
    if (node.assigns.some((assign) => assign.target === target)) continue;
    stack.push(...node.succ);
  }
  return undefined;
}

/** The first node after `call` that returns or tests its target, before anything assigns the target again. */
function useOf(ir: FunctionIr, call: CallSite): { row: number; returned: boolean } | undefined {
  const mention = new RegExp(`(?<!\\.|->)\\b${regExpLiteral(call.target as string)}\\b`);
  return firstAfter(ir, call, (node) =>
    node.returned !== undefined && mention.test(node.returned)
      ? { row: node.row, returned: true }
      : node.cond !== undefined && mention.test(node.cond)
        ? { row: node.row, returned: false }
        : undefined,
  );
}

/** Whether a statement after `call` dereferences its target (`rq->head`) before anything assigns it again. */
function dereferencedAfter(ir: FunctionIr, call: CallSite): boolean {
  const target = call.target as string;
  return firstAfter(ir, call, (node) => (node.derefs.includes(target) ? true : undefined)) === true;
}
