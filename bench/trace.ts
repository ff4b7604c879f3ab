/**
 * `npm run bench:trace`: end-to-end speed and memory of `gpuvm-lens check` on
 * a large mixed capture, against the raw speed of reading the same file and
 * finding its line breaks in Node, measured in the same run.
 *
 * bench/mixed-capture.ts writes a seeded capture (Xe + amdgpu + i915 +
 * gpu_scheduler + dma_fence events, in every line layout) into a scratch
 * directory outside the repository (GPUVM_LENS_BENCH_DIR, default: the
 * system temp directory), reused between runs. For each size it prints:
 *
 *   raw      lines/s of reading the file in 4 MiB readSync chunks and
 *            finding each LF with Buffer.indexOf, after one untimed pass
 *            (the file in the page cache, as for the runs after it)
 *   decode   lines/s of streaming the file as byte lines and only tokenising
 *            and decoding them (no replay, no rules), in this process: where
 *            the time goes between reading and the full analysis
 *   check    lines/s of `node dist/cli.js check --format json <file>`, a child
 *            process timed end to end, and its peak resident memory (a file
 *            this big is read and split into lines on a second thread)
 *   1 thread the same with `--thread-from-bytes` above the file's size: all
 *            on one thread, for how much the second thread gives
 *   ratio    check / raw (target: at least 0.25)
 *
 *   node dist/bench-trace.js [--lines 3000000]          the default: one 3M-line capture
 *   node dist/bench-trace.js --lines 1000000,10000000   is peak memory flat from 1M to 10M lines?
 *
 * Not a test: it prints figures and asserts nothing.
 */

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { streamByteLines } from '../src/host/line-stream';
import { EventDecoder } from '../src/parse/trace/decode-event';
import { specOfUnits } from '../src/parse/trace/event-tables';
import { ScannedLine, scanTraceLine } from '../src/parse/trace/trace-line';
import { writeMixedCapture } from './mixed-capture';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback);
}

const SIZES = option('--lines', '3000000').split(',').map(Number);
const DIR = process.env.GPUVM_LENS_BENCH_DIR ?? join(tmpdir(), 'gpuvm-lens-bench-trace');
const CLI = resolve(__dirname, 'cli.js');
const TARGET_RATIO = 0.25;
const TARGET_RSS_MB = 300;

function traceFile(lines: number): string {
  mkdirSync(DIR, { recursive: true });
  const path = join(DIR, `mixed-${lines}.trace`);
  if (existsSync(path)) return path;
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w');
  const started = performance.now();
  try {
    writeMixedCapture(lines, (chunk) => {
      writeSync(fd, chunk);
    });
  } finally {
    closeSync(fd);
  }
  renameSync(partial, path);
  process.stdout.write(
    `  generated ${path} (${(statSync(path).size / 1e6).toFixed(0)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return path;
}

/** Reads the file in 4 MiB chunks and finds every line break: the floor any line-based reader pays. */
function rawScan(path: string): { lines: number; seconds: number } {
  const started = performance.now();
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(4 << 20);
  let lines = 0;
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      let at = buffer.indexOf(10);
      while (at !== -1 && at < read) {
        lines++;
        at = buffer.indexOf(10, at + 1);
      }
    }
  } finally {
    closeSync(fd);
  }
  return { lines, seconds: (performance.now() - started) / 1000 };
}

/** Streams the file as byte lines and only tokenises and decodes them, as the replay does. */
async function decodeOnly(path: string): Promise<{ lines: number; seconds: number }> {
  const started = performance.now();
  const decoder = new EventDecoder();
  const scanned = new ScannedLine();
  let lines = 0;
  await streamByteLines(path, (bytes, start, end) => {
    lines++;
    if (scanTraceLine(bytes, start, end, scanned) !== 'event') return;
    const spec = specOfUnits(bytes, scanned.nameStart, scanned.nameEnd);
    if (spec) decoder.decodeLine(spec, bytes, scanned.payloadStart, scanned.end);
  });
  return { lines, seconds: (performance.now() - started) / 1000 };
}

interface CheckRun {
  seconds: number;
  rssMb: number;
  /** CPU time of the main thread alone (NaN where /proc is not there). */
  mainCpuSeconds: number;
  lines: number;
  findings: number;
  status: number | null;
  /** The JSON it printed, to tell whether both ways agree. */
  output: string;
}

/** Runs `check --format json` in a child and reports its wall time and peak RSS (from the child itself). */
function timedCheck(path: string, extraArgs: readonly string[] = []): CheckRun {
  const reporter = join(DIR, 'report-rss.cjs');
  // The main thread's own CPU time too (Linux: its utime + stime in /proc, in ticks of 10 ms): the critical path when a second core is free.
  writeFileSync(
    reporter,
    [
      // Only the main thread reports (the reader thread loads this file too).
      "if (require('worker_threads').isMainThread) process.on('exit', () => {",
      '  let ticks = NaN;',
      "  try { const fields = require('fs').readFileSync('/proc/self/task/' + process.pid + '/stat', 'utf8').split(') ')[1].split(' '); ticks = Number(fields[11]) + Number(fields[12]); } catch {}",
      "  process.stderr.write('MAXRSS_KB ' + process.resourceUsage().maxRSS + ' MAIN_TICKS ' + ticks + '\\n');",
      '});',
      '',
    ].join('\n'),
  );
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--require', reporter, CLI, 'check', '--format', 'json', ...extraArgs, path], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const seconds = (performance.now() - started) / 1000;
  const rss = /MAXRSS_KB (\d+) MAIN_TICKS (\d+|NaN)/.exec(child.stderr ?? '');
  let lines = 0;
  let findings = 0;
  try {
    const document = JSON.parse(child.stdout) as { files: { stats: { lines: number } }[]; findings: unknown[] };
    lines = document.files[0]?.stats.lines ?? 0;
    findings = document.findings.length;
  } catch {
    process.stdout.write(`  check failed: ${child.stderr}\n`);
  }
  return {
    seconds,
    rssMb: rss ? Number(rss[1]) / 1024 : NaN,
    mainCpuSeconds: rss ? Number(rss[2]) / 100 : NaN,
    lines,
    findings,
    status: child.status,
    output: child.stdout,
  };
}

function rate(lines: number, seconds: number): string {
  return `${(lines / seconds / 1e6).toFixed(2)}M lines/s`;
}

async function main(): Promise<void> {
  process.stdout.write(`bench:trace — scratch directory ${DIR}\n`);
  for (const lines of SIZES) {
    {
      const path = traceFile(lines);
      const size = statSync(path).size;
      // Untimed first pass: whichever run reads the file first pays for the disk, and the raw
      // scan must not be the one (a cold raw scan made the ratio look 7 times better).
      rawScan(path);
      const raw = rawScan(path);
      const decoded = await decodeOnly(path);
      const check = timedCheck(path);
      const single = timedCheck(path, ['--thread-from-bytes', String(size + 1)]);
      const ratio = check.lines / check.seconds / (raw.lines / raw.seconds);
      process.stdout.write(
        [
          `mixed ${lines.toLocaleString('en')} lines (${(size / 1e6).toFixed(0)} MB, ${(size / raw.lines).toFixed(0)} bytes/line):`,
          `  raw read + line breaks: ${rate(raw.lines, raw.seconds)} (${raw.seconds.toFixed(2)} s)`,
          `  stream + tokenise + decode only: ${rate(decoded.lines, decoded.seconds)} (${decoded.seconds.toFixed(2)} s)`,
          `  gpuvm-lens check:       ${rate(check.lines, check.seconds)} (${check.seconds.toFixed(2)} s, exit ${check.status}, ${check.findings} findings)`,
          `  check on one thread:    ${rate(single.lines, single.seconds)} (${single.seconds.toFixed(2)} s, peak RSS ${single.rssMb.toFixed(0)} MB, output ${single.output === check.output ? 'identical' : 'DIFFERENT'})`,
          `  two threads/one thread: ${(single.seconds / check.seconds).toFixed(2)} × the speed; main thread CPU ${check.mainCpuSeconds.toFixed(2)} s / ${single.mainCpuSeconds.toFixed(2)} s`,
          `  ratio check/raw:        ${ratio.toFixed(3)} (target ≥ ${TARGET_RATIO.toFixed(3)}: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'})`,
          `  peak RSS of check:      ${check.rssMb.toFixed(0)} MB (target ≤ ${TARGET_RSS_MB} MB: ${check.rssMb <= TARGET_RSS_MB ? 'met' : 'NOT met'})`,
          '',
        ].join('\n'),
      );
    }
  }
}

void main();
