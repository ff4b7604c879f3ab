/**
 * The result of `copy_from_user()`/`copy_to_user()` returned as an error:
 * they return the number of bytes they could not copy, never an errno, so
 * `return copy_to_user(…);` or `ret = copy_from_user(…); if (ret) return
 * ret;` hands userspace a positive count where it expects -EFAULT (an ioctl
 * that "succeeds" with a positive value, or a caller that tests `< 0` and
 * goes on with half-copied data). Smatch reports it as "copy_from_user()
 * returns the number of bytes not copied"; the fix is `-EFAULT`.
 *
 * Only in a function whose contract is an errno (an ioctl handler, or one
 * that returns `-E…` elsewhere): a helper that hands the count on is fine.
 * Read from the function's IR: a return of the call itself, or of the
 * variable that holds its result on the side of a test where it is non-zero,
 * a few plain statements (a `goto` included) after the test, with nothing
 * storing another value into it.
 */

import { defineRule } from '../rule';
import type { FunctionIr, IrNode } from '../../parse/c/function-ir';
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

export const copyUserCountReturned = defineRule({
  id: 'copy-user-count-returned',
  summary: 'The byte count copy_from_user()/copy_to_user() returns is returned as if it were an errno.',
  defaultSeverity: 'warning',
  tags: ['patch'],
  messages: {
    returned:
      '{fn} returns what {call}() returned (`{line}`), but {call}() returns the number of bytes it could not copy, not an errno: a fault gives the caller a positive count instead of -EFAULT. Return -EFAULT when it is non-zero.',
    fixed: 'The patch stops returning the byte count of {call}() from {fn} as an errno.',
  },
});

/** Calls that return the number of bytes left uncopied. */
const BYTE_COUNT = new Set(['copy_from_user', 'copy_to_user', '__copy_from_user', '__copy_to_user', 'clear_user', '__clear_user']);

/** Plain statements walked from the test to the return. */
const MAX_STEPS = 6;

/** `x`, `x!=0`, `unlikely(x)`: a condition true exactly when `x` is non-zero. */
function nonZeroTest(cond: string, target: string): boolean {
  const bare = /^(?:unlikely|likely)\((.*)\)$/.exec(cond)?.[1] ?? cond;
  return bare === target || bare === `${target}!=0` || bare === `0!=${target}`;
}

/** The return of `target` on the non-zero side of `branch`, if one follows plain statements. */
function returnOf(ir: FunctionIr, branch: IrNode, target: string): IrNode | undefined {
  let id = branch.succ[0];
  for (let steps = 0; steps < MAX_STEPS && id !== undefined; steps++) {
    const node = ir.nodes[id];
    if (!node) return undefined;
    if (node.kind === 'return') return node.returned === target ? node : undefined;
    if (node.kind !== 'stmt' || node.succ.length !== 1 || node.assigns.some((assign) => assign.target === target)) return undefined;
    id = node.succ[0];
  }
  return undefined;
}

/**
 * The function reports failure with negative errnos: an ioctl handler, or one
 * that returns or stores `-E…` somewhere. A helper that only passes the byte
 * count on (`static unsigned long foo_copy(…) { return copy_to_user(…); }`,
 * its callers testing it for non-zero) is left alone.
 */
function errnoContract(ir: FunctionIr): boolean {
  if (/_ioctl$/.test(ir.name)) return true;
  const errno = /^-E[A-Z0-9]+$/;
  return ir.nodes.some(
    (node) => (node.returned !== undefined && errno.test(node.returned)) || node.assigns.some((assign) => errno.test(assign.value)),
  );
}

function issuesIn(view: FunctionView, side: ImageSide): PatchIssue[] {
  const ir = view.ir;
  const issues: PatchIssue[] = [];
  if (!errnoContract(ir)) return issues;
  const push = (row: number, call: string, changed: boolean, related: PatchIssue['related']) => {
    if (side === 'post' && !changed) return;
    issues.push({
      view,
      key: `${ir.name}|copy-user-count|${call}|${rowText(view, row)}`,
      row,
      messageId: 'returned',
      data: { fn: functionLabel(view), call, line: rowText(view, row) },
      related,
    });
  };
  for (const node of ir.nodes) {
    for (const call of node.calls) {
      if (!BYTE_COUNT.has(call.name) || call.within !== undefined) continue;
      // `return copy_to_user(...);`
      if (node.kind === 'return' && node.returned?.startsWith(`${call.name}(`) && node.returned.endsWith(')')) {
        push(node.row, call.name, rowChanged(view, node.row), []);
        continue;
      }
      const target = call.target;
      if (target === undefined || node.kind !== 'stmt' || node.succ.length !== 1) continue;
      const test = ir.nodes[node.succ[0] as number];
      if (test?.kind !== 'branch' || test.cond === undefined || !nonZeroTest(test.cond, target)) continue;
      const ret = returnOf(ir, test, target);
      if (!ret) continue;
      const changed = rowChanged(view, call.row) || rowChanged(view, test.row) || rowChanged(view, ret.row);
      push(ret.row, call.name, changed, ret.row === call.row ? [] : [{ row: call.row, message: `${target} = ${call.name}(…)` }]);
    }
  }
  return issues;
}

export const copyUserCountReturnedCheck: PatchRuleCheck = {
  rule: copyUserCountReturned,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    return (side === 'post' ? review.post : review.pre).flatMap((view) => issuesIn(view, side));
  },
};
