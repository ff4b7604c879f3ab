/**
 * A conditional acquire (`mutex_trylock()`, `kref_get_unless_zero()`,
 * `foo_get_if_awake()`, `foo_tryget()`) that is not the last test of an `&&`
 * condition: `if (foo_get_if_awake(gt) && !in_reset)`. When the acquire
 * succeeds and a later test fails, the branch that would release it does not
 * run, and nothing else knows it was taken ("drm/i915/pmu: Fix wakeref leak in
 * PMU busyness during reset" moved the other test in front). The same holds
 * for `if (!mutex_trylock(l) || busy)`: when the lock is taken and `busy` is
 * true, the failure branch runs with the lock held.
 *
 * The acquire is recognised by the curated or learned pair table (a pair that
 * reports success as a bool) or by the try-acquire shapes of its name. Only
 * conditions the patch adds or changes are reported.
 */

import { defineRule } from '../rule';
import { functionLabel, type FunctionView, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';
import { splitTop, withoutComments, wrapped } from '../../parse/c/c-text';

export const tryAcquireNotLast = defineRule({
  id: 'try-acquire-not-last',
  summary: 'A conditional acquire is followed by another test in the same condition, so a failure of that test leaks it.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime', 'locking'],
  messages: {
    leak: 'In {fn}, {call}() takes what it acquires when it succeeds, but the condition goes on to test `{rest}` after it: when {call}() succeeds and that test fails, the branch that releases it does not run and the acquisition leaks. Test `{rest}` first.',
    fixed: 'The patch makes {call}() the last test of its condition in {fn}, so a later test can no longer leak what it took.',
  },
});

/** Names of calls that acquire only when they succeed and say so by their result. */
const TRY_ACQUIRE =
  /(?:^|_)(?:trylock|tryget|try_get|get_unless_zero|get_if_\w+|try_lock|try_pin)(?:_|$)|^(?:mutex|spin|down|ww_mutex|dma_resv|read|write)_trylock\w*$/;

/** The condition of the `if` or `while` that starts at `row`, white space removed (at most four rows). */
function conditionAt(rows: FunctionView['rows'], row: number): string | undefined {
  let text = '';
  for (let next = row; next < row + 4 && next < rows.length; next++) {
    text += withoutComments(rows[next]?.text ?? '');
    const open = text.indexOf('(');
    let depth = 0;
    for (let i = open; i >= 0 && i < text.length; i++) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i).replace(/\s+/g, '');
    }
  }
  return undefined;
}

/** Strips one pair of outer parentheses that enclose the whole expression. */
const bare = (expr: string): string => (wrapped(expr) ? expr.slice(1, -1) : expr);

export const tryAcquireNotLastCheck: PatchRuleCheck = {
  rule: tryAcquireNotLast,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    const isTry = (name: string) =>
      TRY_ACQUIRE.test(name) || (review.pairs.acquires.get(name)?.style === 'bool' && review.pairs.acquires.get(name)?.kind !== 'memory');
    for (const view of review[side]) {
      // From the text of the rows, not the control flow: a window that cuts a block open may not parse as an `if`.
      view.rows.forEach((source, row) => {
        if (source?.changed !== true || !/^\s*(?:\}\s*else\s+)?(?:if|while)\s*\(/.test(source.text)) return;
        const cond = conditionAt(view.rows, row);
        if (cond === undefined) return;
        for (const [sep, negated] of [
          ['&&', false],
          ['||', true],
        ] as const) {
          const operands = splitTop(cond, sep);
          if (operands.length < 2) continue;
          operands.slice(0, -1).forEach((operand, index) => {
            const match = (negated ? /^!\(?([a-z_]\w*)\(/ : /^\(?([a-z_]\w*)\(/).exec(bare(operand));
            const call = match?.[1];
            if (!call || !isTry(call)) return;
            const rest = operands.slice(index + 1).join(` ${sep} `);
            issues.push({
              view,
              key: `${view.ir.name}|try-acquire-not-last|${call}|${operand}`,
              row,
              messageId: 'leak',
              data: { fn: functionLabel(view), call, rest },
              related: [],
            });
          });
        }
      });
    }
    return issues;
  },
};
