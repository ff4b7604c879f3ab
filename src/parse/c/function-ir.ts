/**
 * The intra-procedural control-flow view of C functions, built from a
 * tree-sitter tree and then independent of it (so the tree can be freed at
 * once): one node per simple statement, a branch node per condition (with the
 * `then` successor first), `goto` edges to their labels, `return` nodes, loops
 * with both outcomes and `switch` with fall-through.
 *
 * Every node carries the facts the lifetime and locking rules need: the calls
 * it makes (with the variable a result is assigned to), assignments, the
 * expressions it dereferences, and the returned expression.
 *
 * A `goto` to a label outside the window, and the synthetic end of a window
 * that stops inside a function, lead to an `unknown` node: paths through it
 * are not followed further, because nothing is known about them.
 */

import type { CNode } from './tree-sitter-c';
import { squash, TYPE_ARGUMENTS, UNEVALUATED_CALL } from './c-text';
import { SYNTHETIC_FUNCTION, SYNTHETIC_HEADER, WINDOW_BLOCK } from './fragment';
import { loopFixedCallsIn, loopStoresIn, type LoopFixedCall, type LoopStore } from './loop-stores';
import { runsBodyFirst, runsBodyOnce } from './iterator-macros';
import { iteratorExitsIn, type IteratorExit } from './iterator-exits';

/** Operators whose operand is not evaluated (`sizeof`, `_Alignof`, `offsetof`): what they name is neither read nor called. */
const UNEVALUATED = new Set(['sizeof_expression', 'alignof_expression', 'offsetof_expression']);

export interface CallSite {
  readonly name: string;
  /** Argument texts, white space removed. */
  readonly args: readonly string[];
  /** 0-based fragment row and column of the call. */
  readonly row: number;
  readonly column: number;
  /** The variable the result is assigned to (`x = f()`, `T *x = f()`), white space removed. */
  readonly target?: string;
  /** The call is the operand of `!`. */
  readonly negated: boolean;
  /** The call is an argument of this other call (`WARN_ON(f(x))`). */
  readonly within?: string;
}

export type IrNodeKind = 'entry' | 'exit' | 'stmt' | 'branch' | 'return' | 'unknown';

export interface IrNode {
  readonly id: number;
  kind: IrNodeKind;
  row: number;
  calls: CallSite[];
  /** Assignments; `op` is the operator of a compound one (`&=`, `+=`), absent for `=` and an initializer. */
  assigns: { target: string; value: string; op?: string }[];
  /** Expressions dereferenced with `->`, `*` or `[]`, white space removed. */
  derefs: string[];
  /** Branch condition, white space removed. */
  cond?: string;
  /** Returned expression, white space removed. */
  returned?: string;
  /** Successors; a branch has [then, else]. */
  succ: number[];
  /** The label of a `goto` statement. */
  goto?: string;
  /** Variables declared here without a value (`struct dma_fence *fence;`): a new variable, whatever the name held before. */
  declares?: string[];
  /** Variables stepped here (`i++`, `--n`). */
  steps?: string[];
  /**
   * Locks taken by a scope-based guard (`guard(mutex)(&vm->lock);` up to the end of its block,
   * `scoped_guard(spinlock, &q->lock) { ... }` over its block) whose scope ends here, as their
   * lock argument: leaving the scope by a `return` or `goto` releases them too.
   */
  scopeExit?: string[];
}

export interface IfFact {
  readonly row: number;
  readonly cond: string;
  readonly condCalls: readonly CallSite[];
  /** Calls made only when the condition holds (the `then` branch). */
  readonly thenCalls: readonly CallSite[];
  readonly elseCalls: readonly CallSite[];
}

export interface FunctionIr {
  /** The function's name, or the enclosing name from the hunk header for a window. */
  readonly name: string;
  /** The window's synthetic function: its end is not the function's end. */
  readonly synthetic: boolean;
  /** The function's first statement is in the window (nothing before it is unknown). */
  readonly startVisible: boolean;
  readonly startRow: number;
  readonly endRow: number;
  readonly nodes: IrNode[];
  readonly entry: number;
  readonly ifs: IfFact[];
  /** Every call in the function, in source order. */
  readonly calls: CallSite[];
  /** Names of the parameters declared as pointers (`struct foo *bo`), in order; empty for a window without its header. */
  readonly pointerParams?: readonly (string | undefined)[];
  /**
   * Variables declared with a cleanup attribute (`struct foo *p __free(kfree) = ...`), each with the
   * cleanup's name: the compiler releases them when they go out of scope, on every path.
   */
  readonly autoReleased?: ReadonlyMap<string, string>;
  /** Stores a `for` loop makes to one fixed element on every pass (`loop-stores.ts`). */
  readonly loopStores?: readonly LoopStore[];
  /** Calls a `for` loop makes on every pass with an argument the loop does not change (`loop-stores.ts`). */
  readonly loopFixedCalls?: readonly LoopFixedCall[];
  /** Early exits from a reference-holding iterator's loop or a `with_*()` block that skip its release (`iterator-exits.ts`). */
  readonly iteratorExits?: readonly IteratorExit[];
}

/** Expressions are stored squashed (`c-text.ts`); rules import it from here with the IR. */
export { squash };

interface Ctx {
  nodes: IrNode[];
  labels: Map<string, number>;
  unknown: number;
  breakTo?: number;
  continueTo?: number;
  ifs: IfFact[];
  /** Statements being built around the current one. */
  depth: number;
}

function newNode(ctx: Ctx, kind: IrNodeKind, row: number): IrNode {
  const node: IrNode = { id: ctx.nodes.length, kind, row, calls: [], assigns: [], derefs: [], succ: [] };
  ctx.nodes.push(node);
  return node;
}

/**
 * `*p __free(kfree)` / `*p __cleanup(fn)`: the grammar reads the attribute as a function
 * declarator named `__free` (with `p` in an error node), so the name comes from the text.
 */
const CLEANUP_DECLARATOR = /^[\s*]*(?:const\s+)?([A-Za-z_]\w*)\s+__(?:free|cleanup)\s*\(\s*([A-Za-z_]\w*)\s*\)/;

function declaratorName(node: CNode | null): string | undefined {
  const cleanup = node ? CLEANUP_DECLARATOR.exec(node.text) : null;
  if (cleanup) return cleanup[1];
  let current = node;
  while (current && current.type !== 'identifier') {
    current = current.childForFieldName('declarator') ?? current.namedChildren.find((c) => c?.type === 'identifier') ?? null;
  }
  return current?.text;
}

/** Collects the calls, assignments and dereferences inside an expression or statement. */
function collectFacts(node: CNode, into: IrNode): void {
  const stack: CNode[] = [node];
  while (stack.length > 0) {
    const current = stack.pop() as CNode;
    // `typeof(*mode)` (a macro argument: `list_first_entry(head, typeof(*mode), link)`) reads a type;
    // `offsetof(struct vbt_header, vbt_size)` names a member, not the local `vbt_size`.
    if (current.type === 'call_expression' && UNEVALUATED_CALL.test(current.childForFieldName('function')?.text ?? '')) continue;
    switch (current.type) {
      case 'call_expression': {
        const fn = current.childForFieldName('function');
        const argList = current.childForFieldName('arguments');
        const args = argList
          ? argList.namedChildren.filter((c): c is CNode => c !== null && c.type !== 'comment').map((c) => squash(c.text))
          : [];
        let target: string | undefined;
        let parent = current.parent;
        while (parent && (parent.type === 'parenthesized_expression' || parent.type === 'cast_expression')) parent = parent.parent;
        if (parent?.type === 'assignment_expression' && parent.childForFieldName('right')?.id !== undefined) {
          const left = parent.childForFieldName('left');
          if (left && left.endIndex <= current.startIndex) target = squash(left.text);
        } else if (parent?.type === 'init_declarator') {
          target = declaratorName(parent.childForFieldName('declarator'));
        }
        // The condition standing for a block the window starts inside calls nothing.
        if (fn?.text === WINDOW_BLOCK) break;
        const negated = current.parent?.type === 'unary_expression' && current.parent.text.trimStart().startsWith('!');
        let outer = current.parent;
        while (outer && outer.type !== 'call_expression' && !/statement$|declaration$/.test(outer.type)) outer = outer.parent;
        const within = outer?.type === 'call_expression' ? squash(outer.childForFieldName('function')?.text ?? '') : undefined;
        into.calls.push({
          name: squash(fn?.text ?? ''),
          args,
          row: current.startPosition.row,
          column: current.startPosition.column,
          ...(target ? { target } : {}),
          negated,
          ...(within ? { within } : {}),
        });
        break;
      }
      case 'assignment_expression': {
        const left = current.childForFieldName('left');
        const right = current.childForFieldName('right');
        const operator = current.childForFieldName('operator')?.type;
        if (left && right)
          into.assigns.push({
            target: squash(left.text),
            value: squash(right.text),
            ...(operator !== undefined && operator !== '=' ? { op: operator } : {}),
          });
        break;
      }
      case 'update_expression': {
        const argument = current.childForFieldName('argument');
        if (argument) (into.steps ??= []).push(squash(argument.text));
        break;
      }
      case 'declaration': {
        for (const declarator of current.childrenForFieldName('declarator')) {
          if (!declarator || declarator.type === 'init_declarator') continue;
          const name = declaratorName(declarator);
          if (name) (into.declares ??= []).push(name);
        }
        break;
      }
      case 'init_declarator': {
        const name = declaratorName(current.childForFieldName('declarator'));
        const value = current.childForFieldName('value');
        if (name && value) into.assigns.push({ target: name, value: squash(value.text) });
        break;
      }
      case 'field_expression': {
        const operator = current.childForFieldName('operator') ?? current.children.find((c) => c?.type === '->' || c?.type === '.');
        const argument = current.childForFieldName('argument');
        if (argument && operator?.type === '->') into.derefs.push(squash(argument.text));
        break;
      }
      case 'pointer_expression': {
        const argument = current.childForFieldName('argument');
        if (argument && current.text.trimStart().startsWith('*')) into.derefs.push(squash(argument.text));
        break;
      }
      case 'subscript_expression': {
        const argument = current.childForFieldName('argument');
        if (argument) into.derefs.push(squash(argument.text));
        break;
      }
      default:
        break;
    }
    // A nested definition (a real function inside a window's synthetic one) has its own view.
    if (current.type === 'function_definition' && current.id !== node.id) continue;
    // `sizeof(*job)` does not evaluate its operand: no dereference, no call.
    if (UNEVALUATED.has(current.type)) continue;
    // `overflows_type(n, obj->size)`: the arguments a macro only takes the type of are not evaluated.
    const typeOnly =
      current.type === 'argument_list' ? TYPE_ARGUMENTS.get(current.parent?.childForFieldName('function')?.text ?? '') : undefined;
    // Children in reverse so calls come out in source order.
    const children = typeOnly ? current.namedChildren.filter((c) => c?.type !== 'comment') : current.namedChildren;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child && !typeOnly?.includes(i)) stack.push(child);
    }
  }
  into.calls.sort((a, b) => a.row - b.row || a.column - b.column);
}

function callsOf(nodes: readonly IrNode[], from: number, to: number): CallSite[] {
  const calls: CallSite[] = [];
  for (let i = from; i < to; i++) calls.push(...(nodes[i] as IrNode).calls);
  return calls.sort((a, b) => a.row - b.row || a.column - b.column);
}

/** A loop whose condition is always true: `while (1)`, `while (true)`, `do … while (1)`, a `for` without one. */
function loopRunsForever(type: string, cond: string | undefined): boolean {
  return cond === '1' || cond === 'true' || (cond === undefined && type === 'for_statement');
}

function stripParens(node: CNode | null): CNode | null {
  let current = node;
  while (current && current.type === 'parenthesized_expression' && current.namedChildCount === 1) current = current.namedChild(0);
  return current;
}

/**
 * Statements nested deeper than this (only damaged or generated input has
 * them) lead to the `unknown` node: building them would recurse past the stack.
 */
const MAX_NESTING = 256;

/** Builds the statement and returns its entry node id; control continues at `next`. */
function build(node: CNode | null, next: number, ctx: Ctx): number {
  if (ctx.depth >= MAX_NESTING) return ctx.unknown;
  ctx.depth++;
  try {
    return buildStatement(node, next, ctx);
  } finally {
    ctx.depth--;
  }
}

function buildStatement(node: CNode | null, next: number, ctx: Ctx): number {
  if (!node) return next;
  switch (node.type) {
    case 'compound_statement':
    case 'translation_unit':
    case 'preproc_if':
    case 'preproc_ifdef':
    case 'preproc_else':
    case 'preproc_elif': {
      return buildSequence(
        node.namedChildren.filter((c): c is CNode => c !== null),
        next,
        ctx,
      );
    }
    case 'if_statement': {
      const branch = newNode(ctx, 'branch', node.startPosition.row);
      const condition = stripParens(node.childForFieldName('condition'));
      if (condition) {
        collectFacts(condition, branch);
        branch.cond = squash(condition.text);
      }
      const consequence = node.childForFieldName('consequence');
      const alternative = node.childForFieldName('alternative');
      // The else's statement, not a comment between `else` and it (`else /* TODO */ x = y;`).
      const elseBody =
        alternative?.type === 'else_clause'
          ? (alternative.namedChildren.find((c) => c !== null && c.type !== 'comment') ?? null)
          : alternative;
      // The calls of each branch are those of the nodes built for it: no second walk of the tree.
      const thenStart = ctx.nodes.length;
      const thenEntry = build(consequence, next, ctx);
      const elseStart = ctx.nodes.length;
      const elseEntry = build(elseBody, next, ctx);
      const elseEnd = ctx.nodes.length;
      branch.succ = [thenEntry, elseEntry];
      ctx.ifs.push({
        row: node.startPosition.row,
        cond: branch.cond ?? '',
        condCalls: branch.calls,
        thenCalls: callsOf(ctx.nodes, thenStart, elseStart),
        elseCalls: callsOf(ctx.nodes, elseStart, elseEnd),
      });
      return branch.id;
    }
    case 'while_statement':
    case 'for_statement': {
      const scoped = node.type === 'while_statement' ? scopedGuardOf(node) : undefined;
      if (scoped) {
        // `scoped_guard(K, lock) {` (read as a loop like the iterator macros): runs its block once.
        const body = node.childForFieldName('body');
        const exit = newNode(ctx, 'stmt', node.endPosition.row);
        exit.scopeExit = [scoped.lock];
        exit.succ = [next];
        const head = newNode(ctx, 'stmt', node.startPosition.row);
        collectFacts(scoped.call, head);
        head.succ = [build(body, exit.id, ctx)];
        return head.id;
      }
      const condition = stripParens(node.childForFieldName('condition'));
      if (
        node.type === 'while_statement' &&
        condition?.type === 'call_expression' &&
        runsBodyOnce(condition.childForFieldName('function')?.text ?? '')
      ) {
        // `with_intel_display_power(i915, domain, wakeref) val = …;`: its body once, then what follows.
        const head = newNode(ctx, 'stmt', node.startPosition.row);
        collectFacts(condition, head);
        const saved = { breakTo: ctx.breakTo, continueTo: ctx.continueTo };
        ctx.breakTo = next;
        ctx.continueTo = next;
        head.succ = [build(node.childForFieldName('body'), next, ctx)];
        ctx.breakTo = saved.breakTo;
        ctx.continueTo = saved.continueTo;
        return head.id;
      }
      const branch = newNode(ctx, 'branch', node.startPosition.row);
      if (condition) {
        collectFacts(condition, branch);
        branch.cond = squash(condition.text);
      }
      const bodyFirst =
        node.type === 'while_statement' &&
        condition?.type === 'call_expression' &&
        runsBodyFirst(condition.childForFieldName('function')?.text ?? '');
      const saved = { breakTo: ctx.breakTo, continueTo: ctx.continueTo };
      let loopBack = branch.id;
      const update = node.type === 'for_statement' ? node.childForFieldName('update') : null;
      if (update) {
        const step = newNode(ctx, 'stmt', update.startPosition.row);
        collectFacts(update, step);
        step.succ = [branch.id];
        loopBack = step.id;
      }
      ctx.breakTo = next;
      ctx.continueTo = loopBack;
      const body = build(node.childForFieldName('body'), loopBack, ctx);
      ctx.breakTo = saved.breakTo;
      ctx.continueTo = saved.continueTo;
      // `while (1)`, `for (;;)`: only a `break`, `goto` or `return` leaves the loop.
      branch.succ = loopRunsForever(node.type, branch.cond) ? [body] : [body, next];
      // Entered at its body (`runsBodyFirst`), as a `do … while` is.
      if (bodyFirst) return body;
      const init = node.type === 'for_statement' ? node.childForFieldName('initializer') : null;
      if (init) {
        const first = newNode(ctx, 'stmt', init.startPosition.row);
        collectFacts(init, first);
        first.succ = [branch.id];
        return first.id;
      }
      return branch.id;
    }
    case 'do_statement': {
      const branch = newNode(ctx, 'branch', node.endPosition.row);
      const condition = stripParens(node.childForFieldName('condition'));
      if (condition) {
        collectFacts(condition, branch);
        branch.cond = squash(condition.text);
      }
      const saved = { breakTo: ctx.breakTo, continueTo: ctx.continueTo };
      ctx.breakTo = next;
      ctx.continueTo = branch.id;
      const body = build(node.childForFieldName('body'), branch.id, ctx);
      ctx.breakTo = saved.breakTo;
      ctx.continueTo = saved.continueTo;
      // `do { … } while (1);` goes round until a `break`; `while (0)` runs its body once.
      branch.succ = loopRunsForever(node.type, branch.cond)
        ? [body]
        : branch.cond === '0' || branch.cond === 'false'
          ? [next]
          : [body, next];
      return body;
    }
    case 'switch_statement': {
      const branch = newNode(ctx, 'branch', node.startPosition.row);
      const condition = stripParens(node.childForFieldName('condition'));
      if (condition) {
        collectFacts(condition, branch);
        branch.cond = squash(condition.text);
      }
      const saved = ctx.breakTo;
      ctx.breakTo = next;
      const body = node.childForFieldName('body');
      const cases = (body?.namedChildren ?? []).filter((c): c is CNode => c !== null && c.type === 'case_statement');
      const entries: number[] = [];
      let following = next;
      let defaultAt = -1;
      for (let i = cases.length - 1; i >= 0; i--) {
        const kase = cases[i] as CNode;
        if (!kase.childForFieldName('value')) defaultAt = i;
        const statements = kase.namedChildren.filter((c): c is CNode => c !== null && c.id !== kase.childForFieldName('value')?.id);
        following = buildSequence(statements, following, ctx);
        entries.unshift(following);
      }
      ctx.breakTo = saved;
      // Two successors keep branch semantics uniform: the first case and the rest.
      // A switch over a loop counter with a case for every value the loop gives it never takes its default.
      if (coversLoopCounter(node, condition, cases)) branch.succ = entries.filter((_, i) => i !== defaultAt);
      else branch.succ = defaultAt >= 0 ? entries : [...entries, next];
      if (branch.succ.length === 0) branch.succ = [next];
      return branch.id;
    }
    case 'return_statement': {
      const ret = newNode(ctx, 'return', node.startPosition.row);
      collectFacts(node, ret);
      const value = node.namedChildren.find((c) => c !== null && c.type !== 'comment');
      if (value) ret.returned = squash(value.text);
      return ret.id;
    }
    case 'goto_statement': {
      const jump = newNode(ctx, 'stmt', node.startPosition.row);
      const label = node.childForFieldName('label')?.text ?? '';
      jump.succ = [ctx.labels.get(label) ?? ctx.unknown];
      jump.goto = label;
      return jump.id;
    }
    case 'break_statement': {
      const jump = newNode(ctx, 'stmt', node.startPosition.row);
      jump.succ = [ctx.breakTo ?? ctx.unknown];
      return jump.id;
    }
    case 'continue_statement': {
      const jump = newNode(ctx, 'stmt', node.startPosition.row);
      jump.succ = [ctx.continueTo ?? ctx.unknown];
      return jump.id;
    }
    case 'labeled_statement': {
      const label = node.childForFieldName('label')?.text ?? '';
      const id = ctx.labels.get(label) as number;
      const inner = node.namedChildren.filter((c): c is CNode => c !== null && c.type !== 'statement_identifier');
      (ctx.nodes[id] as IrNode).succ = [buildSequence(inner, next, ctx)];
      return id;
    }
    case 'function_definition':
    case 'comment':
    case 'preproc_call':
    case 'preproc_def':
    case 'preproc_include':
    case 'preproc_function_def':
      return next;
    case 'ERROR': {
      // Error recovery may keep whole statements inside an ERROR node.
      const statements = node.namedChildren.filter((c): c is CNode => c !== null && /statement$/.test(c.type));
      if (statements.length > 0)
        return buildSequence(
          node.namedChildren.filter((c): c is CNode => c !== null),
          next,
          ctx,
        );
      break;
    }
    default:
      break;
  }
  const stmt = newNode(ctx, 'stmt', node.startPosition.row);
  collectFacts(node, stmt);
  stmt.succ = [next];
  return stmt.id;
}

/**
 * Whether a `switch (i)` inside `for (i = 0; i < N; i++)` has a case for each of 0 … N-1 (integer
 * literals): every value of the counter has its case, and a `default:` is never taken.
 */
function coversLoopCounter(node: CNode, condition: CNode | null, cases: readonly CNode[]): boolean {
  if (condition?.type !== 'identifier') return false;
  const counter = condition.text;
  let loop: CNode | null = node.parent;
  while (loop && loop.type !== 'for_statement' && loop.type !== 'function_definition') loop = loop.parent;
  if (loop?.type !== 'for_statement') return false;
  const init = squash(loop.childForFieldName('initializer')?.text ?? '');
  const test = /^(\w+)<(\d+)$/.exec(squash(loop.childForFieldName('condition')?.text ?? ''));
  const step = squash(loop.childForFieldName('update')?.text ?? '');
  if (init !== `${counter}=0` || test?.[1] !== counter || (step !== `${counter}++` && step !== `++${counter}`)) return false;
  const values = new Set(
    cases
      .map((kase) => kase.childForFieldName('value')?.text)
      .filter((value) => value !== undefined && /^\d+$/.test(value))
      .map(Number),
  );
  const bound = Number(test[2]);
  if (bound > 64) return false;
  for (let value = 0; value < bound; value++) if (!values.has(value)) return false;
  return true;
}

/**
 * The lock argument of a scope-based guard statement: `guard(K)(lock);` holds it to the end of
 * the enclosing block, `scoped_guard(K, lock) { ... }` (the grammar reads the head as a statement
 * of its own, followed by the block) over the block that follows.
 */
export function guardOf(statement: CNode, following: CNode | undefined): { lock: string; scoped: boolean } | undefined {
  if (statement.type !== 'expression_statement') return undefined;
  const call = statement.namedChildren.find((c) => c !== null && c.type !== 'comment');
  if (call?.type !== 'call_expression') return undefined;
  const fn = call.childForFieldName('function');
  const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((c): c is CNode => c !== null && c.type !== 'comment');
  if (fn?.type === 'call_expression' && fn.childForFieldName('function')?.text === 'guard' && args.length === 1)
    return { lock: squash((args[0] as CNode).text), scoped: false };
  if (fn?.text === 'scoped_guard' && args.length >= 2 && following?.type === 'compound_statement')
    return { lock: squash((args[1] as CNode).text), scoped: true };
  return undefined;
}

/** The `scoped_guard(K, lock)` call of a loop the fragment made of it, and its lock argument. */
function scopedGuardOf(loop: CNode): { call: CNode; lock: string } | undefined {
  const condition = stripParens(loop.childForFieldName('condition'));
  if (condition?.type !== 'call_expression' || condition.childForFieldName('function')?.text !== 'scoped_guard') return undefined;
  const args = (condition.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (c): c is CNode => c !== null && c.type !== 'comment',
  );
  return args.length >= 2 ? { call: condition, lock: squash((args[1] as CNode).text) } : undefined;
}

function buildSequence(statements: readonly CNode[], next: number, ctx: Ctx): number {
  // A guard's scope is the rest of this block (or the block after a scoped_guard): its end
  // releases the lock, on the way to what follows.
  for (let i = 0; i < statements.length; i++) {
    const guard = guardOf(statements[i] as CNode, statements[i + 1]);
    if (!guard) continue;
    const scopeEnd = guard.scoped ? i + 2 : statements.length;
    const after = buildSequence(statements.slice(scopeEnd), next, ctx);
    const lastRow = (statements[scopeEnd - 1] as CNode).endPosition.row;
    const exit = newNode(ctx, 'stmt', lastRow);
    exit.scopeExit = [guard.lock];
    exit.succ = [after];
    const inside = buildSequence(statements.slice(i + 1, scopeEnd), exit.id, ctx);
    const head = build(statements[i] as CNode, inside, ctx);
    return buildSequence(statements.slice(0, i), head, ctx);
  }
  return buildPlainSequence(statements, next, ctx);
}

function buildPlainSequence(statements: readonly CNode[], next: number, ctx: Ctx): number {
  let following = next;
  for (let i = statements.length - 1; i >= 0; i--) following = build(statements[i] as CNode, following, ctx);
  return following;
}

/** Builds the view of one function definition node. */
export function buildFunctionIr(definition: CNode, enclosing: string | undefined, openEnded: boolean): FunctionIr {
  const declarator = definition.childForFieldName('declarator');
  let name = declaratorName(declarator) ?? '';
  // Only a window that stops inside its function has an unknown end.
  const synthetic = name === SYNTHETIC_FUNCTION && openEnded;
  if (name === SYNTHETIC_FUNCTION || name === SYNTHETIC_HEADER) name = enclosing ?? '';
  const ctx: Ctx = { nodes: [], labels: new Map(), unknown: 0, ifs: [], depth: 0 };
  const entry = newNode(ctx, 'entry', definition.startPosition.row);
  // A function still open where the window stops (its closing brace is the
  // reviewer's, not the file's) goes on in code nobody sees: falling off the
  // window is not a return.
  const exit = newNode(ctx, openEnded ? 'unknown' : 'exit', definition.endPosition.row);
  const unknown = newNode(ctx, 'unknown', definition.endPosition.row);
  ctx.unknown = unknown.id;
  const body = definition.childForFieldName('body');
  for (const labelled of body?.descendantsOfType('labeled_statement') ?? []) {
    const label = labelled?.childForFieldName('label')?.text;
    if (label && !ctx.labels.has(label)) ctx.labels.set(label, newNode(ctx, 'stmt', labelled.startPosition.row).id);
  }
  entry.succ = [build(body, exit.id, ctx)];
  const calls = ctx.nodes.flatMap((node) => node.calls).sort((a, b) => a.row - b.row || a.column - b.column);
  return {
    name,
    synthetic,
    startVisible: declaratorName(declarator) !== SYNTHETIC_FUNCTION,
    startRow: definition.startPosition.row,
    endRow: definition.endPosition.row,
    nodes: ctx.nodes,
    entry: entry.id,
    ifs: ctx.ifs,
    calls,
    pointerParams: pointerParams(declarator),
    ...autoReleasedIn(body),
    ...loopStoresOf(body),
    ...iteratorExitsOf(body),
  };
}

function iteratorExitsOf(body: CNode | null): { iteratorExits?: IteratorExit[] } {
  const exits = iteratorExitsIn(body);
  return exits.length > 0 ? { iteratorExits: exits } : {};
}

/** The variables of a body declared with a cleanup attribute (see `FunctionIr.autoReleased`). */
function autoReleasedIn(body: CNode | null): { autoReleased?: Map<string, string> } {
  if (!body || !/__(?:free|cleanup)\s*\(/.test(body.text)) return {};
  const found = new Map<string, string>();
  for (const declaration of body.descendantsOfType('declaration')) {
    for (const declarator of declaration?.childrenForFieldName('declarator') ?? []) {
      const inner = declarator?.type === 'init_declarator' ? declarator.childForFieldName('declarator') : declarator;
      const cleanup = inner ? CLEANUP_DECLARATOR.exec(inner.text) : null;
      if (cleanup) found.set(cleanup[1] as string, cleanup[2] as string);
    }
  }
  return found.size > 0 ? { autoReleased: found } : {};
}

function loopStoresOf(body: CNode | null): { loopStores?: LoopStore[]; loopFixedCalls?: LoopFixedCall[] } {
  const stores = loopStoresIn(body);
  const fixed = loopFixedCallsIn(body);
  return { ...(stores.length > 0 ? { loopStores: stores } : {}), ...(fixed.length > 0 ? { loopFixedCalls: fixed } : {}) };
}

/** Each parameter's name when it is a pointer (`undefined` for the others, so indexes stay argument slots). */
function pointerParams(declarator: CNode | null): (string | undefined)[] {
  let current = declarator;
  while (current && current.type !== 'function_declarator') current = current.childForFieldName('declarator');
  const list = current?.childForFieldName('parameters');
  if (!list) return [];
  return list.namedChildren
    .filter((c): c is CNode => c !== null && c.type === 'parameter_declaration')
    .map((param) => {
      const decl = param.childForFieldName('declarator');
      return decl?.type === 'pointer_declarator' ? declaratorName(decl) : undefined;
    });
}

/** Every function definition in a parsed fragment, outermost first. */
export function functionsIn(root: CNode, enclosing: string | undefined, openEnded: boolean): FunctionIr[] {
  const out: FunctionIr[] = [];
  const definitions = root.descendantsOfType('function_definition').filter((d): d is CNode => d !== null);
  definitions.forEach((definition, index) => {
    // Only the last function of a window can run past its end.
    out.push(buildFunctionIr(definition, enclosing, openEnded && index === definitions.length - 1));
  });
  return out;
}
