/**
 * A reference, lock, runtime-PM reference, pin or allocation taken in a
 * function and still held when some path returns: the classic error-path
 * leak (`if (err) return err;` after a get, a `goto` to the wrong label).
 * Only resources the function itself releases on another path are reported,
 * so functions that hand a reference to their caller stay quiet.
 *
 * A pointer parameter counts as taken at entry when the function shows it owns
 * it: it frees it right before returning an error, or hands it to a function
 * that takes ownership (frees it on failure, see `learned-pairs`). Then a new
 * error return that does neither leaks it.
 */

import { defineRule } from '../rule';
import { summaryNote } from './function-summaries';
import { eventsOf, textKey } from './path-issues';
import { releaseKeyOfCall, resourceId, type PathEvent } from './resource-paths';
import { heldLikeALock } from './resource-pairs';
import { lastField } from './untaken-unlocks';
import {
  functionLabel,
  indentWidth,
  rowChanged,
  rowLine,
  rowText,
  type FunctionView,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

type LeakEvent = Extract<PathEvent, { type: 'leak' }>;

export const resourceLeak = defineRule({
  id: 'resource-leak',
  summary: 'A reference, lock or PM reference is acquired and not released on some path of the function.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime', 'locking'],
  messages: {
    leak: 'The {what} on {key} taken at line {acquireLine} is still held when {fn} returns here ({exit}), while other paths release it{wrapper}: {consequence}.',
    again:
      'The {what} on {key} taken at line {acquireLine} is still held when {call}() takes it again here in {fn}: {consequence} (the first one is overwritten).',
    param:
      'The error return here ({exit}) leaves {key} to nobody: {fn} owns this parameter, since it {how}{evidenceAt}, so it must free or hand it on on every failure: the memory leaks.',
    jump: 'The {what} on {key} taken at line {acquireLine} is still held when this jump ({exit}) leaves {fn} through a path that does not release it (it returns at {returned}): {consequence}.',
    unseen:
      'The {what} on {key} is still held when {fn} returns here ({exit}): line {releaseLine} releases it after this return, so it is held here, and this path does not release it: {consequence}.',
    unwind:
      'The {what} on {key} taken at line {acquireLine} is still held when {fn} returns here ({exit}), while a later failure with it held leaves through an unwind label (line {jumpLine}: {jump}), which must release it: {consequence}.',
    skipped:
      'The {what} on {key} taken at line {acquireLine} is released here, but a path of {fn} returns without reaching this release ({exit}): {consequence}.',
    fixed: 'The patch releases the {what} on {key} on a path of {fn} that returned with it held.',
  },
});

export const CONSEQUENCE: Record<string, string> = {
  reference: 'the object leaks',
  lock: 'the lock stays held and the next taker deadlocks',
  pm: 'the device can never runtime-suspend again',
  pin: 'the pages stay pinned forever',
  memory: 'the memory leaks',
  'fence-signalling': 'lockdep keeps the fence-signalling annotation open',
  'drm-dev': 'device unplug waits forever for this section',
  atomic: 'the caller goes on in atomic context, where sleeping is a bug (and an RCU grace period or preemption waits for it)',
};

export const resourceLeakCheck: PatchRuleCheck = {
  rule: resourceLeak,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const { halves, droppers } = review.untakenUnlocks[side];
    return (
      eventsOf(review, side, 'leak')
        .filter(({ event }) => event.pair.kind !== 'drm-dev')
        // A lock kept on success that another function of the patch unlocks without taking it: the API's
        // lock half (`drm_client_buffer_vmap_local()` locks, `drm_client_buffer_vunmap_local()` unlocks).
        .filter(
          ({ event }) =>
            !(heldLikeALock(event.pair.kind) && /^(?:0|true|)$/.test(event.exitText) && halves.has(resourceId(event.pair, event.key))),
        )
        // A lock handed to a function of the patch that drops it for its caller (`ttm_bo_swapout()` drops
        // the `lru_lock` `ttm_global_swapout()` took) between the acquire and this exit: not held here.
        .filter(({ view, event }) => !(heldLikeALock(event.pair.kind) && handedOff(view, event, droppers)))
        // An array element taken in one loop and released in a later loop over the same range
        // (`for_each_engine(engine, i915, id)` twice): a path on which the second loop is done
        // before releasing it is one on which the first did not take it.
        .filter(({ view, event }) => !releasedByTwinLoop(view, event))
        // Taken out of sight: only a release the patch leaves as it was, after this exit, shows it held here.
        // Not at an exit that ends a block opened out of sight (a hunk starting at `\t\treturn r;`, the
        // failure test of the very call that took it, `r = amdgpu_bo_reserve(abo, false); if (r)`).
        .filter(
          ({ view, event }) =>
            event.unseenReleaseRow === undefined ||
            (!rowChanged(view, event.unseenReleaseRow) &&
              event.unseenReleaseRow > event.exitRow &&
              !inBlockOpenedOutOfSight(view, event.acquireRow, event.exitRow, event.unseenReleaseRow)),
        )
        .map(({ view, event }) => {
          if (event.ownedParamRow !== undefined) return ownedParamLeak(view, event, event.ownedParamRow);
          const data = {
            what: `${event.pair.what}${summaryNote(event.pair)}`,
            // A section of the CPU's state (`rcu_read_lock()`) has no object to name.
            key: event.pair.fixedKey !== undefined ? 'this CPU' : event.key,
            acquireLine: rowLine(view, event.acquireRow),
            fn: functionLabel(view),
            exit: rowText(view, event.exitRow),
            wrapper: wrapperRelease(review, view, event),
            consequence:
              event.again !== undefined && /_init$/.test(event.again)
                ? 'what the first initialisation set up is overwritten and leaks'
                : event.pair.objectLivesOn && event.pair.kind === 'reference'
                  ? 'what it set up is never undone, and leaks'
                  : (CONSEQUENCE[event.pair.kind] ?? 'it leaks'),
          };
          const related = [{ row: event.acquireRow, message: `${event.pair.what} taken here` }];
          // Resource and path, not the acquire's text: a lock that changes type is the same lock.
          // A return the patch adds is a new way out even when an old exit with the same text leaked it
          // already (`return false;` after `goto out`): the test in front of it tells them apart.
          const newExit = rowChanged(view, event.exitRow) && event.viaRow === undefined && event.exitRow > 0;
          const key = textKey(view, event.key, event.pair.kind, event.exitRow, ...(newExit ? [event.exitRow - 1] : []));
          // The patch moved or added the release, not the exit: the release is the line to look at.
          const skipped = event.again || rowChanged(view, event.exitRow) ? undefined : changedRelease(view, event);
          // A `goto` the patch adds that leaves with it held: the jump is the line to change.
          const via = event.viaRow;
          if (!event.again && via !== undefined && rowChanged(view, via))
            return {
              view,
              // The same resource leaking at the same exit as before the patch is not new, whatever the jump.
              key,
              row: via,
              messageId: 'jump',
              data: { ...data, exit: rowText(view, via), returned: rowText(view, event.exitRow) },
              related,
            };
          // Taken where the window does not show: the release after the return is the evidence.
          if (event.unseenReleaseRow !== undefined && !event.again && (via === undefined || !rowChanged(view, via)))
            return {
              view,
              key,
              row: event.exitRow,
              messageId: 'unseen',
              data: { ...data, releaseLine: rowLine(view, event.unseenReleaseRow) },
              related: [{ row: event.unseenReleaseRow, message: `${event.pair.what} released here, so held before it` }],
            };
          // No release in view: a later failure's jump to an unwind label with it held is the evidence.
          if (event.unwindJumpRow !== undefined)
            return {
              view,
              key,
              row: event.exitRow,
              messageId: 'unwind',
              data: { ...data, jumpLine: rowLine(view, event.unwindJumpRow), jump: rowText(view, event.unwindJumpRow) },
              related: [...related, { row: event.unwindJumpRow, message: 'a later failure unwinds from here with it held' }],
            };
          if (skipped !== undefined)
            return {
              view,
              key,
              row: skipped,
              messageId: 'skipped',
              data,
              related,
            };
          return {
            view,
            key,
            row: event.exitRow,
            messageId: event.again ? 'again' : 'leak',
            data: { ...data, call: event.again ?? '' },
            related,
          };
        })
        // One finding per resource and exit: paths that took it at different rows end the same way.
        .filter((issue, index, all) => all.findIndex((other) => other.key === issue.key && other.row === issue.row) === index)
    );
  },
};

/** ` with foo_unlock(), which unlocks q->lock at foo.c:41`: the function releases it through a learned wrapper. */
function wrapperRelease(review: HunkReview, view: FunctionView, event: LeakEvent): string {
  for (const call of view.ir.calls) {
    const pair = review.pairs.releases.get(call.name)?.find((p) => p.releasePath !== undefined && p.what === event.pair.what);
    if (pair && releaseKeyOfCall(pair, call) === event.key)
      return ` with ${call.name}(), which releases ${event.key}${'learnedFrom' in pair ? ` at ${String(pair.learnedFrom)}` : ''}`;
  }
  return '';
}

/** The row of a release of the leaked resource that the patch adds or moves, if any. */
function changedRelease(view: FunctionView, event: LeakEvent): number | undefined {
  const call = view.ir.calls.find(
    (c) => rowChanged(view, c.row) && event.pair.release.includes(c.name) && releaseKeyOfCall(event.pair, c) === event.key,
  );
  return call?.row;
}

function ownedParamLeak(view: FunctionView, event: LeakEvent, evidenceRow: number): PatchIssue {
  const call = view.ir.calls.find((c) => c.row === evidenceRow && event.pair.release.includes(c.name));
  const name = call?.name ?? event.pair.release[0] ?? 'a release';
  const how = !call
    ? `is a function ${event.pair.what}`
    : event.pair.handsOver
      ? `hands it to ${name}(), ${event.pair.what},`
      : `frees it with ${name}() before returning an error`;
  let before = event.exitRow - 1;
  while (before > 0 && rowText(view, before) === '') before--;
  return {
    view,
    // The guarding condition tells two identical `return ERR_PTR(-EINVAL);` apart.
    key: textKey(view, event.key, 'owned-param', before, event.exitRow),
    row: event.exitRow,
    messageId: 'param',
    data: {
      key: event.key,
      fn: functionLabel(view),
      exit: rowText(view, event.exitRow),
      how,
      evidenceAt: call ? ` at line ${rowLine(view, evidenceRow)}` : '',
    },
    // Only the return itself: the finding belongs to a patch that adds it.
    related: [],
  };
}

/** Whether a call between the lock's acquire and the exit goes to a function that drops such a lock for its caller. */
function handedOff(view: FunctionView, event: LeakEvent, droppers: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  const dropped = resourceId(event.pair, lastField(event.key));
  return view.ir.calls.some(
    (call) => call.row > event.acquireRow && call.row <= event.exitRow && droppers.get(call.name)?.has(dropped) === true,
  );
}

/**
 * The header of the innermost loop around `row` (`for (...) {`, `while (...) {`, an iterator
 * macro `for_each_...(...) {`), read from the code's indentation, white space removed; undefined
 * outside any loop.
 */
/**
 * Whether `exitRow` ends a block that began before `startRow` (out of sight): it and every statement
 * between are indented deeper than the release at `releaseRow`, so no line of that block's level is seen.
 */
function inBlockOpenedOutOfSight(view: FunctionView, startRow: number, exitRow: number, releaseRow: number): boolean {
  const level = indentWidth(view.rows[releaseRow]?.text ?? '');
  for (let row = startRow + 1; row <= exitRow; row++) {
    const text = view.rows[row]?.text;
    if (text === undefined || text.trim() === '' || view.rows[row]?.synthetic) continue;
    if (indentWidth(text) <= level) return false;
  }
  return indentWidth(view.rows[exitRow]?.text ?? '') > level;
}

function enclosingLoop(view: FunctionView, row: number): { row: number; header: string } | undefined {
  let indent = indentWidth(view.rows[row]?.text ?? '');
  for (let up = row - 1; up >= view.ir.startRow && indent > 0; up--) {
    const text = view.rows[up]?.text;
    if (text === undefined || text.trim() === '') continue;
    const depth = indentWidth(text);
    if (depth >= indent) continue;
    indent = depth;
    const header = text.replace(/\s+/g, '');
    if (/^(?:for|while|\w*for_each\w*)\(.*\)\{$/.test(header)) return { row: up, header };
  }
  return undefined;
}

/**
 * Whether the leaked key is an element indexed by the variable of the loop that takes it, and
 * a later loop with the very same header releases that element before this exit.
 */
function releasedByTwinLoop(view: FunctionView, event: LeakEvent): boolean {
  const index = /\[(\w+)\]$/.exec(event.key)?.[1];
  if (index === undefined || event.again !== undefined) return false;
  const taking = enclosingLoop(view, event.acquireRow);
  if (!taking || !new RegExp(`\\b${index}\\b`).test(taking.header)) return false;
  return view.ir.calls.some((call) => {
    if (call.row <= event.acquireRow || call.row >= event.exitRow || !event.pair.release.includes(call.name)) return false;
    if (releaseKeyOfCall(event.pair, call) !== event.key) return false;
    const releasing = enclosingLoop(view, call.row);
    return releasing !== undefined && releasing.row > taking.row && releasing.header === taking.header;
  });
}
