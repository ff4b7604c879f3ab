/**
 * `refcount_inc()` or `kref_get()` on a path where the code itself has just
 * established that the count is zero: the failure side of
 * `refcount_inc_not_zero(&c)` / `kref_get_unless_zero(&c)`, the success side
 * of `refcount_dec_and_test(&c)`, or the zero side of a `refcount_read(&c)`
 * test. A refcount_t refuses to be raised from zero (the object is treated as
 * freed: the kernel warns "addition on 0; use-after-free" and leaves the count
 * saturated), so reviving a count must use `refcount_set(&c, 1)` /
 * `kref_init()`. The belief "this count can be zero here" comes from the
 * function's own test, not from any driver's names ("drm/vc4: Fix false
 * positive WARN() backtrace on refcount_inc() usage", "drm/i915: Avoid
 * refcount_inc on known zero count").
 *
 * Invariant: the walk follows the control flow from the test to the
 * increment and stops at anything that sets the count again (a set, an init,
 * another conditional increment), so `if (!refcount_inc_not_zero(&c))
 * refcount_set(&c, 1);` is quiet.
 */

import { defineRule } from '../rule';
import { squash, type FunctionIr } from '../../parse/c/function-ir';
import { functionLabel, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const refcountIncFromZero = defineRule({
  id: 'refcount-inc-from-zero',
  summary: 'A reference count is incremented on a path where the function has just seen it at zero.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    zero: 'In {fn}, {inc}(&{count}) runs on the path where {test}() found the count at zero: a refcount cannot be raised from zero (the kernel warns "addition on 0; use-after-free" and saturates it). Revive it with {set} instead.',
    fixed: 'The patch no longer increments {count} in {fn} on the path where {test}() found it at zero.',
  },
});

/** Tests that leave the count known to be zero on one side: [name, zero when the test is true]. */
const TESTS: ReadonlyArray<readonly [RegExp, boolean]> = [
  [/\b(refcount_inc_not_zero|kref_get_unless_zero)\(([^()]*)\)/, false],
  [/\b(refcount_dec_and_test)\(([^(),]*)\)/, true],
  [/\b(refcount_read|kref_read)\(([^()]*)\)/, false],
];
const INCREMENT = /^(?:refcount_inc|kref_get)$/;
/** Calls after which the count holds a value the function chose. */
const RESETS = /^(?:refcount_set|kref_init|refcount_inc_not_zero|kref_get_unless_zero|refcount_dec_and_test|refcount_dec_and_\w+)$/;

interface ZeroTest {
  readonly name: string;
  readonly count: string;
  /** Successor index (0 then, 1 else) on which the count is zero. */
  readonly side: 0 | 1;
}

/** The zero-establishing test of a branch condition, if it is the whole condition (optionally negated or compared with 0). */
function zeroTest(cond: string): ZeroTest | undefined {
  let text = cond;
  let negated = false;
  while (text.startsWith('!')) {
    negated = !negated;
    text = text.slice(1);
  }
  while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1);
  const eqZero = /^(.*)==0$/.exec(text);
  if (eqZero) {
    negated = !negated;
    text = eqZero[1] as string;
  }
  for (const [pattern, zeroWhenTrue] of TESTS) {
    const match = pattern.exec(text);
    if (!match || match.index !== 0 || match[0].length !== text.length) continue;
    const truthZero = zeroWhenTrue !== negated;
    return { name: match[1] as string, count: squash(match[2] as string).replace(/^&/, ''), side: truthZero ? 0 : 1 };
  }
  return undefined;
}

const sameCount = (arg: string | undefined, count: string) => arg !== undefined && squash(arg).replace(/^&/, '') === count;

/** The first increment of `count` reachable from `start` before the count is set again. */
function incrementAfter(ir: FunctionIr, start: number, count: string): { row: number; column: number; name: string } | undefined {
  const seen = new Set<number>();
  const stack = [start];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node) continue;
    let next = node.succ;
    if (node.kind === 'branch' && node.cond !== undefined) {
      const test = zeroTest(node.cond);
      if (test && test.count === count) {
        // A fresh test decides again: only a read keeps the walk, on its zero side.
        if (!/read$/.test(test.name)) continue;
        next = node.succ[test.side] === undefined ? [] : [node.succ[test.side] as number];
      }
    } else {
      let reset = false;
      for (const call of node.calls) {
        if (!sameCount(call.args[0], count)) continue;
        if (INCREMENT.test(call.name)) return { row: call.row, column: call.column, name: call.name };
        if (RESETS.test(call.name)) reset = true;
      }
      if (reset) continue;
      if (node.assigns.some((a) => squash(a.target) === count)) continue;
    }
    stack.push(...next);
  }
  return undefined;
}

export const refcountIncFromZeroCheck: PatchRuleCheck = {
  rule: refcountIncFromZero,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      for (const node of ir.nodes) {
        if (node.kind !== 'branch' || node.cond === undefined || node.succ.length !== 2) continue;
        const test = zeroTest(node.cond);
        if (!test || /read$/.test(test.name)) continue;
        const zeroSide = node.succ[test.side];
        if (zeroSide === undefined) continue;
        const inc = incrementAfter(ir, zeroSide, test.count);
        if (!inc) continue;
        const set = inc.name === 'kref_get' ? 'kref_init()' : `refcount_set(&${test.count}, 1)`;
        issues.push({
          view,
          key: `${ir.name}|refcount-inc-from-zero|${test.count}`,
          row: inc.row,
          column: inc.column,
          messageId: 'zero',
          data: { fn: functionLabel(view), inc: inc.name, count: test.count, test: test.name, set },
          related: [{ row: node.row, message: `${test.name}() leaves ${test.count} at zero on this side` }],
        });
      }
    }
    return issues;
  },
};
