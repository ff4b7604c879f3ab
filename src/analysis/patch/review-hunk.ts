/**
 * Reviews one hunk of C: parses its pre- and post-image with tree-sitter
 * (freeing each tree at once), builds the control-flow view of every
 * function, walks the resource paths, runs every patch rule on both images
 * and keeps what the patch introduces (post-image issues that involve a
 * changed line and are not in the pre-image) and what it fixes (pre-image
 * issues the post-image no longer has, as info findings).
 */

import type { FailureStyles } from '../../rules/patch/failure-styles';
import type { ManagedMemory } from '../../rules/patch/managed-memory';
import { buildFragment, SYNTHETIC_FUNCTION, SYNTHETIC_HEADER, type SourceRow } from '../../parse/c/fragment';
import { functionsIn, squash, type FunctionIr } from '../../parse/c/function-ir';
import { ParseBudgetExceeded, withCTree, type CParser } from '../../parse/c/tree-sitter-c';
import type { Hunk } from '../../parse/patch/parse-patch';
import type { Finding, RelatedLocation } from '../../rules/rule';
import { patchAnalysisLimit } from '../../rules/patch/patch-input-rules';
import { PATCH_CHECKS } from '../../rules/patch/index';
import type { LockFacts } from '../../rules/patch/lock-facts';
import type { PairIndex } from '../../rules/patch/resource-pairs';
import { ownedKeys, walkResources, type PathResult } from '../../rules/patch/resource-paths';
import { functionUnits } from '../../rules/patch/learned-pairs';
import type { FunctionView, HunkReview, ImageSide, PatchIssue, PatchRuleCheck } from '../../rules/patch/review-context';
import type { UntakenUnlocks } from '../../rules/patch/untaken-unlocks';
import type { CompleteFills, PartialFills } from '../../rules/patch/partial-fills';
import type { HunkImages } from './hunk-images';
import type { ErrnoFunctions } from '../../rules/patch/errno-functions';
import type { NullBeliefs } from '../../rules/patch/null-beliefs';

export interface HunkContext {
  readonly pairs: PairIndex;
  readonly locks: LockFacts;
  readonly patchAddedText: string;
  readonly patchRemovedText: string;
  readonly errnoFunctions?: ErrnoFunctions;
  readonly nullBeliefs?: NullBeliefs;
  readonly failureStyles?: FailureStyles;
  readonly managedMemory?: ManagedMemory;
  readonly keptResults?: ReadonlySet<string>;
  readonly definedFunctions?: ReadonlySet<string>;
  readonly removedFunctions?: ReadonlySet<string>;
  readonly untakenUnlocks: Readonly<Record<ImageSide, UntakenUnlocks>>;
  readonly partialFills?: Readonly<Record<ImageSide, PartialFills>>;
  readonly completeFills?: Readonly<Record<ImageSide, CompleteFills>>;
  /** Where a checkout file is on disk (`PatchReviewConfig.sourcePath`). */
  readonly sourcePath?: (path: string) => string;
}

/** A hunk parsed into the functions of both images, before the paths are walked. */
export interface ParsedHunk {
  readonly path: string;
  readonly hunk: Hunk;
  readonly pre: ParsedImage;
  readonly post: ParsedImage;
}

interface ParsedImage {
  readonly rows: readonly (SourceRow | undefined)[];
  readonly functions: readonly FunctionIr[];
}

/**
 * No C source has lines this long (checkpatch warns past 100 characters); a hunk that does is damaged or generated
 * data. Not parsed: tree-sitter's WASM build takes seconds on such a line,
 * and error recovery over one can overflow its stack and corrupt the module.
 */
const MAX_C_LINE = 1024;

/**
 * Functions parsed from the same text, by that text: with a tree, every hunk
 * of one function widens to the same whole function, which is then parsed and
 * walked once (the walk's results hang off the shared IR), not once per hunk.
 */
const parsedTexts = new Map<string, readonly FunctionIr[]>();
const PARSED_TEXTS = 32;

function parseImage(parser: CParser, rows: readonly SourceRow[], section: string): ParsedImage {
  if (!rows.some((row) => row.text.trim() !== '')) return { rows: [], functions: [] };
  if (rows.some((row) => row.text.length > MAX_C_LINE)) return { rows: [], functions: [] };
  const fragment = buildFragment(rows, section);
  // The hunk header's enclosing name only names a synthetic wrapper (`buildFunctionIr`): a whole
  // function parses the same under every hunk header, including one that names a label.
  const named = fragment.source.includes(SYNTHETIC_FUNCTION) || fragment.source.includes(SYNTHETIC_HEADER);
  const key = `${named ? (fragment.enclosing ?? '') : ''}\u0000${fragment.openEnded ? 1 : 0}\u0000${fragment.source}`;
  const cached = parsedTexts.get(key);
  if (cached) return { rows: fragment.rows, functions: cached };
  try {
    const functions = withCTree(parser, fragment.source, (root) => functionsIn(root, fragment.enclosing, fragment.openEnded));
    if (parsedTexts.size >= PARSED_TEXTS) parsedTexts.delete(parsedTexts.keys().next().value as string);
    parsedTexts.set(key, functions);
    return { rows: fragment.rows, functions };
  } catch (error) {
    // Damaged or generated text that only looks like C, like the over-long lines above.
    if (error instanceof ParseBudgetExceeded) return { rows: [], functions: [] };
    throw error;
  }
}

/** A void function's header: `static void foo(`, or `foo(` under a `static void` line. */
const VOID_HEADER = /^(?:(?:static|inline)\s+)*void\s+([A-Za-z_]\w*)\s*\(/;
const VOID_TYPE_LINE = /^(?:(?:static|inline)\s+)*void\s*$/;
const NAME_LINE = /^([A-Za-z_]\w*)\s*\(/;
/** A store through a pointer (`*val = x;`), and a bare `return;`. */
const POINTER_STORE = /^\s*\*\s*\(?[A-Za-z_]\w*\)?\s*=[^=]/m;
const BARE_RETURN = /^\s*return\s*;/m;
/** Longer bodies are not the small fill-in helpers this is for, and would only cost parsing. */
const MAX_HELPER_ROWS = 300;

/**
 * The void functions of a checkout file that store through a pointer parameter and can return early:
 * what `partial-fills.ts` summarises for callers, parsed as whole functions of the checkout (their rows
 * cite `path:line in the checkout`, `line` being the patch line to cite them by). `skip`: names the
 * patch itself defines or changes (its own version is the one that counts).
 */
export function checkoutFillHelpers(
  parser: CParser,
  path: string,
  text: string,
  line: number,
  skip: ReadonlySet<string>,
): { rows: readonly (SourceRow | undefined)[]; ir: FunctionIr }[] {
  const found: { rows: readonly (SourceRow | undefined)[]; ir: FunctionIr }[] = [];
  const lines = text.split('\n').map((row, index) => ({ text: row, line: index + 1 }));
  // The file's function bodies as the pair learner splits them (each ends at a `}` in column 0).
  for (const unit of functionUnits({ path, lines })) {
    let name: string | undefined;
    const start = unit.findIndex((row, index) => {
      if (/;\s*$/.test(row.text)) return false;
      name =
        VOID_HEADER.exec(row.text)?.[1] ?? (VOID_TYPE_LINE.test(row.text) ? NAME_LINE.exec(unit[index + 1]?.text ?? '')?.[1] : undefined);
      return name !== undefined;
    });
    if (start < 0 || name === undefined || skip.has(name) || unit.length - start > MAX_HELPER_ROWS) continue;
    const helper = unit.slice(start);
    const body = helper.map((row) => row.text).join('\n');
    if (!POINTER_STORE.test(body) || !BARE_RETURN.test(body)) continue;
    const rows = helper.map((row): SourceRow => ({ text: row.text, line, changed: false, fileLine: row.line }));
    const image = parseImage(parser, rows, '');
    for (const ir of image.functions) if (ir.name === name) found.push({ rows: image.rows, ir });
  }
  return found;
}

export function parseHunk(path: string, hunk: Hunk, images: HunkImages, parser: CParser): ParsedHunk {
  return { path, hunk, pre: parseImage(parser, images.pre, hunk.section), post: parseImage(parser, images.post, hunk.section) };
}

/** Key of a function across hunks and images. */
export const functionKey = (path: string, fn: FunctionIr) => `${path}\u0001${fn.name}`;

/** The releases of every function in every image of every hunk, by function: what each function owns. */
export function ownedByFunction(hunks: readonly ParsedHunk[], pairs: PairIndex): Map<string, Set<string>> {
  const owned = new Map<string, Set<string>>();
  for (const parsed of hunks) {
    for (const fn of [...parsed.pre.functions, ...parsed.post.functions]) {
      if (!fn.name) continue;
      const key = functionKey(parsed.path, fn);
      owned.set(key, ownedKeys(fn, pairs, owned.get(key)));
    }
  }
  return owned;
}

/** Walks of a (shared) function IR, by the pairs and the releases owned elsewhere they were walked with. */
const walks = new WeakMap<FunctionIr, { pairs: PairIndex; owned: string; result: PathResult }[]>();

function walked(ir: FunctionIr, pairs: PairIndex, owned: ReadonlySet<string>): PathResult {
  const ownedKey = [...owned].sort().join('\u0002');
  const list = walks.get(ir) ?? [];
  const hit = list.find((entry) => entry.pairs === pairs && entry.owned === ownedKey);
  if (hit) return hit.result;
  const result = walkResources(ir, pairs, owned);
  list.push({ pairs, owned: ownedKey, result });
  walks.set(ir, list);
  return result;
}

function views(image: ParsedImage, path: string, pairs: PairIndex, owned: ReadonlyMap<string, Set<string>>): FunctionView[] {
  return image.functions.map((ir) => ({
    ir,
    rows: image.rows,
    paths: walked(ir, pairs, (ir.name && owned.get(functionKey(path, ir))) || new Set()),
    ...(path ? { file: path } : {}),
  }));
}

function involvedRows(issue: PatchIssue): number[] {
  return [issue.row, ...issue.related.map((related) => related.row)];
}

/** A line with its first callee renamed to a placeholder: `drm_gem_object_put_unlocked(obj);` and `drm_gem_object_put(obj);` look alike. */
const callShape = (text: string) => text.replace(/\s+/g, '').replace(/^([^A-Za-z_]*)[A-Za-z_]\w*\(/, '$1\u0000(');

/**
 * What the patch renames inside lines it otherwise keeps: each removed line
 * paired with the added line at the same place of its change block (a block
 * of n removed lines followed by n added ones), as the differing middle of
 * the two, white space removed and widened to whole operands
 * (`&dev_priv->wm.wm_mutex` becoming `&dev_priv->display.wm.wm_mutex`).
 * A finding keyed by the old text before the patch is the same finding as
 * the one keyed by the new text after it: a moved field or a renamed
 * variable is not a new leak.
 */
export function renamesOf(lines: readonly { readonly kind: string; readonly text: string }[]): [string, string][] {
  const renames: [string, string][] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length;) {
    if (lines[i]?.kind !== '-') {
      i++;
      continue;
    }
    let removedEnd = i;
    while (lines[removedEnd]?.kind === '-') removedEnd++;
    let addedEnd = removedEnd;
    while (lines[addedEnd]?.kind === '+') addedEnd++;
    if (addedEnd - removedEnd === removedEnd - i) {
      for (let k = 0; k < removedEnd - i; k++) {
        const before = squash((lines[i + k] as { text: string }).text);
        const after = squash((lines[removedEnd + k] as { text: string }).text);
        const one = differingOperand(before, after);
        for (const rename of one ? [one] : renamedNames(before, after)) {
          const id = `${rename[0]}\u0000${rename[1]}`;
          if (seen.has(id)) continue;
          seen.add(id);
          renames.push(rename);
        }
      }
    }
    i = addedEnd;
  }
  return renames;
}

/** Characters that end an operand: a rename is widened to them. */
const OPERAND_END = /[(),;=!<>?:+\-*/%|^~[\]{}]/;

/** The operand `before` has where `after` has another (common prefix and suffix removed, widened to operands), or undefined. */
function differingOperand(before: string, after: string): [string, string] | undefined {
  if (before === after) return undefined;
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < before.length - prefix &&
    suffix < after.length - prefix &&
    before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
  )
    suffix++;
  // `->` is part of an operand, not its end: step back over a `-` or `>` that belongs to one.
  const ends = (text: string, at: number) => {
    const ch = text[at] as string;
    if (ch === '-' && text[at + 1] === '>') return false;
    if (ch === '>' && text[at - 1] === '-') return false;
    return OPERAND_END.test(ch);
  };
  while (prefix > 0 && !ends(before, prefix - 1)) prefix--;
  while (suffix > 0 && !ends(before, before.length - suffix)) suffix--;
  let from = before.slice(prefix, before.length - suffix);
  let to = after.slice(prefix, after.length - suffix);
  while (from.startsWith('&') && to.startsWith('&')) {
    from = from.slice(1);
    to = to.slice(1);
  }
  // Only a rename of one operand: the rest of the line is the same.
  if (from === '' || to === '' || OPERAND_END.test(from.replace(/->/g, '')) || OPERAND_END.test(to.replace(/->/g, ''))) return undefined;
  return [from, to];
}

/**
 * The names a line pair renames when the two lines differ only in names, the
 * called function's among them (`i915_ppgtt_put(ppgtt);` → `i915_vm_put(vm);`:
 * an API rename and its argument's): the same tokens otherwise, each differing
 * name renamed the same way throughout. Empty when anything but names differs.
 */
function renamedNames(before: string, after: string): [string, string][] {
  const tokens = (text: string) => text.match(/[A-Za-z_]\w*|\d\w*|->|\S/g) ?? [];
  const from = tokens(before);
  const to = tokens(after);
  if (from.length !== to.length) return [];
  const map = new Map<string, string>();
  let callee = false;
  for (let k = 0; k < from.length; k++) {
    const a = from[k] as string;
    const b = to[k] as string;
    if (a === b) continue;
    if (!/^[A-Za-z_]\w*$/.test(a) || !/^[A-Za-z_]\w*$/.test(b)) return [];
    if ((map.get(a) ?? b) !== b) return [];
    map.set(a, b);
    if (from[k + 1] === '(') callee = true;
  }
  // Only with the function called renamed too (an API rename carrying its object's new name): other names
  // changed together (`foo_put(a, b)` → `foo_put(c, d)`) are other objects, not a rename.
  return callee ? [...map] : [];
}

/** `key` with the patch's renames applied. */
function renamed(key: string, renames: readonly [string, string][]): string {
  let out = key;
  for (const [from, to] of renames) {
    if (!out.includes(from)) continue;
    // A name is renamed where it stands as a name (`ppgtt`, not the `ppgtt` in `i915_ppgtt_put`).
    out = /^[A-Za-z_]\w*$/.test(from) ? out.replace(new RegExp(`(?<!\\w)${from}(?!\\w)`, 'g'), to) : out.split(from).join(to);
  }
  return out;
}

/**
 * The issue touches a line the patch changed: on it, or between the rows it
 * involves. A line whose only change is the name of the function it calls (an
 * API rename) is not a change of behaviour the patch is blamed for.
 */
function involvesChange(issue: PatchIssue, renamedShapes: ReadonlySet<string>): boolean {
  const changed = (row: number) => {
    const source = issue.view.rows[row];
    return source?.changed === true && !renamedShapes.has(callShape(source.text));
  };
  const rows = involvedRows(issue);
  if (rows.some(changed)) return true;
  const low = Math.min(...rows);
  const high = Math.max(...rows);
  for (let row = low; row <= high; row++) if (changed(row)) return true;
  return false;
}

/** Every rule's issues on both images of one hunk, before they are compared (`reviewHunk`). */
export interface HunkIssues {
  readonly parsed: ParsedHunk;
  readonly review: HunkReview;
  readonly checks: readonly { readonly check: PatchRuleCheck; readonly pre: PatchIssue[]; readonly post: PatchIssue[] }[];
}

/** Runs every path rule on both images of a hunk. */
export function hunkIssues(parsed: ParsedHunk, owned: ReadonlyMap<string, Set<string>>, context: HunkContext): HunkIssues {
  const { path, hunk } = parsed;
  const review: HunkReview = {
    path,
    hunk,
    pre: views(parsed.pre, path, context.pairs, owned),
    post: views(parsed.post, path, context.pairs, owned),
    pairs: context.pairs,
    locks: context.locks,
    patchAddedText: context.patchAddedText,
    patchRemovedText: context.patchRemovedText,
    ...(context.errnoFunctions ? { errnoFunctions: context.errnoFunctions } : {}),
    ...(context.nullBeliefs ? { nullBeliefs: context.nullBeliefs } : {}),
    ...(context.failureStyles ? { failureStyles: context.failureStyles } : {}),
    ...(context.managedMemory ? { managedMemory: context.managedMemory } : {}),
    ...(context.keptResults ? { keptResults: context.keptResults } : {}),
    ...(context.definedFunctions ? { definedFunctions: context.definedFunctions } : {}),
    ...(context.removedFunctions ? { removedFunctions: context.removedFunctions } : {}),
    untakenUnlocks: context.untakenUnlocks,
    ...(context.partialFills ? { partialFills: context.partialFills } : {}),
    ...(context.completeFills ? { completeFills: context.completeFills } : {}),
  };
  return {
    parsed,
    review,
    checks: PATCH_CHECKS.map((check) => ({ check, pre: check.check(review, 'pre'), post: check.check(review, 'post') })),
  };
}

/**
 * Issue keys by rule over every hunk of a patch, per side: an issue a hunk
 * reports after the patch whose key another hunk shows before it is code the
 * patch moved (a function taken from one file to another keeps its name and
 * its lines), not something it introduces; likewise an issue gone from one
 * hunk that another still shows is not fixed.
 */
export function patchIssueKeys(all: readonly HunkIssues[]): Record<ImageSide, Map<string, Set<string>>> {
  // A function moved under a new name (`dp_enable_mst_on_sink()` → `enable_mst_on_sink()` in another
  // file, body unchanged) keys its issues by the name of the other side too.
  const moves = movedFunctionRenames(all);
  return {
    pre: sideIssueKeys(all, 'pre', moves),
    post: sideIssueKeys(
      all,
      'post',
      moves.map(([from, to]): [string, string] => [to, from]),
    ),
  };
}

/** `patchIssueKeys` of one side, each key also under the other side's names of moved functions. */
function sideIssueKeys(all: readonly HunkIssues[], side: ImageSide, renames: readonly [string, string][]): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>();
  for (const hunk of all) {
    for (const entry of hunk.checks) {
      const set = keys.get(entry.check.rule.id) ?? new Set<string>();
      for (const issue of entry[side]) {
        set.add(issue.key);
        if (renames.length > 0) set.add(renamed(issue.key, renames));
      }
      keys.set(entry.check.rule.id, set);
    }
  }
  return keys;
}

/** Bodies shorter than this (squashed) are too common to say two functions are one moved. */
const MOVED_BODY_MIN = 80;

/**
 * Functions the patch removes under one name and adds under another with the same body (white space
 * aside): `[old, new]` pairs. Only whole functions whose name the other side does not define.
 */
function movedFunctionRenames(all: readonly HunkIssues[]): [string, string][] {
  const bodies = (side: ImageSide) => {
    const out = new Map<string, string>();
    for (const { parsed } of all) {
      const image = parsed[side];
      for (const fn of image.functions) {
        if (!fn.name || fn.synthetic || !fn.startVisible) continue;
        let body = '';
        for (let row = fn.startRow + 1; row <= fn.endRow; row++) {
          const source = image.rows[row];
          if (!source || source.synthetic) {
            body = '';
            break;
          }
          body += source.text.replace(/\s+/g, '');
        }
        if (body.length >= MOVED_BODY_MIN) out.set(fn.name, body);
      }
    }
    return out;
  };
  const pre = bodies('pre');
  const post = bodies('post');
  const gone = new Map<string, string>();
  for (const [name, body] of pre) if (!post.has(name)) gone.set(body, name);
  const pairs: [string, string][] = [];
  const paired = new Set<string>();
  // A moved function calling another moved one calls it by its new name: bodies are compared with the
  // renames found so far undone, until a round finds none.
  for (let round = 0, found = true; found && round < MOVE_ROUNDS; round++) {
    found = false;
    const back = pairs.map(([from, to]): [string, string] => [to, from]);
    for (const [name, body] of post) {
      if (pre.has(name) || paired.has(name)) continue;
      const old = gone.get(back.length > 0 ? renamed(body, back) : body);
      if (old === undefined) continue;
      pairs.push([old, name]);
      paired.add(name);
      found = true;
    }
  }
  return pairs;
}

/** Rounds of `movedFunctionRenames`: how deep a chain of moved functions calling each other is followed. */
const MOVE_ROUNDS = 3;

/** The findings of one hunk: what the patch introduces, and what it fixes (`patchIssueKeys` for the rest of the patch). */
export function reviewHunk(
  issues: HunkIssues,
  context: HunkContext,
  elsewhere: { readonly pre: ReadonlyMap<string, ReadonlySet<string>>; readonly post: ReadonlyMap<string, ReadonlySet<string>> },
): Finding[] {
  const { parsed, review } = issues;
  const { path, hunk } = parsed;

  const findings: Finding[] = [];
  // Shapes of the removed lines that come back with another callee: renames, not new behaviour.
  const removedShapes = new Set(hunk.lines.filter((line) => line.kind === '-').map((line) => callShape(line.text)));
  // (A line moved unchanged is a move, not a rename: it stays a change.)
  const removedTexts = new Set(hunk.lines.filter((line) => line.kind === '-').map((line) => line.text.replace(/\s+/g, '')));
  const renamedShapes = new Set(
    hunk.lines
      .filter((line) => line.kind === '+' && !removedTexts.has(line.text.replace(/\s+/g, '')))
      .map((line) => callShape(line.text))
      .filter((shape) => removedShapes.has(shape) && shape.includes('\u0000(')),
  );
  const renames = renamesOf(hunk.lines);
  const at = (issue: PatchIssue) => {
    const row = issue.view.rows[issue.row];
    const line = row?.line ?? hunk.headerLine;
    // Column in the patch file: after the diff marker of an unquoted hunk.
    const column = hunk.depth === 0 && row && issue.column !== undefined ? issue.column + 2 : 1;
    return { line, column, endColumn: column };
  };
  // A related line of the checkout that the patch does not show points into the checkout's file, where
  // the code is; the patch line it maps to is only the nearest hunk's header.
  const related = (issue: PatchIssue): RelatedLocation[] =>
    issue.related.map((item) => {
      const row = issue.view.rows[item.row];
      const file = issue.view.file ?? path;
      if (row?.seriesLine !== undefined) return { line: row.seriesLine, message: item.message };
      if (row?.fileLine !== undefined && context.sourcePath)
        return { path: context.sourcePath(file), line: row.fileLine, message: item.message };
      return { line: row?.line ?? hunk.headerLine, message: item.message };
    });

  for (const { check, pre, post } of issues.checks) {
    // A finding before the patch is matched under the patch's renames too.
    const preKeys = new Set(pre.flatMap((issue) => [issue.key, renamed(issue.key, renames)]));
    const postKeys = new Set(post.map((issue) => issue.key));
    const preElsewhere = elsewhere.pre.get(check.rule.id);
    const postElsewhere = elsewhere.post.get(check.rule.id);
    for (const issue of post) {
      if (preKeys.has(issue.key) || preElsewhere?.has(issue.key) || !involvesChange(issue, renamedShapes)) continue;
      findings.push(check.rule.report(at(issue), issue.messageId, issue.data, related(issue)));
    }
    if (check.fixedMessage) {
      for (const issue of pre) {
        if (postKeys.has(issue.key) || postKeys.has(renamed(issue.key, renames)) || postElsewhere?.has(issue.key)) continue;
        if (!involvesChange(issue, renamedShapes)) continue;
        findings.push({ ...check.rule.report(at(issue), check.fixedMessage, issue.data, related(issue)), severity: 'info' });
      }
    }
  }
  for (const view of [...review.pre, ...review.post]) {
    if (view.paths.truncated) {
      findings.push(
        patchAnalysisLimit.report({ line: hunk.headerLine }, 'paths', { fn: view.ir.name ? `${view.ir.name}()` : 'the function' }),
      );
    }
  }
  return findings;
}
