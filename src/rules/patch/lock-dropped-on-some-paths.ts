/**
 * A function that releases a lock it never takes (its caller's lock) on some
 * of its error returns and returns an error with it still held on others. The caller
 * cannot tell which happened: it either unlocks again after the paths that
 * already did (double unlock; with a lock inside a refcounted object, a
 * use-after-free of the lock) or leaks the lock on the others. The usual
 * shape is an error path that "cleans up" the caller's lock while the
 * caller's own error handling unlocks it too.
 *
 * The walk is over the function's control flow (`parse/c/function-ir`),
 * whole functions only (their start and every return visible). Quiet when the
 * release is guarded by a condition that names a lock state (`if (locked)`,
 * `if (unlock)`): such a function tells its caller what it did.
 */

import { defineRule } from '../rule';
import type { CallSite, FunctionIr } from '../../parse/c/function-ir';
import { WINDOW_GAP } from '../../parse/c/fragment';
import type { PairIndex, ResourcePair } from './resource-pairs';
import { acquireKeyOfCall, releaseKeyOf, releaseKeyOfCall } from './resource-paths';
import { faultRetryReturn } from './path-issues';
import { functionLabel, rowLine, rowText, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';
import { lastField } from './untaken-unlocks';

export const lockDroppedOnSomePaths = defineRule({
  id: 'lock-dropped-on-some-paths',
  summary: "A function releases its caller's lock on some error paths and returns an error with it held on others.",
  defaultSeverity: 'warning',
  tags: ['patch', 'locking'],
  messages: {
    dropped:
      "{fn} releases {key} ({what}) here, a lock it never takes (its caller holds it), before returning an error, but returns an error with it still held at line {heldLine} ({exit}): the caller's error handling cannot tell which happened, and unlocks it twice or leaks it. Release it on every error path, or on none and let the caller do it.",
    fixed: "{fn} no longer releases its caller's lock {key} on some paths only.",
  },
});

const STEP_LIMIT = 20_000;
/**
 * An error return: a negative errno, an `ERR_PTR()`, or the usual error
 * variable. The caller's error handling is one for all errors, so the error
 * returns must agree on the lock (success may differ: a commit that unlocks).
 */
const ERROR_RETURN = /^(?:-E[A-Z0-9_]+|ERR_PTR\(.*\)|r|ret|err|error|rc)$/;

interface Release {
  readonly call: CallSite;
  readonly pair: ResourcePair;
  readonly key: string;
}

export const lockDroppedOnSomePathsCheck: PatchRuleCheck = {
  rule: lockDroppedOnSomePaths,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      if (!ir.startVisible || ir.synthetic) continue;
      for (const [key, releases] of callerLockReleases(ir, review.pairs)) {
        const outcome = walk(ir, key, review.pairs);
        if (!outcome) continue;
        const first = releases.find((release) => outcome.releasingRows.has(release.call.row));
        if (!first) continue;
        issues.push({
          view,
          // By the lock's last field: a lock the patch renames (`dev->struct_mutex` to
          // `i915->drm.struct_mutex`) is the same lock, and the same finding before and after.
          key: `${ir.name}|dropped|${lastField(key)}`,
          row: first.call.row,
          column: first.call.column,
          messageId: 'dropped',
          data: {
            fn: functionLabel(view),
            key,
            what: first.pair.what,
            heldLine: rowLine(view, outcome.heldExit),
            exit: rowText(view, outcome.heldExit),
          },
          related: [{ row: outcome.heldExit, message: `returns with ${key} held` }],
        });
      }
    }
    return issues;
  },
};

/** A function named as a lock (`i915_mutex_lock_interruptible`, `foo_lock`), not an unlock. */
const LOCK_NAME = /(?:^|_)lock(?:_\w+)?$/;

/**
 * A call of a function of the code named as a lock, handed the lock's object or the lock itself
 * (`i915_mutex_lock_interruptible(&i915->drm)` before `mutex_unlock(&i915->drm.struct_mutex)`): a
 * wrapper the code does not show, which takes it here rather than in the caller.
 */
function lockedByName(ir: FunctionIr, key: string): boolean {
  return ir.calls.some(
    (call) =>
      LOCK_NAME.test(call.name) &&
      !/unlock/.test(call.name) &&
      call.args.some((arg) => {
        const object = arg.replace(/^&/, '').replace(/\s+/g, '');
        return object !== '' && (key === object || key.startsWith(`${object}.`) || key.startsWith(`${object}->`));
      }),
  );
}

/** Lock releases whose lock the function never takes, by lock; none when a guard names the lock state. */
function callerLockReleases(ir: FunctionIr, pairs: PairIndex): Map<string, Release[]> {
  const acquired = new Set<string>();
  for (const call of ir.calls) {
    const pair = pairs.acquires.get(call.name);
    if (!pair || pair.kind !== 'lock') continue;
    const key = acquireKeyOfCall(pair, call);
    if (key) acquired.add(key);
    // Released through another argument of the acquire (`xe_validation_ctx_init(&ctx, val, &exec, flags)`
    // then `xe_validation_ctx_fini(&ctx)`): that one is taken here too.
    const { releaseKey } = releaseKeyOf(pair, call);
    if (releaseKey) acquired.add(releaseKey);
  }
  const guarded = new Set<CallSite>();
  for (const fact of ir.ifs) if (/lock/i.test(fact.cond)) for (const call of [...fact.thenCalls, ...fact.elseCalls]) guarded.add(call);
  const out = new Map<string, Release[]>();
  const skip = new Set<string>();
  for (const call of ir.calls) {
    const pair = pairs.releases.get(call.name)?.find((candidate) => candidate.kind === 'lock');
    if (!pair || /^drm_exec_/.test(pair.acquire[0] ?? '')) continue;
    const key = releaseKeyOfCall(pair, call);
    if (!key || acquired.has(key) || lockedByName(ir, key)) continue;
    if (guarded.has(call)) skip.add(key);
    out.set(key, [...(out.get(key) ?? []), { call, pair, key }]);
  }
  for (const key of skip) out.delete(key);
  return out;
}

/**
 * Walks every path from the entry with one bit (the lock released yet?) and
 * reports the releases on paths that return with the lock released, and a
 * return reached with it still held, when both kinds of return exist. Paths
 * into the unknown (a window's gap, a goto out of the window) are dropped.
 */
function walk(ir: FunctionIr, key: string, pairs: PairIndex): { releasingRows: Set<number>; heldExit: number } | undefined {
  const releaseIn = (calls: readonly CallSite[]) =>
    calls.find((call) => {
      const pair = pairs.releases.get(call.name)?.find((candidate) => candidate.kind === 'lock');
      return pair !== undefined && releaseKeyOfCall(pair, call) === key;
    });
  const seen = new Set<string>();
  const stack: { node: number; released: number | undefined }[] = [{ node: ir.entry, released: undefined }];
  let heldExit: number | undefined;
  const releasingRows = new Set<number>();
  let steps = 0;
  while (stack.length > 0) {
    if (++steps > STEP_LIMIT) return undefined;
    const { node: id, released } = stack.pop() as { node: number; released: number | undefined };
    const id2 = `${id}|${released ?? -1}`;
    if (seen.has(id2)) continue;
    seen.add(id2);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown' || node.calls.some((call) => call.name === WINDOW_GAP)) continue;
    const now = released ?? releaseIn(node.calls)?.row;
    if (node.kind === 'exit') continue;
    if (node.kind === 'return') {
      if (!ERROR_RETURN.test(node.returned ?? '') || faultRetryReturn(ir, node)) continue;
      if (now === undefined) heldExit ??= node.row;
      else releasingRows.add(now);
      continue;
    }
    for (const next of node.succ) stack.push({ node: next, released: now });
  }
  if (heldExit === undefined || releasingRows.size === 0) return undefined;
  return { releasingRows, heldExit };
}
