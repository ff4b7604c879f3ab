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
 * Invariants, for precision:
 *   - only a macro named `with_*` used as a statement with a braced block
 *     (`scoped_guard()` and `guard()` release through the compiler's cleanup
 *     and are not `with_*`);
 *   - a `break` counts only when the `with_*` block is the innermost loop or
 *     `switch` around it;
 *   - only an exit the patch adds, or one it puts inside such a block.
 */

import { defineRule } from '../rule';
import { textKey } from './path-issues';
import {
  functionLabel,
  indentWidth,
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

/** A `with_*()` head opening a braced block (the fragment may have written it as `while (with_…(…)) {`). */
const WITH_HEAD = /^\s*(?:while\s*\(\s*)?(with_\w+)\s*\((.*)\)\s*\)?\s*\{\s*$/;
/** A head whose `break` leaves it rather than the block around it. */
const BREAKABLE = /^\s*(?:(?:for|while|switch)\s*\(|do\b|[A-Za-z_]\w*for_each\w*\s*\(|with_\w+\s*\()/;
const EXIT = /^(?:return\b|goto\s+\w+\s*;|break\s*;)/;

interface WithBlock {
  readonly head: number;
  readonly end: number;
  readonly macro: string;
  readonly args: string;
}

/** The `with_*` blocks of a function view, from their head to their closing brace (or the window's end). */
function withBlocks(rows: FunctionViewRows): WithBlock[] {
  const blocks: WithBlock[] = [];
  for (let head = 0; head < rows.length; head++) {
    const text = rows[head]?.text;
    const match = text === undefined ? null : WITH_HEAD.exec(text);
    if (!match || text === undefined) continue;
    const indent = indentWidth(text);
    let end = head + 1;
    for (; end < rows.length; end++) {
      const line = rows[end]?.text;
      if (line === undefined || line.trim() === '') continue;
      if (indentWidth(line) <= indent) break;
    }
    // Up to its closing brace, or to the end of the window when the window ends inside it.
    blocks.push({ head, end, macro: match[1] as string, args: match[2] as string });
  }
  return blocks;
}

type FunctionViewRows = PatchIssue['view']['rows'];

/** Whether the `break` at `row` leaves `block` (no loop or `switch` between them). */
function breakLeaves(rows: FunctionViewRows, block: WithBlock, row: number): boolean {
  let level = indentWidth(rows[row]?.text ?? '');
  for (let up = row - 1; up > block.head; up--) {
    const text = rows[up]?.text;
    if (text === undefined || text.trim() === '') continue;
    const indent = indentWidth(text);
    if (indent >= level) continue;
    if (BREAKABLE.test(text)) return false;
    level = indent;
  }
  return true;
}

export const exitFromWithBlockCheck: PatchRuleCheck = {
  rule: exitFromWithBlock,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      for (const block of withBlocks(view.rows)) {
        for (let row = block.head + 1; row < block.end; row++) {
          const exit = rowText(view, row);
          if (!EXIT.test(exit) || view.rows[row]?.synthetic) continue;
          if (!rowChanged(view, row) && !rowChanged(view, block.head)) continue;
          if (exit.startsWith('break') && !breakLeaves(view.rows, block, row)) continue;
          const taken = block.args.split(',').pop()?.trim() || 'its reference';
          issues.push({
            view,
            // The exit and the statement before it (the test that guards it) tell two `return ret;` apart.
            key: textKey(view, 'with-exit', block.macro, row - 1, row),
            row,
            messageId: 'exit',
            data: { exit, macro: block.macro, fn: functionLabel(view), taken },
            related: [{ row: block.head, message: `${block.macro}() takes ${taken} here and releases it only at the end of its block` }],
          });
        }
      }
    }
    return issues;
  },
};
