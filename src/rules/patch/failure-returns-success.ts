/**
 * A failure branch that leaves the function with its error variable still 0:
 * `obj = kzalloc(...); if (!obj) goto out;` where `out:` returns `ret`, and
 * `ret` is 0 on that path (initialised to 0, or the last call's errno tested
 * as success); or the failure of a call whose errno is tested, sent to an
 * error label that returns a literal 0. The caller sees success for a failed
 * allocation or call and goes on with half-made state; the classic "missing
 * error code" of kernel fixes ("drm/client: Fix error code in
 * drm_client_buffer_vmap_local()").
 *
 * Invariants, for precision:
 *   - the failure is one the code cannot mean as "nothing to do": an
 *     `IS_ERR()`/`IS_ERR_OR_NULL()` test of a call's result, or a NULL test of
 *     what an allocator returned (a memory pair of the table, learned ones
 *     included); a lookup that finds nothing may be fine and is left alone;
 *   - the variable's 0 is known on the path from the function's first
 *     statement (in view): a `= 0`, or the success side of a test of a call's
 *     errno held in it (`if (ret) goto err;`). Anything else it is given,
 *     a call handed its address, or code the patch leaves out makes it unknown;
 *   - the branch reaches the `return` of that variable without assigning it;
 *   - only where the patch writes the branch, its jump or the failing call.
 */

import { defineRule } from '../rule';
import type { CallSite, FunctionIr, IrNode } from '../../parse/c/function-ir';
import { WINDOW_GAP } from '../../parse/c/fragment';
import { branchExit } from './path-issues';
import { errnoTest, pointerTest, unwrap } from './resource-paths';
import {
  functionLabel,
  rowChanged,
  rowLine,
  type FunctionView,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const failureReturnsSuccess = defineRule({
  id: 'failure-returns-success',
  summary: 'A failure branch returns the error variable while it is still 0: the caller sees success.',
  defaultSeverity: 'warning',
  tags: ['patch', 'init'],
  messages: {
    zero: '{fn} handles the failure of {call}() (`{cond}`) by returning {variable}, but {variable} is still 0 on this path (set at line {zeroLine}): {fn} reports success for a failed {call}(), and its caller goes on as if it had worked. Set {variable} to an error (-ENOMEM, PTR_ERR()) before leaving.',
    dropped:
      '{fn} returns 0 here after the failure of {call}() (`{cond}`) jumped to {label}: the error in {variable} is dropped and the caller sees success. Return {variable} here.',
    fixed: 'The patch sets {variable} to an error before {fn} leaves on the failure of {call}().',
  },
});

/** The pointer a failure test names, and whether the test is an `IS_ERR()` one. */
function failedPointer(cond: string): { pointer: string; isErr: boolean } | undefined {
  const c = unwrap(cond);
  const isErr = /^IS_ERR(?:_OR_NULL)?\(([^()]+)\)$/.exec(c);
  if (isErr) return { pointer: isErr[1] as string, isErr: true };
  const name = /^!([\w.>-]+)$|^([\w.>-]+)==NULL$/.exec(c);
  const pointer = name?.[1] ?? name?.[2];
  return pointer && pointerTest(c, pointer) === 'failure' ? { pointer, isErr: false } : undefined;
}

/** The call whose result the branch at `row` tests: the last assignment of `pointer` from a call above it, within five rows. */
function producer(ir: FunctionIr, pointer: string, row: number): CallSite | undefined {
  let best: CallSite | undefined;
  for (const call of ir.calls)
    if (call.target === pointer && call.row < row && call.row >= row - 5 && (!best || call.row > best.row)) best = call;
  return best;
}

/** A call whose NULL result can only be a failure: an allocator of the pair table (learned ones included). */
function allocator(review: HunkReview, call: CallSite): boolean {
  const pair = review.pairs.acquires.get(call.name);
  return pair?.kind === 'memory' && pair.style === 'pointer';
}

type Value = { readonly kind: 'zero'; readonly row: number } | { readonly kind: 'pending'; readonly call: CallSite } | undefined;

/** A call of `node` is handed `&variable`: it may set the variable to anything. */
function addressTaken(node: IrNode, variable: string): boolean {
  return node.calls.some((call) => call.args.some((arg) => arg.replace(/\s+/g, '') === `&${variable}`));
}

/** What `node` leaves in `variable`. */
function valueAfter(node: IrNode, variable: string, value: Value): Value {
  let out = value;
  if (node.declares?.includes(variable)) out = undefined;
  for (const assign of node.assigns) {
    if (assign.target !== variable) continue;
    const call = node.calls.find((candidate) => candidate.target === variable);
    out = assign.value === '0' ? { kind: 'zero', row: node.row } : call ? { kind: 'pending', call } : undefined;
  }
  if (addressTaken(node, variable)) out = undefined;
  return out;
}

/**
 * A path from `start` that returns `returned` (`variable` itself by default) before anything assigns
 * `variable`. A test of `variable` on the way goes the way its value takes: the failure side while it holds
 * an error (`if (err) return err;` leaves before a later `return 0;`), the success side while it is 0.
 */
function returnsUnassigned(ir: FunctionIr, start: number, variable: string, holdsError: boolean, returned = variable): IrNode | undefined {
  const seen = new Set<number>();
  const stack = [start];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown' || node.kind === 'exit') continue;
    if (node.calls.some((call) => call.name === WINDOW_GAP)) continue;
    if (node.assigns.some((assign) => assign.target === variable)) continue;
    if (addressTaken(node, variable)) continue;
    if (node.kind === 'return') {
      if (node.returned === returned) return node;
      continue;
    }
    // `if (PTR_ERR(rq) != -EBUSY) err = PTR_ERR(rq);`: the code picks which errors are failures (an expected
    // -EBUSY ends a fill-until-full loop), so the path that sets nothing is meant.
    if (node.kind === 'branch' && ERRNO_PICKED.test(node.cond ?? '')) continue;
    const outcome = node.kind === 'branch' && node.succ.length === 2 ? errnoTest(node.cond ?? '', variable) : undefined;
    if (outcome !== undefined) {
      stack.push(node.succ[(outcome === 'failure') === holdsError ? 0 : 1] as number);
      continue;
    }
    stack.push(...node.succ);
  }
  return undefined;
}

/** A test of an error against one errno: `PTR_ERR(rq)!=-EBUSY`, `ret==-EAGAIN`. */
const ERRNO_PICKED = /(?:^|[(&|!])(?:PTR_ERR\([^()]*\)|[\w.>-]+)[!=]=-E[A-Z0-9]+\b/;

/** A label that names an error exit. */
const ERROR_LABEL = /^(?:err|fail|error|out_err|out_fail)/i;

interface Found {
  readonly branch: IrNode;
  readonly call: CallSite;
  /** Where the variable's 0 came from; absent when the error label returns a literal 0 instead. */
  readonly zeroRow?: number;
  readonly dropped?: boolean;
  /** The jump to the error label, when the finding is on the label's `return`. */
  readonly jump?: IrNode;
  /** The `goto` or `return` the failure leaves by. */
  readonly exit: IrNode;
}

function zeroOnFailure(review: HunkReview, view: FunctionView, variable: string): Found[] {
  const { ir } = view;
  const found: Found[] = [];
  const reported = new Set<number>();
  const seen = new Set<string>();
  const stack: { id: number; value: Value }[] = [{ id: ir.entry, value: undefined }];
  while (stack.length > 0) {
    const { id, value } = stack.pop() as { id: number; value: Value };
    const memo = `${id}|${value === undefined ? '' : value.kind === 'zero' ? `z${value.row}` : `p${value.call.row}`}`;
    if (seen.has(memo)) continue;
    seen.add(memo);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown' || node.kind === 'exit') continue;
    if (node.calls.some((call) => call.name === WINDOW_GAP)) continue;
    if (node.kind === 'branch' && node.succ.length === 2) {
      const cond = node.cond ?? '';
      if (value?.kind === 'pending') {
        // The errno the variable holds is tested: 0 on its success side.
        const outcome = errnoTest(cond, variable);
        const zero: Value = { kind: 'zero', row: value.call.row };
        if (outcome !== undefined) {
          // The failure jumps to an error label that returns a literal 0 (`err_vmap: ...; return 0;`).
          const failure = node.succ[outcome === 'failure' ? 0 : 1] as number;
          const jump = branchExit(ir, failure)?.exit;
          const exit =
            jump?.goto !== undefined && ERROR_LABEL.test(jump.goto) ? returnsUnassigned(ir, failure, variable, true, '0') : undefined;
          if (jump && exit && !reported.has(node.id)) {
            reported.add(node.id);
            // Reported on the `return 0;`, the line to change; the jump is related.
            found.push({ branch: node, call: value.call, exit, jump, dropped: true });
          }
          stack.push({ id: node.succ[0] as number, value: outcome === 'success' ? zero : undefined });
          stack.push({ id: node.succ[1] as number, value: outcome === 'success' ? undefined : zero });
          continue;
        }
      }
      if (value?.kind === 'zero' && !reported.has(node.id)) {
        const failed = failedPointer(cond);
        const call = failed ? producer(ir, failed.pointer, node.row) : undefined;
        if (failed && call && (failed.isErr || allocator(review, call))) {
          const exit = returnsUnassigned(ir, node.succ[0] as number, variable, false);
          if (exit) {
            reported.add(node.id);
            const jump = branchExit(ir, node.succ[0])?.exit;
            found.push({ branch: node, call, zeroRow: value.row, exit: jump ?? exit });
          }
        }
      }
    }
    const next = valueAfter(node, variable, value?.kind === 'pending' && node.kind === 'branch' ? undefined : value);
    for (const succ of node.succ) stack.push({ id: succ, value: next });
  }
  return found;
}

export const failureReturnsSuccessCheck: PatchRuleCheck = {
  rule: failureReturnsSuccess,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      if (ir.synthetic || !ir.startVisible) continue;
      // The variables the function returns, and those that hold a call's errno (an error label may drop it).
      const plain = (name: string | undefined): name is string => name !== undefined && /^[A-Za-z_]\w*$/.test(name);
      const variables = new Set([
        ...ir.nodes.flatMap((node) => (node.kind === 'return' && plain(node.returned) ? [node.returned] : [])),
        ...ir.calls.flatMap((call) => (plain(call.target) ? [call.target] : [])),
      ]);
      for (const variable of variables) {
        for (const { branch, call, zeroRow, exit, dropped, jump } of zeroOnFailure(review, view, variable)) {
          const rows = [branch.row, call.row, exit.row, ...(jump ? [jump.row] : [])];
          if (side === 'post' && !rows.some((row) => rowChanged(view, row))) continue;
          issues.push({
            view,
            key: `${ir.name}|failure-returns-success|${variable}|${call.name}|${branch.cond ?? ''}`,
            row: exit.row,
            messageId: dropped ? 'dropped' : 'zero',
            data: {
              fn: functionLabel(view),
              call: call.name,
              cond: branch.cond ?? '',
              variable,
              label: jump?.goto ?? '',
              zeroLine: zeroRow === undefined ? '' : rowLine(view, zeroRow),
            },
            related: [
              { row: call.row, message: `${call.name}() can fail here` },
              ...(jump ? [{ row: jump.row, message: `its failure jumps to ${jump.goto ?? 'the label'} here` }] : []),
              ...(zeroRow === undefined ? [] : [{ row: zeroRow, message: `${variable} is 0 from here` }]),
            ],
          });
        }
      }
    }
    return issues;
  },
};
