/**
 * A loop over a container of objects (a list, an IDR, an xarray) that walks
 * or writes a field of each element without the element's own lock, where
 * the rest of the code holds that lock for that field: the usual shape is a
 * device-wide walk over per-client managers (`list_for_each_entry(mgr,
 * &dev->mgr_list, ...)`) that then walks each manager's queues under the
 * device's lock only, while every per-client path takes the manager's mutex.
 *
 * Unlike a parameter, a loop cursor is an object the function found itself,
 * so no caller can hold its lock: the function must take it. The belief comes
 * from `object-locks`, by struct type (any variable name), counting functions
 * that reach the field through a parameter by what their callers hold.
 */

import { defineRule } from '../rule';
import { NO_BELIEF_FUNCTION } from './lock-facts';
import { viewLines } from './lock-view';
import { believedObjectLock, cursorsOf, structPointerTypes, objectAccesses } from './object-locks';
import { functionLabel, rowChanged, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const elementLockNotHeld = defineRule({
  id: 'element-lock-not-held',
  summary: "A loop uses a field of each element without the element's own lock, which the rest of the code holds for it.",
  defaultSeverity: 'warning',
  tags: ['patch', 'locking'],
  messages: {
    unlocked:
      "{fn} uses {cursor}->{field} without holding {cursor}->{lock}: {cursor} is an element this loop found itself, so no caller holds its lock, and {holders} of the {functions} other functions that use a {type}'s {field} hold its {lock} (e.g. {example} at {at}). Take {cursor}->{lock} around the use of each element.",
    fixed: 'The patch takes {cursor}->{lock} around the use of {cursor}->{field} in {fn}.',
  },
});

export const elementLockNotHeldCheck: PatchRuleCheck = {
  rule: elementLockNotHeld,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    if (!review.locks.objects || review.locks.objects.size === 0) return issues;
    for (const view of review[side]) {
      if (!view.ir.startVisible || view.ir.synthetic || NO_BELIEF_FUNCTION.test(view.ir.name)) continue;
      const lines = viewLines(view);
      const cursors = cursorsOf(lines, structPointerTypes(lines));
      if (cursors.size === 0) continue;
      const seen = new Set<string>();
      for (const access of objectAccesses(lines, review.pairs)) {
        const cursor = cursors.get(access.owner);
        if (!cursor || !rowChanged(view, access.line)) continue;
        const belief = believedObjectLock(review.locks.objects, cursor.type, access.field, view.ir.name);
        if (!belief || access.held.some((held) => held.cls === `${cursor.name}->${belief.lock}`)) continue;
        const key = `${view.ir.name}|${cursor.type}::${access.field}|${belief.lock}`;
        if (seen.has(key)) continue;
        seen.add(key);
        issues.push({
          view,
          key,
          row: access.line,
          messageId: 'unlocked',
          data: {
            fn: functionLabel(view),
            cursor: cursor.name,
            field: access.field,
            lock: belief.lock,
            type: `struct ${cursor.type}`,
            holders: belief.holders,
            functions: belief.functions,
            example: `${belief.example.via ?? belief.example.fn}()${belief.example.via ? ` (called from ${belief.example.fn}())` : ''}`,
            at: `${belief.example.path}:${belief.example.line}`,
          },
          related: [],
        });
      }
    }
    return issues;
  },
};
