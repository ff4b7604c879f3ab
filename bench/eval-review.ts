/**
 * `npm run eval:review`: reviews every patch of the labelled corpus
 * (test/fixtures/patches/corpus) from the patch alone and with its
 * reconstructed kernel tree, and prints, for the tune half and the held-out
 * half, per-rule and overall recall at the right line (±3) and the false-alarm
 * rate on fix and clean patches (bench/review-corpus.ts says how each is
 * counted), then the time per file. Damaged variants of every file (cut
 * mid-hunk; interleaved with the next file) are reviewed too, for hangs and
 * crashes only.
 *
 * Each file is reviewed in a worker thread under a time limit: a review that
 * overruns it is stopped (the worker is terminated and a fresh one takes the
 * next file) and reported as a timeout, so a hang shows up as a figure
 * instead of stalling the run. Exit 1 when a file timed out or crashed.
 *
 *   npm run eval:review -- [--limit-ms N] [--list] [--trees DIR] [--write-baseline]
 *
 *   --limit-ms N      per-file limit (default 10000 ms: generous on a loaded machine)
 *   --list            also list the buggy patches missed and the false alarms
 *   --trees DIR       unpack the reconstructed trees into DIR and keep them
 *                     (for `gpuvm-lens review --kernel-tree DIR/<name>`)
 *   --history GITDIR  a clone of the history the corpus was taken from
 *                     (github.com/lutzbichler/drm-kmod): trees then hold every
 *                     C file of the touched driver directories at the parent
 *                     commit, as a real checkout does, not only the touched files
 *   --write-baseline  record the current figures in the corpus's baseline.json,
 *                     the floor `npm test` holds the review to
 *   --as-new          instead: precision on merged code. Every distinct C file
 *                     of the trees, per half, reviewed from the patch alone as if
 *                     a patch added it whole (`--- /dev/null`): merged code is
 *                     mostly right, so the warnings and errors per rule and per
 *                     1,000 lines are mostly noise (a few are real latent bugs)
 */

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { installTreeSitterAssets } from '../src/server/tree-sitter-assets';
import {
  CORPUS,
  damagedVariants,
  formatTable,
  HALVES,
  loadCorpus,
  materializeTrees,
  MODES,
  ratio,
  reviewEntry,
  score,
  temporaryTrees,
  type Mode,
  type Outcome,
} from './review-corpus';

const WORKER_TAG = 'gpuvm-lens-eval-review-worker';

interface Job {
  readonly file: string;
  readonly mode: Mode;
  readonly tree: string | undefined;
  /** Replaces the file's content (a damaged variant). */
  readonly text?: string;
}

function workerMain(): void {
  installTreeSitterAssets();
  const port = parentPort;
  if (!port) return;
  port.on('message', (job: Job) => {
    reviewEntry(job.file, job.mode, job.tree, job.text).then(
      (outcome) => port.postMessage(outcome),
      (error: unknown) =>
        port.postMessage({
          file: job.file,
          mode: job.mode,
          status: 'crash',
          ms: 0,
          findings: [],
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        } satisfies Outcome),
    );
  });
}

/** One worker at a time; replaced when a review overruns the limit or the worker dies. */
class Reviewer {
  private worker: Worker | undefined;

  constructor(private readonly limitMs: number) {}

  review(job: Job): Promise<Outcome> {
    const worker = (this.worker ??= new Worker(__filename, { workerData: WORKER_TAG }));
    return new Promise((resolve) => {
      const start = performance.now();
      const finish = (outcome: Outcome) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        resolve(outcome);
      };
      const fail = (status: 'timeout' | 'crash', error?: string) => {
        void worker.terminate();
        this.worker = undefined;
        finish({ file: job.file, mode: job.mode, status, ms: performance.now() - start, findings: [], ...(error ? { error } : {}) });
      };
      const onMessage = (outcome: Outcome) => finish(outcome);
      const onError = (error: Error) => fail('crash', error.stack ?? error.message);
      const timer = setTimeout(() => fail('timeout'), this.limitMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(job);
    });
  }

  close(): void {
    void this.worker?.terminate();
  }
}

function option(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** Floors (recall, precision) or ceils (false alarms) to 3 decimals, so the recorded floor is never above what was measured. */
const floor3 = (value: number | undefined) => Math.floor((value ?? 1) * 1000) / 1000;
const ceil3 = (value: number | undefined) => Math.ceil((value ?? 0) * 1000) / 1000;

/** The C files under `dir`, recursively. */
function cFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...cFilesUnder(path));
    else if (name.endsWith('.c')) out.push(path);
  }
  return out;
}

/** `--as-new`: each half's tree files reviewed as whole new files; warnings and errors per rule. */
async function asNew(corpus: ReturnType<typeof loadCorpus>, trees: ReadonlyMap<string, string>, limitMs: number): Promise<string> {
  const reviewer = new Reviewer(limitMs);
  const counts = new Map<string, Record<string, number>>();
  const totals: Record<string, { files: number; lines: number; findings: number; failed: number }> = {};
  try {
    for (const half of HALVES) {
      const seen = new Set<string>();
      const total = (totals[half] = { files: 0, lines: 0, findings: 0, failed: 0 });
      for (const [file, dir] of trees) {
        if (corpus.patches[file]?.half !== half) continue;
        for (const path of cFilesUnder(dir)) {
          const text = readFileSync(path, 'utf8');
          const hash = createHash('sha1').update(text).digest('hex');
          if (seen.has(hash)) continue;
          seen.add(hash);
          const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
          const patch = [
            `--- /dev/null`,
            `+++ b/${relative(dir, path)}`,
            `@@ -0,0 +1,${lines.length} @@`,
            ...lines.map((line) => `+${line}`),
          ];
          const outcome = await reviewer.review({ file, mode: 'patch', tree: undefined, text: `${patch.join('\n')}\n` });
          total.files++;
          total.lines += lines.length;
          if (outcome.status !== 'ok') total.failed++;
          for (const finding of outcome.findings) {
            if (finding.severity !== 'warning' && finding.severity !== 'error') continue;
            total.findings++;
            const row = counts.get(finding.rule) ?? {};
            row[half] = (row[half] ?? 0) + 1;
            counts.set(finding.rule, row);
          }
        }
      }
    }
  } finally {
    reviewer.close();
  }
  const perKloc = (n: number, half: string) => ((n * 1000) / Math.max(1, totals[half]?.lines ?? 1)).toFixed(2);
  const out = [
    `patch review of merged code as new files: each distinct C file of the trees reviewed as if a patch added it whole`,
    ...HALVES.map((half) => {
      const t = totals[half] as { files: number; lines: number; findings: number; failed: number };
      return `${half}: ${t.files} files, ${t.lines} lines, ${t.findings} warnings and errors = ${perKloc(t.findings, half)} per 1,000 lines, ${(t.findings / Math.max(1, t.files)).toFixed(1)} per file; ${t.failed} timed out or crashed`;
    }),
    '',
    `${'rule'.padEnd(32)}${HALVES.map((half) => `${half.padStart(10)} ${'/kloc'.padStart(7)}`).join('')}`,
  ];
  for (const [rule, row] of [...counts].sort((a, b) => (b[1].tune ?? 0) - (a[1].tune ?? 0) || a[0].localeCompare(b[0])))
    out.push(
      `${rule.padEnd(32)}${HALVES.map((half) => `${String(row[half] ?? 0).padStart(10)} ${perKloc(row[half] ?? 0, half).padStart(7)}`).join('')}`,
    );
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const limitMs = Number(option(args, '--limit-ms') ?? 10_000);
  const corpus = loadCorpus();
  const keepDir = option(args, '--trees');
  const history = option(args, '--history');
  let dispose = () => {};
  let trees: Map<string, string>;
  if (keepDir) {
    mkdirSync(keepDir, { recursive: true });
    trees = materializeTrees(corpus, keepDir, history);
  } else {
    const temporary = temporaryTrees(corpus, history);
    trees = temporary.trees;
    dispose = temporary.dispose;
  }

  if (args.includes('--as-new')) {
    try {
      process.stdout.write(await asNew(corpus, trees, limitMs));
    } finally {
      dispose();
    }
    return;
  }

  const reviewer = new Reviewer(limitMs);
  const outcomes: Outcome[] = [];
  const damaged: { name: string; outcome: Outcome }[] = [];
  const files = Object.keys(corpus.patches);
  try {
    for (const mode of MODES) {
      for (const file of files) {
        outcomes.push(await reviewer.review({ file, mode, tree: trees.get(file) }));
      }
    }
    for (const variant of damagedVariants(files)) {
      damaged.push({
        name: variant.name,
        outcome: await reviewer.review({ file: variant.file, mode: 'tree', tree: trees.get(variant.file), text: variant.text }),
      });
    }
  } finally {
    reviewer.close();
    dispose();
  }

  const kinds = new Map<string, number>();
  for (const entry of Object.values(corpus.patches)) kinds.set(entry.kind, (kinds.get(entry.kind) ?? 0) + 1);
  const out: string[] = [
    `patch review evaluation: ${files.length} patches (${[...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ')}), ${trees.size} with a reconstructed tree; a hit is a warning or error within 3 lines of a problem line`,
  ];
  for (const half of HALVES) out.push('', formatTable(corpus, outcomes, half));
  const exact = score(corpus, outcomes, 'all', 'patch').exact;
  out.push(
    '',
    `review mails, exact labels (rule, line, kind): precision ${(ratio(exact.tp, exact.tp + exact.fp) ?? 1).toFixed(2)}, recall ${(ratio(exact.tp, exact.tp + exact.fn) ?? 1).toFixed(2)}`,
  );
  out.push('', 'time per file (ms)             median      p95      max  slowest');
  for (const mode of MODES) {
    const mine = outcomes.filter((outcome) => outcome.mode === mode && outcome.status === 'ok');
    const slowest = mine.reduce<Outcome | undefined>((a, b) => (a && a.ms >= b.ms ? a : b), undefined);
    const ms = mine.map((outcome) => outcome.ms);
    out.push(
      `${mode.padEnd(28)} ${percentile(ms, 0.5).toFixed(1).padStart(8)} ${percentile(ms, 0.95).toFixed(1).padStart(8)} ${percentile(ms, 1).toFixed(1).padStart(8)}  ${slowest?.file ?? '-'}`,
    );
  }
  const failed = outcomes.filter((outcome) => outcome.status !== 'ok');
  out.push(`${failed.length} of ${outcomes.length} reviews timed out (limit ${limitMs} ms) or crashed`);
  for (const outcome of failed)
    out.push(`  ${outcome.status} ${outcome.mode} ${outcome.file}${outcome.error ? `: ${outcome.error.split('\n')[0]}` : ''}`);
  const damagedFailed = damaged.filter(({ outcome }) => outcome.status !== 'ok');
  const damagedMs = damaged.map(({ outcome }) => outcome.ms);
  out.push(
    `damaged variants (each file cut mid-hunk, and interleaved with the next): ${damagedFailed.length} of ${damaged.length} timed out or crashed; slowest ${percentile(damagedMs, 1).toFixed(1)} ms`,
  );
  for (const { name, outcome } of damagedFailed)
    out.push(`  ${outcome.status} ${name}${outcome.error ? `: ${outcome.error.split('\n')[0]}` : ''}`);
  if (args.includes('--list')) {
    for (const half of HALVES) {
      for (const mode of MODES) {
        const s = score(corpus, outcomes, half, mode);
        out.push(
          '',
          `${half}, ${mode}: missed`,
          ...s.missed.map((file) => `  ${file}`),
          `${half}, ${mode}: false alarms`,
          ...s.falseAlarms.map((line) => `  ${line}`),
        );
      }
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);

  if (args.includes('--write-baseline')) {
    const baseline: Record<string, unknown> = {
      description:
        'Floor for the patch review on this corpus, checked by npm test (test/unit/analysis/patch-corpus.test.ts): recall may not drop below, the false-alarm rate may not rise above. Written by `npm run eval:review -- --write-baseline`.',
    };
    for (const half of HALVES) {
      const figures: Record<string, { recall: number; falseAlarms: number }> = {};
      for (const mode of MODES) {
        const s = score(corpus, outcomes, half, mode);
        figures[mode] = { recall: floor3(ratio(s.hit, s.buggy)), falseAlarms: ceil3(ratio(s.alarmed, s.quiet)) };
      }
      baseline[half] = figures;
    }
    baseline.exact = { precision: floor3(ratio(exact.tp, exact.tp + exact.fp)), recall: floor3(ratio(exact.tp, exact.tp + exact.fn)) };
    writeFileSync(join(CORPUS, 'baseline.json'), `${JSON.stringify(baseline, null, 2)}\n`);
    process.stdout.write(`baseline written to ${relative(process.cwd(), join(CORPUS, 'baseline.json'))}\n`);
  }
  if (failed.length > 0 || damagedFailed.length > 0) process.exitCode = 1;
}

if (isMainThread) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
} else if (workerData === WORKER_TAG) {
  workerMain();
}
