/**
 * Early exits from the loops of macros that release something in their
 * loop step, so that only the loop's normal course releases it:
 *
 * - iterator macros that hold a reference on their cursor
 *   (`referenceIterator`): each `break`, `return` or `goto` that leaves such
 *   a loop while its cursor still holds the walk's reference. The macro
 *   drops that reference only when it steps to the next element, so the code
 *   leaving early must drop it (`dma_fence_put(iter)`, `of_node_put(child)`)
 *   or hand it on (`*found = child;`, `return child;`);
 * - scoped `with_*()` macros (`with_intel_runtime_pm(rpm, wakeref) { … }`),
 *   `for` loops whose head takes a wakeref, power reference or lock and whose
 *   step releases it and ends the loop: any `break`, `return` or `goto` out of
 *   the block skips the release (`scoped_guard()` releases through the
 *   compiler's cleanup attribute instead, and is no `with_*`).
 *
 * An iterator's exit counts as handled when, on its way out of the loop body, a plain
 * statement before it (in its block or an enclosing one inside the body)
 * releases the cursor or stores it (`found = child;`; a new reference taken
 * with `dma_fence_get(iter)` is not the walk's); or when it sits under a test
 * that the cursor is NULL (`if (!iter) break;`). Handing the cursor to other
 * calls does not count: they look at the element, they do not own it.
 *
 * Invariants: a `break` counts only when this loop is its nearest enclosing
 * loop or `switch`; a `goto` only when its label is outside the loop body and,
 * for an iterator, the code from the label on does not drop the cursor
 * (`err_put: of_node_put(child);`); the macros reach here rewritten as
 * `while (macro(...)) {` (`fragment.ts`).
 */

import { referenceIterator } from './iterator-macros';
import { squash } from './c-text';
import type { CNode } from './tree-sitter-c';

export interface IteratorExit {
  /** 0-based fragment row and column of the `break`, `return` or `goto`. */
  readonly row: number;
  readonly column: number;
  readonly kind: 'break' | 'return' | 'goto';
  readonly macro: string;
  readonly cursor: string;
  /** The call that drops the cursor's reference. */
  readonly release: string;
  /** Row of the loop's head. */
  readonly loopRow: number;
  /** `reference`: an iterator's reference on its cursor; `scoped`: what a `with_*()` head took (see the module comment). */
  readonly loop: 'reference' | 'scoped';
}

/** A scoped macro: its loop step releases what its head took (see the module comment). */
const SCOPED_MACRO = /^with_\w+$/;

const LOOPS = new Set(['while_statement', 'for_statement', 'do_statement', 'switch_statement']);
/** Statements that run whole whenever the code after them runs. */
const STRAIGHT = new Set(['expression_statement', 'declaration']);

export function iteratorExitsIn(body: CNode | null): IteratorExit[] {
  if (!body || !/_for_each|for_each_|\bwith_/.test(body.text)) return [];
  const exits: IteratorExit[] = [];
  for (const loop of body.descendantsOfType('while_statement')) {
    const condition = loop?.childForFieldName('condition');
    const call = condition?.namedChildren.find((child) => child?.type === 'call_expression') ?? null;
    const macro = call?.childForFieldName('function')?.text ?? '';
    const iterator = referenceIterator(macro);
    const scoped = !iterator && SCOPED_MACRO.test(macro);
    const loopBody = loop?.childForFieldName('body');
    if (!loop || !call || (!iterator && !scoped) || !loopBody) continue;
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter(
      (arg): arg is CNode => arg !== null && arg.type !== 'comment',
    );
    // A scoped macro's last argument names what it took, when the caller names it (`wakeref` after the
    // object: `with_intel_runtime_pm(rpm, wakeref)`; `with_intel_display_rpm(display)` hides its own).
    const cursor = iterator ? args[iterator.cursor] : args.length >= 2 ? args[args.length - 1] : undefined;
    if (iterator && cursor?.type !== 'identifier') continue;
    const taken = cursor?.type === 'identifier' ? cursor.text : '';
    for (const exit of loopBody.descendantsOfType(['break_statement', 'return_statement', 'goto_statement'])) {
      if (!exit) continue;
      const kind = exit.type === 'break_statement' ? 'break' : exit.type === 'return_statement' ? 'return' : 'goto';
      if (kind === 'break' && nearestLoop(exit)?.id !== loop.id) continue;
      const label = exit.childForFieldName('label')?.text ?? '';
      if (kind === 'goto' && labelInside(loopBody, label)) continue;
      if (iterator && kind === 'goto' && labelReleases(body, label, taken, iterator.release)) continue;
      if (iterator && handled(exit, loopBody, taken, iterator.release)) continue;
      exits.push({
        row: exit.startPosition.row,
        column: exit.startPosition.column,
        kind,
        macro,
        cursor: taken,
        release: iterator?.release ?? '',
        loopRow: loop.startPosition.row,
        loop: iterator ? 'reference' : 'scoped',
      });
    }
  }
  return exits;
}

function nearestLoop(node: CNode): CNode | null {
  let current = node.parent;
  while (current && !LOOPS.has(current.type)) current = current.parent;
  return current;
}

function labelInside(body: CNode, label: string): boolean {
  return body.descendantsOfType('labeled_statement').some((statement) => statement?.childForFieldName('label')?.text === label);
}

/** The code from `label` to the end of the function drops the cursor (`err_put: of_node_put(child);`). */
function labelReleases(body: CNode, label: string, cursor: string, release: string): boolean {
  const target = body.descendantsOfType('labeled_statement').find((statement) => statement?.childForFieldName('label')?.text === label);
  if (!target) return false;
  const after = body.text.slice(target.startIndex - body.startIndex);
  return new RegExp(String.raw`\b${release}\s*\(\s*${cursor}\s*\)`).test(after);
}

/** Whether `text` names `name` as a whole word. */
function names(text: string, name: string): boolean {
  return new RegExp(`(?<![\\w.>])${name}(?!\\w)`).test(text);
}

/** See the module comment. */
function handled(exit: CNode, loopBody: CNode, cursor: string, release: string): boolean {
  if (exit.type === 'return_statement' && names(exit.text, cursor)) return true;
  let current: CNode = exit;
  while (current.id !== loopBody.id) {
    const parent = current.parent;
    if (!parent) return false;
    // Under `if (!cursor)` / `if (cursor == NULL)`: nothing is held.
    if (parent.type === 'if_statement' && parent.childForFieldName('consequence')?.id === current.id) {
      const test = squash(parent.childForFieldName('condition')?.text ?? '');
      if (test === `(!${cursor})` || test === `(${cursor}==NULL)` || test === `(NULL==${cursor})`) return true;
    }
    // Only statements every path to the exit runs: a release inside an earlier `if` may not have happened.
    for (const sibling of parent.namedChildren) {
      if (!sibling || sibling.startIndex >= current.startIndex) break;
      if (STRAIGHT.has(sibling.type) && releasesOrHandsOn(sibling, cursor, release)) return true;
    }
    current = parent;
  }
  return false;
}

/** A statement that drops the cursor's reference or stores the cursor. */
function releasesOrHandsOn(statement: CNode, cursor: string, release: string): boolean {
  if (!names(statement.text, cursor)) return false;
  for (const call of statement.descendantsOfType('call_expression')) {
    if (call?.childForFieldName('function')?.text !== release) continue;
    const args = call.childForFieldName('arguments')?.namedChildren ?? [];
    if (args.some((arg) => arg !== null && squash(arg.text) === cursor)) return true;
  }
  for (const assignment of statement.descendantsOfType(['assignment_expression', 'init_declarator'])) {
    const value = assignment?.childForFieldName(assignment.type === 'assignment_expression' ? 'right' : 'value');
    if (value && squash(value.text) === cursor) return true;
  }
  return false;
}
