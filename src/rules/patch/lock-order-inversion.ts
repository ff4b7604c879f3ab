/**
 * Two locks taken in the opposite order of the rest of the code: the
 * function takes B while holding A, and another function (in the patch, the
 * files it touches or, with a kernel tree, the rest of the driver) takes A
 * while holding B. Two threads running one each can deadlock (the ABBA
 * inversion lockdep reports as "possible circular locking dependency").
 *
 * The order elsewhere is learned by `lock-facts`; a trylock, a `_nested`
 * acquire and two locks of the same class order nothing.
 */

import { defineRule } from '../rule';
import { scanLocks } from './lock-facts';
import { viewLines } from './lock-view';
import { functionLabel, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const lockOrderInversion = defineRule({
  id: 'lock-order-inversion',
  summary: 'Two locks are taken in the opposite order of another function of the driver (a possible ABBA deadlock).',
  defaultSeverity: 'warning',
  tags: ['patch', 'locking'],
  messages: {
    inverted:
      '{fn} takes {taken}{through} while holding {held}, but {other} at {at} takes {held}{otherThrough} while holding {taken}{more}: two threads running one each can deadlock (lockdep: possible circular locking dependency). Take them in one order everywhere.',
    fixed: 'The patch stops taking {taken} while holding {held} in {fn}, the opposite of the order in {other}.',
  },
});

export const lockOrderInversionCheck: PatchRuleCheck = {
  rule: lockOrderInversion,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const seen = new Set<string>();
      const inversion = (taken: string, held: { cls: string; line: number }, row: number, through: string) => {
        if (held.cls === taken) return;
        const key = `${view.ir.name}|${held.cls}|${taken}`;
        if (seen.has(key)) return;
        const reverse = review.locks.order.get(`${taken}\u0001${held.cls}`)?.filter((site) => site.fn !== view.ir.name);
        const site = reverse?.[0];
        if (!site || !reverse) return;
        seen.add(key);
        issues.push({
          view,
          key,
          row,
          messageId: 'inverted',
          data: {
            fn: functionLabel(view),
            taken,
            through: through ? ` (in ${through}())` : '',
            held: held.cls,
            other: `${site.fn}()`,
            otherThrough: site.via ? ` (in ${site.via}())` : '',
            at: `${site.path}:${site.line}`,
            more: reverse.length > 1 ? ` (and ${reverse.length - 1} other place${reverse.length > 2 ? 's' : ''})` : '',
          },
          related: [{ row: held.line, message: `${held.cls} taken here` }],
        });
      };
      scanLocks(viewLines(view), review.pairs, (event) => {
        if (event.type === 'acquire' && !event.trylock) for (const held of event.held) inversion(event.cls, held, event.line, '');
        if (event.type !== 'call' || event.name === view.ir.name) return;
        for (const taken of review.locks.takes.get(event.name) ?? [])
          for (const held of event.held) inversion(taken, held, event.line, event.name);
      });
    }
    return issues;
  },
};
