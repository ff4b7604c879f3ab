/**
 * A `for` loop the patch writes whose every pass stores to the same element:
 * the value names the loop's counter, the element's subscript does not. Each
 * pass overwrites the last, so one element ends up with the last pass's value
 * and the others keep what they had — in an unwind path, the page-table
 * children that should have been restored stay pointing at nothing, and are
 * leaked ("drm/xe: Fix xe_pt_abort_unbind": `children[i]` for `children[j]`).
 *
 * The stores come from the control-flow view (`parse/c/loop-stores.ts`),
 * which leaves out loops that stop early, compound assignments and targets
 * the loop body moves.
 */

import { defineRule } from '../rule';
import {
  functionLabel,
  rowChanged,
  rowText,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const loopStoreOverwritten = defineRule({
  id: 'loop-store-overwritten',
  summary: 'Every pass of a loop stores to the same element: its subscript does not use the loop counter the value uses.',
  defaultSeverity: 'warning',
  tags: ['patch'],
  messages: {
    overwritten:
      '{fn}: every pass of the loop over {counter} stores to {target}, whose subscript does not use {counter} while the value does (`{text}`); each pass overwrites the last and only the final value stays. Is the subscript meant to use {counter}?',
  },
});

export const loopStoreOverwrittenCheck: PatchRuleCheck = {
  rule: loopStoreOverwritten,
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const views = side === 'post' ? review.post : review.pre;
    const issues: PatchIssue[] = [];
    for (const view of views) {
      for (const store of view.ir.loopStores ?? []) {
        if (side === 'post' && !rowChanged(view, store.row)) continue;
        issues.push({
          view,
          key: `${view.ir.name}|loop-store|${store.target}|${store.counter}`,
          row: store.row,
          column: store.column,
          messageId: 'overwritten',
          data: { fn: functionLabel(view), counter: store.counter, target: store.target, text: rowText(view, store.row) },
          related: store.loopRow === store.row ? [] : [{ row: store.loopRow, message: `the loop over ${store.counter}` }],
        });
      }
    }
    return issues;
  },
};
