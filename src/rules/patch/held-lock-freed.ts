/**
 * An object freed while this path still holds a lock inside it (`kfree(obj)`
 * with `obj->lock` or `obj->resv` taken): the lock dies held. Lockdep reports
 * it as "held lock freed!"; without lockdep, a waiter on that lock sleeps on
 * freed memory, and the memory's next user finds a lock already taken. The
 * usual shape is an error path added after the lock was taken that frees the
 * object and forgets the unlock.
 *
 * Built on the resource paths: a trylock whose result is asserted
 * (`WARN_ON(!ret)`) or ignored counts as taken.
 */

import { defineRule } from '../rule';
import { eventsOf, textKey } from './path-issues';
import { functionLabel, rowLine, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const heldLockFreed = defineRule({
  id: 'held-lock-freed',
  summary: 'An object is freed while a lock inside it, taken on the same path, is still held.',
  defaultSeverity: 'error',
  tags: ['patch', 'lifetime', 'locking'],
  messages: {
    freed:
      '{fn} frees {object} with {call}() while the {what} {key}, taken at line {acquireLine}, is still held: the lock dies held (lockdep: held lock freed). Unlock it before the free.',
    fixed: 'The patch unlocks {key} before {call}() frees {object} in {fn}.',
  },
});

export const heldLockFreedCheck: PatchRuleCheck = {
  rule: heldLockFreed,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    return eventsOf(review, side, 'freed-while-held').map(({ view, event }) => ({
      view,
      key: textKey(view, event.key, event.freeRow),
      row: event.freeRow,
      messageId: 'freed',
      data: {
        fn: functionLabel(view),
        object: event.object,
        call: event.call,
        what: event.pair.what,
        key: event.key,
        acquireLine: rowLine(view, event.acquireRow),
      },
      related: [{ row: event.acquireRow, message: `${event.pair.what} taken here` }],
    }));
  },
};
