/**
 * The labelled patch corpus (test/fixtures/patches/corpus, its labels.json
 * says what the labels mean) and how the patch review is scored on it: shared
 * by `npm run eval:review` (bench/eval-review.ts, every file in a worker under
 * a time limit) and the baseline check in `npm test`
 * (test/unit/analysis/patch-corpus.test.ts).
 *
 * Scoring, per half (tune / held-out) and mode (patch alone / with the tree):
 * - recall: the share of buggy (and rejected) patches with at least one
 *   warning or error within LINE_TOLERANCE lines of a problem line; a rule's
 *   recall is the share it reaches on its own.
 * - false alarms: the share of fix and clean patches with any warning or error.
 * - exact: on the review mails that carry `findings`, every code-rule finding
 *   must match a label by rule + line + kind (introduced: warning or error;
 *   fixed: info), and every label a finding.
 *
 * Tree mode reads the gzipped pre-images of trees/<name>/ unpacked into a
 * temporary kernel tree (MAINTAINERS, Makefile, drivers/...), through the
 * same reader `gpuvm-lens review --kernel-tree` uses. The review mails have
 * no tree: they count in both columns, reviewed from the patch alone, so both
 * columns have the same denominators.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { reviewPatchLines, type PatchReviewConfig } from '../src/analysis/patch-analyzer';
import { kernelTreeSources } from '../src/host/kernel-tree';
import { PATCH_CHECKS } from '../src/rules/patch/index';
import type { Severity } from '../src/rules/rule';

/** The repository root: the nearest folder with a package.json (this module runs from bench/ and bundled from dist/). */
function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    try {
      readFileSync(join(dir, 'package.json'));
      return dir;
    } catch {
      if (dirname(dir) === dir) return start;
      dir = dirname(dir);
    }
  }
}

/** The labelled corpus: the repository's, or another folder of the same layout named by GPUVM_LENS_CORPUS. */
export const CORPUS = process.env.GPUVM_LENS_CORPUS
  ? resolve(process.env.GPUVM_LENS_CORPUS)
  : join(findRoot(__dirname), 'test', 'fixtures', 'patches', 'corpus');
/** A finding this many lines from a problem line still points at it (the fix may touch the line next to the culprit). */
export const LINE_TOLERANCE = 3;
export const HALVES = ['tune', 'held-out'] as const;
export const MODES = ['patch', 'tree'] as const;
export type Half = (typeof HALVES)[number];
export type Mode = (typeof MODES)[number];

export interface ExactLabel {
  readonly rule: string;
  readonly line: number;
  readonly kind: 'introduced' | 'fixed';
}

export interface CorpusEntry {
  readonly kind: 'buggy' | 'nak' | 'fix' | 'clean';
  readonly driver: string;
  readonly half: Half;
  readonly class?: string | readonly string[];
  readonly source: string;
  readonly record: string;
  readonly problemLines: readonly number[];
  readonly findings?: readonly ExactLabel[];
  readonly tree?: string;
  readonly treeFiles?: readonly string[];
}

export interface Corpus {
  readonly patches: Readonly<Record<string, CorpusEntry>>;
}

export function loadCorpus(): Corpus {
  return JSON.parse(readFileSync(join(CORPUS, 'labels.json'), 'utf8')) as Corpus;
}

/** What one review produced (findings reduced to what scoring needs). */
export interface Outcome {
  readonly file: string;
  readonly mode: Mode;
  readonly status: 'ok' | 'timeout' | 'crash';
  readonly ms: number;
  readonly findings: readonly { rule: string; severity: Severity; line: number }[];
  readonly error?: string;
}

/**
 * Unpacks every entry's pre-images into `root`/<name>/ with the files that
 * make it a kernel tree for `--kernel-tree`; returns entry file -> tree folder.
 */
export function materializeTrees(corpus: Corpus, root: string, history?: string): Map<string, string> {
  const trees = new Map<string, string>();
  for (const [file, entry] of Object.entries(corpus.patches)) {
    if (!entry.tree) continue;
    const dir = join(root, entry.tree.replace(/^trees\//, ''));
    mkdirSync(join(dir, 'drivers'), { recursive: true });
    writeFileSync(join(dir, 'MAINTAINERS'), 'Reconstructed tree: the pre-images of the files one corpus patch touches.\n');
    writeFileSync(join(dir, 'Makefile'), '# Reconstructed tree: the pre-images of the files one corpus patch touches.\n');
    for (const path of entry.treeFiles ?? []) {
      const target = join(dir, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, gunzipSync(readFileSync(join(CORPUS, entry.tree, `${path}.gz`))));
    }
    if (history) addDriverDirectories(history, entry, dir);
    trees.set(file, dir);
  }
  return trees;
}

/**
 * With a clone of the history the corpus was taken from (`--history GITDIR`),
 * every C file of the directories the patch touches, as they were at its
 * parent commit: the whole driver, as in a real checkout, instead of the
 * touched files alone. Entries whose commit the clone lacks keep the stored files.
 */
function addDriverDirectories(history: string, entry: CorpusEntry, dir: string): void {
  const commit = /commit ([0-9a-f]{7,40})/.exec(entry.source)?.[1];
  if (!commit) return;
  const dirs = [...new Set((entry.treeFiles ?? []).map((path) => path.slice(0, path.lastIndexOf('/'))))].filter((d) => d !== '');
  if (dirs.length === 0) return;
  const archive = spawnSync('git', ['--git-dir', history, 'archive', `${commit}^`, '--', ...dirs.map((d) => `${d}/*.[ch]`)], {
    maxBuffer: 1 << 30,
  });
  if (archive.status !== 0) return;
  spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout, maxBuffer: 1 << 30 });
}

/** A temporary folder holding every entry's tree; `dispose` removes it. */
export function temporaryTrees(corpus: Corpus, history?: string): { trees: Map<string, string>; dispose(): void } {
  const root = mkdtempSync(join(tmpdir(), 'gpuvm-lens-corpus-'));
  return { trees: materializeTrees(corpus, root, history), dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * Reviews one corpus file as `gpuvm-lens review` would, with the tree when
 * one is given; `text` replaces the file's content (the damaged variants).
 */
export async function reviewEntry(file: string, mode: Mode, tree: string | undefined, text?: string): Promise<Outcome> {
  const config: PatchReviewConfig = mode === 'tree' && tree ? kernelTreeSources(tree) : {};
  const lines = (text ?? readCorpusFile(file)).split('\n');
  const start = performance.now();
  const result = await reviewPatchLines(lines, config);
  return {
    file,
    mode,
    status: 'ok',
    ms: performance.now() - start,
    findings: result.findings.map((finding) => ({ rule: finding.rule, severity: finding.severity, line: finding.line })),
  };
}

/** The review's code rules (not the input rules: a damaged hunk is no finding about the code). */
const CODE_RULES = new Set(PATCH_CHECKS.map((check) => check.rule.id));
export function readCorpusFile(file: string): string {
  return readFileSync(join(CORPUS, file), 'utf8');
}

/**
 * Damaged variants of the corpus for the no-hang check, deterministic: each
 * file cut at 60% of its lines (mid-hunk, mid-function), and interleaved line
 * by line with the next file (hunk headers that lie about their counts).
 */
export function damagedVariants(files: readonly string[]): { name: string; file: string; text: string }[] {
  const out: { name: string; file: string; text: string }[] = [];
  files.forEach((file, index) => {
    const lines = readCorpusFile(file).split('\n');
    out.push({ name: `${file} (cut)`, file, text: lines.slice(0, Math.ceil(lines.length * 0.6)).join('\n') });
    const other = readCorpusFile(files[(index + 1) % files.length] as string).split('\n');
    const mixed: string[] = [];
    for (let i = 0; i < Math.max(lines.length, other.length); i++) mixed.push(...(i % 2 === 0 ? [lines[i] ?? ''] : [other[i] ?? '']));
    out.push({ name: `${file} (interleaved)`, file, text: mixed.join('\n') });
  });
  return out;
}

const isAlarm = (severity: Severity) => severity === 'warning' || severity === 'error';

export interface Score {
  /** Buggy and rejected patches with problem lines, and how many were hit. */
  buggy: number;
  hit: number;
  /** Fix and clean patches, and how many got a warning or error. */
  quiet: number;
  alarmed: number;
  /** Per rule: buggy patches it hits at a problem line; fix/clean patches it warns on. */
  readonly rules: Map<string, { hits: number; alarms: number }>;
  /** Per bug class of the buggy patches (from the fix's description): how many, how many hit. */
  readonly classes: Map<string, { buggy: number; hit: number }>;
  /** Exact labels of the review mails. */
  readonly exact: { tp: number; fp: number; fn: number };
  /** Files that timed out or crashed. */
  readonly failed: string[];
  readonly missed: string[];
  readonly falseAlarms: string[];
}

export function score(corpus: Corpus, outcomes: readonly Outcome[], half: Half | 'all', mode: Mode): Score {
  const s: Score = {
    buggy: 0,
    hit: 0,
    quiet: 0,
    alarmed: 0,
    rules: new Map(),
    classes: new Map(),
    exact: { tp: 0, fp: 0, fn: 0 },
    failed: [],
    missed: [],
    falseAlarms: [],
  };
  const rule = (id: string) => {
    let r = s.rules.get(id);
    if (!r) s.rules.set(id, (r = { hits: 0, alarms: 0 }));
    return r;
  };
  for (const outcome of outcomes) {
    const entry = corpus.patches[outcome.file];
    if (!entry || outcome.mode !== mode || (half !== 'all' && entry.half !== half)) continue;
    if (outcome.status !== 'ok') s.failed.push(`${outcome.file} (${outcome.status})`);
    const alarms = outcome.findings.filter((finding) => isAlarm(finding.severity));
    if (entry.kind === 'buggy' || entry.kind === 'nak') {
      if (entry.problemLines.length === 0) continue;
      s.buggy++;
      const near = (line: number) => entry.problemLines.some((problem) => Math.abs(problem - line) <= LINE_TOLERANCE);
      const hitting = new Set(alarms.filter((finding) => near(finding.line)).map((finding) => finding.rule));
      if (hitting.size > 0) s.hit++;
      else s.missed.push(outcome.file);
      for (const name of entry.class === undefined
        ? ['rejected in review']
        : typeof entry.class === 'string'
          ? [entry.class]
          : entry.class) {
        let c = s.classes.get(name);
        if (!c) s.classes.set(name, (c = { buggy: 0, hit: 0 }));
        c.buggy++;
        if (hitting.size > 0) c.hit++;
      }
      for (const id of hitting) rule(id).hits++;
    } else {
      s.quiet++;
      if (alarms.length > 0) {
        s.alarmed++;
        s.falseAlarms.push(`${outcome.file}: ${[...new Set(alarms.map((finding) => `${finding.rule}:${finding.line}`))].join(' ')}`);
      }
      for (const id of new Set(alarms.map((finding) => finding.rule))) rule(id).alarms++;
    }
    if (entry.findings && mode === 'patch') {
      const expected = new Set(entry.findings.map((label) => `${label.rule}:${label.line}:${label.kind}`));
      const predicted = new Set(
        outcome.findings
          .filter((finding) => CODE_RULES.has(finding.rule))
          .map((finding) => `${finding.rule}:${finding.line}:${finding.severity === 'info' ? 'fixed' : 'introduced'}`),
      );
      for (const key of predicted)
        if (expected.has(key)) s.exact.tp++;
        else s.exact.fp++;
      for (const key of expected) if (!predicted.has(key)) s.exact.fn++;
    }
  }
  return s;
}

export const ratio = (a: number, b: number): number | undefined => (b === 0 ? undefined : a / b);
const show = (value: number | undefined) => (value === undefined ? '   -' : value.toFixed(2));

/** The evaluation table: per rule and overall, both modes side by side, for one half. */
export function formatTable(corpus: Corpus, outcomes: readonly Outcome[], half: Half | 'all'): string {
  const byMode = new Map(MODES.map((mode) => [mode, score(corpus, outcomes, half, mode)] as const));
  const patch = byMode.get('patch') as Score;
  const tree = byMode.get('tree') as Score;
  const ids = [...new Set([...patch.rules.keys(), ...tree.rules.keys()])].sort();
  const lines = [
    `${half}: ${patch.buggy} buggy patches, ${patch.quiet} fix and clean patches`,
    `${'rule'.padEnd(30)} ${'recall patch'.padStart(12)} ${'recall tree'.padStart(12)} ${'alarms patch'.padStart(12)} ${'alarms tree'.padStart(12)}`,
  ];
  for (const id of ids) {
    const p = patch.rules.get(id) ?? { hits: 0, alarms: 0 };
    const t = tree.rules.get(id) ?? { hits: 0, alarms: 0 };
    lines.push(
      `${id.padEnd(30)} ${show(ratio(p.hits, patch.buggy)).padStart(12)} ${show(ratio(t.hits, tree.buggy)).padStart(12)} ${String(p.alarms).padStart(12)} ${String(t.alarms).padStart(12)}`,
    );
  }
  for (const name of [...patch.classes.keys()].sort()) {
    const p = patch.classes.get(name) ?? { buggy: 0, hit: 0 };
    const t = tree.classes.get(name) ?? { buggy: 0, hit: 0 };
    lines.push(`${`bug class: ${name}`.padEnd(30)} ${`${p.hit}/${p.buggy}`.padStart(12)} ${`${t.hit}/${t.buggy}`.padStart(12)}`);
  }
  lines.push(
    `${'overall recall (±3 lines)'.padEnd(30)} ${`${show(ratio(patch.hit, patch.buggy))} ${patch.hit}/${patch.buggy}`.padStart(12)} ${`${show(ratio(tree.hit, tree.buggy))} ${tree.hit}/${tree.buggy}`.padStart(12)}`,
    `${'false-alarm rate'.padEnd(30)} ${`${show(ratio(patch.alarmed, patch.quiet))} ${patch.alarmed}/${patch.quiet}`.padStart(12)} ${`${show(ratio(tree.alarmed, tree.quiet))} ${tree.alarmed}/${tree.quiet}`.padStart(12)}`,
  );
  return lines.join('\n');
}
