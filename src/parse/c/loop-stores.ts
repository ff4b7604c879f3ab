/**
 * Stores a `for` loop makes to one fixed array element on every pass: a
 * statement of the loop's body (not under a condition) that assigns with `=`
 * to an element whose subscript does not name the loop's counter, from a value
 * that does. Every pass overwrites the one before, so only the last pass's
 * value stays — the shape of an index mixed up between nested loops
 * (`children[i] = entries[i].pt_entries[j]` inside `for (j ...)`).
 *
 * Invariants: loops that can stop or skip early (`break`, `continue`, `return`, `goto`) are left
 * out (a search loop keeps what it found), as are stores whose target names a
 * variable the loop body changes (`a[n] = b[j]; n++;` fills an array),
 * compound assignments (`sum[i] += a[j]` accumulates) and stores whose value
 * reads the element itself (`sum[i] = sum[i] + a[j]`, `m[i] = max(m[i], a[j])`).
 *
 * The same view also finds calls such a loop makes on every pass with the
 * same argument: nothing in the argument is the counter or something the body
 * changes (`for (i = 0; i < n; i++) kfree(tx->bytes);`). When the call
 * releases, the second pass releases the same object again. Loops whose bound
 * is a literal 0 or 1 run at most once and are left out, as are arguments
 * passed by address (the release may clear the pointer it is given) and
 * calls whose other arguments name the counter or something the body
 * changes (they pick which instance the call releases).
 */

import { squash } from './c-text';
import type { CNode } from './tree-sitter-c';

export interface LoopStore {
  /** 0-based fragment row and column of the assignment. */
  readonly row: number;
  readonly column: number;
  /** The element stored to, white space removed. */
  readonly target: string;
  /** The loop's counter, which the value names and the target does not. */
  readonly counter: string;
  /** Row of the `for` statement. */
  readonly loopRow: number;
}

export interface LoopFixedCall {
  /** 0-based fragment row and column of the call. */
  readonly row: number;
  readonly column: number;
  readonly name: string;
  /** The first argument, white space removed. */
  readonly arg: string;
  readonly counter: string;
  readonly loopRow: number;
}

const identifiers = (node: CNode): Set<string> => new Set(node.descendantsOfType('identifier').flatMap((id) => (id ? [id.text] : [])));

/** The variable a `for` initializer sets (`j = 0`, `int j = 0`), when the update steps it too. */
function counterOf(loop: CNode): string | undefined {
  const init = loop.childForFieldName('initializer');
  const update = loop.childForFieldName('update');
  if (!init || !update) return undefined;
  let name: string | undefined;
  if (init.type === 'assignment_expression') {
    const left = init.childForFieldName('left');
    if (left?.type === 'identifier') name = left.text;
  } else if (init.type === 'declaration') {
    const declarator = init.childrenForFieldName('declarator').find((d) => d?.type === 'init_declarator');
    const inner = declarator?.childForFieldName('declarator');
    if (inner?.type === 'identifier') name = inner.text;
  }
  return name && identifiers(update).has(name) ? name : undefined;
}

/** The statements of a loop body that run on every pass, in order. */
function passStatements(body: CNode): CNode[] {
  if (body.type !== 'compound_statement') return [body];
  return body.namedChildren.filter((c): c is CNode => c !== null && c.type !== 'comment');
}

/** Variables the loop body assigns or steps, besides the statement `except`. */
function changedIn(body: CNode, except: CNode): Set<string> {
  const changed = declaredWithValue(body);
  for (const type of ['assignment_expression', 'update_expression']) {
    for (const node of body.descendantsOfType(type)) {
      if (!node || node.id === except.id) continue;
      const target = node.childForFieldName(type === 'update_expression' ? 'argument' : 'left');
      if (target?.type === 'identifier') changed.add(target.text);
    }
  }
  return changed;
}

/** Variables `body` declares with a value (`struct xe_pt *old = entries[j].pt;`): each pass gives them a new one. */
function declaredWithValue(body: CNode): Set<string> {
  const names = new Set<string>();
  for (const node of body.descendantsOfType('init_declarator')) {
    let declarator = node?.childForFieldName('declarator') ?? null;
    while (declarator && declarator.type !== 'identifier') declarator = declarator.childForFieldName('declarator');
    if (declarator) names.add(declarator.text);
  }
  return names;
}

/** Assignment targets (`p->buf = ...`, `n++`) of `body`, as squashed text. */
function changedTexts(body: CNode): Set<string> {
  const changed = declaredWithValue(body);
  for (const type of ['assignment_expression', 'update_expression']) {
    for (const node of body.descendantsOfType(type)) {
      const target = node?.childForFieldName(type === 'update_expression' ? 'argument' : 'left');
      if (target) changed.add(squash(target.text));
    }
  }
  return changed;
}

/** A loop whose condition bounds the counter by a literal 0 or 1 (`i < 1`) runs at most once. */
function runsAtMostOnce(loop: CNode, counter: string): boolean {
  const condition = loop.childForFieldName('condition');
  if (!condition) return false;
  const text = squash(condition.text);
  return new RegExp(String.raw`^${counter}(?:<[01]|<=0)$`).test(text);
}

/** Every call of `body`'s `for` loops made on every pass with an argument the loop does not change. */
export function loopFixedCallsIn(body: CNode | null): LoopFixedCall[] {
  if (!body || !/\bfor\s*\(/.test(body.text)) return [];
  const calls: LoopFixedCall[] = [];
  for (const loop of body.descendantsOfType('for_statement')) {
    if (!loop) continue;
    const counter = counterOf(loop);
    const loopBody = loop.childForFieldName('body');
    if (!counter || !loopBody || runsAtMostOnce(loop, counter)) continue;
    if (loopBody.descendantsOfType(['break_statement', 'continue_statement', 'return_statement', 'goto_statement']).length > 0) continue;
    let changed: Set<string> | undefined;
    let changedText: Set<string> | undefined;
    for (const statement of passStatements(loopBody)) {
      if (statement.type !== 'expression_statement') continue;
      const call = statement.namedChildren[0];
      if (call?.type !== 'call_expression') continue;
      const callee = call.childForFieldName('function');
      const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((c): c is CNode => c !== null && c.type !== 'comment');
      const arg = args[0];
      if (callee?.type !== 'identifier' || !arg) continue;
      const argText = squash(arg.text);
      if (argText.startsWith('&')) continue;
      const names = identifiers(arg);
      if (arg.type === 'identifier') names.add(arg.text);
      if (names.size === 0 || names.has(counter)) continue;
      changed ??= changedIn(loopBody, call);
      changedText ??= changedTexts(loopBody);
      if ([...names].some((name) => changed?.has(name)) || changedText.has(argText)) continue;
      // Another argument that moves with the pass picks what is released (`xcc_fini(adev, i)`,
      // `amdgpu_irq_put(adev, &adev->irq, BASE + i)`): one call per instance, not the same one again.
      const moving = (other: CNode) => {
        const used = identifiers(other);
        if (other.type === 'identifier') used.add(other.text);
        return [...used].some((name) => name === counter || changed?.has(name));
      };
      if (args.slice(1).some(moving)) continue;
      calls.push({
        row: call.startPosition.row,
        column: call.startPosition.column,
        name: callee.text,
        arg: argText,
        counter,
        loopRow: loop.startPosition.row,
      });
    }
  }
  return calls;
}

/** Every store of `body`'s `for` loops that writes one fixed element on every pass. */
export function loopStoresIn(body: CNode | null): LoopStore[] {
  if (!body || !/\bfor\s*\(/.test(body.text)) return [];
  const stores: LoopStore[] = [];
  for (const loop of body.descendantsOfType('for_statement')) {
    if (!loop) continue;
    const counter = counterOf(loop);
    const loopBody = loop.childForFieldName('body');
    if (!counter || !loopBody) continue;
    if (loopBody.descendantsOfType(['break_statement', 'continue_statement', 'return_statement', 'goto_statement']).length > 0) continue;
    for (const statement of passStatements(loopBody)) {
      if (statement.type !== 'expression_statement') continue;
      const assignment = statement.namedChildren[0];
      if (assignment?.type !== 'assignment_expression') continue;
      // `=` only: `sum[i] += a[j]` accumulates on purpose.
      if (assignment.childForFieldName('operator')?.type !== '=') continue;
      const left = assignment.childForFieldName('left');
      const right = assignment.childForFieldName('right');
      if (!left || !right) continue;
      if (left.type !== 'subscript_expression' && left.descendantsOfType('subscript_expression').length === 0) continue;
      const targetNames = identifiers(left);
      if (left.type === 'identifier') targetNames.add(left.text);
      if (targetNames.has(counter) || !identifiers(right).has(counter)) continue;
      // `t[i] = t[i] + a[k]`, `t[i] = max(t[i], a[k])`: the value reads the element itself, so every
      // pass builds on the one before (a sum or maximum written out), as `+=` does.
      const target = squash(left.text);
      if (right.descendantsOfType(left.type).some((node) => node !== null && squash(node.text) === target)) continue;
      // `ib.ptr[ib.length_dw++] = v[i]`: the subscript moves on by itself, every pass stores to the next element.
      if (left.descendantsOfType(['assignment_expression', 'update_expression']).length > 0) continue;
      const changed = changedIn(loopBody, assignment);
      if ([...targetNames].some((name) => changed.has(name))) continue;
      stores.push({
        row: assignment.startPosition.row,
        column: assignment.startPosition.column,
        target,
        counter,
        loopRow: loop.startPosition.row,
      });
    }
  }
  return stores;
}
