/**
 * Analyzer for patches: plain diffs, `git format-patch` mails, mboxes with a
 * series, and mail threads quoting the patch in replies. Buffers the document
 * (patches are small next to traces; a 10,000-line patch is a few hundred
 * kilobytes), parses it, reviews every original hunk of C and reports input
 * problems (no diff, damaged hunks, binary parts, files that are not C) as
 * findings, never as exceptions.
 *
 * Copies of a hunk quoted back in replies are reviewed once, on the original.
 */

import { regExpLiteral } from '../base/regexp-literal';
import { cParser, type CParser } from '../parse/c/tree-sitter-c';
import { messageAt, type MessageHead } from '../parse/patch/mail-lines';
import { diffPath, parsePatch, type FileDiff, type Hunk } from '../parse/patch/parse-patch';
import { unrecognizedInput } from '../rules/input-rules';
import {
  patchAnalysisLimit,
  patchBinaryContent,
  patchDamagedHunk,
  patchNoDiff,
  patchHunkNotApplied,
  patchNonCFile,
} from '../rules/patch/patch-input-rules';
import { DEFAULT_RESOURCE_PAIRS, indexPairs, type PairIndex, type ResourcePair } from '../rules/patch/resource-pairs';
import {
  learnFreeingFunctions,
  learnPairs,
  learnReleaseActions,
  learnReleaseWrappers,
  type LearnSource,
} from '../rules/patch/learned-pairs';
import { learnErrnoFunctions } from '../rules/patch/errno-functions';
import { learnFunctionSummaries } from '../rules/patch/function-summaries';
import { learnNullBeliefs, type NullSource } from '../rules/patch/null-beliefs';
import { learnFailureStyles } from '../rules/patch/failure-styles';
import { learnManagedMemory } from '../rules/patch/managed-memory';
import { learnLockFacts, lockWords, type LockFacts, type LockSource } from '../rules/patch/lock-facts';
import { learnObjectLocks } from '../rules/patch/object-locks';
import { learnUntakenUnlocks } from '../rules/patch/untaken-unlocks';
import { learnCompleteFills, learnPartialFills, type LineMappedFunction } from '../rules/patch/partial-fills';
import { sourceRowLine } from '../rules/patch/review-context';
import type { Finding } from '../rules/rule';
import type { AnalysisResult, Analyzer, DocumentStats } from './document';
import { joinedHunkImages, seriesTexts, widenedFileImages, type HunkImages, type ReadSource } from './patch/hunk-images';
import { checkoutFillHelpers, hunkIssues, ownedByFunction, parseHunk, patchIssueKeys, reviewHunk } from './patch/review-hunk';

export interface PatchReviewConfig {
  /** Acquire/release pairs; defaults to the built-in table. */
  readonly pairs?: readonly ResourcePair[];
  /** Reads a file of a kernel checkout by its path in the patch (`--kernel-tree`). */
  readonly readSource?: ReadSource;
  /** The C files (`.c`, `.h`) directly in a directory of that checkout, as paths `readSource` takes. */
  readonly listSources?: (dir: string) => readonly string[];
  /** Where a file of that checkout is, as a path an editor opens: related locations on lines the patch does not show. */
  readonly sourcePath?: (path: string) => string;
}

export interface PatchStats extends DocumentStats {
  files: number;
  hunks: number;
  quotedCopies: number;
  messages: number;
  /** Whole functions from a kernel tree, or hunks widened from the patch alone. */
  mode: 'tree' | 'patch-only';
}

const C_FILE = /\.(?:c|h)$/;

/**
 * Names the message each finding is in, when the document holds several (a
 * series in an mbox, a thread): the `patch` of JSON and SARIF output.
 */
function attributed(findings: Finding[], heads: readonly MessageHead[]): Finding[] {
  if (heads.length < 2) return findings;
  return findings.map((finding) => {
    const { from: _author, ...patch } = messageAt(heads, finding.line) as MessageHead;
    return { ...finding, patch };
  });
}

function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const key = `${finding.rule}\u0001${finding.line}\u0001${finding.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export async function reviewPatchLines(
  lines: readonly string[],
  config: PatchReviewConfig = {},
  pairIndex?: PairIndex,
): Promise<AnalysisResult> {
  const findings: Finding[] = [];
  const parsed = parsePatch(lines);
  const originals: { file: FileDiff; hunk: Hunk }[] = [];
  for (const file of parsed.files) for (const hunk of file.hunks) if (!hunk.copyOf) originals.push({ file, hunk });
  const stats: PatchStats = {
    lines: lines.length,
    files: new Set(parsed.files.map(diffPath)).size,
    hunks: originals.length,
    quotedCopies: parsed.copies,
    messages: parsed.messages,
    mode: config.readSource ? 'tree' : 'patch-only',
  };

  if (lines.every((line) => line.trim() === '')) {
    return { kind: 'patch', stats, findings: [unrecognizedInput.report({ line: 1 }, 'empty')] };
  }
  for (const problem of parsed.mailProblems)
    findings.push(patchBinaryContent.report({ line: problem.line }, 'attachment', { detail: problem.detail }));
  for (const problem of parsed.diffProblems) {
    findings.push(
      patchDamagedHunk.report({ line: problem.line }, problem.kind === 'truncated-hunk' ? 'truncated' : 'header', {
        detail: problem.detail,
      }),
    );
  }
  for (const file of parsed.files)
    if (file.binary) findings.push(patchBinaryContent.report({ line: file.headerLine }, 'diff', { path: diffPath(file) }));
  if (parsed.files.every((file) => file.hunks.length === 0)) {
    if (!parsed.files.some((file) => file.binary)) findings.push(patchNoDiff.report({ line: 1 }, 'none', { lines: lines.length }));
    return { kind: 'patch', stats, findings: attributed(dedupe(findings), parsed.heads) };
  }

  const nonC = new Map<string, { line: number; hunks: number }>();
  const cHunks: { path: string; hunk: Hunk; diff: FileDiff }[] = [];
  for (const { file, hunk } of originals) {
    const path = diffPath(file);
    // A quoted hunk without its file header: still C if its content looks like it.
    if (C_FILE.test(path) || (path === '' && hunk.lines.some((line) => /[;{}]\s*$/.test(line.text))))
      cHunks.push({ path, hunk, diff: file });
    else {
      const entry = nonC.get(path) ?? { line: file.headerLine, hunks: 0 };
      entry.hunks++;
      nonC.set(path, entry);
    }
  }
  for (const [path, entry] of nonC) findings.push(patchNonCFile.report({ line: entry.line }, 'skipped', { path, hunks: entry.hunks }));

  if (cHunks.length > 0) {
    let parser: CParser | undefined;
    try {
      parser = await cParser();
    } catch (error) {
      findings.push(patchAnalysisLimit.report({ line: 1 }, 'parser', { reason: error instanceof Error ? error.message : String(error) }));
    }
    if (parser) {
      const known = pairIndex ?? indexPairs(config.pairs ?? DEFAULT_RESOURCE_PAIRS);
      // Pairs, function windows and lock facts all read the touched files: read each once.
      const readSource = config.readSource && readingOnce(config.readSource);
      const units = reviewUnits(cHunks, readSource);
      const { pairs, defining } = withLearnedPairs(known, cHunks, readSource, patchedSources(units), config.listSources);
      const changedText = (kind: '+' | '-') =>
        cHunks
          .flatMap(({ hunk }) => hunk.lines.filter((line) => line.kind === kind).map((line) => line.text.replace(/\s+/g, '')))
          .join('\n');
      const parsedHunks = units.map(({ path, hunk, images: image }) => {
        if (image.notApplied)
          findings.push(patchHunkNotApplied.report({ line: hunk.headerLine }, 'tree', { path, oldStart: hunk.oldStart }));
        return parseHunk(path, hunk, image, parser as CParser);
      });
      const changedFunctions = new Set(
        parsedHunks.flatMap((parsed) => [...parsed.pre.functions, ...parsed.post.functions].map((fn) => fn.name)),
      );
      const postFunctions = new Set(parsedHunks.flatMap((parsed) => parsed.post.functions.map((fn) => fn.name)));
      const removedFunctions = new Set(
        parsedHunks.flatMap((parsed) => parsed.pre.functions.map((fn) => fn.name).filter((name) => !postFunctions.has(name))),
      );
      const locks = lockFacts(pairs, cHunks, units, { ...config, ...(readSource ? { readSource } : {}) }, changedFunctions);
      const errnoFunctions = learnErrnoFunctions(parsedHunks);
      const sources = nullSources(cHunks, readSource);
      const nullBeliefs = learnNullBeliefs(sources);
      // Also from the driver's files that define what the patch calls: a `_create()` in another file.
      const failureStyles = learnFailureStyles([...sources, ...defining]);
      const patchRemovedText = changedText('-');
      const managedMemory = learnManagedMemory(sources, new Set(patchRemovedText.split('\n')));
      const keptResults = keptResultsIn(sources);
      const unlocksOf = (side: 'pre' | 'post') =>
        learnUntakenUnlocks(
          parsedHunks.flatMap((parsed) => parsed[side].functions),
          pairs,
        );
      const untakenUnlocks = { pre: unlocksOf('pre'), post: unlocksOf('post') };
      // With a tree, the touched files' other void fill-in helpers too: a patch adds calls to existing ones.
      const helpers = readSource ? checkoutHelpers(cHunks, readSource, parser, changedFunctions) : [];
      const functionsOf = (side: 'pre' | 'post') => [
        ...helpers,
        ...parsedHunks.flatMap((parsed) =>
          parsed[side].functions.map((ir) => ({ ir, lineOf: (row: number) => sourceRowLine(parsed[side].rows[row], parsed.path) })),
        ),
      ];
      const partialFills = { pre: learnPartialFills(functionsOf('pre')), post: learnPartialFills(functionsOf('post')) };
      const completeFills = { pre: learnCompleteFills(functionsOf('pre')), post: learnCompleteFills(functionsOf('post')) };
      const context = {
        pairs,
        locks,
        patchAddedText: changedText('+'),
        patchRemovedText,
        errnoFunctions,
        nullBeliefs,
        failureStyles,
        managedMemory,
        keptResults,
        definedFunctions: changedFunctions,
        removedFunctions,
        untakenUnlocks,
        partialFills,
        completeFills,
        ...(config.sourcePath ? { sourcePath: config.sourcePath } : {}),
      };
      const owned = ownedByFunction(parsedHunks, pairs);
      const issues = parsedHunks.map((parsedHunk) => hunkIssues(parsedHunk, owned, context));
      const elsewhere = patchIssueKeys(issues);
      for (const hunkIssue of issues) findings.push(...reviewHunk(hunkIssue, context, elsewhere));
    }
  }
  return { kind: 'patch', stats, findings: attributed(dedupe(findings), parsed.heads) };
}

/** `checkoutFillHelpers` of every file the patch touches, each read once, cited by its first hunk's line. */
function checkoutHelpers(
  cHunks: readonly { path: string; hunk: Hunk }[],
  readSource: ReadSource,
  parser: CParser,
  skip: ReadonlySet<string>,
): LineMappedFunction[] {
  const firstLine = new Map<string, number>();
  for (const { path, hunk } of cHunks) if (path && !firstLine.has(path)) firstLine.set(path, hunk.headerLine);
  return [...firstLine].flatMap(([path, line]) => {
    const text = readSource(path);
    if (text === undefined) return [];
    return checkoutFillHelpers(parser, path, text, line, skip).map(({ rows, ir }) => ({
      ir,
      lineOf: (row: number) => sourceRowLine(rows[row], path),
    }));
  });
}

/** The patch's post-image lines and, with a tree, the files it touches: where NULL tests are learned. */
function nullSources(cHunks: readonly { path: string; hunk: Hunk }[], readSource: ReadSource | undefined): NullSource[] {
  const sources: NullSource[] = cHunks.map(({ path, hunk }) => ({
    path: path || 'the patch',
    lines: hunk.lines
      .filter((line) => line.kind !== '-')
      .map((line) => ({ text: line.text, line: line.newLine ?? line.line, added: line.kind === '+' })),
  }));
  if (readSource) {
    for (const path of new Set(cHunks.map(({ path }) => path))) {
      const text = path ? readSource(path) : undefined;
      if (text !== undefined) sources.push({ path, lines: text.split('\n').map((line, index) => ({ text: line, line: index + 1 })) });
    }
  }
  return sources;
}

/** `ret = f(...)`, `err = f(...)`: functions whose callers keep the result to look at it, so they can fail. */
const KEPT_RESULT = /\b(?:ret|err|error|rc|r|res|result|status)\s*=\s*([A-Za-z_]\w*)\s*\(/g;

function keptResultsIn(sources: readonly NullSource[]): Set<string> {
  const kept = new Set<string>();
  for (const source of sources)
    for (const line of source.lines) for (const match of line.text.matchAll(KEPT_RESULT)) kept.add(match[1] as string);
  return kept;
}

/** `read` with each path read at most once. */
function readingOnce(read: ReadSource): ReadSource {
  const texts = new Map<string, string | undefined>();
  return (path) => {
    if (!texts.has(path)) texts.set(path, read(path));
    return texts.get(path);
  };
}

/**
 * The curated pairs plus those the code confirms: from the hunks of the patch
 * and, with a tree, the whole of every file it touches; and the other files of
 * the driver read for the definitions of what the patch calls.
 */
function withLearnedPairs(
  known: PairIndex,
  cHunks: readonly { path: string; hunk: Hunk }[],
  readSource: ReadSource | undefined,
  patched: readonly (LearnSource & { fileLines?: readonly (number | undefined)[] })[],
  listSources?: (dir: string) => readonly string[],
): { readonly pairs: PairIndex; readonly defining: readonly LearnSource[] } {
  const sources: LearnSource[] = cHunks.map(({ path, hunk }) => ({
    path: path || 'the patch',
    // Cited by their line in the file (new or old), as the lock facts are.
    lines: hunk.lines.map((line) => ({ text: line.text, line: line.newLine ?? line.oldLine ?? line.line })),
    ...(hunk.section ? { context: hunk.section } : {}),
  }));
  if (readSource) {
    for (const path of new Set(cHunks.map(({ path }) => path))) {
      const text = path ? readSource(path) : undefined;
      if (text !== undefined) sources.push({ path, lines: text.split('\n').map((line, index) => ({ text: line, line: index + 1 })) });
    }
  }
  const pairs = learnPairs(sources, known);
  // Freeing functions are recognised by the frees they call, learned pairs included.
  const withPairs = pairs.length === 0 ? known : indexPairs([...known.pairs, ...pairs]);
  const learned = [
    ...pairs,
    // A function the patch writes or changes frees as its new body does (the first source naming it wins).
    ...learnFreeingFunctions([...patched, ...sources], withPairs),
    ...learnReleaseActions([...patched, ...sources], withPairs),
    ...learnReleaseWrappers([...patched, ...sources], withPairs),
  ];
  const withLearned = learned.length === 0 ? known : indexPairs([...known.pairs, ...learned]);
  // What the code's own functions do, from their bodies: the new body of a function the patch changes first.
  const touched = sources.slice(cHunks.length);
  const defining = readSource && listSources ? definingSources(patched, touched, readSource, listSources) : [];
  // Last, the hunks' pre-images: a function the patch deletes or renames (`i915_ppgtt_put()` become
  // `i915_vm_put()`) still wraps what it wrapped for the code before the patch, so issues before and after
  // it compare.
  const before: LearnSource[] = cHunks.map(({ path, hunk }) => ({
    path: path || 'the patch',
    lines: hunk.lines.filter((line) => line.kind !== '+').map((line) => ({ text: line.text, line: line.oldLine ?? line.line })),
  }));
  const summaries = learnFunctionSummaries([...patched.map(citedByPatchLine), ...touched, ...defining, ...before], withLearned);
  return { pairs: summaries.length === 0 ? withLearned : indexPairs([...withLearned.pairs, ...summaries]), defining };
}

/** Other files of the driver read for the functions the patch calls, at most. */
const MAX_DEFINING_FILES = 16;

/**
 * The other files of the touched driver directories that define a function
 * the patch's code calls and neither it nor the touched files define: where
 * that function's summary is learned from (a lock helper in another file, a
 * static inline getter in a header).
 */
function definingSources(
  patched: readonly LearnSource[],
  touched: readonly LearnSource[],
  readSource: ReadSource,
  listSources: (dir: string) => readonly string[],
): LearnSource[] {
  const seen = new Set(touched.map((source) => source.path));
  const others = [...new Set(touched.map((source) => source.path.slice(0, source.path.lastIndexOf('/') + 1)))]
    .flatMap((dir) => listSources(dir).slice(0, MAX_DRIVER_FILES))
    .filter((path) => !seen.has(path));
  if (others.length === 0) return [];
  const defined = new Set<string>();
  const called = new Set<string>();
  for (const source of [...patched, ...touched]) {
    for (const row of source.lines) {
      const definition = /^[A-Za-z_][\w \t*]*?\b([A-Za-z_]\w*)\s*\(/.exec(row.text);
      if (definition && !row.text.trimEnd().endsWith(';')) defined.add(definition[1] as string);
    }
  }
  for (const source of patched)
    for (const row of source.lines) for (const match of row.text.matchAll(/\b([a-z_]\w*)\s*\(/g)) called.add(match[1] as string);
  const wanted = [...called].filter((name) => !defined.has(name) && !/^(?:if|for|while|switch|return|sizeof)$/.test(name));
  if (wanted.length === 0) return [];
  const definer = new RegExp(`^[A-Za-z_][\\w \\t*]*?\\b(?:${wanted.join('|')})\\s*\\([^;]*$`, 'm');
  const out: LearnSource[] = [];
  for (const path of new Set(others)) {
    if (out.length >= MAX_DEFINING_FILES) break;
    const text = readSource(path);
    if (text === undefined || !definer.test(text)) continue;
    out.push({ path, lines: text.split('\n').map((line, index) => ({ text: line, line: index + 1 })) });
  }
  return out;
}

/** A post-image cited as a reader finds its lines: in the patch, or in the checkout for the tree's lines. */
function citedByPatchLine(source: LearnSource & { fileLines?: readonly (number | undefined)[] }): LearnSource {
  return {
    path: source.path,
    lines: source.lines.map((row, index) => {
      const fileLine = source.fileLines?.[index];
      return { ...row, cite: fileLine !== undefined ? `${source.path}:${fileLine}` : `line ${row.line}` };
    }),
  };
}

/**
 * The post-images of the reviewed units (a function's hunks joined, or widened
 * with the tree): a function the patch changes is whole there in its new form.
 */
function patchedSources(units: readonly { path: string; images: HunkImages }[]): (LearnSource & { fileLines: (number | undefined)[] })[] {
  return units.map(({ path, images }) => ({
    path: path || 'the patch',
    lines: images.post.map((row) => ({ text: row.text, line: row.line })),
    fileLines: images.post.map((row) => row.fileLine),
  }));
}

/**
 * What is reviewed, in order: with a tree, each hunk widened with the other
 * hunks of its file in the same patch applied; from the patch alone, the
 * hunks of one function joined into one window. In a series, a later patch
 * of a file is widened against the copy the earlier ones left
 * (`seriesTexts`): the tree's, or, for a file the series creates, the one its
 * first patch writes (then even from the patch alone).
 */
function reviewUnits(
  cHunks: readonly { path: string; hunk: Hunk; diff: FileDiff }[],
  readSource: ReadSource | undefined,
): { path: string; hunk: Hunk; images: HunkImages }[] {
  // Each file's hunks, by the patch (file diff) they belong to, in series order.
  const byPath = new Map<string, Map<FileDiff, number[]>>();
  cHunks.forEach(({ path, diff }, index) => {
    const byDiff = byPath.get(path) ?? new Map<FileDiff, number[]>();
    byDiff.set(diff, [...(byDiff.get(diff) ?? []), index]);
    byPath.set(path, byDiff);
  });
  const units: { first: number; unit: { path: string; hunk: Hunk; images: HunkImages } }[] = [];
  const hunksOf = (group: readonly number[]) => group.map((index) => (cHunks[index] as { hunk: Hunk }).hunk);
  for (const [path, byDiff] of byPath) {
    const groups = [...byDiff.entries()];
    // A file the first patch creates (`@@ -0,0 +1,n @@`; `diff --git` names it on both sides).
    const firstHunks = groups[0] ? hunksOf(groups[0][1]) : [];
    const creates = firstHunks.length === 1 && firstHunks[0]?.oldStart === 0 && firstHunks[0]?.oldCount === 0;
    const inTree = readSource?.(path);
    const checkout = inTree?.split('\n');
    const texts =
      groups.length > 1 && (inTree !== undefined || creates)
        ? seriesTexts(
            groups.map(([, group]) => hunksOf(group)),
            checkout,
          )
        : undefined;
    groups.forEach(([, group], g) => {
      const text = texts?.[g];
      // A copy the series made is used only where the series got to: a diff that does not apply there is
      // reviewed as it would be without the series.
      if (readSource || (text && !text.inCheckout)) {
        const widened =
          text && !text.inCheckout ? widenedFileImages(hunksOf(group), text.lines, text) : widenedFileImages(hunksOf(group), checkout);
        group.forEach((index, k) =>
          units.push({ first: index, unit: { path, hunk: cHunks[index]?.hunk as Hunk, images: widened[k] as HunkImages } }),
        );
      } else {
        // From the patch alone, the hunks of one function joined into one window (`joinedHunkImages`).
        for (const item of joinedHunkImages(hunksOf(group))) units.push({ first: group[0] as number, unit: { path, ...item } });
      }
    });
  }
  // In document order (a patch's hunks are consecutive; the sort is stable, so joined windows keep theirs).
  return units.sort((a, b) => a.first - b.first).map(({ unit }) => unit);
}

/** Files of one driver directory read for lock facts, at most (amdgpu has about 300). */
const MAX_DRIVER_FILES = 600;

/**
 * Lock order and field beliefs: from the post-image of every hunk (with a
 * tree, of every function a hunk changes, whole: what a changed function
 * calls or takes outside its hunks still holds after the patch) and, with a
 * tree, from every C file in the directories the patch touches (the driver),
 * leaving out the tree's old copies of the functions the patch changes.
 */
function lockFacts(
  pairs: PairIndex,
  cHunks: readonly { path: string; hunk: Hunk }[],
  units: readonly { path: string; hunk: Hunk; images: HunkImages }[],
  config: PatchReviewConfig,
  changedFunctions: ReadonlySet<string>,
): LockFacts {
  // Cited by their line in the patched file, as a reader of the series finds them; a line of a
  // widened window the patch does not show, by its line in the checkout.
  const newLines = new Map<number, number>();
  for (const { hunk } of cHunks) for (const line of hunk.lines) if (line.newLine !== undefined) newLines.set(line.line, line.newLine);
  const { readSource, listSources } = config;
  // Each hunk's post-image, as the patch shows it.
  const hunkSources: LockSource[] = cHunks.map(({ path, hunk }) => ({
    path: path || 'the patch',
    enclosing: hunk.section,
    lines: hunk.lines.filter((line) => line.kind !== '-').map((line) => ({ text: line.text, line: line.newLine ?? line.line })),
  }));
  // With a tree, each function a hunk changes, whole (from the patch alone, the hunks as they are);
  // with a tree `reviewUnits` gives one unit per hunk, in order, so a unit's index is its hunk's.
  const sources: LockSource[] = readSource
    ? units.map(({ path, hunk, images }, index) =>
        images.widened
          ? {
              path: path || 'the patch',
              enclosing: hunk.section,
              lines: images.post.map((row) => ({ text: row.text, line: row.fileLine ?? newLines.get(row.line) ?? row.line })),
            }
          : (hunkSources[index] as LockSource),
      )
    : hunkSources;
  if (readSource) {
    const files = new Set(cHunks.map(({ path }) => path).filter((path) => path !== ''));
    const touched = new Set(files);
    if (listSources) {
      for (const dir of new Set([...files].map((path) => path.slice(0, path.lastIndexOf('/') + 1)))) {
        for (const path of listSources(dir).slice(0, MAX_DRIVER_FILES)) files.add(path);
      }
    }
    // Other files of the driver count only when they name a lock, field or callee the patch's own lines use.
    const words = [...lockWords(hunkSources, pairs)];
    // One pattern of every word, tested once per file: `words.some((word) => text.includes(word))`,
    // ten to twenty times faster over a driver of a thousand files.
    const anyWord = words.length > 0 ? new RegExp(words.map(regExpLiteral).join('|')) : undefined;
    for (const path of files) {
      const text = readSource(path);
      if (text === undefined || (!touched.has(path) && !(anyWord?.test(text) ?? false))) continue;
      sources.push({ path, fromTree: true, lines: text.split('\n').map((line, index) => ({ text: line, line: index + 1 })) });
    }
  }
  return { ...learnLockFacts(sources, pairs, changedFunctions), objects: learnObjectLocks(sources, pairs, changedFunctions) };
}

export function createPatchAnalyzer(config: PatchReviewConfig = {}): Analyzer {
  const pairIndex = indexPairs(config.pairs ?? DEFAULT_RESOURCE_PAIRS);
  return {
    kind: 'patch',
    begin() {
      const lines: string[] = [];
      return {
        line(text) {
          lines.push(text.endsWith('\r') ? text.slice(0, -1) : text);
        },
        end: () => reviewPatchLines(lines, config, pairIndex),
      };
    },
  };
}

export const patchAnalyzer = createPatchAnalyzer();
