/**
 * Another task's `mm` read straight from its `task_struct` (`task->mm`,
 * `gtt->usertask->mm`) by a function that takes no reference on it: the
 * kernel's rule (get_task_mm(), mmget_not_zero()) is that a task's mm is
 * only stable for the task itself (`current->mm`); for any other task it is
 * cleared and freed when the task exits, so the read needs `task_lock()` and
 * the use needs `mmget()`. Taking its `mmap_lock` or pinning its pages through
 * the bare pointer is a use-after-free when the process exits meanwhile.
 *
 * A task is recognised by its declaration (`struct task_struct *t`) or by
 * the name of the pointer (`task`, `usertask`, `leader`): `->mm` is also the
 * name of many a `struct drm_mm` member, which this rule must not read.
 * Quiet when the function takes a reference or the task lock anywhere, and
 * on `current`.
 */

import { defineRule } from '../rule';
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

export const taskMmWithoutReference = defineRule({
  id: 'task-mm-without-reference',
  summary: "Another task's mm is read from its task_struct without get_task_mm() or mmget().",
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime', 'locking'],
  messages: {
    unreferenced:
      "{fn} reads {expression} and takes no reference on it: another task's mm is cleared and freed when that task exits, so using it (its mmap lock, its pages) can touch freed memory. Use get_task_mm() (and mmput() when done), or mmget_not_zero() on an mm the code already keeps alive.",
    fixed: "The patch stops reading another task's mm without a reference in {fn}.",
  },
});

/** `x->task->mm`, `task->mm`: the pointer before `->mm`, not a `struct drm_mm` member (`->mm.size`, `&ggtt->mm`). */
const MM_READ = /([A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*)\s*->\s*mm\b(?![\w.])/g;
const TASK_NAME = /(?:^|_)(?:task|usertask|leader|tsk|owner_task)$/i;
/** Calls that make the mm (or the read of it) safe: a reference or the task lock. */
const SAFE = /\b(?:get_task_mm|mmget|mmget_not_zero|mmgrab|task_lock|get_task_mm_locked)\s*\(/;

export const taskMmWithoutReferenceCheck: PatchRuleCheck = {
  rule: taskMmWithoutReference,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      if (view.ir.synthetic) continue;
      const body: string[] = [];
      for (let row = view.ir.startRow; row <= view.ir.endRow; row++) body.push(view.rows[row]?.text ?? '');
      const text = body.join('\n');
      if (SAFE.test(text)) continue;
      const seen = new Set<string>();
      for (let row = view.ir.startRow; row <= view.ir.endRow; row++) {
        if (!rowChanged(view, row)) continue;
        const line = rowText(view, row);
        MM_READ.lastIndex = 0;
        for (let match = MM_READ.exec(line); match; match = MM_READ.exec(line)) {
          const owner = (match[1] as string).replace(/\s+/g, '');
          const last = owner.split(/->|\./).pop() as string;
          if (last === 'current') continue;
          // `&x->mm` is the address of an embedded member (a `struct drm_mm`), not a task's mm pointer.
          if (/&\s*$/.test(line.slice(0, match.index))) continue;
          const declared = new RegExp(`\\bstruct\\s+(\\w+)\\s*\\*\\s*${regExpLiteral(last)}\\b`).exec(text)?.[1];
          if (declared ? declared !== 'task_struct' : !TASK_NAME.test(last)) continue;
          const key = `${view.ir.name}|${owner}->mm`;
          if (seen.has(key)) continue;
          seen.add(key);
          issues.push({
            view,
            key,
            row,
            column: match.index,
            messageId: 'unreferenced',
            data: { fn: functionLabel(view), expression: `${owner}->mm` },
            related: [],
          });
        }
      }
    }
    return issues;
  },
};
