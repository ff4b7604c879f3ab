/**
 * A path that reaches an unlock of a lock the function has not taken yet: an
 * early failure that jumps to the unwind label which unlocks, from before the
 * lock is taken (`if (!obj) goto out_unlock;` above `mutex_lock(&vm->lock)`).
 * A mutex released by a task that does not own it corrupts its state
 * ("DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current)"); a spinlock's
 * unlock lets another CPU in while the real owner still runs inside. It is
 * the mirror image of a leak on an error path, and as common where a patch
 * adds a failure exit or moves a lock further down.
 *
 * Invariants, for precision:
 *   - the function takes the lock itself, and its first call naming the lock
 *     is that acquire: a function entered with the lock held that drops and
 *     retakes it (`spin_unlock(&l); schedule(); spin_lock(&l);`) starts with
 *     the unlock and is left alone;
 *   - the path starts at the function's first statement, in view, and runs
 *     through no code the patch leaves out; any call that names the lock other
 *     than a release (an acquire, a helper that takes it, an assertion) ends
 *     the path; correlated branches (`if (locked)` twice) keep one outcome;
 *   - an unlock under a test of a lock state (`if (locked)`) is left to it;
 *   - only where the patch writes the jump, the unlock or the acquire.
 */

import { defineRule } from '../rule';
import type { CallSite, FunctionIr, IrNode } from '../../parse/c/function-ir';
import { WINDOW_GAP } from '../../parse/c/fragment';
import { branchSuccessors, correlatedVariables, factsAfter } from './branch-facts';
import { lockReleased, takesLock, underStateTest } from './double-release';
import { textKey } from './path-issues';
import { acquireKeyOfCall, boolTest, conditionalAcquire, errnoTest, resourceKey } from './resource-paths';
import {
  functionLabel,
  rowChanged,
  rowLine,
  type FunctionView,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const unlockBeforeLock = defineRule({
  id: 'unlock-before-lock',
  summary: 'A path reaches an unlock of a lock the function has not taken yet (an early exit to the unlocking label).',
  defaultSeverity: 'warning',
  tags: ['patch', 'locking'],
  messages: {
    jump: 'This goto in {fn} reaches {call}() at line {unlockLine}, which unlocks {key}, but on this path {key} is not taken yet (it is taken at line {lockLine}): it unlocks a lock this task does not hold, which corrupts the lock (mutex: "unlock of unowned mutex") or lets another CPU in. Jump to a label past the unlock.',
    path: '{fn} reaches {call}() here, which unlocks {key}, on a path that has not taken it yet (it is taken at line {lockLine}): it unlocks a lock this task does not hold. Unlock only after the lock is taken.',
    fixed: 'The patch no longer unlocks {key} on a path of {fn} that has not taken it.',
  },
});

/** The first acquire of `key` in the function, when it is the first call naming the lock at all. */
function firstAcquire(review: HunkReview, ir: FunctionIr, key: string): CallSite | undefined {
  const first = ir.calls.find((call) => call.args.some((arg) => resourceKey(arg) === key));
  if (!first) return undefined;
  const pair = review.pairs.acquires.get(first.name);
  return pair?.kind === 'lock' && acquireKeyOfCall(pair, first) === key ? first : undefined;
}

/** An acquire that can fail and says so in its result: an errno (`mutex_lock_interruptible()`) or a bool (`mutex_trylock()`). */
function canFail(review: HunkReview, call: CallSite): boolean {
  const style = review.pairs.acquires.get(call.name)?.style;
  return style === 'errno' || style === 'bool';
}

/** Which way of a branch testing the result of `call` in `variable` is its failure, if the test says. */
function failedWay(review: HunkReview, call: CallSite, variable: string, cond: string): 0 | 1 | undefined {
  const style = review.pairs.acquires.get(call.name)?.style;
  const outcome = style === 'bool' ? boolTest(cond, variable) : style === 'errno' ? errnoTest(cond, variable) : undefined;
  return outcome === undefined ? undefined : outcome === 'failure' ? 0 : 1;
}

/** The first unlock of `key` a path from the function's start reaches with no call naming the lock before it, and the last `goto` on that path. */
function unheldUnlock(
  review: HunkReview,
  view: FunctionView,
  key: string,
): { readonly unlock: CallSite; readonly jump: IrNode | undefined } | undefined {
  const { ir } = view;
  const correlated = correlatedVariables(ir);
  const seen = new Set<string>();
  interface Step {
    readonly id: number;
    readonly facts: string;
    readonly jump: IrNode | undefined;
    /** An acquire of the lock that can fail, whose result the next branch is to test (`ret = mutex_lock_interruptible(…)`). */
    readonly pending?: CallSite;
  }
  const stack: Step[] = [{ id: ir.entry, facts: '', jump: undefined }];
  while (stack.length > 0) {
    const { id, facts, jump, pending } = stack.pop() as Step;
    const memo = `${id}|${facts}|${pending?.row ?? ''}`;
    if (seen.has(memo)) continue;
    seen.add(memo);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown' || node.kind === 'exit') continue;
    if (node.calls.some((call) => call.name === WINDOW_GAP)) continue;
    const next = node.goto !== undefined ? node : jump;
    const naming = node.calls.filter((call) => call.args.some((arg) => resourceKey(arg) === key));
    if (pending) {
      // Only the test of the acquire's result may follow it: on its failed way the lock is not taken.
      const way =
        node.kind === 'branch' && naming.length === 0 ? failedWay(review, pending, pending.target as string, node.cond ?? '') : undefined;
      if (way !== undefined) stack.push({ id: node.succ[way] as number, facts, jump: next });
      continue;
    }
    const unlock = node.calls.find((call) => lockReleased(review, call) === key);
    if (unlock) {
      if (underStateTest(ir, unlock)) continue;
      return { unlock, jump };
    }
    if (naming.length > 0) {
      const [only] = naming;
      if (naming.length !== 1 || !only) continue;
      if (node.kind === 'branch') {
        // `if (mutex_lock_interruptible(&l))`, `if (!mutex_trylock(&l))`: the way it was not taken.
        const acquire = conditionalAcquire(node, review.pairs);
        if (acquire?.key === key) stack.push({ id: node.succ[acquire.thenHolds ? 1 : 0] as number, facts, jump: next });
      } else if (only.target !== undefined && canFail(review, only)) {
        for (const succ of node.succ) stack.push({ id: succ, facts, jump: next, pending: only });
      }
      continue;
    }
    const after = factsAfter(node, facts, correlated);
    if (node.kind === 'branch') {
      for (const branch of branchSuccessors(node, after, correlated)) stack.push({ id: branch.succ, facts: branch.facts, jump: next });
    } else {
      for (const succ of node.succ) stack.push({ id: succ, facts: after, jump: next });
    }
  }
  return undefined;
}

export const unlockBeforeLockCheck: PatchRuleCheck = {
  rule: unlockBeforeLock,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      if (ir.synthetic || !ir.startVisible) continue;
      const keys = new Set(ir.calls.flatMap((call) => lockReleased(review, call) ?? []));
      for (const key of keys) {
        if (!takesLock(review, ir, key)) continue;
        const acquire = firstAcquire(review, ir, key);
        if (!acquire) continue;
        const found = unheldUnlock(review, view, key);
        if (!found) continue;
        const { unlock, jump } = found;
        const rows = [unlock.row, acquire.row, ...(jump ? [jump.row] : [])];
        if (side === 'post' && !rows.some((row) => rowChanged(view, row))) continue;
        const data = {
          fn: functionLabel(view),
          key,
          call: unlock.name,
          unlockLine: rowLine(view, unlock.row),
          lockLine: rowLine(view, acquire.row),
        };
        issues.push({
          view,
          key: textKey(view, key, 'unlock-before-lock', unlock.row),
          row: jump ? jump.row : unlock.row,
          messageId: jump ? 'jump' : 'path',
          data,
          related: [
            ...(jump ? [{ row: unlock.row, message: `unlocks ${key}` }] : []),
            { row: acquire.row, message: `${key} is taken here` },
          ],
        });
      }
    }
    return issues;
  },
};
