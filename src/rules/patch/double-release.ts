/**
 * The same reference, lock or allocation released twice on one path: the
 * error branch puts and then jumps to a label that puts again, or a free is
 * followed by a cleanup that frees the same pointer. With krefs the second
 * put underflows (refcount_t saturates and warns) or frees an object someone
 * else still holds; with kfree it is a double free.
 *
 * Also a reference put that was never taken: a borrowed pointer (a fence lent
 * by an iterator) handed to a call that takes over the reference it is given
 * (`borrowed-references`), or a cleanup action that releases it registered
 * before it is taken.
 *
 * And an explicit free of a variable declared with a cleanup attribute
 * (`struct foo *p __free(kfree) = ...; ... kfree(p);`): the compiler frees it
 * again when it goes out of scope, unless the code clears it (`p = NULL`) or
 * takes it out with `no_free_ptr()`.
 *
 * And a release inside a loop that can run more than once whose argument
 * nothing in the loop changes (`for (i = 0; i < n; i++) kfree(tx->bytes);`,
 * meant `tx[i].bytes`): the second pass releases the same object again. Only
 * when the patch adds the release or the loop; the loop analysis
 * (`parse/c/loop-stores.ts`) leaves out loops that stop early.
 *
 * And a lock released twice with no acquire of it between, whether or not the
 * function took it first (`mutex_unlock()` written where `mutex_lock()` was
 * meant, before the section it ends with another unlock): one of the two
 * unlocks releases a lock that is not held. Only when the patch writes one of
 * them, and not across the code between two hunks (it may take the lock).
 */

import { defineRule } from '../rule';
import { BORROWED_MESSAGE, EARLY_ACTION_MESSAGE, borrowedReferenceIssues } from './borrowed-references';
import type { FunctionIr, IrNode } from '../../parse/c/function-ir';
import { WINDOW_GAP, WINDOW_LOOP } from '../../parse/c/fragment';
import { isIteratorMacro, iteratorCursors } from '../../parse/c/iterator-macros';
import { summaryOf } from './function-summaries';
import { eventsOf, jumpBetween, textKey } from './path-issues';
import { acquireKeyOfCall, releaseKeyOfCall, resourceKey } from './resource-paths';
import { releasesLifetime } from './stale-field-after-release';
import {
  functionLabel,
  rowChanged,
  rowLine,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const doubleRelease = defineRule({
  id: 'double-release',
  summary: 'A reference, lock or allocation is released twice on some path of the function.',
  defaultSeverity: 'error',
  tags: ['patch', 'lifetime', 'locking'],
  messages: {
    twice:
      'On one path of {fn}, {key} is released a second time by {call}() after the release at line {firstLine} ({what}): {consequence}.',
    jump: 'This goto in {fn} reaches a second release of {key} by {call}() at line {secondLine}, after the release at line {firstLine} ({what}): {consequence}. Jump to a label past that release.',
    cleanup:
      '{fn} frees {key} with {call}() here, but {key} is declared with __free({cleanup}): the compiler frees it again when it goes out of scope (double free). Drop the explicit free, or take the pointer out with no_free_ptr() first.',
    unlockedTwice:
      '{fn} releases {key} here with {call}() and again at line {secondLine} with {second}(), with no acquire of it between: one of them unlocks a lock that is not held, which corrupts its state (mutex: "unlock of unowned mutex"). Is this one meant to take the lock?',
    loop: '{fn} releases {key} with {call}() on every pass of the loop over {counter}, but nothing in {key} changes from pass to pass: the second pass releases the same object again ({consequence}). Is {key} meant to use {counter}?',
    borrowed: BORROWED_MESSAGE,
    earlyAction: EARLY_ACTION_MESSAGE,
    fixed: 'The patch removes a second release of {key} on a path of {fn}.',
  },
});

const CONSEQUENCE: Record<string, string> = {
  reference: 'the count drops below what the holders own, freeing the object under another holder (use-after-free)',
  lock: 'unlocking a lock that is not held corrupts its state',
  pm: 'the usage count underflows and the device may suspend while in use',
  memory: 'double free',
  pin: 'the pages are unpinned twice',
  'drm-dev': 'the SRCU read side is exited twice',
  'fence-signalling': 'the annotation is ended twice',
  atomic: 'the section is left twice, unbalancing its nesting count',
};

export const doubleReleaseCheck: PatchRuleCheck = {
  rule: doubleRelease,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const paths = eventsOf(review, side, 'double-release').map(({ view, event }): PatchIssue => {
      const jump = jumpBetween(view, event.firstRow, event.secondRow);
      return {
        view,
        key: textKey(view, event.key, event.pair.kind, event.secondRow),
        row: jump ?? event.secondRow,
        messageId: jump === undefined ? 'twice' : 'jump',
        data: {
          fn: functionLabel(view),
          key: event.key,
          call: event.call,
          firstLine: rowLine(view, event.firstRow),
          secondLine: rowLine(view, event.secondRow),
          what: [event.pair.what, summaryOf(event.pair)].filter((part) => part !== undefined).join('; '),
          consequence: CONSEQUENCE[event.pair.kind] ?? 'double release',
        },
        related: [
          { row: event.firstRow, message: 'first release' },
          ...(jump === undefined ? [] : [{ row: event.secondRow, message: 'second release' }]),
        ],
      };
    });
    // A lock the function never takes is the first unlock's mistake (the line the patch meant as an
    // acquire): that finding replaces the path's, which sits on the second. Otherwise the path's stands.
    const idOf = (issue: PatchIssue) => `${issue.view.ir.name}|${String(issue.data.key)}`;
    const unlocks = unlockedTwice(review, side);
    const neverTaken = new Set(unlocks.filter((issue) => !takesLock(review, issue.view.ir, String(issue.data.key))).map(idOf));
    const kept = paths.filter((issue) => !neverTaken.has(idOf(issue)));
    const reported = new Set(kept.map(idOf));
    return [
      ...kept,
      ...unlocks.filter((issue) => !reported.has(idOf(issue))),
      ...cleanupFreedTwice(review, side),
      ...releasedEveryPass(review, side),
      ...borrowedReferenceIssues(review, side),
    ];
  },
};

/** Explicit frees of a variable that a `__free()` attribute frees at the end of its scope. */
function cleanupFreedTwice(review: HunkReview, side: ImageSide): PatchIssue[] {
  const issues: PatchIssue[] = [];
  for (const view of review[side]) {
    const auto = view.ir.autoReleased;
    if (!auto) continue;
    for (const call of view.ir.calls) {
      const key = call.args[0];
      const cleanup = key === undefined ? undefined : auto.get(key);
      if (key === undefined || cleanup === undefined || call.within !== undefined) continue;
      const frees =
        call.name === cleanup || review.pairs.releases.get(call.name)?.some((pair) => pair.kind === 'memory' && !pair.handsOver);
      if (!frees) continue;
      // `kfree(p); p = NULL;`: the scope's free sees NULL.
      const cleared = view.ir.nodes.some(
        (node) => node.row >= call.row && node.row <= call.row + 1 && node.assigns.some((a) => a.target === key && a.value === 'NULL'),
      );
      if (cleared) continue;
      issues.push({
        view,
        key: textKey(view, key, 'cleanup', call.row),
        row: call.row,
        column: call.column,
        messageId: 'cleanup',
        data: { fn: functionLabel(view), key, call: call.name, cleanup },
        related: [],
      });
    }
  }
  return issues;
}

/** Releases a loop makes on every pass with the same argument, where the patch adds the release or the loop. */
function releasedEveryPass(review: HunkReview, side: ImageSide): PatchIssue[] {
  const issues: PatchIssue[] = [];
  for (const view of review[side]) {
    for (const call of view.ir.loopFixedCalls ?? []) {
      if (side === 'post' && !rowChanged(view, call.row) && !rowChanged(view, call.loopRow)) continue;
      const kind = releasesLifetime(call.name, review.pairs);
      if (kind === undefined) continue;
      issues.push({
        view,
        key: textKey(view, call.arg, 'loop', call.row),
        row: call.row,
        column: call.column,
        messageId: 'loop',
        data: {
          fn: functionLabel(view),
          key: call.arg,
          call: call.name,
          counter: call.counter,
          consequence: CONSEQUENCE[kind] ?? 'double release',
        },
        related: call.loopRow === call.row ? [] : [{ row: call.loopRow, message: `the loop over ${call.counter}` }],
      });
    }
  }
  return issues;
}

/** The function takes `key` somewhere (an acquire of the pair table naming it). */
export function takesLock(review: HunkReview, ir: FunctionIr, key: string): boolean {
  return ir.calls.some((call) => acquiresLock(review, call, key));
}

/** A condition on whether something is held (`if (locked)`, `if (need_unlock)`): it pairs the unlocks up. */
const STATE_TEST = /lock|held|own|acquired|need/i;

export function underStateTest(ir: FunctionIr, call: IrNode['calls'][number]): boolean {
  return ir.ifs.some((fact) => STATE_TEST.test(fact.cond) && (fact.thenCalls.includes(call) || fact.elseCalls.includes(call)));
}

/** The lock `call` releases, by the pair table. */
export function lockReleased(review: HunkReview, call: IrNode['calls'][number]): string | undefined {
  for (const pair of review.pairs.releases.get(call.name) ?? []) {
    if (pair.kind !== 'lock') continue;
    const key = releaseKeyOfCall(pair, call);
    if (key) return key;
  }
  return undefined;
}

/** `call` takes `key` by the pair table. */
function acquiresLock(review: HunkReview, call: IrNode['calls'][number], key: string): boolean {
  const pair = review.pairs.acquires.get(call.name);
  return pair?.kind === 'lock' && acquireKeyOfCall(pair, call) === key;
}

/** The first release of `key` on a path from `start` with no acquire of it, and no gap, before it. */
function nextUnlock(review: HunkReview, ir: FunctionIr, start: IrNode, key: string): IrNode['calls'][number] | undefined {
  // The variable the lock is reached through (`prev` of `prev->lock`): once it is assigned again, the same
  // text names another object's lock (a retry loop that drops one fence's lock and locks the next one's).
  const base = /^[A-Za-z_]\w*/.exec(key)?.[0];
  const seen = new Set<number>();
  const stack = [...start.succ];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown') continue;
    // The gap between two hunks, and the head of a loop standing for a block the gap opened (going round it
    // goes through the unknown code at the top of its body: `spin_lock(&ve->base.active.lock)`).
    if (node.calls.some((call) => call.name === WINDOW_GAP || call.name === WINDOW_LOOP)) continue;
    if (base !== undefined && node.assigns.some((assign) => assign.target === base)) continue;
    // So does the head of an iterator macro whose cursor it is (`drm_exec_for_each_locked_object(exec, i, obj)`):
    // the next round's `obj->resv` is the next element's lock.
    if (
      base !== undefined &&
      node.calls.some((call) => isIteratorMacro(call.name) && iteratorCursors(call.name, call.args).some((cursor) => cursor === base))
    )
      continue;
    // Any call naming the lock that is not a release (an acquire, a helper that retakes it) ends the path,
    // and so does an acquire that names it through its object (`drm_modeset_lock_all(dev)` takes
    // `dev->mode_config.mutex`).
    if (
      node.calls.some(
        (call) =>
          !review.pairs.releases.has(call.name) && (call.args.some((arg) => resourceKey(arg) === key) || acquiresLock(review, call, key)),
      )
    )
      continue;
    const again = node.calls.find((call) => lockReleased(review, call) === key);
    if (again) return again;
    stack.push(...node.succ);
  }
  return undefined;
}

/** Two releases of one lock on a path with no acquire of it between, where the patch writes one of them. */
function unlockedTwice(review: HunkReview, side: ImageSide): PatchIssue[] {
  const issues: PatchIssue[] = [];
  for (const view of review[side]) {
    const { ir } = view;
    const seen = new Set<string>();
    for (const node of ir.nodes) {
      for (const call of node.calls) {
        const key = lockReleased(review, call);
        if (!key || seen.has(key) || call.within !== undefined || underStateTest(ir, call)) continue;
        const second = nextUnlock(review, ir, node, key);
        if (!second || underStateTest(ir, second) || (!rowChanged(view, call.row) && !rowChanged(view, second.row))) continue;
        seen.add(key);
        issues.push({
          view,
          key: textKey(view, key, 'unlocked-twice', call.row),
          row: call.row,
          column: call.column,
          messageId: 'unlockedTwice',
          data: {
            fn: functionLabel(view),
            key,
            call: call.name,
            second: second.name,
            secondLine: rowLine(view, second.row),
          },
          related: [{ row: second.row, message: 'second release' }],
        });
      }
    }
  }
  return issues;
}
