/**
 * `npm run fuzz`: drives every parser, analyzer and the language server with
 * mutated fixtures. Each target runs in a worker thread; the main thread is
 * a watchdog that sees the worker's input counter through shared memory, so
 * an input that stalls the worker for a second is caught and the worker
 * restarted after it; the input, regenerated from its index, is run again
 * alone and saved as a hang when it takes over a second of CPU time. A worker has a fixed
 * heap limit, so unbounded memory growth ends it with an out-of-memory error
 * instead of going unnoticed; its heap after a forced collection is compared
 * between the first thousand inputs and the end.
 *
 *   npm run fuzz -- [--budget 60s|10m|1h] [--inputs N] [--target NAME,...] [--seed N] [--from N] [--out DIR] [--report FILE]
 *   npm run fuzz -- --target NAME --replay FILE... [--shrink]   (time saved inputs, in-process)
 *
 * Failures are shrunk and written to DIR/<target>/ (default
 * test/fixtures/fuzz-regressions, which test/fuzz/regressions.test.ts replays).
 * Exit 1 when anything failed or hung.
 */

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ROOT } from './corpus';
import { check, fuzzLoop, generateInput, shrinkFailure, type Failure } from './engine';
import { stopTargets, TARGETS, targetNamed } from './targets';

const HANG_MS = 1000;
/** Wall time a re-run stalled input gets: on a busy machine a niced worker may wait for a core for seconds. */
const CONFIRM_WALL_MS = 30_000;
const WORKER_HEAP_MB = 1024;

interface WorkerJob {
  readonly target: string;
  readonly seed: number;
  readonly from: number;
  readonly to: number;
  readonly deadline: number;
  /** Re-running one stalled input: measure its CPU time, allow CONFIRM_WALL_MS of wall time. */
  readonly confirm?: boolean;
  readonly heartbeat: SharedArrayBuffer;
}

type WorkerMessage =
  | { type: 'progress'; done: number; slowestMs: number; slowestIndex: number; heapMb: number }
  | { type: 'baseline'; heapMb: number }
  | { type: 'failure'; failure: Failure }
  | { type: 'done'; done: number; slowestMs: number; slowestIndex: number; heapMb: number; finalHeapMb: number; cpuMs: number };

function heapMb(): number {
  return getHeapStatistics().used_heap_size / 2 ** 20;
}

/** A full collection (workers take no --expose-gc, so the flag is set at run time and gc read from a fresh context). */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function workerMain(job: WorkerJob): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const target = targetNamed(job.target);
  const beat = new Int32Array(job.heartbeat);
  // Warm-up, untimed (tick 0): loads tree-sitter or starts the language server.
  await check(target, '', generateInput(target, job.seed, job.from).rng);
  let baselineTaken = false;
  const cpuBefore = process.cpuUsage();
  const { progress } = await fuzzLoop(target, {
    seed: job.seed,
    from: job.from,
    to: job.to,
    stop: () => Date.now() > job.deadline,
    onInput(index) {
      Atomics.store(beat, 0, index);
      Atomics.add(beat, 1, 1);
    },
    onFailure: (failure) => port.postMessage({ type: 'failure', failure } satisfies WorkerMessage),
    onProgress(p) {
      // The heap after a full collection: after 1,000 inputs (the baseline), then every 50,000.
      if ((!baselineTaken && p.done >= 1000) || p.done % 50_000 === 0) {
        baselineTaken = true;
        collect();
        port.postMessage({ type: 'baseline', heapMb: heapMb() } satisfies WorkerMessage);
      }
      port.postMessage({ type: 'progress', ...p, heapMb: heapMb() } satisfies WorkerMessage);
    },
  });
  const cpu = process.cpuUsage(cpuBefore);
  const peak = heapMb();
  await stopTargets();
  collect();
  port.postMessage({
    type: 'done',
    ...progress,
    heapMb: peak,
    finalHeapMb: heapMb(),
    cpuMs: (cpu.user + cpu.system) / 1000,
  } satisfies WorkerMessage);
}

interface Summary {
  target: string;
  inputs: number;
  failures: { message: string; index: number; file: string }[];
  hangs: { index: number; file: string; cpuMs: number }[];
  /** Inputs that stalled the worker but took under HANG_MS of CPU when run again (the machine was busy). */
  stalls: number;
  slowestMs: number;
  slowestIndex: number;
  peakHeapMb: number;
  baselineHeapMb?: number;
  finalHeapMb?: number;
  seconds: number;
}

function save(out: string, target: string, ext: string, text: string, prefix = ''): string {
  const dir = join(out, target);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${prefix}${createHash('sha1').update(text).digest('hex').slice(0, 12)}.${ext}`);
  writeFileSync(file, text);
  return file;
}

/** How a worker run ended: done, died at an input (resume after it), or stalled on an input for over HANG_MS. */
type WorkerEnd = { kind: 'done'; cpuMs?: number } | { kind: 'died'; index: number } | { kind: 'stalled'; index: number };

/** Runs one worker over [from, to) until it finishes, stalls or dies. */
function runWorker(job: Omit<WorkerJob, 'heartbeat'>, summary: Summary, out: string): Promise<WorkerEnd> {
  const target = targetNamed(job.target);
  const heartbeat = new SharedArrayBuffer(8);
  const beat = new Int32Array(heartbeat);
  Atomics.store(beat, 0, job.from);
  const worker = new Worker(__filename, {
    workerData: { ...job, heartbeat },
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  const inputsBefore = summary.inputs;
  return new Promise((resolve) => {
    let lastTick = 0;
    let lastChange = Date.now();
    let finished = false;
    const finish = (end: WorkerEnd): void => {
      if (finished) return;
      finished = true;
      clearInterval(watchdog);
      resolve(end);
    };
    // Tick 0 is the warm-up (loading tree-sitter, starting the server), which is not timed.
    const watchdog = setInterval(() => {
      const tick = Atomics.load(beat, 1);
      if (tick !== lastTick) {
        lastTick = tick;
        lastChange = Date.now();
        return;
      }
      if (tick > 0 && Date.now() - lastChange > (job.confirm ? CONFIRM_WALL_MS : HANG_MS)) {
        void worker.terminate();
        summary.inputs = inputsBefore + tick - 1;
        finish({ kind: 'stalled', index: Atomics.load(beat, 0) });
      }
    }, 100);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'failure') {
        const { failure } = message;
        const file = save(out, target.name, target.ext, failure.shrunk);
        summary.failures.push({ message: failure.message, index: failure.index, file });
        console.log(
          `${target.name}: input ${failure.index}: ${failure.message}; shrunk ${failure.input.length} -> ${failure.shrunk.length} chars, saved to ${file}`,
        );
        if (failure.stack) console.log(failure.stack.split('\n').slice(0, 6).join('\n'));
        return;
      }
      if (message.type === 'baseline') {
        summary.baselineHeapMb ??= message.heapMb;
        summary.finalHeapMb = message.heapMb;
        return;
      }
      summary.peakHeapMb = Math.max(summary.peakHeapMb, message.heapMb);
      summary.inputs = inputsBefore + message.done;
      if (message.slowestMs > summary.slowestMs) {
        summary.slowestMs = message.slowestMs;
        summary.slowestIndex = message.slowestIndex;
      }
      if (message.type === 'done') {
        summary.finalHeapMb = message.finalHeapMb;
        finish({ kind: 'done', cpuMs: message.cpuMs });
      }
    });
    worker.on('error', (error) => {
      const index = Atomics.load(beat, 0);
      const { text } = generateInput(target, job.seed, index);
      const file = save(out, target.name, target.ext, text, 'worker-');
      summary.failures.push({ message: `worker died: ${error.message}`, index, file });
      console.log(`${target.name}: worker died at input ${index} (${error.message}); saved to ${file}`);
      summary.inputs = inputsBefore + Math.max(0, Atomics.load(beat, 1) - 1);
      finish({ kind: 'died', index });
    });
    worker.on('exit', () => finish({ kind: 'done' }));
  });
}

/**
 * Runs [from, to) of one target. An input that stalls the worker for over
 * HANG_MS of wall time is run again alone in a fresh worker, where its CPU
 * time is measured (the process then does little else): on a loaded machine a
 * niced worker can wait for a core for seconds, so only CPU time decides.
 */
async function runTarget(job: Omit<WorkerJob, 'heartbeat'>, summary: Summary, out: string): Promise<void> {
  const target = targetNamed(job.target);
  let from = job.from;
  while (from < job.to && Date.now() < job.deadline) {
    const end = await runWorker({ ...job, from }, summary, out);
    if (end.kind === 'done') return;
    if (end.kind === 'died') {
      from = end.index + 1;
      continue;
    }
    const again = await runWorker(
      { ...job, from: end.index, to: end.index + 1, deadline: Number.MAX_SAFE_INTEGER, confirm: true },
      summary,
      out,
    );
    const cpuMs = again.kind === 'done' ? (again.cpuMs ?? 0) : Infinity;
    if (cpuMs > HANG_MS) {
      const { text } = generateInput(target, job.seed, end.index);
      const file = save(out, target.name, target.ext, text, 'hang-');
      summary.hangs.push({ index: end.index, file, cpuMs });
      console.log(
        `${target.name}: input ${end.index} took ${cpuMs === Infinity ? `over ${CONFIRM_WALL_MS} ms` : `${cpuMs.toFixed(0)} ms of CPU`}; saved to ${file}`,
      );
    } else {
      summary.stalls++;
    }
    from = end.index + 1;
  }
}

function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!match) throw new Error(`bad duration ${text} (e.g. 60s, 10m, 1h)`);
  const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * scale;
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

/**
 * `--replay FILE...`: runs saved inputs in-process through the (single)
 * `--target`, with their times; with `--shrink`, a failing input is shrunk
 * into the `--out` folder.
 */
async function replay(args: string[], out: string): Promise<number> {
  const target = targetNamed(option(args, '--target') ?? '');
  const files = args.slice(args.indexOf('--replay') + 1).filter((arg) => !arg.startsWith('--') && arg !== target.name && arg !== out);
  let failed = 0;
  for (const file of files) {
    const { rng } = generateInput(target, 0, 0);
    const started = performance.now();
    const text = readFileSync(file, 'utf8');
    const failure = await check(target, text, rng);
    const ms = performance.now() - started;
    if (failure || ms > HANG_MS) failed++;
    console.log(`${file}: ${ms.toFixed(1)} ms${failure ? `, ${failure.message}` : ''}`);
    if (failure && args.includes('--shrink')) {
      const shrunk = await shrinkFailure(target, 0, 0, text, failure.message);
      console.log(`shrunk ${text.length} -> ${shrunk.length} chars: ${save(out, target.name, target.ext, shrunk)}`);
    }
    if (failure?.stack) console.log(failure.stack.split('\n').slice(0, 8).join('\n'));
  }
  await stopTargets();
  return failed > 0 ? 1 : 0;
}

async function main(args: string[]): Promise<number> {
  const out = option(args, '--out') ?? join(ROOT, 'test', 'fixtures', 'fuzz-regressions');
  if (args.includes('--replay')) return await replay(args, out);
  const names = (option(args, '--target') ?? TARGETS.map((t) => t.name).join(',')).split(',');
  const targets = names.map(targetNamed);
  const budget = option(args, '--budget');
  const inputsOption = option(args, '--inputs');
  const perTargetMs = budget ? parseDuration(budget) / targets.length : inputsOption ? Infinity : 60_000 / targets.length;
  const to = inputsOption ? Number(inputsOption) + Number(option(args, '--from') ?? 0) : Number.MAX_SAFE_INTEGER;
  const seed = Number(option(args, '--seed') ?? 1);
  const summaries: Summary[] = [];
  const report = option(args, '--report');
  const finish = (): number => {
    if (report) writeFileSync(report, JSON.stringify({ seed, summaries }, null, 2) + '\n');
    return summaries.some((s) => s.failures.length > 0 || s.hangs.length > 0) ? 1 : 0;
  };
  // Interrupted (Ctrl-C, a time limit): print the figures so far, for the target under way too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      const current = summaries[summaries.length - 1];
      if (current && current.seconds === 0) printSummary(current, started);
      process.exit(finish());
    });
  }
  let started = Date.now();
  for (const target of targets) {
    started = Date.now();
    const summary: Summary = {
      target: target.name,
      inputs: 0,
      failures: [],
      hangs: [],
      stalls: 0,
      slowestMs: 0,
      slowestIndex: -1,
      peakHeapMb: 0,
      seconds: 0,
    };
    summaries.push(summary);
    const deadline = started + perTargetMs;
    const from = Number(option(args, '--from') ?? 0);
    await runTarget({ target: target.name, seed, from, to, deadline: Math.min(deadline, Number.MAX_SAFE_INTEGER) }, summary, out);
    printSummary(summary, started);
  }
  return finish();
}

function printSummary(summary: Summary, started: number): void {
  summary.seconds = (Date.now() - started) / 1000;
  const growth =
    summary.baselineHeapMb !== undefined && summary.finalHeapMb !== undefined
      ? `, heap after GC ${summary.baselineHeapMb.toFixed(1)} MB at 1,000 inputs -> ${summary.finalHeapMb.toFixed(1)} MB at the last check`
      : '';
  console.log(
    `${summary.target}: ${summary.inputs.toLocaleString('en-US')} inputs in ${summary.seconds.toFixed(0)} s, ` +
      `${summary.failures.length} failures, ${summary.hangs.length} hangs (${summary.stalls} stalls cleared by CPU time), ` +
      `slowest ${summary.slowestMs.toFixed(1)} ms (input ${summary.slowestIndex}), peak heap ${summary.peakHeapMb.toFixed(1)} MB${growth}`,
  );
}

if (isMainThread) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(2);
    },
  );
} else {
  void workerMain(workerData as WorkerJob);
}
