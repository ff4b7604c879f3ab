/**
 * An unwind loop that counts down with `> 0` and undoes element `[i]`:
 * after a set-up loop `for (i = 0; i < n; i++)` fails at element `i`, the
 * elements set up are `0 .. i-1`. `for (; i > 0; i--) undo(x[i]);` and
 * `while (--i > 0) undo(x[i]);` both skip element 0 (it leaks), and the
 * first form also undoes element `i`, whose set-up failed ("drm/amd/powerplay:
 * Fix error handling in smu_init_fb_allocations()": `for (; i > 0; i--)`
 * became `while (--i >= 0)`).
 *
 * Invariants: the text of the function's rows is read, not its control flow:
 * the loop must run on the counter of an earlier upward loop from 0 in the
 * same function (so it undoes what that loop did), its body must index with
 * the counter itself (`[i]`, not `[i - 1]`, which is the correct shape of the
 * `> 0` form), and a `[0]` handled right after the loop keeps it quiet.
 */

import { defineRule } from '../rule';
import { regExpLiteral } from '../../base/regexp-literal';
import {
  functionLabel,
  indentWidth,
  rowLine,
  rowText,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';
import { withoutOpeningBrace } from '../../parse/c/c-text';

export const unwindLoopOffByOne = defineRule({
  id: 'unwind-loop-off-by-one',
  summary: 'An unwind loop counting down with `> 0` undoes element [i], so it skips element 0 and undoes the one whose set-up failed.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    skips:
      '{fn} undoes the elements set up by the loop at line {setupLine} with `{loop}`, which undoes {counter} down to 1 with [{counter}]: element 0 is never undone (it leaks){failed}. Count down with `while (--{counter} >= 0)` (or index [{counter} - 1]).',
    fixed: 'The patch makes the unwind loop of {fn} undo element 0 and not the one whose set-up failed.',
  },
});

/** `for (; i > 0; i--)`, `for (j = i; j > 0; j--)`: the element the failure stopped at comes first. */
const FOR_DOWN = /^for\s*\(\s*(?:(\w+)\s*=\s*\w+\s*)?;\s*(\w+)\s*>\s*0\s*;\s*(?:\2\s*--|--\s*\2)\s*\)/;
/** `while (--i > 0)`: the failing element is skipped, but so is element 0. */
const WHILE_DOWN = /^while\s*\(\s*--\s*(\w+)\s*>\s*0\s*\)/;
const BODY_ROWS = 8;

export const unwindLoopOffByOneCheck: PatchRuleCheck = {
  rule: unwindLoopOffByOne,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      for (let row = ir.startRow; row <= ir.endRow; row++) {
        const text = rowText(view, row);
        const forDown = FOR_DOWN.exec(text);
        const whileDown = forDown ? undefined : WHILE_DOWN.exec(text);
        // `for (j = i; j > 0; j--)`: the loop's own counter is the tested one.
        const counter = forDown ? (forDown[2] as string) : whileDown?.[1];
        if (counter === undefined || (forDown?.[1] !== undefined && forDown[1] !== forDown[2])) continue;
        const from = forDown?.[1] !== undefined ? /=\s*(\w+)/.exec(text)?.[1] : counter;
        if (from === undefined) continue;
        const name = regExpLiteral(counter);
        const fromName = regExpLiteral(from);
        // The set-up loop whose work this undoes: upward from 0 on the counter the unwind starts from.
        const upward = new RegExp(`^for\\s*\\(\\s*${fromName}\\s*=\\s*0\\s*;\\s*${fromName}\\s*<`);
        let setup: number | undefined;
        for (let r = ir.startRow; r < row && setup === undefined; r++) if (upward.test(rowText(view, r))) setup = r;
        if (setup === undefined) continue;
        const own = new RegExp(`\\[\\s*${name}\\s*\\]`);
        const shifted = new RegExp(`\\[\\s*${name}\\s*-\\s*1\\s*\\]`);
        const loopIndent = indentWidth(view.rows[row]?.text ?? '');
        const body: string[] = [];
        let after = row + 1;
        for (; after <= ir.endRow && after <= row + BODY_ROWS; after++) {
          const line = view.rows[after]?.text ?? '';
          if (line.trim() === '') continue;
          if (indentWidth(line) <= loopIndent) {
            if (/^\s*}/.test(line)) after++;
            break;
          }
          body.push(line);
        }
        if (!body.some((line) => own.test(line)) || body.some((line) => shifted.test(line))) continue;
        // Element 0 undone by hand after the loop.
        const rest = [0, 1, 2, 3].map((offset) => rowText(view, after + offset)).join('\n');
        if (/\[\s*0\s*\]/.test(rest)) continue;
        issues.push({
          view,
          key: `${ir.name}|unwind-loop-off-by-one|${text.replace(/\s+/g, '')}`,
          row,
          messageId: 'skips',
          data: {
            fn: functionLabel(view),
            loop: withoutOpeningBrace(text),
            counter,
            setupLine: rowLine(view, setup),
            failed: forDown ? `, and element ${counter}, whose set-up failed, is undone` : '',
          },
          related: [{ row: setup, message: 'the set-up loop' }],
        });
      }
    }
    return issues;
  },
};
