/**
 * An error exit that frees some of the memory the function allocated into
 * the fields of one object, but not all of what is allocated by then: the
 * unwind ladder is off by one ("drm/amd/pm: Fix a memory leak in an error
 * handling path": the new label freed the table whose allocation had just
 * failed instead of the one before it), or a hand-written error block lists
 * the fields and forgets one ("psm: Fix memory leak in power state init").
 *
 * The belief comes from the path itself: an exit that frees one field the
 * function allocated shows that the function, not a later teardown, cleans
 * up after a failure here, so a sibling field allocated earlier on the same
 * path and not freed on it leaks. Fields stored in an object escape the
 * ordinary leak walk (`resource-paths`), which is why this is its own rule.
 *
 * From the patch alone, a hunk that starts inside its function may show only
 * the failure test of an allocation (`if (!x->f) goto err;` on a field nothing
 * in view assigns), and may end inside the unwind labels: both count.
 *
 * Invariants: only allocations the pair table knows as memory returned by
 * the call (`x->f = kzalloc(...)`), into a named field (no subscript), count;
 * a failed allocation (the `then` side of `!x->f`) holds nothing; a field
 * handed to any call on the way (`foo_free_tables(x->f)`), or an undo call
 * given the object itself (`foo_fini(x)`), is taken as released; an exit
 * that returns the field, or does not report failure, is not reported.
 */

import { defineRule } from '../rule';
import type { FunctionIr, IrNode } from '../../parse/c/function-ir';
import { mentions, pointerTest, releaseKeyOfCall, unwrap } from './resource-paths';
import { UNDO_CALL, errorReturn } from './return-skips-unwind';
import {
  functionLabel,
  rowChanged,
  rowLine,
  rowText,
  type FunctionView,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';
import type { PairIndex } from './resource-pairs';

export const unwindMissesAllocation = defineRule({
  id: 'unwind-misses-allocation',
  summary: 'An error exit frees some of the fields the function allocated but not one allocated before it on the same path.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    misses:
      '{fn} leaves through this error path ({exit}) freeing {freed}, fields it allocates, but not {field}, allocated at line {allocLine} before this failure: it leaks. Free it on this path too (an unwind label per step, in reverse order).',
    fixed: 'The patch frees {field} on an error path of {fn} that freed its siblings but leaked it.',
  },
});

const MAX_STEPS = 20_000;
/** A label named for a failure's way out (`err2_out`, `fail_free`), not for the normal flow. */
const FAILURE_LABEL = /err|fail|free|unwind|clean|release|undo/i;
const MAX_STATES_PER_NODE = 24;

interface State {
  /** Allocated fields still held, with the row of their allocation. */
  readonly live: ReadonlyMap<string, number>;
  /** Allocated fields this path frees (even one whose allocation failed: the code unwinds here). */
  readonly freed: readonly string[];
  /** Row and label of the last `goto` taken. */
  readonly via?: number;
  readonly viaLabel?: string;
  /** Row of the first free on the path after the last allocation. */
  readonly firstFree?: number | undefined;
}

/** `smu_table->watermarks_table` → `smu_table`: the object whose fields these are. */
function baseOf(field: string): string {
  return field.replace(/(?:->|\.)\w+$/, '');
}

/** The memory pair a call allocates into a field, if any. */
function fieldAllocation(pairs: PairIndex, name: string, target: string | undefined): boolean {
  const pair = pairs.acquires.get(name);
  return (
    pair !== undefined &&
    pair.kind === 'memory' &&
    pair.acquireSlot === 'result' &&
    target !== undefined &&
    /^[A-Za-z_]\w*(?:(?:->|\.)\w+)+$/.test(target)
  );
}

function signature(state: State): string {
  return `${[...state.live.keys()].sort().join(',')}|${[...state.freed].sort().join(',')}|${state.via ?? ''}|${state.viaLabel ?? ''}|${state.firstFree ?? ''}`;
}

function without(live: ReadonlyMap<string, number>, drop: (field: string) => boolean): Map<string, number> {
  return new Map([...live].filter(([field]) => !drop(field)));
}

/** The effect of one node's calls on the state. */
function applyCalls(node: IrNode, state: State, pairs: PairIndex, allocated: ReadonlySet<string>): State {
  let { live, freed, firstFree } = state;
  for (const call of node.calls) {
    if (fieldAllocation(pairs, call.name, call.target)) {
      live = new Map(live).set(call.target as string, call.row);
      firstFree = undefined;
      continue;
    }
    const released = (pairs.releases.get(call.name) ?? []).filter((pair) => pair.kind === 'memory');
    const keys = released.flatMap((pair) => releaseKeyOfCall(pair, call) ?? []);
    const freedHere = keys.filter((key) => allocated.has(key));
    if (freedHere.length > 0) {
      freed = [...new Set([...freed, ...freedHere])];
      firstFree ??= call.row;
    }
    // Freed, handed to any call, or the whole object undone: no longer this path's to free.
    const undoesObject = UNDO_CALL.test(call.name);
    live = without(
      live,
      (field) =>
        keys.includes(field) ||
        call.args.some((arg) => mentions(arg, field) || (undoesObject && [baseOf(field), `&${baseOf(field)}`].includes(arg))),
    );
  }
  // A field overwritten or cleared by hand: what it held is not followed further.
  for (const assign of node.assigns)
    if (live.has(assign.target) && !node.calls.some((c) => c.target === assign.target)) live = without(live, (f) => f === assign.target);
  return { ...state, live, freed, firstFree };
}

/**
 * Allocations the window does not show, by branch node: in a hunk that
 * starts inside its function, `if (!x->f) goto err;` on a field nothing in
 * view assigns is the failure test of an allocation made just above it.
 */
function allocatedOutOfSight(ir: FunctionIr, allocated: ReadonlySet<string>): Map<number, string> {
  const out = new Map<number, string>();
  if (ir.startVisible) return out;
  const assigned = new Set(ir.nodes.flatMap((node) => node.assigns.map((assign) => assign.target)));
  for (const node of ir.nodes) {
    if (node.kind !== 'branch' || node.cond === undefined) continue;
    const field = /^!([A-Za-z_]\w*(?:(?:->|\.)\w+)+)$/.exec(unwrap(node.cond))?.[1];
    if (field === undefined || allocated.has(field) || assigned.has(field)) continue;
    if (ir.nodes[node.succ[0] ?? -1]?.goto === undefined) continue;
    out.set(node.id, field);
  }
  return out;
}

function check(view: FunctionView, pairs: PairIndex): PatchIssue[] {
  const { ir } = view;
  const allocated = new Set(ir.calls.filter((call) => fieldAllocation(pairs, call.name, call.target)).map((call) => call.target as string));
  const inferred = allocatedOutOfSight(ir, allocated);
  for (const field of inferred.values()) allocated.add(field);
  if (allocated.size < 2) return [];
  const issues = new Map<string, PatchIssue>();
  const visited = new Set<string>();
  const statesAt = new Map<number, number>();
  const stack: { node: number; state: State }[] = [{ node: ir.entry, state: { live: new Map(), freed: [] } }];
  for (let steps = 0; stack.length > 0 && steps < MAX_STEPS; steps++) {
    const { node: id, state: incoming } = stack.pop() as { node: number; state: State };
    const memo = `${id}\u0001${signature(incoming)}`;
    if (visited.has(memo)) continue;
    visited.add(memo);
    const seen = statesAt.get(id) ?? 0;
    if (seen >= MAX_STATES_PER_NODE) continue;
    statesAt.set(id, seen + 1);
    const node = ir.nodes[id];
    if (!node) continue;
    // A window that ends inside the unwind labels: the way out is the error return below them.
    if (node.kind === 'unknown') {
      if (incoming.viaLabel !== undefined && FAILURE_LABEL.test(incoming.viaLabel)) report(view, node, incoming, issues);
      continue;
    }
    const state = applyCalls(node, incoming, pairs, allocated);
    if (node.kind === 'return' || node.kind === 'exit') {
      if (node.kind === 'return' && errorReturn(node.returned)) report(view, node, state, issues);
      continue;
    }
    if (node.kind === 'branch' && node.cond !== undefined && node.succ.length === 2) {
      const cond = node.cond;
      // A NULL or ERR_PTR test of a field: its allocation failed on the side the test calls failure.
      const failedOn = (thenSide: boolean) =>
        without(state.live, (field) => pointerTest(cond, field) === (thenSide ? 'failure' : 'success'));
      const outOfSight = inferred.get(node.id);
      const succeeded = outOfSight === undefined ? failedOn(false) : failedOn(false).set(outOfSight, node.row);
      stack.push({ node: node.succ[1] as number, state: { ...state, live: succeeded } });
      stack.push({ node: node.succ[0] as number, state: { ...state, live: failedOn(true) } });
      continue;
    }
    const next = node.goto !== undefined ? { ...state, via: node.row, viaLabel: node.goto } : state;
    for (const succ of node.succ) stack.push({ node: succ, state: next });
  }
  return [...issues.values()];
}

function report(view: FunctionView, exit: IrNode, state: State, issues: Map<string, PatchIssue>): void {
  if (state.freed.length === 0) return;
  for (const [field, allocRow] of state.live) {
    if (exit.returned !== undefined && mentions(exit.returned, field)) continue;
    const base = baseOf(field);
    const siblings = state.freed.filter((freed) => baseOf(freed) === base && freed !== field);
    if (siblings.length === 0) continue;
    // The line to change: the unwind's first free if the patch wrote it, else a jump it added, else the exit.
    const row =
      state.firstFree !== undefined && rowChanged(view, state.firstFree)
        ? state.firstFree
        : state.via !== undefined && rowChanged(view, state.via)
          ? state.via
          : exit.row;
    // The field, not the path: the same field leaking on an old path is not new.
    const key = `${view.ir.name}|unwind-misses-allocation|${field}`;
    if (issues.has(key)) continue;
    issues.set(key, {
      view,
      key,
      row,
      messageId: 'misses',
      data: {
        fn: functionLabel(view),
        exit: exit.kind === 'unknown' ? `the unwind through ${state.viaLabel ?? 'its labels'}` : rowText(view, exit.row),
        freed: siblings.slice(0, 3).join(', '),
        field,
        allocLine: rowLine(view, allocRow),
      },
      related: [{ row: allocRow, message: `${field} allocated here` }],
    });
  }
}

export const unwindMissesAllocationCheck: PatchRuleCheck = {
  rule: unwindMissesAllocation,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    return review[side].flatMap((view) => check(view, review.pairs));
  },
};
