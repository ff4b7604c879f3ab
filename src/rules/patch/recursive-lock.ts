/**
 * A lock taken twice by one thread: a call made with a lock held, of a
 * function that takes the same lock itself. Kernel mutexes, spinlocks and
 * rw-semaphores (write side) are not recursive, so the second acquisition
 * waits for the first forever; lockdep calls it "possible recursive locking".
 *
 * Two ways a patch brings it in, both read from the code:
 *
 * - at the call: the patch's function calls `foo(obj)` where the linear lock
 *   scan holds `obj->lock`, and `foo()`'s body (the patch's copy, or the
 *   tree's) takes `&param->lock` at its top level, unconditionally (the
 *   parameter substituted: `lock-facts`' `paramLocks`);
 * - in the callee: the patch makes `foo()` take `&param->lock` at its top
 *   level while its callers call it with that lock held: a function of the
 *   tree the patch leaves as it is, or a function of the patch's pre-image
 *   that the post-image no longer makes the call from (the locked section
 *   was inlined into the caller; the callers elsewhere in the driver keep
 *   their convention), for a function other files can call (not `static`).
 *   A caller whose post-image still makes the call without the lock is the
 *   lock moved from the caller into the callee: no finding.
 *
 * Locks are matched by class (`lock-facts`), as lockdep matches them, so a
 * call holding `q->vm->lock` of one VM and a callee taking `vm->lock` of
 * another is reported as lockdep would report it. A lock the caller takes
 * under a condition of its own (`if (!locked) mutex_lock(…)`), a trylock, a
 * `_nested` acquisition and the read side of a reader-writer lock never
 * count. Only the post-image is checked (the callees' bodies are the
 * post-image's), so the findings are what the patch's code does.
 */

import { defineRule } from '../rule';
import { rootVariable } from '../../parse/c/c-text';
import { WINDOW_GAP } from '../../parse/c/fragment';
import { exclusiveClassOf, looksLikeRelease, paramLocksOf, requiredClass, type LockRequirement } from './lock-facts';
import { heldAtRows, viewLines } from './lock-view';
import {
  functionLabel,
  rowChanged,
  rowLine,
  rowText,
  type FunctionView,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const recursiveLock = defineRule({
  id: 'recursive-lock',
  summary: 'A function is called with a lock held that it takes itself: the second acquisition deadlocks.',
  defaultSeverity: 'warning',
  tags: ['patch', 'locking'],
  messages: {
    twice:
      '{fn} takes {lock} here while it already holds it ({how} at line {taken}), with no release in between: the lock is not recursive, so this waits for itself forever (lockdep: possible recursive locking). Drop one of the two acquisitions, or release the lock first.',
    call: '{fn} calls {callee}() here with {lock} held ({how} at line {taken}), but {callee}() takes {lock} itself ({at}): the lock is not recursive, so the call waits for itself forever (lockdep: possible recursive locking). Release {lock} before the call, or call a variant that expects it held.',
    api: "{fn} calls {callee}() here with {lock} held ({how} at line {taken}), but {callee}() takes the xarray's lock itself: the spinlock is not recursive, so the call spins on itself forever. Call __{callee}(), which expects the lock held, or release it first.",
    callee:
      '{fn} now takes {lock} here, but it is called with {lock} already held ({caller} at {at}): each such call deadlocks on this second acquisition. Leave the locking to the callers (lockdep_assert_held() says so), or change every caller.',
  },
});

/**
 * The xarray calls that take the array's own `xa_lock` (include/linux/xarray.h):
 * under `xa_lock()` their `__xa_*` forms are the ones to call.
 */
const XA_SELF_LOCKING = new Set([
  'xa_store',
  'xa_erase',
  'xa_insert',
  'xa_alloc',
  'xa_alloc_cyclic',
  'xa_cmpxchg',
  'xa_set_mark',
  'xa_clear_mark',
]);

/** A statement guarding the line after it without braces (`if (!locked)`), or an `else`. */
const GUARDS_NEXT = /^\s*(?:(?:\}\s*)?else\b|if\b|for\b|while\b)|\)\s*$/;

/** Whether the lock taken at `row` is taken under a condition of its own (the row before guards it). */
function conditional(view: FunctionView, row: number): boolean {
  for (let before = row - 1; before >= view.ir.startRow; before--) {
    const text = rowText(view, before).trim();
    if (text === '' || text.startsWith('/*') || text.startsWith('*') || text.startsWith('//')) continue;
    return GUARDS_NEXT.test(text);
  }
  return false;
}

/**
 * Whether the lock taken at row `from` is still held by the block structure
 * at column `column` of row `to`: no brace between them closes the block the
 * acquisition is in (`if (a) { lock; … } else { call }` is two blocks), and
 * no call between them that looks like a release of the lock's object under
 * a name the lock table does not know (`foo_unlock_ctx(ctx)`), and no code
 * between them that the patch does not show.
 */
function stillHeld(view: FunctionView, from: number, to: number, column: number, cls: string): boolean {
  let depth = 0;
  for (let row = from + 1; row <= to; row++) {
    const text = row === to ? rowText(view, row).slice(0, column) : rowText(view, row);
    for (const ch of text) {
      if (ch === '{') depth++;
      else if (ch === '}' && --depth < 0) return false;
    }
  }
  // A learned lock function's class is the call (`xe_vm_lock(vm)`): its object is inside.
  const root = rootVariable(cls.replace(/^\w+\((.*)\)$/, '$1'));
  return !view.ir.calls.some(
    (call) =>
      call.row > from &&
      call.row < to &&
      // Code the patch does not show lies between them: it may release the lock.
      (call.name === WINDOW_GAP || (looksLikeRelease(call.name) && call.args.some((arg) => rootVariable(arg) === root))),
  );
}

/** How the lock held at `row` came to be held, for a message. */
function howHeld(view: FunctionView, row: number): string {
  return /lockdep_assert_held/.test(rowText(view, row)) ? 'asserted held' : 'taken';
}

/** The calls `view` makes of `callee` with the lock `requirement` names for its argument held: the row and the class. */
function lockedCallsIn(
  view: FunctionView,
  held: Map<number, ReadonlyMap<string, number>>,
  callee: string,
  requirement: LockRequirement,
): { row: number; cls: string; taken: number }[] {
  const out: { row: number; cls: string; taken: number }[] = [];
  for (const call of view.ir.calls) {
    if (call.name !== callee) continue;
    const cls = requiredClass(requirement, call.args[requirement.param] ?? '');
    const taken = cls === undefined ? undefined : held.get(call.row)?.get(cls);
    if (cls === undefined || taken === undefined || conditional(view, taken) || !stillHeld(view, taken, call.row, call.column, cls))
      continue;
    out.push({ row: call.row, cls, taken });
  }
  return out;
}

export const recursiveLockCheck: PatchRuleCheck = {
  rule: recursiveLock,
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    if (side !== 'post') return [];
    const paramLocks = review.locks.paramLocks;
    const issues: PatchIssue[] = [];
    const seen = new Set<string>();
    /** `callee|lock` of every finding at a call: the callee's own acquisition is then not reported again. */
    const calledHolding = new Set<string>();
    const heldCache = new Map<FunctionView, Map<number, ReadonlyMap<string, number>>>();
    const heldOf = (view: FunctionView) => {
      let held = heldCache.get(view);
      if (!held) heldCache.set(view, (held = heldAtRows(view, review.pairs)));
      return held;
    };

    // In one function: an acquisition of a lock the function already holds.
    for (const view of review.post) {
      const { ir } = view;
      if (ir.synthetic) continue;
      for (const call of ir.calls) {
        const api = XA_SELF_LOCKING.has(call.name);
        const cls = exclusiveClassOf(api ? 'xa_lock' : call.name, api ? call.args.slice(0, 1) : call.args, review.pairs);
        const taken = cls === undefined ? undefined : heldOf(view).get(call.row)?.get(cls);
        if (cls === undefined || taken === undefined || taken === call.row) continue;
        if (!rowChanged(view, call.row) && !rowChanged(view, taken)) continue;
        if (conditional(view, taken) || conditional(view, call.row) || !stillHeld(view, taken, call.row, call.column, cls)) continue;
        const key = api ? `${ir.name}|${call.name}|${cls}` : `${ir.name}|twice|${cls}`;
        if (seen.has(key)) continue;
        seen.add(key);
        issues.push({
          view,
          key,
          row: call.row,
          column: call.column,
          messageId: api ? 'api' : 'twice',
          data: { fn: functionLabel(view), lock: cls, callee: call.name, how: howHeld(view, taken), taken: rowLine(view, taken) },
          related: [{ row: taken, message: `${cls} ${howHeld(view, taken)} here` }],
        });
      }
    }

    // At the call: the patch's function holds the lock its callee takes.
    for (const view of review.post) {
      const { ir } = view;
      if (ir.synthetic || !paramLocks) continue;
      const callees = ir.calls.filter((call) => call.name !== ir.name && paramLocks.has(call.name));
      if (callees.length === 0) continue;
      for (const callee of new Set(callees.map((call) => call.name))) {
        for (const requirement of paramLocks.get(callee) ?? []) {
          for (const { row, cls, taken } of lockedCallsIn(view, heldOf(view), callee, requirement)) {
            if (!rowChanged(view, row) && !rowChanged(view, taken) && !review.definedFunctions?.has(callee)) continue;
            const key = `${ir.name}|${callee}|${cls}`;
            if (seen.has(key)) continue;
            seen.add(key);
            calledHolding.add(`${callee}|${cls}`);
            issues.push({
              view,
              key,
              row,
              messageId: 'call',
              data: {
                fn: functionLabel(view),
                callee,
                lock: cls,
                how: howHeld(view, taken),
                taken: rowLine(view, taken),
                at: `${requirement.site.path}:${requirement.site.line}`,
              },
              related: [{ row: taken, message: `${cls} ${howHeld(view, taken)} here` }],
            });
          }
        }
      }
    }

    // In the callee: the patch makes a function take a lock its callers hold.
    for (const view of review.post) {
      const { ir } = view;
      if (ir.synthetic || !ir.name) continue;
      const takes = paramLocksOf(viewLines(view), review.pairs);
      if (!takes || takes.fn !== ir.name) continue;
      const exported = !/^\s*static\b/.test(rowText(view, ir.startRow));
      for (const take of takes.takes) {
        if (!rowChanged(view, take.line)) continue;
        const requirement: LockRequirement = {
          param: take.param,
          path: take.path,
          site: { path: view.file ?? '', line: take.line, fn: ir.name },
        };
        const evidence = callerEvidence(review, ir.name, requirement, exported, heldOf);
        if (!evidence) continue;
        const key = `${ir.name}|callee|${evidence.cls}`;
        if (calledHolding.has(`${ir.name}|${evidence.cls}`) || seen.has(key)) continue;
        seen.add(key);
        issues.push({
          view,
          key,
          row: take.line,
          messageId: 'callee',
          data: { fn: functionLabel(view), lock: evidence.cls, caller: `${evidence.caller}()`, at: evidence.at },
          related: [],
        });
      }
    }
    return issues;
  },
};

/**
 * A caller of `fn` that holds the lock `requirement` names for it: a function
 * of the tree the patch does not change, or one of the pre-image that the
 * post-image no longer calls `fn` from (only for a function other files can
 * call: theirs keep the convention the pre-image shows).
 */
function callerEvidence(
  review: HunkReview,
  fn: string,
  requirement: LockRequirement,
  exported: boolean,
  heldOf: (view: FunctionView) => Map<number, ReadonlyMap<string, number>>,
): { cls: string; caller: string; at: string } | undefined {
  for (const call of review.locks.lockedCalls?.get(fn) ?? []) {
    const cls = requiredClass(requirement, call.args[requirement.param] ?? '');
    if (cls !== undefined && call.held.includes(cls)) return { cls, caller: call.site.fn, at: `${call.site.path}:${call.site.line}` };
  }
  if (!exported) return undefined;
  for (const before of review.pre) {
    const name = before.ir.name;
    if (before.ir.synthetic || !name || name === fn) continue;
    const after = review.post.find((view) => view.ir.name === name);
    if (!after || after.ir.calls.some((call) => call.name === fn)) continue;
    const found = lockedCallsIn(before, heldOf(before), fn, requirement)[0];
    if (found) return { cls: found.cls, caller: name, at: `line ${rowLine(before, found.row)} before the patch` };
  }
  return undefined;
}
