/**
 * A lock assertion removed by the patch without a replacement, or moved under
 * a new condition. Lock assertions are how drm_gpuvm and its drivers document
 * and enforce who protects the GEM's gpuva list, the VA tree and the resv
 * objects; losing one silently hides the next locking bug from lockdep.
 *
 * Conditions that read a reference count are left to
 * `refcount-read-condition`, which explains that case better.
 */

import { defineRule } from '../rule';
import type { CallSite } from '../../parse/c/function-ir';
import { functionLabel, rowChanged, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const lockAssertionWeakened = defineRule({
  id: 'lock-assertion-weakened',
  summary: 'A lock assertion is removed without replacement or put under a condition.',
  defaultSeverity: 'warning',
  tags: ['patch', 'locking'],
  messages: {
    removed:
      'The patch removes {call}() from {fn} and asserts nothing in its place: the locking rule it enforced is no longer checked by lockdep.',
    conditional: 'The patch puts {call}() in {fn} under the condition ({cond}): on the other branch the locking rule is no longer checked.',
  },
});

export const LOCK_ASSERT_CALL = /assert\w*(?:held|lock)|lockdep_assert|assert_spin_locked/;
const REFCOUNT_READ = /\b(?:kref_read|refcount_read|atomic(?:_long)?_read)\(/;

const signature = (call: CallSite) => `${call.name}(${call.args.join(',')})`;

/** Whether the patch's removed lines (white space removed) take the lock `asserted` names: `spin_lock_irqsave(&e->lock,flags)`. */
function takesLockRemoved(removedText: string, asserted: string | undefined): boolean {
  if (asserted === undefined || asserted === '') return false;
  const lock = asserted.startsWith('&') ? asserted.slice(1) : asserted;
  // An empty needle is found at the end of the text for ever (`indexOf('', n)` is the length for every n past it).
  if (lock === '') return false;
  for (let at = removedText.indexOf(lock); at !== -1; at = removedText.indexOf(lock, at + 1)) {
    const after = removedText[at + lock.length];
    if (after !== ',' && after !== ')') continue;
    // The call around it: `name(` or `name(&` just before the lock.
    const before = removedText.slice(Math.max(0, at - 64), at);
    if (/(?:^|[^\w])(?:\w*_)?(?:lock|lock_\w+)\(&?$/.test(before) && !/unlock\w*\(&?$/.test(before)) return true;
  }
  return false;
}

export const lockAssertionWeakenedCheck: PatchRuleCheck = {
  rule: lockAssertionWeakened,
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    if (side !== 'post') return [];
    const issues: PatchIssue[] = [];
    const preUnconditional = new Set<string>();
    for (const view of review.pre) {
      const guarded = new Set(view.ir.ifs.flatMap((fact) => [...fact.thenCalls, ...fact.elseCalls]));
      for (const call of view.ir.calls) if (LOCK_ASSERT_CALL.test(call.name) && !guarded.has(call)) preUnconditional.add(signature(call));
    }
    // Put under a condition.
    for (const view of review.post) {
      for (const fact of view.ir.ifs) {
        if (REFCOUNT_READ.test(fact.cond) || !rowChanged(view, fact.row)) continue;
        for (const call of [...fact.thenCalls, ...fact.elseCalls]) {
          if (!LOCK_ASSERT_CALL.test(call.name) || !preUnconditional.has(signature(call))) continue;
          // The other branch asserts a rule of its own (`if (wakelock) assert_rpm_wakelock_held(i915); else
          // assert_rpm_raw_wakeref_held(i915);`): the rule is split by the condition, each branch checked.
          const other = fact.thenCalls.includes(call) ? fact.elseCalls : fact.thenCalls;
          if (other.some((candidate) => LOCK_ASSERT_CALL.test(candidate.name))) continue;
          issues.push({
            view,
            key: `${view.ir.name}|cond|${signature(call)}`,
            row: call.row,
            column: call.column,
            messageId: 'conditional',
            data: { call: call.name, fn: functionLabel(view), cond: fact.cond },
            related: [{ row: fact.row, message: 'the new condition' }],
          });
        }
      }
    }
    // Removed without replacement: no assertion or lock is added anywhere in the hunk.
    const postHasNewAssertOrLock = review.post.some((view) =>
      view.ir.calls.some(
        (call) => rowChanged(view, call.row) && (LOCK_ASSERT_CALL.test(call.name) || /(?:^|_)lock(?:_\w+)?$/.test(call.name)),
      ),
    );
    if (postHasNewAssertOrLock) return issues;
    const postSignatures = new Set(review.post.flatMap((view) => view.ir.calls.map(signature)));
    const postNames = new Set(review.post.map((view) => view.ir.name));
    for (const view of review.pre) {
      // A function the post-image no longer has (removed, or its lines reused by another function) is gone, not weakened.
      if (!postNames.has(view.ir.name)) continue;
      // A function removed as a whole (no context line left) is not weakened, it is gone.
      const own = view.rows.slice(view.ir.startRow, view.ir.endRow + 1);
      if (!own.some((row) => row && !row.changed && /\S/.test(row.text) && !/^[{}]\s*$/.test(row.text.trim()))) continue;
      for (const call of view.ir.calls) {
        if (!LOCK_ASSERT_CALL.test(call.name) || !rowChanged(view, call.row)) continue;
        const sig = signature(call);
        if (postSignatures.has(sig) || review.patchAddedText.includes(sig)) continue;
        // The patch also stops taking that lock around the function (it moves the locking inside, or drops
        // the rule on purpose): the assertion goes with the rule it checked.
        if (takesLockRemoved(review.patchRemovedText, call.args[0])) continue;
        // The patch deletes the driver's assertion helper itself (`assert_global_state_locked()` with the
        // global state it guarded): the rule it checked is gone, not unchecked.
        if (review.removedFunctions?.has(call.name)) continue;
        issues.push({
          view,
          key: `${view.ir.name}|removed|${sig}`,
          row: call.row,
          column: call.column,
          messageId: 'removed',
          data: { call: call.name, fn: functionLabel(view) },
          related: [],
        });
      }
    }
    return issues;
  },
};
