/**
 * The body of a loop in a function's control-flow view, for the rules that
 * look at what one pass does (`iterator-cursor-freed`, `walk-leaks-element`).
 *
 * Invariants: the walk starts at `start` (the head's `then` successor, or any
 * node inside the body), never enters the loop's exit (`head.succ[1]`) and
 * stops at the head again, which sets `back`: a path that comes round to
 * the next pass. A `return`, a `goto` or the function's exit leaves the loop:
 * it is not followed, and is part of the body only with `keepExits` (a
 * `return pos;` still says what the pass did with `pos`); so is a statement
 * the parser could not read, which ends its path too. `stop` ends a path
 * after the node it accepts.
 */

import type { FunctionIr, IrNode } from '../../parse/c/function-ir';

export interface LoopBody {
  /** The body's nodes, each once, in the order the walk met them. */
  readonly nodes: readonly IrNode[];
  /** Some path through the body comes back to the head. */
  readonly back: boolean;
}

export function loopBody(
  ir: FunctionIr,
  head: IrNode,
  start: readonly number[],
  stop: (node: IrNode) => boolean = () => false,
  keepExits = false,
): LoopBody {
  const exit = head.succ[1];
  const seen = new Set<number>();
  const nodes: IrNode[] = [];
  let back = false;
  const stack = [...start];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (id === head.id) {
      back = true;
      continue;
    }
    if (id === exit || seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node) continue;
    if (node.kind === 'unknown' || node.kind === 'exit' || node.kind === 'return' || node.goto !== undefined) {
      if (keepExits) nodes.push(node);
      continue;
    }
    nodes.push(node);
    if (!stop(node)) stack.push(...node.succ);
  }
  return { nodes, back };
}
