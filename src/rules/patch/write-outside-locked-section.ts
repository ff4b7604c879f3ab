/**
 * A field written with no lock held by a function that itself reads or
 * writes the same field under its object's lock a few lines earlier: the
 * function's own code says the field is protected by that lock, and the new
 * write falls outside the locked section (typically just after the unlock).
 * Another thread that takes the lock can then see the field change under it,
 * or lose the write to its own update.
 *
 * This is the belief of one function about itself, so it needs no other
 * function to agree (where `unlocked-field-access` needs the rest of the
 * driver): the lock must be one the function takes itself (so no caller
 * holds it), it must belong to the same object as the field (`e->lock` for
 * `e->field`), and the locked access must come first in source order.
 *
 * Quiet where the lock cannot be expected, as `unlocked-field-access` is:
 * functions whose callers hold the locks (`*_locked`), set-up and tear-down
 * functions, and an object the function has just allocated. The window need
 * not show the function's start (the lock is one it takes in view, so no
 * caller holds it), but code a window leaves out between the locked access
 * and the write may take the lock again: a gap forgets the locked accesses.
 */

import { defineRule } from '../rule';
import { NO_BELIEF_FUNCTION, scanLocks, type HeldLock } from './lock-facts';
import { viewLines } from './lock-view';
import { justAllocated } from './unlocked-field-access';
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
import { WINDOW_GAP } from '../../parse/c/fragment';

export const writeOutsideLockedSection = defineRule({
  id: 'write-outside-locked-section',
  summary: "A field is written with no lock held by a function that accesses it under its object's lock earlier.",
  defaultSeverity: 'warning',
  tags: ['patch', 'locking'],
  messages: {
    write:
      '{fn} writes {field} here with no lock held, but accesses it under {lock}, a lock it takes itself, in `{locked}`: the function treats {field} as protected by {lock}, and a thread holding {lock} can see it change under it or overwrite this write. Move the write inside the locked section.',
    fixed: 'The patch moves the write of {field} in {fn} back under {lock}.',
  },
});

/** `owner->field` chains (with `.member` steps), not followed by a call: a field, not a function pointer. */
const FIELD = /(?<![\w>.])([A-Za-z_]\w*)((?:->|\.)[A-Za-z_]\w*)*->[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?!\s*\(|\w)/g;

interface LockedAccess {
  readonly lock: HeldLock;
  readonly line: number;
}

export const writeOutsideLockedSectionCheck: PatchRuleCheck = {
  rule: writeOutsideLockedSection,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      if (view.ir.synthetic || NO_BELIEF_FUNCTION.test(view.ir.name)) continue;
      const lines = viewLines(view);
      const body = lines.map((line) => line.text).join('\n');
      // Locks the function takes itself: asserted ones are its caller's.
      const taken = new Set<string>();
      const locked = new Map<string, LockedAccess>();
      const seen = new Set<string>();
      // The rows standing for code between two hunks (not rows of the view's text).
      const gaps = view.ir.calls.filter((call) => call.name === WINDOW_GAP).map((call) => call.row);
      scanLocks(
        lines,
        review.pairs,
        (event) => {
          if (event.type === 'acquire') {
            taken.add(event.cls);
            return;
          }
          if (event.type !== 'access' || event.how !== 'write' || event.held.length > 0 || !rowChanged(view, event.line)) return;
          const prior = locked.get(event.field);
          // Code the window leaves out between the two may take the lock again.
          if (!prior || gaps.some((gap) => gap > prior.line && gap < event.line)) return;
          const owner = event.field.split('->')[0] as string;
          // The field of the owner itself, not of something reached through it (`x->entity->field`).
          const text = view.rows[event.line]?.text ?? '';
          if (!new RegExp(`(?<![\\w>.])${regExpLiteral(event.field)}\\b`).test(text)) return;
          if (justAllocated(body, owner)) return;
          const key = `${view.ir.name}|${event.field}|${prior.lock.cls}`;
          if (seen.has(key)) return;
          seen.add(key);
          issues.push({
            view,
            key,
            row: event.line,
            messageId: 'write',
            data: {
              fn: functionLabel(view),
              field: event.field,
              lock: prior.lock.cls,
              // Code, not a line number: with a kernel tree the locked access may lie outside the patch.
              locked: rowText(view, prior.line),
            },
            related: [{ row: prior.line, message: `${event.field} accessed under ${prior.lock.cls} here` }],
          });
        },
        (line, code, before, after) => {
          // Held for the whole line: taken before it starts and still held when it ends.
          const held = before.filter((lock) => taken.has(lock.cls) && after.some((h) => h.cls === lock.cls));
          if (held.length === 0) return;
          FIELD.lastIndex = 0;
          for (let match = FIELD.exec(code); match; match = FIELD.exec(code)) {
            const expression = match[0].replace(/\s+/g, '');
            // Only a field of a plain variable, with the lock of that same object.
            if (!/^\w+->\w+$/.test(expression)) continue;
            const owner = match[1] as string;
            const lock = held.find((h) => h.cls.startsWith(`${owner}->`) && h.cls !== expression);
            if (lock && !locked.has(expression)) locked.set(expression, { lock, line });
          }
        },
      );
    }
    return issues;
  },
};
