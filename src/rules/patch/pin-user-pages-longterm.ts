/**
 * GPU-held user memory pinned without FOLL_LONGTERM: a long-term pin must say
 * so, or the pages may sit in ZONE_MOVABLE / CMA areas that then cannot be
 * migrated, and fork/COW can leave the GPU and the process looking at
 * different pages. The DRM maintainers ask for either
 * `pin_user_pages(FOLL_LONGTERM)` or no pins at all (hmm_range_fault).
 * Code with an MMU notifier (i915's userptr) is left alone: its invalidation
 * callback drops the pins when the range changes, so they are not long-term.
 */

import { defineRule } from '../rule';
import { functionLabel, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const pinUserPagesLongterm = defineRule({
  id: 'pin-user-pages-longterm',
  summary: 'pin_user_pages*() pins GPU-held user memory without FOLL_LONGTERM.',
  defaultSeverity: 'warning',
  tags: ['patch', 'memory'],
  messages: {
    missing:
      '{call}() in {fn} pins user pages for the GPU without FOLL_LONGTERM (flags: {flags}): a pin held for the lifetime of a GPU mapping is long-term, and without the flag the pages can block migration/CMA and diverge from the process after fork. Pass FOLL_LONGTERM, or do not pin (hmm_range_fault with an MMU notifier).',
    fixed: 'The patch adds FOLL_LONGTERM to {call}() in {fn}.',
  },
});

const FLAGS_ARG: Record<string, number> = {
  pin_user_pages: 2,
  pin_user_pages_fast: 2,
  pin_user_pages_remote: 3,
  pin_user_pages_unlocked: 3,
};

/** An MMU notifier in the code: `struct mmu_interval_notifier`, `mmu_interval_read_begin()`, `mmu_notifier_register()`. */
const MMU_NOTIFIER = /\bmmu_(?:interval_(?:notifier|read_begin|read_retry)|notifier(?:_register|_range|\b))/;

export const pinUserPagesLongtermCheck: PatchRuleCheck = {
  rule: pinUserPagesLongterm,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      let functionText: string | undefined;
      let notified: boolean | undefined;
      for (const call of view.ir.calls) {
        const index = FLAGS_ARG[call.name];
        if (index === undefined) continue;
        const flags = call.args[index];
        if (flags === undefined || flags.includes('FOLL_LONGTERM')) continue;
        // A flags variable built elsewhere in the function may carry it.
        functionText ??= view.rows
          .slice(view.ir.startRow, view.ir.endRow + 1)
          .map((row) => row?.text ?? '')
          .join('\n');
        if (/^[A-Za-z_]\w*$/.test(flags) && functionText.includes('FOLL_LONGTERM')) continue;
        // Pins an MMU notifier drops when the range changes are not long-term: the invalidation callback
        // unpins before the pages move or are copied on write (i915's userptr), as hmm users never pin.
        notified ??=
          MMU_NOTIFIER.test(side === 'post' ? review.patchAddedText : review.patchRemovedText) ||
          review[side].some((other) => other.rows.some((row) => MMU_NOTIFIER.test(row?.text ?? '')));
        if (notified) continue;
        issues.push({
          view,
          key: `${view.ir.name}|${call.name}|${flags}`,
          row: call.row,
          column: call.column,
          messageId: 'missing',
          data: { call: call.name, fn: functionLabel(view), flags },
          related: [],
        });
      }
    }
    return issues;
  },
};
