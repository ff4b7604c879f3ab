/**
 * A local variable read on some path before anything is assigned to it, when
 * the patch made it so: it dropped the variable's initializer (often while
 * moving the computation under a lock, into a branch) or declared it without
 * one. The read gets whatever the stack held (Coverity: "uninitialized scalar
 * variable"; the kernel builds with -Wno-maybe-uninitialized, so the compiler
 * stays quiet).
 *
 * The walk is over the function's control flow, whole functions only. A
 * variable whose address is taken, or that is handed bare to a call (a macro
 * such as `list_for_each_entry(pos, ...)` or `get_user(v, ptr)` may assign
 * it), counts as assigned there: precision over recall. Handed bare to a
 * function the patch defines or changes (a C function, not a macro), it is
 * read: the call gets its value. A read nested under
 * a condition counts only when the patch wrote both it and the declaration,
 * with no lines between them out of view.
 */

import { defineRule } from '../rule';
import type { CallSite, FunctionIr, IrNode } from '../../parse/c/function-ir';
import { WINDOW_GAP, WINDOW_LOOP } from '../../parse/c/fragment';
import {
  functionLabel,
  rowChanged,
  rowText,
  type FunctionView,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';
import { regExpLiteral } from '../../base/regexp-literal';
import {
  branchSuccessors,
  constantTruth,
  correlatedVariables,
  evaluatedPart,
  factsAfter,
  firstRoundCounters,
  withFact,
} from './branch-facts';
import { caseLabel, evaluatedArguments, UNEVALUATED_CALL_NAMES, withoutLiterals, withoutTypeArguments } from '../../parse/c/c-text';
import type { PartialFill } from './partial-fills';
import { straightRun } from './path-issues';

/** Calls that do not return: a path that makes one reads nothing after it. */
const NORETURN = /^(?:BUG|panic|do_exit|make_task_dead|kthread_exit|unreachable|__builtin_unreachable)$/;

export const uninitializedRead = defineRule({
  id: 'uninitialized-read',
  summary: 'A local variable is read on some path before any value is assigned to it.',
  defaultSeverity: 'warning',
  tags: ['patch'],
  messages: {
    read: '{fn} declares {name} here without a value, and on some path reads it (`{read}`) before anything is assigned to it: it holds whatever was on the stack. Initialize it where it is declared.',
    failedCall:
      '{fn} declares {name} here without a value and reads it (`{read}`) after {call}() was to fill it in, without first looking at whether {call}() succeeded: when it fails, {name} holds whatever was on the stack. Check the result before the read, or initialize {name}.',
    partialFill:
      '{call}() may return without writing {name}: it stores through its parameter {param} on one path, returns at line {line} without doing so, and returns nothing its caller could test. {fn} declares {name} without a value and then reads it (`{read}`): it holds whatever was on the stack. Initialize {name}, or have {call}() report the failure.',
    fixed: 'The patch gives {name} a value on every path to its read in {fn}.',
  },
});

/** `unsigned int i, order;`, `struct page *p;`, `bool needed;`: a declaration without initializer. */
const DECLARATION =
  /^\s*(?:(?:const|unsigned|signed|long|short|struct|enum|union|static)\s+)*[A-Za-z_]\w*(?:\s+|\s*\*+\s*)([A-Za-z_]\w*(?:\s*,\s*\**\s*[A-Za-z_]\w*)*)\s*;\s*$/;
/** Statements, and storage that C zero-fills (`static`) or that lives elsewhere (`extern`). */
const NOT_A_TYPE = /^\s*(?:return|goto|break|continue|else|case|default|do)\b|\b(?:static|extern)\b/;
const STEP_LIMIT = 20_000;
/** A statement of the function body itself, not nested in a block (kernel style indents with one tab per level). */
const TOP_LEVEL = /^(?:\t| {1,8})(?=\S)/;
/** The head of a loop: `for`, `while`, or an iterator macro rewritten to one. */
const LOOP = /^\s*(?:for|while)\b|^\s*\w*(?:for_each|until)\w*\s*\(/;

export const uninitializedReadCheck: PatchRuleCheck = {
  rule: uninitializedRead,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      if (!ir.startVisible || ir.synthetic) continue;
      const gapped = ir.calls.some((call) => call.name === WINDOW_GAP);
      for (const node of ir.nodes) {
        if (node.kind !== 'stmt' || node.calls.length > 0 || node.assigns.length > 0) continue;
        const text = rowText(view, node.row);
        const match = DECLARATION.exec(text);
        if (!match || NOT_A_TYPE.test(text)) continue;
        for (const name of (match[1] as string).split(',').map((part) => part.replace(/[\s*]/g, ''))) {
          const failed = readAfterUncheckedFill(review, side, view, ir, node, name);
          if (failed?.partial) {
            issues.push({
              view,
              key: `${ir.name}|unchecked-fill|${name}`,
              row: failed.fill,
              messageId: 'partialFill',
              data: {
                fn: functionLabel(view),
                name,
                read: rowText(view, failed.read),
                call: failed.call,
                param: failed.partial.param,
                line: failed.partial.line,
              },
              related: [
                { row: node.row, message: `${name} declared here without a value` },
                { row: failed.read, message: `${name} read here` },
              ],
            });
          } else if (failed) {
            issues.push({
              view,
              key: `${ir.name}|unchecked-fill|${name}`,
              row: node.row,
              messageId: 'failedCall',
              data: { fn: functionLabel(view), name, read: rowText(view, failed.read), call: failed.call },
              related: [
                { row: failed.fill, message: `${failed.call}() may fail without assigning ${name}` },
                { row: failed.read, message: `${name} read here` },
              ],
            });
          }
          const read = firstUnassignedRead(view, ir, node, name, review.definedFunctions);
          if (read === undefined) continue;
          // Only a read at the body's top level, which every path through that point makes: a read under a
          // condition is often tied to the condition that assigned the variable. Unless the patch wrote both the
          // declaration and the read, and every line between them is in view: then the condition is its own too.
          if (!TOP_LEVEL.test(view.rows[read]?.text ?? '') && !(rowChanged(view, node.row) && rowChanged(view, read) && !gapped)) continue;
          if (assignedByEarlierSwitch(view, node.row, read, name) || assignedUnlessExcluded(view, node.row, read, name)) continue;
          // Code the patch does not show between the declaration and the read, inside a block the read is not in
          // (`if (gtt->userptr) {` and the hunk ends): the unknown code may run past that block's end and assign it.
          if (gapInsideEarlierBlock(view, ir, node.row, read)) continue;
          if (readUnderFillCondition(view, ir, read, name)) continue;
          issues.push({
            view,
            key: `${ir.name}|uninitialized|${name}`,
            row: node.row,
            messageId: 'read',
            data: { fn: functionLabel(view), name, read: rowText(view, read) },
            related: [{ row: read, message: `${name} read here` }],
          });
        }
      }
    }
    // Only declarations the patch wrote or changed, or reads it added, are its doing.
    return issues.filter((issue) => issue.related.some((item) => rowChanged(issue.view, item.row)) || rowChanged(issue.view, issue.row));
  },
};

/**
 * The read is an arm of a `?:` whose condition is the one that guarded the fill (`if (fb)
 * drm_get_format_name(fb->format->format, &format_name);` … `fb ? format_name.str : "n/a"`): the arm runs
 * only where the fill did. The statement is read from its first row to its `;`.
 */
function readUnderFillCondition(view: FunctionView, ir: FunctionIr, read: number, name: string): boolean {
  let text = '';
  for (let row = read; row < Math.min(view.rows.length, read + 12); row++) {
    text += ` ${rowText(view, row)}`;
    if (/;\s*$/.test(text)) break;
  }
  const arm = new RegExp(`([A-Za-z_]\\w*(?:(?:->|\\.)[A-Za-z_]\\w*)*)\\s*\\?[^:;?]*(?<![\\w>.])${regExpLiteral(name)}\\b`).exec(text);
  if (!arm) return false;
  const condition = (arm[1] as string).replace(/\s+/g, '');
  const address = addressArgument(name);
  const fills = (node: IrNode) =>
    node.calls.some((call) => call.args.some((arg) => address.test(arg))) || node.assigns.some((a) => a.target === name);
  return ir.nodes.some(
    (branch) =>
      branch.kind === 'branch' &&
      (branch.cond ?? '').replace(/^\((.*)\)$/, '$1') === condition &&
      straightRun(ir, branch.succ[0], 3).some(fills),
  );
}

/** A gap between two hunks after `from` and before `read`, indented deeper than the read. */
function gapInsideEarlierBlock(view: FunctionView, ir: FunctionIr, from: number, read: number): boolean {
  const readIndent = indentOf(rawText(view, read));
  return ir.calls.some((call) => {
    if (call.name !== WINDOW_GAP || call.row <= from || call.row >= read) return false;
    // The gap row is synthetic (`\tgap();`): its depth is that of the code it stands between, the row before it.
    let row = call.row - 1;
    while (row > from && rawText(view, row).trim() === '') row--;
    const before = rawText(view, row);
    return indentOf(before) + (/\{\s*$/.test(before) ? 1 : 0) > readIndent;
  });
}

/** A row's text as the file has it, indentation included (`rowText` trims it). */
const rawText = (view: FunctionView, row: number) => view.rows[row]?.text ?? '';
const indentOf = (text: string) => (/^[\t ]*/.exec(text)?.[0] ?? '').replace(/ {8}/g, '\t').length;

/** The label sets of a `switch` whose head is at `head`, each with whether its statements assign `name`. */
function caseGroups(view: FunctionView, head: number, name: string): { labels: string[]; assigns: boolean; leaves: boolean }[] {
  const indent = indentOf(rawText(view, head));
  const store = new RegExp(`(?<![\\w.>])${regExpLiteral(name)}\\s*=(?!=)`);
  const groups: { labels: string[]; assigns: boolean; leaves: boolean }[] = [];
  let current: { labels: string[]; assigns: boolean; leaves: boolean } | undefined;
  let inBody = false;
  for (let row = head + 1; row <= view.ir.endRow; row++) {
    const text = rawText(view, row);
    if (text.trim() === '') continue;
    if (indentOf(text) <= indent && /^\s*\}/.test(text)) break;
    const label = indentOf(text) === indent ? caseLabel(text) : undefined;
    if (label !== undefined) {
      if (!current || inBody) groups.push((current = { labels: [], assigns: false, leaves: false }));
      current.labels.push(label);
      inBody = false;
      continue;
    }
    if (!current) continue;
    inBody = true;
    if (store.test(text)) current.assigns = true;
    if (/^\s*(?:return\b|goto\s)/.test(text)) current.leaves = true;
  }
  return groups;
}

/**
 * A read under `if (E != A && E != B)` after a `switch (E)` whose every case either assigns the
 * variable, leaves the function, or is one of the labels the test excludes (`case SMU_GFXCLK:` stores
 * the clock directly and the level is read only for the other types): no path reaches the read unassigned.
 */
function assignedUnlessExcluded(view: FunctionView, declaration: number, read: number, name: string): boolean {
  // The `if` the read is in: the nearest line above it that is less indented and starts with `if (`.
  const readIndent = indentOf(rawText(view, read));
  let ifRow = -1;
  for (let row = read - 1; row > declaration; row--) {
    const text = rawText(view, row);
    if (text.trim() === '' || indentOf(text) >= readIndent) continue;
    if (/^\s*if\s*\(/.test(text)) ifRow = row;
    break;
  }
  const cond = ifRow < 0 ? undefined : /^\s*if\s*\((.*)\)\s*\{?\s*$/.exec(rawText(view, ifRow))?.[1]?.replace(/\s+/g, '');
  if (!cond) return false;
  const terms = cond.split('&&').map((term) => /^([A-Za-z_][\w.>-]*)!=([A-Za-z_]\w*)$/.exec(term));
  const subject = terms[0]?.[1];
  if (!subject || terms.some((term) => !term || term[1] !== subject)) return false;
  const excluded = new Set(terms.map((term) => term?.[2] as string));
  const head = earlierSwitchOver(view, declaration, ifRow, subject);
  if (head === undefined) return false;
  const groups = caseGroups(view, head, name);
  return (
    groups.some((group) => group.labels.includes('default')) &&
    groups.every((group) => group.assigns || group.leaves || group.labels.every((label) => excluded.has(label)))
  );
}

/** The nearest `switch (subject)` head above `before` and below `declaration`, with `subject` unchanged since. */
function earlierSwitchOver(view: FunctionView, declaration: number, before: number, subject: string): number | undefined {
  const changed = new RegExp(`(?<![\\w.>])${regExpLiteral(subject)}\\s*(?:=(?!=)|\\+\\+|--)`);
  for (let row = before - 1; row > declaration; row--) {
    const text = rawText(view, row);
    if (changed.test(text.replace(/\s+/g, ''))) return undefined;
    if (/\bswitch\s*\((.+)\)/.exec(text)?.[1]?.replace(/\s+/g, '') === subject) return row;
  }
  return undefined;
}

/**
 * A read inside a `case` of `switch (E)` whose labels all assign the variable
 * in an earlier `switch (E)` of the function (`smu_*_print_clk_levels()`:
 * the first switch picks the table for each clock type, its `default:`
 * picks none, the second switch reads it only for the types the first
 * handled): no path reaches the read without the assignment. Kernel style
 * (labels at the switch's indentation) is what the groups are read by.
 */
function assignedByEarlierSwitch(view: FunctionView, declaration: number, read: number, name: string): boolean {
  // The case group the read is in: climb out of the blocks around it to the labels above.
  let level = indentOf(rawText(view, read));
  let labelRow = -1;
  for (let row = read - 1; row > declaration; row--) {
    const text = rawText(view, row);
    if (text.trim() === '') continue;
    const indent = indentOf(text);
    if (indent >= level) continue;
    if (caseLabel(text) !== undefined) {
      labelRow = row;
      break;
    }
    if (/\bswitch\s*\(/.test(text)) return false;
    level = indent;
  }
  if (labelRow < 0) return false;
  const labelIndent = indentOf(rawText(view, labelRow));
  let headRow = -1;
  for (let row = labelRow - 1; row > declaration; row--) {
    const text = rawText(view, row);
    if (indentOf(text) === labelIndent && /\bswitch\s*\(/.test(text)) {
      headRow = row;
      break;
    }
  }
  const subject = headRow < 0 ? undefined : /\bswitch\s*\((.+)\)\s*\{?\s*$/.exec(rawText(view, headRow))?.[1]?.replace(/\s+/g, '');
  if (!subject || !/^[A-Za-z_][\w.>-]*$/.test(subject)) return false;
  const labelText = caseLabel(rawText(view, labelRow)) ?? '';
  const group = caseGroups(view, headRow, name).find((candidate) => candidate.labels.includes(labelText));
  if (!group || group.labels.includes('default')) return false;
  const earlier = earlierSwitchOver(view, declaration, headRow, subject);
  if (earlier === undefined) return false;
  const assigning = new Set(
    caseGroups(view, earlier, name)
      .filter((other) => other.assigns)
      .flatMap((other) => other.labels),
  );
  return group.labels.every((label) => assigning.has(label));
}

/** The text of `sizeof(...)` and of the calls `UNEVALUATED_CALL_NAMES` lists, with up to one nested parenthesis. */
const UNEVALUATED_TEXT = new RegExp(String.raw`\b(?:sizeof|${UNEVALUATED_CALL_NAMES.join('|')})\((?:[^()]|\([^()]*\))*\)`, 'g');

/**
 * Whether `text` reads the name `mention` finds before it assigns it: its first mention is not an
 * assignment to it. A macro evaluates its arguments in order, so in
 * `ret = __wait_for(ret = detect(...), !ret && ready, ...)` and
 * `wait_for(((v = READ(reg)) & mask) == val, 3)` the later reads see the value just assigned.
 */
function readsFirst(text: string, mention: RegExp): boolean {
  const first = mention.exec(text);
  if (!first) return false;
  const after = text.slice(first.index + first[0].length).trimStart();
  return !(after.startsWith('=') && !after.startsWith('=='));
}

/** `sizeof(*v)`, `typeof(*v)`, `offsetof(struct s, v)` and `overflows_type(n, v->x)`'s `v` read nothing, and neither does the `n` of a `"\n"`. */
const unevaluated = (part: string) => withoutTypeArguments(withoutLiterals(part).replace(UNEVALUATED_TEXT, ''));

/** The row of a read of `name` reached from its declaration with no assignment on the way, if any. */
function firstUnassignedRead(
  view: FunctionView,
  ir: FunctionIr,
  declaration: IrNode,
  name: string,
  functions: ReadonlySet<string> | undefined,
): number | undefined {
  const mention = new RegExp(`(?<!\\.|->)\\b${regExpLiteral(name)}\\b`);
  const bare = new RegExp(`^&?\\(?${regExpLiteral(name)}\\)?$`);
  // A statement that updates it in place (`v &= x;`, `v++;`): the IR records no read for those. Only at the
  // start of the line: a `for` line's `++i` belongs to the loop's update, after its init assigned `i`.
  const compound = new RegExp(
    `^\\s*(?:(?:\\+\\+|--)\\s*${regExpLiteral(name)}\\b|${regExpLiteral(name)}\\s*(?:(?:[-+*/%&|^]|<<|>>)=(?!=)|\\+\\+|--))`,
  );
  const addressTaken = new RegExp(`&\\s*${regExpLiteral(name)}\\b`);
  const member = new RegExp(`^${regExpLiteral(name)}(?:\\.|\\[)`);
  // Correlated conditions (`branch-facts.ts`): `err = -ENODEV; if (vm) err = fill(&v); if (err) goto out;`
  // reaches a read of v past the test only where fill() ran. Only for a variable handed somewhere by
  // address: compilers take it as set from there on and stay quiet, so what is left is whether the path
  // can run. One only assigned directly (`if (x) pg = ...; ... if (x) use(pg);`) is what gcc's and
  // clang's maybe-uninitialized warnings report, correlated or not, and its fix is still wanted.
  const byAddress = ir.calls.some((call) => call.args.some((arg) => addressTaken.test(arg)));
  // A first-round test of a counter (`if (n == 0) x = …; else if (x != …) …; n++;` in a loop) is the one
  // correlation kept for a variable assigned directly: the read needs a round after the one that assigned it.
  const counters = firstRoundCounters(ir);
  const correlated = byAddress ? new Set([...correlatedVariables(ir), ...counters]) : counters;
  const initialFacts = constantsBefore(ir, declaration, correlated, countersZeroAt(ir, declaration, counters));
  const seen = new Set<string>();
  const loopHeads = new Set<string>();
  const stack: { id: number; facts: string }[] = declaration.succ.map((id) => ({ id, facts: initialFacts }));
  let steps = 0;
  while (stack.length > 0) {
    if (++steps > STEP_LIMIT) return undefined;
    const { id, facts } = stack.pop() as { id: number; facts: string };
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown') continue;
    const at = `${id}|${facts}`;
    // Loops are assumed to run at least once (iterator macros such as `drm_exec_until_all_locked()` always do):
    // the exit of a loop is followed only when its body comes back to the head without assigning.
    const firstLoopArrival = node.kind === 'branch' && !loopHeads.has(at) && LOOP.test(rowText(view, node.row));
    if (firstLoopArrival) loopHeads.add(at);
    else if (seen.has(at)) continue;
    else seen.add(at);
    // Unknown code: the gap between two hunks, and the loops standing for blocks the gap opened (their exit
    // is reached from the gap's code, which may have assigned the variable).
    if (node.calls.some((call) => call.name === WINDOW_GAP || call.name === WINDOW_LOOP)) continue;
    // `else BUG();`: the path ends there.
    if (node.calls.some((call) => NORETURN.test(call.name))) continue;
    const text = rowText(view, node.row);
    if (compound.test(text)) return node.row;
    // Handed by address: the callee may assign it. Its address (or a member's) kept in a pointer is a way to
    // fill it in too (`struct foo_data *data = &cmd.foo.data;` and then `data->x = …`), and no read.
    if (
      node.calls.some((call) => call.args.some((arg) => addressTaken.test(arg))) ||
      addressTaken.test(text) ||
      node.assigns.some((assign) => addressTaken.test(assign.value))
    )
      continue;
    // Handed bare to a function the patch defines: C passes it by value, so the call reads it. (A name not
    // defined there may be a macro such as `list_for_each_entry(pos, ...)` or `get_user(v, ptr)`, which may
    // assign it.)
    const handedBare = node.calls.filter((call) => call.args.some((arg) => bare.test(arg)));
    if (handedBare.some((call) => functions?.has(call.name))) return node.row;
    if (handedBare.length > 0) continue;
    // A store to one of its members or elements (`buf.size = n;`) starts filling it in: what is read later may
    // well be what was stored, so it counts as assigned.
    const assigned = node.assigns.some((assign) => assign.target === name || member.test(assign.target));
    // A node that assigns it reads it only in the value (`while ((res = first(list)))`, `p = kmalloc(sizeof(*p))`).
    // A chained assignment's outer value is the inner assignment (`def = data = read()`: `data=read()`), which
    // writes the name rather than reading it; the inner value is an assignment of its own.
    const readTexts = assigned
      ? node.assigns.map((assign) => assign.value).filter((value) => !value.startsWith(`${name}=`) || value.startsWith(`${name}==`))
      : [
          evaluatedPart(node.cond ?? '', facts, correlated),
          node.returned ?? '',
          ...node.assigns.flatMap((assign) => [assign.value, assign.target]),
          ...node.calls.flatMap((call) => evaluatedArguments(call.name, call.args)),
        ];
    if (readTexts.some((part) => readsFirst(unevaluated(part), mention))) return node.row;
    if (assigned) continue;
    const after = factsAfter(node, facts, correlated);
    if (firstLoopArrival) {
      // Into the body only; the body's way back arrives a second time and may leave.
      if (node.succ[0] !== undefined) stack.push({ id: node.succ[0], facts: after });
      continue;
    }
    if (node.kind === 'branch' && node.succ.length === 2) {
      for (const next of branchSuccessors(node, after, correlated)) stack.push({ id: next.succ, facts: next.facts });
    } else {
      for (const next of node.succ) stack.push({ id: next, facts: after });
    }
  }
  return undefined;
}

/**
 * Facts for the counters set to 0 by a declaration above `declaration` (`unsigned int n = 0;` among the
 * function's first declarations) and not changed between: they still hold 0 where the walk starts.
 */
function countersZeroAt(ir: FunctionIr, declaration: IrNode, counters: ReadonlySet<string>): string {
  let facts = '';
  for (const name of counters) {
    if (/^(?:0+|false|NULL)$/.test(constantSetAt(ir, declaration.row, name, false) ?? '')) facts = withFact(facts, name, false);
  }
  return facts;
}

/**
 * `facts` with the constants correlated variables hold where `declaration`
 * is, when only straight-line code comes before it: an errno set in its own
 * declaration (`int err = -ENODEV; u32 id; if (vm) err = fill(&id); if (err)
 * return err;`) is known from the start of the walk, as one assigned after
 * the declaration is once the walk passes it.
 */
function constantsBefore(ir: FunctionIr, declaration: IrNode, correlated: ReadonlySet<string>, facts: string): string {
  if (correlated.size === 0 || ir.nodes.some((node) => node.row < declaration.row && node.kind !== 'stmt' && node.kind !== 'entry'))
    return facts;
  let out = facts;
  for (const name of correlated) {
    if (out.includes(`${name}\u0001`)) continue;
    const value = constantSetAt(ir, declaration.row, name, true);
    const truth = value === undefined ? undefined : constantTruth(value);
    if (truth !== undefined) out = withFact(out, name, truth);
  }
  return out;
}

/**
 * The value of the plain assignment (`n = 0;`, `int err = -ENODEV;`) that last changes `name` at or
 * before `row`, when that statement does nothing else; undefined otherwise. `byCalls`: a call
 * assigning it or handed its address changes it too.
 */
function constantSetAt(ir: FunctionIr, row: number, name: string, byCalls: boolean): string | undefined {
  let last: IrNode | undefined;
  for (const node of ir.nodes) {
    if (node.row > row || (last && node.row <= last.row)) continue;
    const changes =
      node.assigns.some((assign) => assign.target === name) ||
      node.steps?.includes(name) ||
      (byCalls && node.calls.some((call) => call.target === name || call.args.includes(`&${name}`)));
    if (changes) last = node;
  }
  if (!last || last.kind !== 'stmt' || last.calls.length !== 0 || last.assigns.length !== 1 || last.steps?.includes(name)) return undefined;
  const assign = last.assigns[0] as { target: string; value: string; op?: string };
  return assign.op === undefined && assign.target === name ? assign.value : undefined;
}

/** An argument that is `&name`, cast or not (`(void *)&name`). */
function addressArgument(name: string): RegExp {
  return new RegExp(`^(?:\\([^()]*\\))?&${regExpLiteral(name)}$`);
}

/** Where `call` (handed `&name`) may leave `name` unwritten, when its callee is one `partial-fills.ts` learned. */
function partialFillOf(review: HunkReview, side: ImageSide, call: CallSite, name: string): PartialFill | undefined {
  const byParam = review.partialFills?.[side].get(call.name);
  if (!byParam || call.within !== undefined) return undefined;
  const address = addressArgument(name);
  const index = call.args.findIndex((arg) => address.test(arg));
  return index < 0 ? undefined : byParam.get(index);
}

/** A name in capitals: a macro, by kernel style. */
const MACRO = /^[A-Z][A-Z0-9_]*$/;

/** Variables named for an amount or a position, not a status. */
const QUANTITY = /^(?:len|length|size|count|cnt|n|num\w*|nr\w*|bytes|total\w*|idx|index|offset|pos|copied|written)$/;

/**
 * `&name` handed to a call that reports failure: its result is kept somewhere (`ret = f(&v)`, here or
 * anywhere in the patch) or the patch's code shows it returning an errno. A function that can fail may
 * return before it writes its out-parameter, so the value is only known once its result has been looked at.
 */

function fallibleFill(review: HunkReview, side: ImageSide, view: FunctionView, call: CallSite, name: string): boolean {
  const address = addressArgument(name);
  if (call.negated || call.within !== undefined || !call.args.some((arg) => address.test(arg))) return false;
  // A macro handed `&v` (`REG_GET(AUX_SW_DATA, AUX_SW_DATA, &val)`) expands to the store itself: it has no
  // early return to skip it, whatever value it also yields.
  if (MACRO.test(call.name)) return false;
  // A function of the patch that stores through this parameter on every path fills it in whatever it returns.
  const position = call.args.findIndex((arg) => address.test(arg));
  if (review.completeFills?.[side].get(call.name)?.has(position)) return false;
  // A result kept as a quantity (`len = gen8_pd_range(start, end, lvl, &idx)`) is no status to test first;
  // nor is one the function goes on to index or dereference (`in_bus_fmts[0]`): it is the data, and the
  // out-parameter its size.
  if (call.target !== undefined)
    return (
      /^\w+$/.test(call.target) && !QUANTITY.test(call.target) && !view.ir.nodes.some((node) => node.derefs.includes(call.target as string))
    );
  // A statement of its own, `f(&v);`: the result is dropped. Fallible only when the code elsewhere keeps it.
  if (!new RegExp(`^\\s*${regExpLiteral(call.name)}\\s*\\(`).test(rowText(view, call.row))) return false;
  if (review.errnoFunctions?.has(call.name) || review.keptResults?.has(call.name)) return true;
  const kept = new RegExp(`(?:\\w=|return|if\\(!?)${regExpLiteral(call.name)}\\(`);
  return (
    kept.test(review.patchAddedText) ||
    kept.test(review.patchRemovedText) ||
    view.ir.calls.some((other) => other.name === call.name && other.target !== undefined)
  );
}

/** The nodes where `name` first gets a value (or may: a call handed it), on some path from its declaration. */
function firstAssignments(ir: FunctionIr, declaration: IrNode, name: string, member: RegExp): Set<number> {
  const handed = new RegExp(`^(?:\\([^()]*\\))?&?${regExpLiteral(name)}$`);
  const found = new Set<number>();
  const seen = new Set<number>();
  const stack = [...declaration.succ];
  let steps = 0;
  while (stack.length > 0 && ++steps <= STEP_LIMIT) {
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown') continue;
    if (
      node.assigns.some((assign) => assign.target === name || member.test(assign.target)) ||
      node.calls.some((call) => call.args.some((arg) => handed.test(arg)))
    ) {
      found.add(id);
      continue;
    }
    stack.push(...node.succ);
  }
  return found;
}

/**
 * A read of `name` reached from a fallible call meant to fill it in (`ret = f(&v);` or `f(&v);`) before the
 * call's result is tested, with no other assignment on the way. Declared without a value, `name` then holds
 * stack garbage whenever the call fails (the compiler cannot see this: it assumes the callee writes it).
 */
function readAfterUncheckedFill(
  review: HunkReview,
  side: ImageSide,
  view: FunctionView,
  ir: FunctionIr,
  declaration: IrNode,
  name: string,
): { fill: number; read: number; call: string; partial?: PartialFill } | undefined {
  const mention = new RegExp(`(?<!\\.|->)\\b${regExpLiteral(name)}\\b`);
  const member = new RegExp(`^${regExpLiteral(name)}(?:\\.|\\[)`);
  const compound = new RegExp(`^\\s*${regExpLiteral(name)}\\s*(?:(?:[-+*/%&|^]|<<|>>)=(?!=)|\\+\\+|--)`);
  const firstFills = firstAssignments(ir, declaration, name, member);
  for (const start of ir.nodes) {
    // Only the call that gives it its first value: a call handed an object set up before fills in no blank.
    if (!firstFills.has(start.id) || start.kind === 'branch' || start.kind === 'unknown') continue;
    // A void function the patch shows leaving that out-parameter unwritten on some path (`partial-fills.ts`).
    let partial: PartialFill | undefined;
    const call = start.calls.find((candidate) => {
      partial = partialFillOf(review, side, candidate, name);
      return partial !== undefined || fallibleFill(review, side, view, candidate, name);
    });
    if (!call) continue;
    const found = (read: number) => ({ fill: start.row, read, call: call.name, ...(partial ? { partial } : {}) });
    const result = call.target;
    const resultMention = result === undefined ? undefined : new RegExp(`(?<!\\.|->)\\b${regExpLiteral(result)}\\b`);
    const seen = new Set<number>();
    const stack = [...start.succ];
    let steps = 0;
    while (stack.length > 0) {
      if (++steps > STEP_LIMIT) return undefined;
      const id = stack.pop() as number;
      if (seen.has(id) || id === start.id) continue;
      seen.add(id);
      const node = ir.nodes[id];
      if (!node || node.kind === 'unknown' || node.calls.some((other) => other.name === WINDOW_GAP)) continue;
      if (compound.test(rowText(view, node.row))) return found(node.row);
      // The result looked at (`if (ret)`, `return ret;`, `WARN_ON(ret)`): from here on each path knows.
      if (resultMention) {
        const looked = [
          node.cond ?? '',
          node.returned ?? '',
          ...node.calls.flatMap((other) => other.args),
          ...node.assigns.map((a) => a.value),
        ];
        if (looked.some((text) => resultMention.test(text))) continue;
      }
      if (node.assigns.some((assign) => assign.target === name || member.test(assign.target))) continue;
      if (node.calls.some((other) => other.args.some((arg) => arg.endsWith(`&${name}`)))) continue;
      // Handed on bare: a macro may assign it (`get_user(v, p)`), but not just after a call was to fill it in by
      // address and may not have: then it is the value being used (`WREG32(reg, v)`).
      if (!partial && node.calls.some((other) => other.args.includes(name))) continue;
      const texts = [
        node.cond ?? '',
        node.returned ?? '',
        ...node.assigns.flatMap((assign) => [assign.value, assign.target]),
        ...(partial ? node.calls.flatMap((other) => evaluatedArguments(other.name, other.args)) : []),
      ];
      if (texts.some((text) => mention.test(unevaluated(text)))) return found(node.row);
      if (resultMention && node.assigns.some((assign) => assign.target === result)) continue;
      stack.push(...node.succ);
    }
  }
  return undefined;
}
