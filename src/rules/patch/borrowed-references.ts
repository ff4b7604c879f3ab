/**
 * A call that consumes a reference handed a pointer the function only
 * borrowed. `drm_sched_job_add_dependency()` takes over the fence reference
 * it is given, in the success and in the error case; a fence from a
 * `dma_resv_for_each_fence*()` iterator is lent by the reservation object
 * without a reference of the caller's own. Handing it over without a
 * `dma_fence_get()` first makes the scheduler put a reference nobody took:
 * the fence is freed while the reservation object still points at it.
 *
The put nobody took is the second release
 * of that reference, so `double-release` reports it.
 *
 * Invariant: only a consumer argument that is exactly an iterator cursor,
 * with no `dma_fence_get()` of it between the iterator and the call, is
 * reported; the finding names the iterator and its line.
 */

import type { CallSite } from '../../parse/c/function-ir';
import { textKey } from './path-issues';
import type { ResourcePair } from './resource-pairs';
import { acquireKeyOfCall, resourceKey } from './resource-paths';
import { functionLabel, rowLine, type FunctionView, type HunkReview, type ImageSide, type PatchIssue } from './review-context';

/** The message of a borrowed reference handed over, for the rule that reports it (`double-release`). */
export const BORROWED_MESSAGE =
  '{call}() in {fn} takes over the {what} it is given ({note}), but {key} is the cursor of {iterator}() at line {iteratorLine}, which lends it without a reference: take one with {get}({key}) first, or the fence is put once more than it was taken and freed while still in use.';

/** Calls that take over the reference passed at `slot` (kerneldoc of each function). */
const CONSUMERS: ReadonlyMap<string, { slot: number; what: string; note: string; get: string }> = new Map([
  [
    'drm_sched_job_add_dependency',
    { slot: 1, what: 'fence reference', note: 'it drops it on failure and when the job is freed', get: 'dma_fence_get' },
  ],
]);

/** The cursor of a fence iterator: the last argument of the dma_resv ones, the first of the others. */
function cursorOf(call: CallSite): string | undefined {
  if (/^dma_resv_for_each_fence/.test(call.name)) return call.args[call.args.length - 1];
  if (/^dma_fence_\w*for_each/.test(call.name)) return call.args[0];
  return undefined;
}

function issuesOf(view: FunctionView): PatchIssue[] {
  const issues: PatchIssue[] = [];
  const calls = view.ir.calls;
  calls.forEach((call, index) => {
    const consumer = CONSUMERS.get(call.name);
    const arg = consumer ? call.args[consumer.slot] : undefined;
    if (!consumer || !arg || !/^[A-Za-z_]\w*$/.test(arg)) return;
    // The nearest iterator before the call whose cursor is the argument.
    let iterator: CallSite | undefined;
    let from = index - 1;
    for (; from >= 0; from--) {
      const candidate = calls[from] as CallSite;
      if (cursorOf(candidate) === arg) {
        iterator = candidate;
        break;
      }
    }
    if (!iterator) return;
    const between = calls.slice(from + 1, index);
    if (between.some((other) => other.target === arg || (other.name === consumer.get && other.args[0] === arg))) return;
    issues.push({
      view,
      key: textKey(view, call.name, arg, iterator.name),
      row: call.row,
      messageId: 'borrowed',
      data: {
        call: call.name,
        fn: functionLabel(view),
        what: consumer.what,
        note: consumer.note,
        key: arg,
        iterator: iterator.name,
        iteratorLine: rowLine(view, iterator.row),
        get: consumer.get,
      },
      related: [],
    });
  });
  return issues;
}

/** The message of a cleanup action registered before what it releases is taken. */
export const EARLY_ACTION_MESSAGE =
  '{call}() in {fn} registers {action}(), which releases the {what} on {key} (learned from {learnedFrom}), before {acquire}() takes it at line {acquireLine}: the action can run without it (at once if the registration fails, at teardown if a path returns in between) and put a reference nobody took. Take it before registering the action.';

const REGISTER = /^(?:drmm|devm)_add_action(?:_or_reset)?$/;

function earlyActions(review: HunkReview, view: FunctionView): PatchIssue[] {
  const issues: PatchIssue[] = [];
  const calls = view.ir.calls;
  calls.forEach((call, index) => {
    if (!REGISTER.test(call.name)) return;
    const action = call.args[1];
    const key = resourceKey(call.args[2]);
    const release = action
      ? review.pairs.releases.get(action)?.find((pair) => pair.acquire.length === 0 && pair.releaseSlot === 1)
      : undefined;
    if (!action || !key || !release) return;
    const keyOf = (other: CallSite, pair: ResourcePair) => (pair.acquireSlot === 'result' ? other.target : acquireKeyOfCall(pair, other));
    const takes = (other: CallSite) => {
      const pair = review.pairs.acquires.get(other.name);
      return pair !== undefined && pair.what === release.what && keyOf(other, pair) === key;
    };
    if (calls.slice(0, index).some(takes)) return;
    const acquire = calls.slice(index + 1).find(takes);
    if (!acquire) return;
    issues.push({
      view,
      key: textKey(view, call.name, action, key, acquire.name),
      row: call.row,
      messageId: 'earlyAction',
      data: {
        call: call.name,
        fn: functionLabel(view),
        action,
        what: release.what,
        key,
        learnedFrom: (release as ResourcePair & { learnedFrom?: string }).learnedFrom ?? 'its body',
        acquire: acquire.name,
        acquireLine: rowLine(view, acquire.row),
      },
      related: [],
    });
  });
  return issues;
}

/**
 * Every borrowed reference handed to a call that consumes it, and every
 * cleanup action registered before what it releases is taken, in the
 * functions of one image.
 */
export function borrowedReferenceIssues(review: HunkReview, side: ImageSide): PatchIssue[] {
  return review[side].flatMap((view) => [...issuesOf(view), ...earlyActions(review, view)]);
}
