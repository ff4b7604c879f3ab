/**
 * A call that may sleep made inside an atomic section other than a
 * spinlock's: an RCU read-side critical section (`rcu_read_lock()`), a
 * section with preemption, interrupts or bottom halves disabled, or an
 * atomic kmap (`kmap_atomic()`, `io_mapping_map_atomic_wc()`). Sleeping
 * there is a bug: "sleeping function called from invalid context",
 * "Illegal context switch in RCU read-side critical section", or an RCU
 * grace period the sleeper holds up ("drm/i915/gem: Convert vm idr to
 * xarray" allocated an id with `GFP_KERNEL` between `rcu_read_lock()` and
 * `rcu_read_unlock()`).
 *
 * The sections are the `atomic` pairs of the resource table, followed
 * through every path like locks (so a section left on one branch only is
 * still held on the other); what sleeps is what `sleep-under-spinlock`
 * knows (the kernel's sleeping functions, allocations whose GFP flags allow
 * reclaim, the driver's functions that call one). A call made with a
 * spinlock held as well is that rule's finding, not this one's.
 *
 * The finding sits on the line the patch wrote: the section's start when the
 * patch added it around code that sleeps, the call otherwise.
 *
 * A function registered to run in atomic context is in such a section from
 * its first line: a fence callback (`dma_fence_add_callback()`: under the
 * fence's spinlock, interrupts off), a timer, tasklet, RCU or irq_work
 * callback, an interrupt handler (learned by `lock-facts` from the patch,
 * the files it touches and, with a tree, the driver). A sleeping call the
 * patch adds to one is reported, and so is a registration the patch adds of
 * a function that sleeps ("drm/scheduler: Don't kill jobs in interrupt
 * context": the entity's fence callback did the work a worker must do).
 */

import { defineRule } from '../rule';
import { ATOMIC_REGISTRATIONS, callbackName } from './lock-facts';
import type { HeldResource } from './resource-paths';
import {
  functionLabel,
  rowChanged,
  rowLine,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';
import { isSpinlock, sleeperChain, sleepingCallsWhileHeld, sleepIssue, whySleeps, type SleepingCallHeld } from './sleep-under-spinlock';

export const sleepInAtomicSection = defineRule({
  id: 'sleep-in-atomic-section',
  summary:
    'A function that may sleep is called inside an RCU read-side section, with preemption or interrupts off, under an atomic kmap, or in a callback that runs in atomic context.',
  defaultSeverity: 'warning',
  tags: ['patch', 'locking'],
  messages: {
    direct:
      '{fn} calls {call}() at line {callLine} inside the {section} entered at line {acquireLine} ({begin}()): {reason}, and nothing may sleep there ({consequence}). Move the call out of the section, or use a form that does not sleep{alternative}.',
    indirect:
      '{fn} calls {call}() at line {callLine} inside the {section} entered at line {acquireLine} ({begin}()), and {call}() may sleep: {chain} ({at}), and {reason}. Nothing may sleep there ({consequence}). Move the call out of the section.',
    callback:
      '{fn} runs as {context} (registered by {via}() at {at}), and calls {call}() at line {callLine}: {reason}, and nothing may sleep there. Defer the work to a worker (queue_work()) or use a form that does not sleep.',
    registers:
      '{fn} registers {callback}() with {via}() as {context}, but {callback}() may sleep: {chain} ({at}), and {reason}. Defer the sleeping part to a worker (queue_work()).',
    fixed: 'The patch stops calling {call}(), which may sleep, inside the {section} in {fn}.',
  },
});

const isAtomicSection = (held: HeldResource): boolean => held.pair.kind === 'atomic';

/** What sleeping in each section does, as the kernel reports it. */
function consequence(held: HeldResource): string {
  if (held.pair.what.startsWith('RCU')) return 'a blocking call there is an illegal context switch, and it holds up every RCU grace period';
  return 'might_sleep: "sleeping function called from invalid context"';
}

/** The non-sleeping form a reviewer would suggest for the call. */
function alternative(reason: string, held: HeldResource): string {
  if (/may sleep in reclaim/.test(reason)) return ' (GFP_ATOMIC or GFP_NOWAIT, or allocate before the section)';
  if (held.pair.what === 'atomic kmap') return ' (kmap_local_page() allows sleeping)';
  return '';
}

export const sleepInAtomicSectionCheck: PatchRuleCheck = {
  rule: sleepInAtomicSection,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    // A call under a spinlock is `sleep-under-spinlock`'s to report.
    const underSpinlock = new Set(sleepingCallsWhileHeld(review, side, isSpinlock).map(({ call }) => call));
    const issues = sleepingCallsWhileHeld(review, side, isAtomicSection)
      .filter(({ call }) => !underSpinlock.has(call))
      .map((hit) =>
        sleepIssue(
          review,
          hit,
          {
            section: hit.held.pair.what,
            begin: enteredBy(hit),
            consequence: consequence(hit.held),
            alternative: alternative(hit.reason, hit.held),
          },
          `${hit.held.pair.what} entered here`,
        ),
      );
    return [...issues, ...callbackIssues(review, side)];
  },
};

/** The call that entered the section (`io_mapping_map_atomic_wc`, not its pair's first name `kmap_atomic`). */
function enteredBy({ view, held }: SleepingCallHeld): string {
  const acquires = held.pair.acquire;
  const entering = view.ir.calls.find((call) => call.row === held.acquireRow && acquires.includes(call.name));
  return entering?.name ?? (acquires[0] as string);
}

/** Sleeping calls the patch adds to atomic callbacks, and registrations it adds of sleeping functions. */
function callbackIssues(review: HunkReview, side: ImageSide): PatchIssue[] {
  const issues: PatchIssue[] = [];
  const callbacks = review.locks.atomicCallbacks;
  const seen = new Set<string>();
  for (const view of review[side]) {
    const name = view.ir.name;
    const registered = name ? callbacks?.get(name) : undefined;
    for (const call of view.ir.calls) {
      if (!rowChanged(view, call.row)) continue;
      if (registered && call.name !== name) {
        const why = whySleeps(review, call);
        const key = `${name}|callback|${call.name}`;
        if (why && !seen.has(key)) {
          seen.add(key);
          issues.push({
            view,
            key,
            row: call.row,
            column: call.column,
            messageId: 'callback',
            data: {
              fn: functionLabel(view),
              context: registered.context,
              via: registered.via,
              at: `${registered.site.path}:${registered.site.line}`,
              call: call.name,
              callLine: rowLine(view, call.row),
              reason: why.learned ? `${sleeperChain(review, call.name)}, and ${why.reason}` : why.reason,
            },
            related: [],
          });
        }
      }
      const registration = ATOMIC_REGISTRATIONS.get(call.name);
      const callback = registration ? callbackName(call.args[registration.slot]) : undefined;
      const sleeper = callback ? review.locks.sleepers.get(callback) : undefined;
      const key = `${name}|registers|${callback}`;
      if (!registration || !callback || !sleeper || seen.has(key)) continue;
      seen.add(key);
      issues.push({
        view,
        key,
        row: call.row,
        column: call.column,
        messageId: 'registers',
        data: {
          fn: functionLabel(view),
          callback,
          context: registration.context,
          via: call.name,
          chain: sleeperChain(review, callback),
          at: `${sleeper.site.path}:${sleeper.site.line}`,
          reason: sleeper.reason,
        },
        related: [],
      });
    }
  }
  return issues;
}
