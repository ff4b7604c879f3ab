/**
 * A call the patch adds of a function whose body asserts a lock held
 * (`lockdep_assert_held(&vm->lock)` at its top level, on an object a
 * parameter reaches), made where the caller does not hold that lock, when the
 * caller's own code says nobody holds it for the call: the caller takes the
 * same lock itself elsewhere (so its callers do not hold it: the call falls
 * outside the locked section), or the object is a cursor of the caller's own
 * `*for_each*` loop (an element it found: no caller of its holds that lock).
 * The callee's contract is in its code; the caller breaks it.
 *
 * The lock is matched by class (`lock-facts`): the callee's assertion with the
 * caller's argument substituted for the parameter (`foo(q->vm)` with
 * `lockdep_assert_held(&vm->lock)` needs `vm->lock`). Held is judged twice,
 * and both must say "not held": by the linear scan of the caller's lines and
 * on every path the resource walk took to the call (an unlock in an error
 * branch does not release the lock for the code after the branch).
 *
 * Naming must never make a finding: a held lock of the same member under
 * another variable (`dev_priv->irq_lock` for `i915->irq_lock`) counts as held,
 * and so does a driver's own lock function called on the same object first.
 * Quiet in functions whose callers hold the locks (`*_locked`), set-up and
 * tear-down functions, and for arguments that are not plain expressions.
 */

import { rootVariable } from '../../parse/c/c-text';
import { defineRule } from '../rule';
import { NO_BELIEF_FUNCTION, argumentsAt, lockClassOf, requiredClass } from './lock-facts';
import { heldAtRows } from './lock-view';
import type { PairIndex } from './resource-pairs';
import { eventsOf } from './path-issues';
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

/** The member a lock class ends in: `vm->lock` → `lock`, `guc->ct.lock` → `ct.lock`. */
const memberOf = (cls: string): string => cls.slice(cls.lastIndexOf('->') + 2);

/**
 * Held, or something that may be it under another name: the same member
 * reached through a differently named variable (`dev_priv->irq_lock` for
 * `i915->irq_lock`) counts as held, so naming never makes a finding.
 */
function holdsLike(held: ReadonlySet<string>, cls: string): boolean {
  const member = memberOf(cls);
  for (const lock of held) if (lock === cls || memberOf(lock) === member) return true;
  return false;
}

/**
 * A driver's own lock function called on the same object before the call
 * (`intel_context_lock_pinned(ce)`, `foo_vm_lock(vm)`), one no resource pair
 * describes: it may take the very lock the callee asserts under a name the
 * scanner does not follow.
 */
function lockedByWrapper(view: FunctionView, pairs: PairIndex, argument: string, row: number): boolean {
  const root = rootVariable(argument);
  if (!root) return false;
  return view.ir.calls.some(
    (call) =>
      call.row <= row &&
      !pairs.acquires.has(call.name) &&
      /lock/i.test(call.name) &&
      !/unlock/i.test(call.name) &&
      call.args.some((arg) => rootVariable(arg) === root),
  );
}

/**
 * The loop cursor an argument starts from (`ce` of `ce->pin_mutex`) when the
 * function walks it itself in a `*for_each*` loop and it is not a parameter:
 * an object the function found, whose lock no caller can hold for it.
 */
function loopCursor(view: FunctionView, argument: string): string | undefined {
  const root = rootVariable(argument);
  if (!root || new RegExp(`\\b${root}\\b`).test(rowText(view, view.ir.startRow))) return undefined;
  for (let row = view.ir.startRow; row <= view.ir.endRow; row++) {
    const text = view.rows[row]?.text ?? '';
    const loop = /\b\w*for_each\w*\s*\(/.exec(text);
    if (loop && argumentsAt(text, loop.index + loop[0].length - 1).some((arg) => arg === root)) return root;
  }
  return undefined;
}

export const callWithoutAssertedLock = defineRule({
  id: 'call-without-asserted-lock',
  summary: 'A function that asserts a lock held is called without it, by a function that takes that lock elsewhere.',
  defaultSeverity: 'warning',
  tags: ['patch', 'locking'],
  messages: {
    call: '{fn} calls {callee}() here without holding {lock}, but {callee}() asserts it held (lockdep_assert_held() at {at}) and {fn} takes {lock} itself at line {taken}: the call falls outside the locked section, so {callee}() works on what {lock} protects unprotected. Make the call under {lock}.',
    cursor:
      '{fn} calls {callee}() here without holding {lock}, but {callee}() asserts it held (lockdep_assert_held() at {at}), and {cursor} is an element {fn} finds itself in a loop, so no caller holds its lock: {callee}() works on what {lock} protects unprotected. Take {lock} around the call for each element.',
    fixed: 'The patch makes the call of {callee}() in {fn} under {lock} again.',
  },
});

export const callWithoutAssertedLockCheck: PatchRuleCheck = {
  rule: callWithoutAssertedLock,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const requires = review.locks.requires;
    if (!requires || requires.size === 0) return [];
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      if (ir.synthetic || NO_BELIEF_FUNCTION.test(ir.name)) continue;
      const candidates = ir.calls.filter((call) => requires.has(call.name) && call.name !== ir.name && rowChanged(view, call.row));
      if (candidates.length === 0) continue;
      // What the linear scan holds at the start of each row, and where the function takes each lock class itself.
      const taken = new Map<string, number>();
      const heldAt = heldAtRows(view, review.pairs, (event) => {
        if (event.type === 'acquire' && !event.trylock && !taken.has(event.cls)) taken.set(event.cls, event.line);
      });
      // Lock classes held on some path at each call, from the resource walk.
      const heldOnPath = new Map<string, Set<string>>();
      for (const { view: on, event } of eventsOf(review, side, 'call-while-held')) {
        if (on !== view) continue;
        const where = `${event.call.row}:${event.call.column}`;
        const set = heldOnPath.get(where) ?? new Set<string>();
        for (const held of event.held) {
          const cls = lockClassOf(held.key);
          if (cls) set.add(cls);
        }
        heldOnPath.set(where, set);
      }
      const seen = new Set<string>();
      for (const call of candidates) {
        for (const requirement of requires.get(call.name) ?? []) {
          const cls = requiredClass(requirement, call.args[requirement.param] ?? '');
          if (cls === undefined) continue;
          const held = new Set([...(heldAt.get(call.row)?.keys() ?? []), ...(heldOnPath.get(`${call.row}:${call.column}`) ?? [])]);
          if (holdsLike(held, cls) || lockedByWrapper(view, review.pairs, call.args[requirement.param] ?? '', call.row)) continue;
          const takenAt = taken.get(cls);
          const cursor = takenAt === undefined ? loopCursor(view, call.args[requirement.param] ?? '') : undefined;
          if (takenAt === undefined && cursor === undefined) continue;
          const key = `${ir.name}|${call.name}|${cls}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const data = { fn: functionLabel(view), callee: call.name, lock: cls, at: `${requirement.site.path}:${requirement.site.line}` };
          issues.push(
            takenAt !== undefined
              ? {
                  view,
                  key,
                  row: call.row,
                  column: call.column,
                  messageId: 'call',
                  data: { ...data, taken: view.rows[takenAt]?.line ?? takenAt + 1 },
                  related: [{ row: takenAt, message: `${cls} taken here` }],
                }
              : {
                  view,
                  key,
                  row: call.row,
                  column: call.column,
                  messageId: 'cursor',
                  data: { ...data, cursor: cursor ?? '' },
                  related: [],
                },
          );
        }
      }
    }
    return issues;
  },
};
