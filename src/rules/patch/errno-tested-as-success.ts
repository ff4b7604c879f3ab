/**
 * A call to a function that reports failure as a negative errno, tested the
 * wrong way round: `if (foo_enable(x)) return 0;` returns success exactly when
 * `foo_enable()` failed, and `if (!foo_init(x)) return -EINVAL;` fails exactly
 * when it worked. It happens when a function's contract changes from
 * `bool`/`void` to `int` in the same series, or when a caller reads the
 * function's name as a predicate ("drm/xe: Move survivability back to xe":
 * `xe_survivability_mode_enable()` "is not a bool return").
 *
 * Which functions return an errno is learned from their code in the patch
 * (`errno-functions.ts`) and cited, or known: the kernel's interruptible and
 * killable lock calls return 0 when they take the lock and -EINTR when a
 * signal ends the wait (`if (!mutex_lock_killable(l)) return -EINTR;` fails
 * exactly when it holds the lock, and leaves it held). Quiet when the result is compared
 * (`< 0`, `== 0`), and when the branch does anything but return a constant
 * of the wrong sense.
 */

import { defineRule } from '../rule';
import { regExpLiteral } from '../../base/regexp-literal';
import type { FunctionIr, IrNode } from '../../parse/c/function-ir';
import { functionLabel, rowChanged, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const errnoTestedAsSuccess = defineRule({
  id: 'errno-tested-as-success',
  summary: 'The result of a function that returns a negative errno on failure is tested as if non-zero meant success.',
  defaultSeverity: 'warning',
  tags: ['patch'],
  messages: {
    success:
      '{fn} returns 0 (success) when {call}() returns non-zero, but {call}() returns a negative errno when it fails (`{errnoText}`, line {errnoLine}): the caller reports success exactly when {call}() failed. Test `{call}(...) == 0`, or keep its error.',
    failure:
      '{fn} returns `{returned}` when {call}() returns 0, but 0 is its success (it fails with a negative errno: `{errnoText}`, line {errnoLine}): the caller fails exactly when {call}() worked. Test `{call}(...) < 0` or `!= 0`.',
    lockFailure:
      '{fn} returns `{returned}` when {call}() returns 0, but {call}() returns 0 when it takes the lock and -EINTR when a signal ends the wait: the caller fails exactly when it got the lock, and returns with it held. Test `if ({call}(...))`.',
  },
});

/** Kernel lock calls that return 0 when they take the lock and a negative errno when interrupted. */
const INTERRUPTIBLE_LOCK =
  /^(?:mutex_lock_(?:interruptible|killable)(?:_nested)?|down_(?:interruptible|killable)|down_(?:read|write)_(?:interruptible|killable)|dma_resv_lock_interruptible|ww_mutex_lock_interruptible)$/;

/**
 * The mistake a `then` branch returning the constant `returned` shows, for a
 * call tested bare (`negated`: as `!call()`): success returned on its
 * failure, or an errno returned on its success.
 */
function mistake(lock: boolean, negated: boolean, returned: string): 'success' | 'failure' | 'lockFailure' | undefined {
  const errnoOnSuccess = negated && /^-E[A-Z0-9]+$/.test(returned);
  // A lock call tested as `if (lock()) return 0;` may be a deliberate "busy, nothing to do".
  if (lock) return errnoOnSuccess ? 'lockFailure' : undefined;
  if (!negated && returned === '0') return 'success';
  return errnoOnSuccess ? 'failure' : undefined;
}

/** The constant the `then` branch of `branch` returns, following plain statements only. */
function thenReturns(ir: FunctionIr, branch: IrNode): string | undefined {
  let id = branch.succ[0];
  for (let steps = 0; steps < 4 && id !== undefined; steps++) {
    // Back where the test's other side goes (`if (f()) DRM_WARN(…);` then `return 0;`): the failure is
    // logged and let go, and the return is the function's, not the test's verdict.
    if (id === branch.succ[1]) return undefined;
    const node = ir.nodes[id];
    if (!node) return undefined;
    if (node.kind === 'return') return node.returned;
    // Logging on the way is fine; anything that branches or assigns is not a plain verdict.
    if (node.kind !== 'stmt' || node.assigns.length > 0 || node.succ.length !== 1) return undefined;
    id = node.succ[0];
  }
  return undefined;
}

export const errnoTestedAsSuccessCheck: PatchRuleCheck = {
  rule: errnoTestedAsSuccess,
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const errno = review.errnoFunctions ?? new Map<string, { readonly line: number; readonly text: string }>();
    const issues: PatchIssue[] = [];
    for (const view of side === 'post' ? review.post : review.pre) {
      for (const node of view.ir.nodes) {
        if (node.kind !== 'branch' || node.cond === undefined) continue;
        for (const call of node.calls) {
          const lock = INTERRUPTIBLE_LOCK.test(call.name);
          const learned = errno.get(call.name);
          if ((!learned && !lock) || call.within !== undefined || call.target !== undefined) continue;
          if (side === 'post' && !rowChanged(view, call.row) && !rowChanged(view, node.row)) continue;
          // Compared, or part of a larger expression: the caller says what it means.
          const name = regExpLiteral(call.name);
          const operator = '(?:[<>]=?|[=!]=|[-+*/%&|^?:])';
          const compared = new RegExp(`${operator}!?${name}\\(|${name}\\([^()]*(?:\\([^()]*\\)[^()]*)*\\)${operator}`);
          if (compared.test(node.cond.replace(/&&|\|\|/g, ' '))) continue;
          const returned = thenReturns(view.ir, node);
          if (returned === undefined) continue;
          const messageId = mistake(lock, call.negated, returned);
          if (!messageId) continue;
          issues.push({
            view,
            key: `${view.ir.name}|errno-as-bool|${call.name}|${messageId}`,
            row: call.row,
            column: call.column,
            messageId,
            data: { fn: functionLabel(view), call: call.name, errnoText: learned?.text ?? '', errnoLine: learned?.line ?? 0, returned },
            related: [],
          });
        }
      }
    }
    return issues;
  },
};
