/**
 * Out-parameters a void function may leave unwritten: it stores through
 * `*p` on one path and returns on another without doing so, and it returns
 * nothing its caller could test. A caller that hands it `&v` and then reads
 * `v` reads stack garbage on that path (smatch's "uninitialized symbol";
 * compilers stay quiet, taking a variable handed by address as set).
 *
 * Learned once per image side from every whole function of the patch (with
 * a tree, the functions it touches, and the other void helpers of the files
 * it touches that store through a pointer and can return early:
 * `checkoutFillHelpers`), for `uninitialized-read`. A test of the
 * parameter itself for NULL (`if (!p) return;`, `if (p) *p = x;`) leaves it
 * unwritten only for a caller that passes NULL, not one that passes `&v`, so
 * that side of the test is not followed.
 *
 * The converse is learned too (`learnCompleteFills`): out-parameters a whole
 * function of the patch writes on every path, whatever it returns, so a
 * caller that drops its result still gets the value.
 *
 * Pure: reads the functions' IR.
 */

import type { FunctionIr, IrNode } from '../../parse/c/function-ir';
import { regExpLiteral } from '../../base/regexp-literal';
import { WINDOW_GAP } from '../../parse/c/fragment';

/** Where a function leaves an out-parameter unwritten: the line of the return that does, as a message cites it. */
export interface PartialFill {
  readonly param: string;
  readonly line: number | string;
}

/** By function name, then parameter position. */
export type PartialFills = ReadonlyMap<string, ReadonlyMap<number, PartialFill>>;

/** Out-parameters a function stores through on every path to every return, by function name: parameter positions. */
export type CompleteFills = ReadonlyMap<string, ReadonlySet<number>>;

/** A function of one image with the patch lines of its rows. */
export interface LineMappedFunction {
  readonly ir: FunctionIr;
  /** A row's line as a message cites it (`rowLine`): the patch line, and the checkout's for a line the patch does not show. */
  readonly lineOf: (row: number) => number | string;
}

const STEP_LIMIT = 20_000;

export function learnPartialFills(functions: readonly LineMappedFunction[]): PartialFills {
  const fills = new Map<string, Map<number, PartialFill>>();
  for (const { ir, lineOf } of functions) {
    if (!ir.name || ir.synthetic || !ir.startVisible || !ir.pointerParams) continue;
    // A function that returns a value reports failure through it: its callers are to look before they read.
    if (ir.nodes.some((node) => node.kind === 'return' && node.returned !== undefined)) continue;
    // The parameters' NULL tests, one matcher per function for all of its parameters.
    const nullTested = nullTestOf(ir.pointerParams);
    ir.pointerParams.forEach((param, index) => {
      if (param === undefined) return;
      const row = unwrittenReturn(ir, param, nullTested);
      if (row === undefined) return;
      const byParam = fills.get(ir.name) ?? new Map<number, PartialFill>();
      byParam.set(index, { param, line: lineOf(row) });
      fills.set(ir.name, byParam);
    });
  }
  return fills;
}

/**
 * Out-parameters every path of a whole function stores through before it returns, whatever it returns
 * (`*total_delay_us = 0;` first thing): a caller that drops the result still gets the value written.
 * Code the function's view does not show proves nothing.
 */
export function learnCompleteFills(functions: readonly LineMappedFunction[]): CompleteFills {
  const fills = new Map<string, Set<number>>();
  // Handed on to a function already known to fill that parameter is a store too: rounds until nothing new.
  for (let round = 0, grew = true; grew && round < FILL_ROUNDS; round++) {
    grew = false;
    for (const { ir } of functions) {
      if (!ir.name || ir.synthetic || !ir.startVisible || !ir.pointerParams) continue;
      ir.pointerParams.forEach((param, index) => {
        if (param === undefined || fills.get(ir.name)?.has(index) || !storedOnEveryPath(ir, param, fills)) return;
        const positions = fills.get(ir.name) ?? new Set<number>();
        positions.add(index);
        fills.set(ir.name, positions);
        grew = true;
      });
    }
  }
  return fills;
}

/** Call depth through which complete fills are followed (`a()` hands its parameter to `b()`, which stores). */
const FILL_ROUNDS = 4;

/**
 * Whether every path from the entry to a return or the end stores through `param` (`*param = …`,
 * `param[0] = …`) or hands it to a function of `fills` at a position that function fills.
 */
function storedOnEveryPath(ir: FunctionIr, param: string, fills: CompleteFills): boolean {
  const store = storeThrough(param);
  const filled = (node: IrNode) =>
    node.assigns.some((assign) => store.test(assign.target) && assign.op === undefined) ||
    node.calls.some((call) => call.args.some((arg, position) => arg === param && fills.get(call.name)?.has(position)));
  const seen = new Set<number>();
  const stack = [ir.entry];
  let steps = 0;
  while (stack.length > 0) {
    if (++steps > STEP_LIMIT) return false;
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node) continue;
    if (node.kind === 'unknown' || node.calls.some((call) => call.name === WINDOW_GAP)) return false;
    if (filled(node)) continue;
    if (node.kind === 'return' || node.kind === 'exit') return false;
    stack.push(...node.succ);
  }
  return true;
}

/** An assignment target that stores through pointer `param`: `*param`, `*(param)`, `param[0]`. */
function storeThrough(param: string): RegExp {
  const name = regExpLiteral(param);
  return new RegExp(`^(?:\\*\\(?${name}\\)?|${name}\\[0\\])$`);
}

/** The row of a return reached without a store through `param`, when some other path stores through it. */
function unwrittenReturn(ir: FunctionIr, param: string, nullTested: (cond: string) => 'then' | 'else' | undefined): number | undefined {
  const store = storeThrough(param);
  const writes = (node: IrNode) =>
    node.assigns.some((assign) => store.test(assign.target) || assign.target === param) ||
    // Handed on bare (`fill(p)`, `memset(p, 0, n)`): the callee may store through it.
    node.calls.some((call) => call.args.includes(param));
  if (!ir.nodes.some((node) => node.assigns.some((assign) => store.test(assign.target)))) return undefined;
  const seen = new Set<number>();
  const stack = [ir.entry];
  let steps = 0;
  while (stack.length > 0) {
    if (++steps > STEP_LIMIT) return undefined;
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown' || writes(node)) continue;
    if (node.kind === 'return' || node.kind === 'exit') return node.row;
    if (node.kind === 'branch' && node.succ.length === 2 && node.cond !== undefined) {
      const side = nullTested(node.cond);
      // Only the side where every parameter it tests is a valid address.
      if (side !== undefined) {
        const next = node.succ[side === 'then' ? 1 : 0];
        if (next !== undefined) stack.push(next);
        continue;
      }
    }
    stack.push(...node.succ);
  }
  return undefined;
}

/**
 * For a condition made of NULL tests of pointer parameters only, the side taken when one of them is NULL:
 * `!p`, `p == NULL`, `!p || !q` take `then`; `p`, `p != NULL`, `p && q` take `else`.
 */
function nullTestOf(pointerParams: readonly (string | undefined)[]): (cond: string) => 'then' | 'else' | undefined {
  const names = pointerParams.filter((param): param is string => param !== undefined).map(regExpLiteral);
  if (names.length === 0) return () => undefined;
  const param = `(?:${names.join('|')})`;
  const isNull = `(?:!${param}|${param}==(?:NULL|0)|(?:NULL|0)==${param})`;
  const notNull = `(?:${param}|${param}!=(?:NULL|0)|(?:NULL|0)!=${param})`;
  const anyNull = new RegExp(`^\\(?${isNull}(?:\\|\\|${isNull})*\\)?$`);
  const allValid = new RegExp(`^\\(?${notNull}(?:&&${notNull})*\\)?$`);
  return (cond) => {
    const text = cond.replace(/^\((.*)\)$/, '$1');
    if (anyNull.test(text)) return 'then';
    if (allValid.test(text)) return 'else';
    return undefined;
  };
}
