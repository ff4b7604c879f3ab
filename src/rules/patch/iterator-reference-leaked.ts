/**
 * A `break`, `return` or `goto` the patch adds (or puts in a loop it adds)
 * that leaves the loop of an iterator macro holding a reference on its cursor
 * (`dma_fence_chain_for_each`, `for_each_child_of_node`, …) while the cursor
 * still holds the walk's reference. The macro drops it only when it steps to
 * the next element, so leaving early leaks it unless the code drops it or
 * hands it on ("drm/syncobj: fix leaking dma_fence in
 * drm_syncobj_query_ioctl": a `break` out of dma_fence_chain_for_each()).
 *
 * The exits come from the control-flow view (`parse/c/iterator-exits.ts`),
 * which leaves out exits after a release or a store of the cursor and exits
 * under a test that it is NULL.
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

export const iteratorReferenceLeaked = defineRule({
  id: 'iterator-reference-leaked',
  summary: "An early exit from a reference-holding iterator's loop keeps the reference on its cursor.",
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    leaked:
      '{fn} leaves the {macro}() loop here (`{text}`) while {cursor} still holds the reference the walk took on it: the macro drops it only when it steps to the next element, so it is leaked. Call {release}({cursor}) before leaving, or keep {cursor} where its reference is dropped later.',
  },
});

export const iteratorReferenceLeakedCheck: PatchRuleCheck = {
  rule: iteratorReferenceLeaked,
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      for (const exit of view.ir.iteratorExits ?? []) {
        if (exit.loop !== 'reference') continue;
        if (side === 'post' && !rowChanged(view, exit.row) && !rowChanged(view, exit.loopRow)) continue;
        const text = rowText(view, exit.row).trim();
        issues.push({
          view,
          // The exit's own text, not its line: the same exit before and after the patch is the same finding.
          key: `${view.ir.name}|iterator-reference|${exit.cursor}|${exit.kind}|${text}`,
          row: exit.row,
          column: exit.column,
          messageId: 'leaked',
          data: { fn: functionLabel(view), macro: exit.macro, cursor: exit.cursor, release: exit.release, text },
          related: [{ row: exit.loopRow, message: `the ${exit.macro}() loop` }],
        });
      }
    }
    return issues;
  },
};
