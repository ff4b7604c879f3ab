/**
 * Shared glue of the rules built on the resource paths: picks the path
 * events of one kind from each function of an image and gives them a key that
 * is stable between the pre- and post-image (texts, not line numbers).
 */

import type { FunctionIr, IrNode } from '../../parse/c/function-ir';
import type { PathEvent } from './resource-paths';
import { rowChanged, rowText, type FunctionView, type HunkReview, type ImageSide } from './review-context';
import { regExpLiteral } from '../../base/regexp-literal';

export function eventsOf<T extends PathEvent['type']>(
  review: HunkReview,
  side: ImageSide,
  type: T,
): { view: FunctionView; event: Extract<PathEvent, { type: T }> }[] {
  const out: { view: FunctionView; event: Extract<PathEvent, { type: T }> }[] = [];
  for (const view of review[side]) {
    for (const event of view.paths.events) if (event.type === type) out.push({ view, event: event as Extract<PathEvent, { type: T }> });
  }
  return out;
}

/**
 * How a failure branch leaves, when it does so at once: the `goto` or
 * `return` among the first three statements from `start` (its `then` side),
 * with the plain statements before it (an error message, an undo of its
 * own). Undefined when something else comes first (a branch, a loop).
 */
export function branchExit(ir: FunctionIr, start: number | undefined): { readonly exit: IrNode; readonly before: IrNode[] } | undefined {
  const before: IrNode[] = [];
  let node = start === undefined ? undefined : ir.nodes[start];
  for (let step = 0; node && step < 3; step++) {
    if (node.goto !== undefined || node.kind === 'return') return { exit: node, before };
    if (node.kind !== 'stmt' || node.succ.length !== 1) return undefined;
    before.push(node);
    node = ir.nodes[node.succ[0] as number];
  }
  return undefined;
}

/**
 * A return that the fault-retry protocol takes (mm's `VM_FAULT_RETRY`): a fault handler returns it straight
 * after a callee asked for the retry, and that callee has dropped the locks first
 * (`ttm_bo_vm_fault_reserved()` unlocks the reservation before returning `VM_FAULT_RETRY`, unless the fault
 * says `FAULT_FLAG_RETRY_NOWAIT`): `if (ret == VM_FAULT_RETRY && !(vmf->flags & FAULT_FLAG_RETRY_NOWAIT))
 * return ret;` holds nothing the handler took.
 */
export function faultRetryReturn(ir: FunctionIr, node: IrNode): boolean {
  return testLeadsTo(ir, node, (cond) => /\bVM_FAULT_RETRY\b/.test(cond));
}

/** Whether a branch whose condition `test` accepts leaves at once through `node` on its `then` side (`branchExit`). */
export function testLeadsTo(ir: FunctionIr, node: IrNode, test: (cond: string) => boolean): boolean {
  return ir.nodes.some((branch) => branch.kind === 'branch' && test(branch.cond ?? '') && branchExit(ir, branch.succ[0])?.exit === node);
}

/**
 * The straight code from `start`: each plain statement with one successor, and the node that ends the run
 * (a branch, a return, a join), `limit` nodes at most.
 */
export function straightRun(ir: FunctionIr, start: number | undefined, limit: number): IrNode[] {
  const run: IrNode[] = [];
  let node = start === undefined ? undefined : ir.nodes[start];
  while (node && run.length < limit) {
    run.push(node);
    if (node.kind !== 'stmt' || node.succ.length !== 1) break;
    node = ir.nodes[node.succ[0] as number];
  }
  return run;
}

/** A key made of the function name and the texts of the rows involved. */
export function textKey(view: FunctionView, ...parts: (string | number)[]): string {
  return [view.ir.name, ...parts.map((part) => (typeof part === 'number' ? rowText(view, part).replace(/\s+/g, '') : part))].join('|');
}

/**
 * Where a path goes wrong, when the patch wrote it: a `goto` the patch adds
 * after `fromRow` (a release), to a label at or before `toRow` (the second
 * release, or the use): an error branch that frees and then jumps to a label
 * that frees or uses again. Rules report there, since that is the line to change.
 */
export function jumpBetween(view: FunctionView, fromRow: number, toRow: number): number | undefined {
  for (let row = fromRow + 1; row < toRow; row++) {
    if (!rowChanged(view, row)) continue;
    const label = /^goto\s+(\w+)\s*;/.exec(rowText(view, row))?.[1];
    if (!label) continue;
    for (let at = row + 1; at <= toRow; at++) if (new RegExp(`^${regExpLiteral(label)}\\s*:`).test(rowText(view, at))) return row;
  }
  return undefined;
}
