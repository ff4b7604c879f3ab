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
 * variable the loop body changes (`a[n] = b[j]; n++;` fills an array) and
 * compound assignments (`sum[i] += a[j]` accumulates).
 */

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

const squash = (text: string): string => text.replace(/\s+/g, '');

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
  const changed = new Set<string>();
  for (const type of ['assignment_expression', 'update_expression']) {
    for (const node of body.descendantsOfType(type)) {
      if (!node || node.id === except.id) continue;
      const target = node.childForFieldName(type === 'update_expression' ? 'argument' : 'left');
      if (target?.type === 'identifier') changed.add(target.text);
    }
  }
  return changed;
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
      const changed = changedIn(loopBody, assignment);
      if ([...targetNames].some((name) => changed.has(name))) continue;
      stores.push({
        row: assignment.startPosition.row,
        column: assignment.startPosition.column,
        target: squash(left.text),
        counter,
        loopRow: loop.startPosition.row,
      });
    }
  }
  return stores;
}
