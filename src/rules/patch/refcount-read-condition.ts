/**
 * A reference count read used as the condition for a lock assertion, a free,
 * a put or a lock. The count can change between the read and the action (the
 * last reference can be dropped concurrently right after the read), so the
 * decision is racy by construction; the drm_gpuvm maintainers rejected
 * exactly this in front of `drm_gem_gpuva_assert_lock_held()`.
 */

import { defineRule } from '../rule';
import type { CallSite } from '../../parse/c/function-ir';
import { functionLabel, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const refcountReadCondition = defineRule({
  id: 'refcount-read-condition',
  summary: 'A reference count read decides whether a lock is asserted or taken, or an object is put or freed.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime', 'locking'],
  messages: {
    racy: 'The patch makes {action}() in {fn} depend on {read}(): the count can drop to zero right after the read (another holder puts concurrently), so the check decides on a stale value. A refcount is not a lock; keep the {kind} unconditional or restructure the lifetime.',
    fixed: 'The patch removes a decision on {read}() in front of {action}() in {fn}: a reference count read is racy as a condition.',
  },
});

const READ = /\b(kref_read|refcount_read)\(|\batomic(?:_long)?_read\(&?[\w>.-]*(?:ref|refs|refcount|kref|_count|count)\)/;
const ASSERT = /assert\w*(?:held|lock)|lockdep_assert|assert_spin_locked/;
const FREE = /(?:^|_)(?:free|destroy|release)$|^kv?free$/;
const PUT = /_put(?:_\w+)?$/;
const LOCK = /(?:^|_)(?:lock|trylock|lock_interruptible|lock_irqsave|lock_irq|lock_nested)$|^down_(?:read|write)/;

function kindOf(call: CallSite): string | undefined {
  if (ASSERT.test(call.name)) return 'lock assertion';
  if (PUT.test(call.name)) return 'put';
  if (FREE.test(call.name)) return 'free';
  if (LOCK.test(call.name)) return 'lock';
  return undefined;
}

export const refcountReadConditionCheck: PatchRuleCheck = {
  rule: refcountReadCondition,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      for (const fact of view.ir.ifs) {
        const read = READ.exec(fact.cond);
        if (!read) continue;
        const guarded = [...fact.thenCalls, ...fact.elseCalls].find((call) => kindOf(call) !== undefined);
        if (!guarded) continue;
        const readName = read[1] ?? (/atomic(?:_long)?_read/.exec(read[0]) as RegExpExecArray)[0];
        issues.push({
          view,
          // The decision is the finding, whatever the call it guards is named: a patch that wraps the put
          // (`intel_runtime_pm_put()` become `rpm_put()`) under the same read keeps the old decision.
          key: `${view.ir.name}|${fact.cond}|${kindOf(guarded) as string}`,
          row: fact.row,
          column: view.ir.calls.find((c) => c.row === fact.row && c.name === readName)?.column ?? 0,
          messageId: 'racy',
          data: { action: guarded.name, read: readName, fn: functionLabel(view), kind: kindOf(guarded) as string },
          related: [{ row: guarded.row, message: `${guarded.name}() now runs only when ${readName}() says so` }],
        });
      }
    }
    return issues;
  },
};
