/**
 * A branch that is taken whenever a pointer is NULL dereferences that
 * pointer: `if (!(clear && ttm && ...)) copy(ttm->num_pages)` runs exactly
 * when `ttm` may be NULL ("drm/ttm: Fix a regression causing kernel
 * oops'es"), and so does the `else` of `if (p && ready)`.
 *
 * The condition is evaluated with the pointer NULL and every other atom
 * unknown (three-valued `&&`, `||`, `!`): a `then` branch counts when the
 * condition is then certainly true, an `else` branch when it is certainly
 * false. Only the branch's own body is searched (its rows, by indentation),
 * along the control flow, up to the first statement that assigns the pointer,
 * hands it (or, for a field, its object) to a call that may set it, or tests
 * it again; a dereference guarded on its own line (`p ? p->x : 0`,
 * `p && p->x`) is left alone.
 */

import { defineRule } from '../rule';
import type { FunctionIr, IrNode } from '../../parse/c/function-ir';
import { WINDOW_GAP } from '../../parse/c/fragment';
import { splitTop, withoutOpeningBrace, wrapped } from '../../parse/c/c-text';
import { mentions, unwrap } from './resource-paths';
import {
  functionLabel,
  indentWidth,
  rowText,
  type FunctionView,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';
import { regExpLiteral } from '../../base/regexp-literal';

export const nullBranchDereference = defineRule({
  id: 'null-branch-dereference',
  summary: 'A branch taken whenever a pointer is NULL dereferences that pointer.',
  defaultSeverity: 'warning',
  tags: ['patch'],
  messages: {
    deref:
      '{fn} dereferences {pointer} (`{text}`) in the {side} branch of `{cond}`, which is taken whenever {pointer} is NULL: a NULL {pointer} oopses here. Use something that is valid on that path, or test {pointer} first.',
    fixed: 'The patch stops dereferencing {pointer} where `{cond}` lets it be NULL in {fn}.',
  },
});

type Truth = true | false | undefined;

/** The value of condition `cond` (white space removed) when `pointer` is NULL; undefined when it depends on more. */
export function valueWhenNull(cond: string, pointer: string, depth = 0): Truth {
  if (depth > 64) return undefined;
  const c = cond;
  const ors = splitTop(c, '||');
  if (ors.length > 1) {
    const values = ors.map((part) => valueWhenNull(part, pointer, depth + 1));
    if (values.some((value) => value === true)) return true;
    return values.every((value) => value === false) ? false : undefined;
  }
  const ands = splitTop(c, '&&');
  if (ands.length > 1) {
    const values = ands.map((part) => valueWhenNull(part, pointer, depth + 1));
    if (values.some((value) => value === false)) return false;
    return values.every((value) => value === true) ? true : undefined;
  }
  if (c.startsWith('!') && !c.startsWith('!=')) {
    const inner = valueWhenNull(c.slice(1), pointer, depth + 1);
    return inner === undefined ? undefined : !inner;
  }
  if (wrapped(c)) return valueWhenNull(c.slice(1, -1), pointer, depth + 1);
  // `unlikely(...)`, `WARN_ON(...)`: their value is their condition's.
  const inner = unwrap(c);
  if (inner !== c) return valueWhenNull(inner, pointer, depth + 1);
  if (c === pointer) return false;
  if (c === `${pointer}==NULL` || c === `NULL==${pointer}` || c === `IS_ERR_OR_NULL(${pointer})`) return true;
  if (c === `${pointer}!=NULL` || c === `NULL!=${pointer}` || c === `IS_ERR(${pointer})`) return false;
  return undefined;
}

const POINTER_PATH = String.raw`[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*`;
const TRUTH_ATOM = new RegExp(String.raw`(?:^|[(!&|])(${POINTER_PATH})(?=$|[)&|])`, 'g');
const NULL_TEST = new RegExp(String.raw`(${POINTER_PATH})[!=]=NULL|NULL[!=]=(${POINTER_PATH})|IS_ERR_OR_NULL\((${POINTER_PATH})\)`, 'g');

/** Pointers the condition tests for NULL: bare truth values, `== NULL`, `IS_ERR_OR_NULL()` (not `IS_ERR()`). */
function testedPointers(cond: string): string[] {
  const found = new Set<string>();
  for (const match of cond.matchAll(TRUTH_ATOM)) {
    // `IS_ERR(p)` is false for NULL too, but a pointer tested with it is one its maker returns as an error
    // pointer, never NULL: `if (!IS_ERR(obj)) obj->resv = r;` is how such results are used.
    if (cond.slice(0, match.index + match[0].length - (match[1] as string).length).endsWith('IS_ERR(')) continue;
    found.add(match[1] as string);
  }
  for (const match of cond.matchAll(NULL_TEST)) found.add((match[1] ?? match[2] ?? match[3]) as string);
  // Upper-case names are macros or constants, not pointers.
  return [...found].filter((name) => !/^[A-Z_][A-Z0-9_]*$/.test(name) && !/^(?:true|false|NULL)$/.test(name));
}

/** The last row of the if's bodies: the rows indented deeper than the `if` line, and its closing braces and `else`s. */
function bodyEnd(view: FunctionView, row: number): number {
  const base = indentWidth(view.rows[row]?.text ?? '');
  let end = row;
  for (let r = row + 1; r < view.rows.length; r++) {
    const text = view.rows[r]?.text;
    if (text === undefined) break;
    if (text.trim() === '') continue;
    if (indentWidth(text) > base || (indentWidth(text) === base && /^\s*}\s*(?:else\b.*)?$/.test(text))) end = r;
    else break;
  }
  return end;
}

function dereferenceIn(
  view: FunctionView,
  ir: FunctionIr,
  start: number | undefined,
  pointer: string,
  rows: { from: number; to: number },
): IrNode | undefined {
  if (start === undefined) return undefined;
  const object = /^([A-Za-z_]\w*)(?:->|\.)/.exec(pointer)?.[1];
  const guarded = new RegExp(String.raw`(?:^|[^>\w.])${regExpLiteral(pointer)}\s*(?:\?|&&|\|\||[!=]=)|!\s*${regExpLiteral(pointer)}\b`);
  const seen = new Set<number>();
  const stack = [start];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown' || node.kind === 'exit' || node.row <= rows.from || node.row > rows.to) continue;
    if (node.calls.some((call) => call.name === WINDOW_GAP)) continue;
    const text = rowText(view, node.row);
    // Tested again, or guarded on its own line.
    if (node.kind === 'branch' && node.cond !== undefined && mentions(node.cond, pointer)) continue;
    if (node.derefs.includes(pointer) && !guarded.test(text) && !/\b(?:sizeof|typeof)\b/.test(text)) return node;
    // Assigned, or handed to a call that may set it.
    if (node.assigns.some((assign) => assign.target === pointer || (object !== undefined && assign.target === object))) continue;
    if (
      node.calls.some((call) =>
        call.args.some(
          (arg) =>
            arg === `&${pointer}` || (object !== undefined && (arg === object || arg === `&${object}` || mentions(arg, `&${pointer}`))),
        ),
      )
    )
      continue;
    if (node.kind === 'return') continue;
    stack.push(...node.succ);
  }
  return undefined;
}

/** The `if` line as written (without its opening brace), for messages. */
function ifText(view: FunctionView, row: number): string {
  return withoutOpeningBrace(rowText(view, row).replace(/^}\s*else\s+/, ''));
}

export const nullBranchDereferenceCheck: PatchRuleCheck = {
  rule: nullBranchDereference,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      // Only pointers the function dereferences somewhere can be dereferenced in a branch.
      const dereferenced = new Set(ir.nodes.flatMap((node) => node.derefs));
      if (dereferenced.size === 0) continue;
      for (const node of ir.nodes) {
        if (node.kind !== 'branch' || node.cond === undefined) continue;
        const pointers = testedPointers(node.cond).filter((pointer) => dereferenced.has(pointer));
        if (pointers.length === 0) continue;
        const head = rowText(view, node.row);
        if (!/^\s*(?:}\s*else\s+)?if\b/.test(head)) continue;
        let rows: { from: number; to: number } | undefined;
        for (const pointer of pointers) {
          const value = valueWhenNull(node.cond, pointer);
          if (value === undefined) continue;
          rows ??= { from: node.row, to: bodyEnd(view, node.row) };
          const found = dereferenceIn(view, ir, node.succ[value ? 0 : 1], pointer, rows);
          if (!found) continue;
          issues.push({
            view,
            key: `${ir.name}|null-branch|${pointer}|${rowText(view, found.row).replace(/\s+/g, '')}`,
            row: found.row,
            messageId: 'deref',
            data: {
              fn: functionLabel(view),
              pointer,
              text: rowText(view, found.row),
              side: value ? '`then`' : '`else`',
              cond: ifText(view, node.row),
            },
            related: [{ row: node.row, message: `this branch is taken when ${pointer} is NULL` }],
          });
        }
      }
    }
    return issues;
  },
};
