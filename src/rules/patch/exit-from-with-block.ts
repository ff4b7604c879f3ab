/**
 * A `return`, a `goto` or a `break` that leaves the block of a `with_*()`
 * macro early. The kernel's `with_intel_runtime_pm(rpm, wf) { … }`,
 * `with_intel_display_power()`, `with_intel_gt_pm()`, `with_intel_pps_lock()`
 * and their kin are `for` loops: the head takes the reference or lock, the
 * loop's step releases it and ends the loop. Only the block's normal end runs
 * that step; a `return`, a `goto` out of it or a `break` skips it, and the
 * wakeref, power reference or lock is never given back. "drm/i915/slpc: Fix
 * inconsistent locked return" fixed an error return added inside
 * `with_intel_runtime_pm()`.
 *
 * The exits come from the control-flow view of macro loops
 * (`parse/c/iterator-exits.ts`, the `scoped` ones), which counts a `break`
 * only when the block is its nearest loop or `switch`, and a `goto` only to a
 * label outside the block. Only an exit the patch adds, or one it puts inside
 * such a block, is reported.
 */

import { defineRule } from '../rule';
import { textKey } from './path-issues';
import {
  functionLabel,
  rowChanged,
  rowText,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const exitFromWithBlock = defineRule({
  id: 'exit-from-with-block',
  summary: 'A return, goto or break leaves the block of a with_*() macro, skipping the release its loop step makes.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime', 'locking'],
  messages: {
    exit: "The exit here ({exit}) leaves the block of {macro}() in {fn}: the macro is a for loop whose step releases what its head took ({taken}), and only the block's normal end runs that step, so it is never released. Keep the result and let the block end, or release it before leaving.",
    fixed: 'The patch no longer leaves the block of {macro}() in {fn} early.',
  },
});

export const exitFromWithBlockCheck: PatchRuleCheck = {
  rule: exitFromWithBlock,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      for (const exit of view.ir.iteratorExits ?? []) {
        if (exit.loop !== 'scoped') continue;
        if (!rowChanged(view, exit.row) && !rowChanged(view, exit.loopRow)) continue;
        const taken = exit.cursor || 'its reference';
        issues.push({
          view,
          // The exit and the statement before it (the test that guards it) tell two `return ret;` apart.
          key: textKey(view, 'with-exit', exit.macro, exit.row - 1, exit.row),
          row: exit.row,
          column: exit.column,
          messageId: 'exit',
          data: { exit: rowText(view, exit.row), macro: exit.macro, fn: functionLabel(view), taken },
          related: [{ row: exit.loopRow, message: `${exit.macro}() takes ${taken} here and releases it only at the end of its block` }],
        });
      }
    }
    return issues;
  },
};
