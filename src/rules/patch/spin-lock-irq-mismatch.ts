/**
 * A spinlock taken with plain `spin_lock()` (interrupts left on) by a
 * function that elsewhere takes the same lock with `spin_lock_irqsave()` or
 * `spin_lock_irq()`. The irq-disabling form says the lock is also taken from
 * interrupt context (an IRQ handler, a fence callback, a timer); an interrupt
 * that arrives on this CPU while the plain path holds the lock spins on it
 * forever (lockdep: "inconsistent lock state"). "drm/i915/gt: Use
 * spin_lock_irqsave() in interruptible context" fixed such an error path.
 *
 * Invariants, for precision:
 *   - the same lock, by its text, in the same function: the function itself
 *     shows that it runs where interrupts may be on and that the lock needs
 *     them off;
 *   - quiet when, on some path, the plain acquire runs under another lock
 *     taken with interrupts off (they are off already), and in a function
 *     that turns interrupts off itself (`local_irq_save()`, …) or asserts
 *     they are;
 *   - only an acquire the patch writes or changes.
 */

import { defineRule } from '../rule';
import type { CallSite } from '../../parse/c/function-ir';
import { callsWhileHeld } from './held-calls';
import { resourceKey } from './resource-paths';
import {
  functionLabel,
  rowChanged,
  rowLine,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const spinLockIrqMismatch = defineRule({
  id: 'spin-lock-irq-mismatch',
  summary: 'A spinlock taken with interrupts on by a function that elsewhere takes it with interrupts off.',
  defaultSeverity: 'warning',
  tags: ['patch', 'locking'],
  messages: {
    plain:
      '{fn} takes {lock} with {call}() here, leaving interrupts on, but takes the same lock with {irqCall}() at line {irqLine}: the lock is also taken in interrupt context, and an interrupt that comes while this path holds it spins forever on this CPU (lockdep: inconsistent lock state). Take it with {irqCall}() here too.',
    fixed: 'The patch takes {lock} with interrupts off in {fn}, as its other acquires do.',
  },
});

const PLAIN = /^(raw_)?spin_lock$/;
const IRQ_OFF = /^(raw_)?spin_lock_irq(save)?$/;
const PLAIN_UNLOCK = /^(raw_)?spin_unlock$/;
const IRQ_ON = /^(raw_)?spin_unlock_irq(restore)?$/;
/** The function handles interrupts off itself, or states that they are. */
const IRQ_STATE = /^(?:local_irq_(?:save|disable)|lockdep_assert_irqs_disabled|local_bh_disable)$|_irqsoff$/;

export const spinLockIrqMismatchCheck: PatchRuleCheck = {
  rule: spinLockIrqMismatch,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    // Plain acquires made, on some path, under a lock that turned interrupts off.
    const underIrqOff = new Set(
      callsWhileHeld(review, side, PLAIN, (held) => held.pair.kind === 'lock').flatMap(({ view, call, held }) => {
        const acquire = view.ir.calls.find((other) => other.row === held.acquireRow && IRQ_OFF.test(other.name));
        return acquire ? [call] : [];
      }),
    );
    for (const view of review[side]) {
      const { calls } = view.ir;
      if (calls.some((call) => IRQ_STATE.test(call.name))) continue;
      // A lock taken with interrupts off and then dropped with a plain unlock leaves them off on purpose: the
      // plain acquires after that run with them off (`spin_unlock(&locked->lock); spin_lock(&engine->lock);`).
      const handedOn = (acquire: CallSite) =>
        calls.some((unlock) => {
          if (!PLAIN_UNLOCK.test(unlock.name) || unlock.row >= acquire.row) return false;
          const lock = resourceKey(unlock.args[0]);
          const irqAcquire = calls.find(
            (other) => IRQ_OFF.test(other.name) && other.row < unlock.row && resourceKey(other.args[0]) === lock,
          );
          return (
            irqAcquire !== undefined &&
            !calls.some((other) => IRQ_ON.test(other.name) && other.row > irqAcquire.row && other.row < unlock.row)
          );
        });
      const seen = new Set<string>();
      for (const call of calls) {
        if (!PLAIN.test(call.name) || !rowChanged(view, call.row) || underIrqOff.has(call) || handedOn(call)) continue;
        const lock = resourceKey(call.args[0]);
        if (!lock || seen.has(lock)) continue;
        const irq = calls.find((other) => IRQ_OFF.test(other.name) && resourceKey(other.args[0]) === lock);
        if (!irq) continue;
        seen.add(lock);
        issues.push({
          view,
          key: `${view.ir.name}|irq-mismatch|${lock}`,
          row: call.row,
          column: call.column,
          messageId: 'plain',
          data: {
            fn: functionLabel(view),
            lock,
            call: call.name,
            irqCall: irq.name,
            irqLine: rowLine(view, irq.row),
          },
          related: [{ row: irq.row, message: `${lock} taken with ${irq.name}() here` }],
        });
      }
    }
    return issues;
  },
};
