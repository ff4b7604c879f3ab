/**
 * `devm_add_action()` / `drmm_add_action()` whose failure returns at once:
 * when registering the cleanup action fails, the action is not run, so
 * whatever it would have released (set up just before, on the promise that
 * the action undoes it) leaks. The `_or_reset` variants run the action on
 * failure for this reason ("drm/drv: Fix potential memory leak in
 * drm_dev_init()": `drmm_add_action()` became `drmm_add_action_or_reset()`).
 *
 * Invariants: only a failure branch that returns within its first three
 * statements is judged; it stays quiet when that branch calls the action
 * itself or any undo call (the code cleans up by hand), and for a jump to a
 * label (the unwind there may do it). Only a call the patch adds or changes
 * is reported (the analyzer keeps post-image issues on changed lines).
 */

import { defineRule } from '../rule';
import type { FunctionIr, IrNode } from '../../parse/c/function-ir';
import { errnoTest } from './resource-paths';
import { UNDO_CALL } from './return-skips-unwind';
import { functionLabel, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const addActionWithoutReset = defineRule({
  id: 'add-action-without-reset',
  summary: 'A failed devm_add_action()/drmm_add_action() returns without running the action, so what it releases leaks.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    leak: '{fn} returns when {call}() fails, but a failed {call}() does not run {action}(): what {action}() would release stays held and leaks. Use {call}_or_reset(), which runs the action when registering it fails.',
    fixed: 'The patch runs {action}() when registering it with {call}() fails in {fn}.',
  },
});

const ADD_ACTION = /^(?:devm|drmm)_add_action$/;

/** The calls a failure branch makes up to its return (first three statements), or undefined if it does not return. */
function callsUntilReturn(ir: FunctionIr, start: number | undefined): string[] | undefined {
  const names: string[] = [];
  let node: IrNode | undefined = start === undefined ? undefined : ir.nodes[start];
  for (let step = 0; node && step < 4; step++) {
    names.push(...node.calls.map((call) => call.name));
    if (node.kind === 'return') return names;
    if (node.kind !== 'stmt' || node.succ.length !== 1 || node.goto !== undefined) return undefined;
    node = ir.nodes[node.succ[0] as number];
  }
  return undefined;
}

export const addActionWithoutResetCheck: PatchRuleCheck = {
  rule: addActionWithoutReset,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      for (const call of ir.calls) {
        if (!ADD_ACTION.test(call.name)) continue;
        const action = call.args[1];
        if (action === undefined || !/^[A-Za-z_]\w*$/.test(action)) continue;
        // The test of its result: the call in the condition (`if (devm_add_action(...))`), or `ret = ...; if (ret)`.
        const test = ir.nodes.find(
          (node) =>
            node.kind === 'branch' &&
            node.cond !== undefined &&
            node.row >= call.row &&
            node.row <= call.row + 2 &&
            (node.calls.some((c) => c.row === call.row && c.name === call.name) ||
              (call.target !== undefined && errnoTest(node.cond, call.target) === 'failure')),
        );
        if (!test) continue;
        const names = callsUntilReturn(ir, test.succ[0]);
        if (!names) continue;
        if (names.some((name) => name === action || (UNDO_CALL.test(name) && name !== call.name))) continue;
        const returnRow = ir.nodes.find((node) => node.kind === 'return' && node.row > test.row && node.row <= test.row + 4)?.row;
        issues.push({
          view,
          key: `${ir.name}|add-action-without-reset|${action}`,
          row: call.row,
          messageId: 'leak',
          data: { fn: functionLabel(view), call: call.name, action },
          related: returnRow !== undefined ? [{ row: returnRow, message: 'returns without running the action' }] : [],
        });
      }
    }
    return issues;
  },
};
