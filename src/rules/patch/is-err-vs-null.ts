/**
 * A pointer result tested for the wrong kind of failure ("IS_ERR vs NULL",
 * the most common single fix of Smatch reports in drivers/gpu):
 *
 * - `p = memdup_user(...); if (!p) return -ENOMEM;` — the function fails
 *   with an error pointer, never NULL: the test never fires, and the error
 *   pointer is used as an object;
 * - `p = kzalloc(...); if (IS_ERR(p)) return PTR_ERR(p);` — the function
 *   fails with NULL, which `IS_ERR()` does not catch: the failure goes on as
 *   success and NULL is dereferenced.
 *
 * Which style a function fails in is known for the kernel's API and learned
 * for the driver's own functions from their bodies and their other callers
 * (`failure-styles.ts`); the finding says which and where.
 *
 * - `if (!p) return PTR_ERR(p);` — whatever `p` came from: PTR_ERR(NULL)
 *   is 0, so the failure is reported as success.
 *
 * Only the first test of the result after the call counts, and only when the
 * function tests it nowhere the right way (`if (!p) …; if (IS_ERR(p)) …`
 * and `IS_ERR_OR_NULL(p)` are fine); only calls or tests the patch writes
 * are reported.
 */

import { defineRule } from '../rule';
import type { FunctionIr, IrNode } from '../../parse/c/function-ir';
import { failureStyleOf, testKinds, type FailureStyleBelief } from './failure-styles';
import {
  functionLabel,
  rowChanged,
  rowText,
  type FunctionView,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const isErrVsNull = defineRule({
  id: 'is-err-vs-null',
  summary: 'A pointer result is tested for NULL when the function fails with an error pointer, or with IS_ERR() when it fails with NULL.',
  defaultSeverity: 'warning',
  tags: ['patch'],
  messages: {
    errorPointer:
      '{fn} tests {target} for NULL (`{test}`), but {call}() fails with an error pointer ({why}), which that test does not catch: the error pointer is then used as {target}. Test `IS_ERR({target})` and return `PTR_ERR({target})`.',
    ptrErrOfNull:
      '{fn} returns PTR_ERR({target}) (`{line}`) where {target} is NULL (`{test}`): PTR_ERR(NULL) is 0, so the failure is reported as success. Return an errno (`-ENOMEM`, `-ENOENT`), or test with IS_ERR() if {target} is an error pointer.',
    fixed: 'The patch fixes how {fn} tells a failure of {target}.',
    null: '{fn} tests {target} with IS_ERR() (`{test}`), but {call}() fails with NULL ({why}), which IS_ERR() does not catch: the failure goes on as success and NULL is used as {target}. Test `!{target}`.',
  },
});

/** Single-successor statements walked from a call to the test of its result. */
const MAX_STEPS = 4;

/** Why the style is believed, for the message. */
function why(call: string, belief: FailureStyleBelief): string {
  if (belief.source === 'kernel') return `the kernel's contract for ${call}()`;
  if (belief.source === 'body') return `its body has \`${belief.text}\` at ${belief.at}`;
  const tests = belief.style === 'error-pointer' ? 'with IS_ERR()' : 'for NULL';
  return `its other callers test the result ${tests} in ${belief.tested} of ${belief.calls} calls, e.g. ${belief.at}: \`${belief.text}\``;
}

/** The first branch after `from` that tests `target`, following plain statements; stops where `target` is stored again. */
function firstTest(ir: FunctionIr, from: IrNode, target: string): IrNode | undefined {
  let id = from.succ.length === 1 ? from.succ[0] : undefined;
  for (let steps = 0; steps < MAX_STEPS && id !== undefined; steps++) {
    const node = ir.nodes[id];
    if (!node) return undefined;
    if (node.kind === 'branch') {
      const kinds = node.cond === undefined ? undefined : testKinds(node.cond, target);
      // The first branch decides: one that tests something else first is not the result's test.
      return kinds && (kinds.errorPointer || kinds.null) ? node : undefined;
    }
    if (node.kind !== 'stmt' || node.succ.length !== 1) return undefined;
    if (node.assigns.some((assign) => assign.target === target)) return undefined;
    id = node.succ[0];
  }
  return undefined;
}

/**
 * Every test of `target` on the paths from the call `from` until `target` is
 * stored again, by kind: a later test of the right kind (`if (!p) …;
 * if (IS_ERR(p)) …`) still catches the failure.
 */
function testedAfter(ir: FunctionIr, from: IrNode, target: string): { errorPointer: boolean; null: boolean } {
  const seen = { errorPointer: false, null: false };
  const visited = new Set<number>([from.id]);
  const queue = [...from.succ];
  while (queue.length > 0) {
    const id = queue.pop() as number;
    if (visited.has(id)) continue;
    visited.add(id);
    const node = ir.nodes[id];
    if (!node) continue;
    const texts = [node.cond, node.returned, ...node.assigns.map((assign) => assign.value), ...node.calls.flatMap((call) => call.args)];
    for (const text of texts) {
      if (text === undefined || !text.includes(target)) continue;
      const kinds = testKinds(text, target);
      seen.errorPointer ||= kinds.errorPointer;
      seen.null ||= kinds.null;
    }
    if (node.assigns.some((assign) => assign.target === target)) continue;
    queue.push(...node.succ);
  }
  return seen;
}

/** `!p`, `p == NULL`, `NULL == p` as one `||` term of a condition (white space removed): the pointer tested. */
const NULL_TERM = /^(?:!([A-Za-z_][\w>.-]*)|([A-Za-z_][\w>.-]*)==NULL|NULL==([A-Za-z_][\w>.-]*))$/;

/** The pointers whose NULL case sends `cond` to its `then` side. */
function nullCases(cond: string): string[] {
  const bare = /^(?:unlikely|likely)\((.*)\)$/.exec(cond)?.[1] ?? cond;
  const out: string[] = [];
  for (const term of bare.split('||')) {
    const match = NULL_TERM.exec(term);
    const pointer = match?.[1] ?? match?.[2] ?? match?.[3];
    if (pointer !== undefined && !pointer.endsWith('-')) out.push(pointer);
  }
  return out;
}

/** `if (!p) return PTR_ERR(p);`: the `then` side of a NULL test of `p` turns `p` into the function's error. */
function ptrErrOfNullIssues(view: FunctionView, side: ImageSide): PatchIssue[] {
  const issues: PatchIssue[] = [];
  const ir = view.ir;
  for (const node of ir.nodes) {
    if (node.kind !== 'branch' || node.cond === undefined || (!node.cond.includes('NULL') && !node.cond.includes('!'))) continue;
    for (const target of nullCases(node.cond)) {
      const use = `PTR_ERR(${target})`;
      let id = node.succ[0];
      for (let steps = 0; steps < MAX_STEPS && id !== undefined; steps++) {
        const step = ir.nodes[id];
        if (!step || (step.kind !== 'stmt' && step.kind !== 'return')) break;
        const hit = step.returned?.includes(use) || step.assigns.some((assign) => assign.value.includes(use));
        if (hit) {
          if (side === 'pre' || rowChanged(view, step.row) || rowChanged(view, node.row))
            issues.push({
              view,
              key: `${ir.name}|ptr-err-of-null|${target}`,
              row: step.row,
              messageId: 'ptrErrOfNull',
              data: { fn: functionLabel(view), target, line: rowText(view, step.row), test: rowText(view, node.row) },
              related: [],
            });
          break;
        }
        if (step.kind === 'return' || step.succ.length !== 1 || step.assigns.some((assign) => assign.target === target)) break;
        id = step.succ[0];
      }
    }
  }
  return issues;
}

export const isErrVsNullCheck: PatchRuleCheck = {
  rule: isErrVsNull,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const learned = review.failureStyles;
    const issues: PatchIssue[] = [];
    for (const view of side === 'post' ? review.post : review.pre) {
      issues.push(...ptrErrOfNullIssues(view, side));
      for (const node of view.ir.nodes) {
        for (const call of node.calls) {
          const target = call.target;
          if (target === undefined || call.within !== undefined) continue;
          const belief = failureStyleOf(call.name, learned);
          if (!belief) continue;
          const test = firstTest(view.ir, node, target);
          if (!test?.cond) continue;
          if (side === 'post' && !rowChanged(view, call.row) && !rowChanged(view, test.row)) continue;
          const kinds = testKinds(test.cond, target);
          const anywhere = testedAfter(view.ir, node, target);
          const wrong = belief.style === 'error-pointer' ? kinds.null && !anywhere.errorPointer : kinds.errorPointer && !anywhere.null;
          if (!wrong) continue;
          // `IS_ERR_OR_NULL()` and PTR_ERR_OR_ZERO() read either kind: only a bare `IS_ERR()` is a NULL function's mistake.
          if (belief.style === 'null' && !/IS_ERR\(/.test(test.cond)) continue;
          // On the line the patch writes: the test, or the call whose result it now tests.
          const testChanged = rowChanged(view, test.row);
          issues.push({
            view,
            key: `${view.ir.name}|is-err-vs-null|${call.name}|${target}`,
            row: testChanged ? test.row : call.row,
            messageId: belief.style === 'error-pointer' ? 'errorPointer' : 'null',
            data: { fn: functionLabel(view), target, call: call.name, test: rowText(view, test.row), why: why(call.name, belief) },
            related: testChanged ? [] : [{ row: test.row, message: `the test of ${target}` }],
          });
        }
      }
    }
    return issues;
  },
};
