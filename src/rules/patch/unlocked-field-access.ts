/**
 * A field written, or a list head walked or changed, without the lock that
 * the rest of the code holds for it: when at least three other functions
 * touch the field and at least four in five of them hold lock L while doing
 * so (learned by `lock-facts` from the patch, the files it touches and, with
 * a kernel tree, the rest of the driver), a line the patch adds that touches
 * it without L is the deviant one.
 *
 * Quiet where the lock cannot be expected: functions whose callers hold the
 * locks (`*_locked`, or a `lockdep_assert_held()` of L), set-up and
 * tear-down functions (nobody else sees the object yet or any more), an
 * object the function has just allocated, and a window that does not show
 * the function's start (what it holds is unknown).
 */

import { defineRule } from '../rule';
import { NO_BELIEF_FUNCTION, believedLock, scanLocks } from './lock-facts';
import { viewLines } from './lock-view';
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

export const unlockedFieldAccess = defineRule({
  id: 'unlocked-field-access',
  summary: 'A field is written or a list walked without the lock that the other accesses in the driver hold.',
  defaultSeverity: 'warning',
  tags: ['patch', 'locking'],
  messages: {
    write:
      '{fn} writes {field} without holding {lock}; {count} of the {functions} other functions that access it hold {lock} (e.g. {example} at {at}): a concurrent update under {lock} can be lost or seen half-done. Take {lock} here, or say why it is not needed.',
    list: '{fn} uses the list {field} without holding {lock}; {count} of the {functions} other functions that use it hold {lock} (e.g. {example} at {at}): another thread can change or walk it at the same time. Take {lock} here, or say why it is not needed.',
    fixed: 'The patch stops touching {field} without {lock} in {fn}.',
  },
});

export const unlockedFieldAccessCheck: PatchRuleCheck = {
  rule: unlockedFieldAccess,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      if (!view.ir.startVisible || view.ir.synthetic || NO_BELIEF_FUNCTION.test(view.ir.name)) continue;
      const lines = viewLines(view);
      const body = lines.map((line) => line.text).join('\n');
      const seen = new Set<string>();
      scanLocks(lines, review.pairs, (event) => {
        if (event.type !== 'access' || !rowChanged(view, event.line)) return;
        const belief = believedLock(review.locks, event.field, view.ir.name);
        if (!belief || event.held.some((held) => held.cls === belief.lock)) return;
        const owner = event.field.split('->')[0] as string;
        if (justAllocated(body, owner)) return;
        const key = `${view.ir.name}|${event.field}|${belief.lock}|${rowText(view, event.line).replace(/\s+/g, '')}`;
        if (seen.has(key)) return;
        seen.add(key);
        issues.push({
          view,
          key,
          row: event.line,
          messageId: event.how,
          data: {
            fn: functionLabel(view),
            field: event.field,
            lock: belief.lock,
            count: belief.count,
            functions: belief.functions,
            example: `${belief.example.fn}()`,
            at: `${belief.example.path}:${belief.example.line}`,
          },
          related: [],
        });
      });
    }
    return issues;
  },
};

/** `owner` holds an object this function allocated or created: not shared yet. */
export function justAllocated(body: string, owner: string): boolean {
  if (!/^\w+$/.test(owner)) return false;
  return new RegExp(`\\b${regExpLiteral(owner)}\\s*=\\s*(?:\\([^)]*\\)\\s*)?\\w*(?:alloc|create|new|dup)\\w*\\s*\\(`).test(body);
}
