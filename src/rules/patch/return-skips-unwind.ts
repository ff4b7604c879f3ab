/**
 * An error return added among failure exits that unwind through a label: the
 * failure before it (on the way to it) does `goto err_free;`, whose code
 * releases what the function has set up so far, and the new exit returns
 * directly (`if (r) return r;`), so it skips that release. This is the most
 * common shape of an error-path leak ("drm/amdgpu: Fix memory leak in
 * amdgpu_ras_init()": a step added late returned where its neighbours jumped
 * to the label that frees the context).
 *
 * The belief comes from the function itself ("bugs as deviant behaviour"):
 * its own earlier failure shows there is something to undo at that point,
 * and nothing on the way from there to the new return undoes it. So the rule
 * needs no pair table and no driver names. It stays quiet when the return is
 * not an error (`return 0;`, a bare `return;`), when the label's code releases
 * nothing (it only logs or sets the error), when a call the label would make
 * is made on the way (`mutex_unlock()` before the return: the unwind was done
 * by hand), and when the earlier exit's success does not reach the return.
 *
 * Invariants: the label's code must be in view (a window shows it, or the
 * kernel tree gives the whole function); only a return the patch adds or
 * changes is reported (the analyzer keeps post-image issues on changed lines).
 */

import { defineRule } from '../rule';
import type { FunctionIr, IrNode } from '../../parse/c/function-ir';
import { branchExit, faultRetryReturn } from './path-issues';
import { UNWIND_LABEL } from './resource-paths';
import { functionLabel, rowLine, rowText, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const returnSkipsUnwind = defineRule({
  id: 'return-skips-unwind',
  summary: 'An error return skips the unwind label that the failure before it goes to, so what was set up stays held.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    skips:
      '{fn} returns here ({exit}) although the failure before it (line {beforeLine}) goes to `{label}`, whose code undoes what is set up by then ({undo}); nothing on the way here undoes it, so this exit leaks it. Jump to the label instead.',
    fixed: 'The patch sends an error exit of {fn} through the unwind at `{label}` instead of returning directly.',
  },
});

/** Calls that undo something: a put, free, unlock, fini, unmap, unregister and the like (unwind-skips-step asks the same). */
export const UNDO_CALL =
  /(?:^|_)(?:free|put|unlock|fini|destroy|release|unmap|vunmap|unpin|del|delete|remove|cleanup|unregister|disable|stop|close|detach|deinit|uninit|teardown|unreserve|unref|unbind|uninstall|cancel|kill|unprepare|unload)(?:_|$)|^(?:kfree|kvfree|vfree|iounmap|up|up_read|up_write|mutex_unlock|spin_unlock\w*)$/;
/** A logging call: an unwind that only logs releases nothing. */
export const LOGGING = /(?:^|_)(?:err|warn|info|dbg|debug|notice|print|printk|log|trace)(?:_|$)|^(?:DRM_\w+|pr_\w+|dev_\w+|WARN\w*)$/;

/** What a label's name says its code undoes, when that code is out of view. */
const UNDO_LABEL = /free|put|unlock|release|unpin|unmap|destroy|fini|clean|unwind|undo|unreg|disable|detach|close|unref/i;

interface ReturnExit {
  readonly branch: IrNode;
  readonly node: IrNode;
}

/** The `return` a failure branch takes among its first three statements. */
function returnOf(ir: FunctionIr, branch: IrNode): ReturnExit | undefined {
  const exit = branchExit(ir, branch.succ[0])?.exit;
  return exit?.kind === 'return' ? { branch, node: exit } : undefined;
}

/** Whether `from` reaches node `to` within `limit` nodes, not through a return or another jump. */
function reaches(ir: FunctionIr, from: number | undefined, to: number, limit: number): boolean {
  if (from === undefined) return false;
  const seen = new Set<number>();
  const stack = [from];
  while (stack.length > 0 && seen.size < limit) {
    const id = stack.pop() as number;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown' || node.kind === 'return' || node.kind === 'exit' || node.goto !== undefined) continue;
    stack.push(...node.succ);
  }
  return false;
}

/**
 * Where the code goes on when the failure that ends in `jump` does not happen:
 * the other way of the nearest test before it that leads to the jump on one
 * side only (`if (r) goto err;`, or an outer test whose block ends in the jump
 * after inner ones).
 */
function continuationOf(ir: FunctionIr, jump: IrNode): number | undefined {
  const tests = ir.nodes
    .filter((node) => node.kind === 'branch' && node.row <= jump.row && node.row >= jump.row - 40)
    .sort((a, b) => b.row - a.row);
  for (const test of tests) {
    if (!reaches(ir, test.succ[0], jump.id, 12)) continue;
    if (reaches(ir, test.succ[1], jump.id, 2000)) continue;
    return test.succ[1];
  }
  return undefined;
}

/** A returned value that reports failure: not success (`0`, `true`, nothing) and not a computed result. */
export function errorReturn(returned: string | undefined): boolean {
  if (returned === undefined || returned === '' || returned === '0' || returned === 'true') return false;
  return /^(?:-E[A-Z0-9]+|ERR_PTR\(.*\)|ERR_CAST\(.*\)|NULL|false|-\d+|(?:r|ret|rc|err|error|result|status|res)|[A-Za-z_]\w*_(?:ret|err|error)|PTR_ERR\(.*\))$/.test(
    returned,
  );
}

/** The undo calls the code after a label makes before it returns, in order. */
function unwindCalls(ir: FunctionIr, start: number | undefined): { names: string[]; complete: boolean } | undefined {
  if (start === undefined) return undefined;
  const names: string[] = [];
  const seen = new Set<number>();
  const stack = [start];
  let complete = true;
  while (stack.length > 0 && seen.size < 200) {
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node) continue;
    if (node.kind === 'unknown') {
      complete = false;
      continue;
    }
    for (const call of node.calls) if (UNDO_CALL.test(call.name) && !LOGGING.test(call.name)) names.push(call.name);
    if (node.kind === 'return' || node.kind === 'exit') continue;
    // Past a test, only its way around the `then` arm: what the unwind does under a condition
    // (`if (!locked) mutex_unlock(...)`) may not be held at all.
    stack.push(...(node.kind === 'branch' ? node.succ.slice(1) : node.succ));
  }
  return names.length > 0 || !complete ? { names: [...new Set(names)], complete } : undefined;
}

/** Whether `from` reaches `to` without a call named in `undo` (which would mean the unwind was done by hand). */
function reachesWithoutUndo(ir: FunctionIr, from: number | undefined, to: number, undo: ReadonlySet<string>): boolean {
  if (from === undefined) return false;
  const seen = new Set<number>();
  const stack = [from];
  while (stack.length > 0 && seen.size < 2000) {
    const id = stack.pop() as number;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown' || node.kind === 'return' || node.kind === 'exit') continue;
    if (node.goto !== undefined) continue;
    if (node.calls.some((call) => undo.has(call.name))) continue;
    stack.push(...node.succ);
  }
  return false;
}

export const returnSkipsUnwindCheck: PatchRuleCheck = {
  rule: returnSkipsUnwind,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      if (!ir.nodes.some((node) => node.goto !== undefined)) continue;
      const jumps = ir.nodes.filter((node) => node.goto !== undefined).sort((x, y) => x.row - y.row);
      const returns = ir.nodes
        .filter((node) => node.kind === 'branch' && node.cond !== undefined)
        .flatMap((branch) => returnOf(ir, branch) ?? [])
        .filter((exit) => errorReturn(exit.node.returned) && !faultRetryReturn(ir, exit.node));
      for (const exit of returns) {
        // Only a return the patch adds or changes: a test changed around an old return is not a new exit.
        if (view.rows[exit.node.row]?.changed !== true) continue;
        // What resource-leak already follows to this exit it reports itself, naming the resource.
        if (view.paths.events.some((event) => event.type === 'leak' && event.exitRow === exit.node.row)) continue;
        // The nearest earlier failure that unwinds through a label and whose success leads here.
        for (const jump of jumps.filter((node) => node.row < exit.branch.row).reverse()) {
          if (!UNWIND_LABEL.test(jump.goto as string)) continue;
          const unwind = unwindCalls(ir, jump.succ[0]);
          const label = jump.goto as string;
          // Out of view, the label's name may say what it undoes (`err_free`, `out_unlock`, `put_bo`).
          const named = unwind?.complete === false && unwind.names.length === 0 ? UNDO_LABEL.exec(label)?.[0] : undefined;
          if (!unwind || (unwind.names.length === 0 && named === undefined)) continue;
          const undo = new Set(unwind.names);
          if (!reachesWithoutUndo(ir, continuationOf(ir, jump), exit.branch.id, undo)) continue;
          issues.push({
            view,
            key: `${ir.name}|return-skips-unwind|${label}|${exit.node.returned ?? ''}`,
            row: exit.node.row,
            messageId: 'skips',
            data: {
              fn: functionLabel(view),
              exit: rowText(view, exit.node.row),
              beforeLine: rowLine(view, jump.row),
              label,
              undo:
                named !== undefined
                  ? `its name says it does a ${named}`
                  : unwind.names
                      .slice(0, 3)
                      .map((name) => `${name}()`)
                      .join(', '),
            },
            related: [{ row: jump.row, message: `this failure unwinds through ${label}` }],
          });
          break;
        }
      }
    }
    return issues;
  },
};
