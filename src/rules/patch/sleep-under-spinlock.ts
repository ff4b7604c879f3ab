/**
 * A call that may sleep made while a spinlock is held: a spinlock disables
 * preemption, so sleeping under it is a bug ("BUG: sleeping function called
 * from invalid context", or a scheduling-while-atomic splat, or a deadlock
 * when the sleeper needs the CPU the spinning waiter holds).
 *
 * The call sleeps when it is a kernel function documented to sleep
 * (`sleeping-calls`), or a function of the driver whose body calls one, up to
 * a few calls deep (learned by `lock-facts` from the patch, the files it
 * touches and, with a kernel tree, the rest of the driver). The spinlock is
 * held on some path that reaches the call (the resource paths).
 *
 * The finding sits on the line the patch wrote: the spinlock's acquire when
 * the patch added it (it chose a spinlock around code that sleeps), the call
 * otherwise (it added a sleeping call under an existing spinlock).
 */

import { defineRule } from '../rule';
import type { CallSite } from '../../parse/c/function-ir';
import { callsWhileHeld } from './held-calls';
import type { Sleeper } from './lock-facts';
import type { HeldResource } from './resource-paths';
import { reclaimReason, sleepingCall } from './sleeping-calls';
import {
  functionLabel,
  type FunctionView,
  rowChanged,
  rowLine,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const sleepUnderSpinlock = defineRule({
  id: 'sleep-under-spinlock',
  summary: 'A function that may sleep is called while a spinlock is held.',
  defaultSeverity: 'warning',
  tags: ['patch', 'locking'],
  messages: {
    direct:
      '{fn} calls {call}() at line {callLine} while holding the spinlock {lock} (taken at line {acquireLine}): {reason}, and sleeping with a spinlock held is a bug (might_sleep: "sleeping function called from invalid context"). Move the call out of the locked section, or protect the data with a mutex.',
    indirect:
      '{fn} calls {call}() at line {callLine} while holding the spinlock {lock} (taken at line {acquireLine}), and {call}() may sleep: {chain} ({at}), and {reason}. Sleeping with a spinlock held is a bug (might_sleep: "sleeping function called from invalid context"). Move the call out of the locked section, or protect the data with a mutex.',
    fixed: 'The patch stops calling {call}(), which may sleep, under the spinlock {lock} in {fn}.',
  },
});

export const isSpinlock = (held: HeldResource): boolean => held.pair.kind === 'lock' && held.pair.what === 'spinlock';

/** A call that may sleep made while a resource `holding` picks is held: one per function, resource and callee. */
export interface SleepingCallHeld {
  readonly view: FunctionView;
  readonly call: CallSite;
  readonly held: HeldResource;
  /** Why the call sleeps: the kernel function's own reason, or the end of the learned chain. */
  readonly reason: string;
  /** The driver function the call reaches a sleeping call through, when it is not one itself. */
  readonly learned?: Sleeper;
}

/** Why `call` may sleep: a sleeping kernel call itself, or a driver function learned to reach one. */
export function whySleeps(review: HunkReview, call: CallSite): { readonly reason: string; readonly learned?: Sleeper } | undefined {
  const macros = review.locks.gfpMacros;
  const direct = sleepingCall(call.name, call.args, macros);
  if (direct) return { reason: direct };
  // A driver helper that allocates with the flags it is given, given blocking ones here.
  const taker = review.locks.gfpTakers?.get(call.name);
  const reclaim = taker && reclaimReason(call.name, call.args[taker.param] ?? '', macros);
  if (taker && reclaim !== undefined)
    return { reason: `${reclaim}: it allocates with the flags it is given (${taker.callee}() at ${taker.site.path}:${taker.site.line})` };
  const learned = review.locks.sleepers.get(call.name);
  return learned ? { reason: learned.reason, learned } : undefined;
}

/** The sleeping calls made while `holding` says a resource is held (shared with `sleep-in-atomic-section`). */
export function sleepingCallsWhileHeld(review: HunkReview, side: ImageSide, holding: (held: HeldResource) => boolean): SleepingCallHeld[] {
  const out: SleepingCallHeld[] = [];
  const seen = new Set<string>();
  for (const { view, call, held } of callsWhileHeld(review, side, /\w/, holding)) {
    if (call.name === view.ir.name) continue;
    const why = whySleeps(review, call);
    if (!why) continue;
    const key = `${view.ir.name}|${held.key}|${call.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ view, call, held, ...why });
  }
  return out;
}

/**
 * The finding for a sleeping call made while something is held, as both sleep rules word it: on the
 * acquire when the patch added it, else on the call; `data` adds the rule's own placeholders, and
 * `entered` says what the acquire line did.
 */
export function sleepIssue(
  review: HunkReview,
  { view, call, held, reason, learned }: SleepingCallHeld,
  data: Readonly<Record<string, string | number>>,
  entered: string,
): PatchIssue {
  const acquireChanged = held.acquireRow !== undefined && rowChanged(view, held.acquireRow);
  return {
    view,
    key: `${view.ir.name}|${held.key}|${call.name}`,
    row: acquireChanged ? (held.acquireRow as number) : call.row,
    ...(acquireChanged ? {} : { column: call.column }),
    messageId: learned ? 'indirect' : 'direct',
    data: {
      fn: functionLabel(view),
      call: call.name,
      callLine: rowLine(view, call.row),
      acquireLine: held.acquireRow !== undefined ? rowLine(view, held.acquireRow) : 0,
      reason,
      chain: learned ? sleeperChain(review, call.name) : '',
      at: learned ? `${learned.site.path}:${learned.site.line}` : '',
      ...data,
    },
    related: [
      ...(acquireChanged ? [{ row: call.row, message: `${call.name}() may sleep` }] : []),
      ...(held.acquireRow !== undefined && !acquireChanged ? [{ row: held.acquireRow, message: entered }] : []),
    ],
  };
}

export const sleepUnderSpinlockCheck: PatchRuleCheck = {
  rule: sleepUnderSpinlock,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    return sleepingCallsWhileHeld(review, side, isSpinlock).map((hit) =>
      sleepIssue(review, hit, { lock: hit.held.key }, `spinlock ${hit.held.key} taken here`),
    );
  },
};

/** `a() calls b(), which calls set_pages_wb()`: the learned chain from `name` down to the sleeping kernel call. */
export function sleeperChain(review: HunkReview, name: string): string {
  const callees: string[] = [];
  let current = name;
  for (let depth = 0; depth < 4; depth++) {
    const sleeper = review.locks.sleepers.get(current);
    if (!sleeper) break;
    callees.push(`${sleeper.callee}()`);
    current = sleeper.callee;
  }
  return `${name}() calls ${callees.join(', which calls ')}`;
}
