/**
 * `npm run bench:lsp`: the language server (dist/server.js, a real child
 * process over stdio) on a generated trace of 1M lines (about 200 MB) opened
 * through `gpuvmLens/analyzeFile`, as VS Code's "Analyze Trace File…" does.
 *
 * Prints: time to first diagnostics, full analysis time (the request
 * answered: all findings published, hovers ready), the time the object index
 * is ready (a go-to-definition sent right after the analysis is answered:
 * navigation, the outline and lenses wait for it), the slowest answer to a
 * request sent while the analysis runs (does the server stay responsive?),
 * hovers while the objects are indexed (the first right after the analysis,
 * then one every 50 ms), hover latency once indexed (median and 95th
 * percentile over 1,000 hovers at random lines) and the server's peak
 * memory, and the CPU time the server (its main thread apart) and the bench
 * itself spent during the full analysis (on a 2-core machine their sum,
 * not the main thread alone, bounds the wall time). Targets: first
 * diagnostics < 2 s, full analysis < 3 s, hover p95 < 20 ms, memory < 400 MB.
 *
 *   node dist/bench-lsp.js [--lines N] [--hovers N] [--server-heap MB] [--trace PATH]
 *
 * `--trace PATH` analyzes that file instead of generating one (the
 * generated trace is written there first when it does not exist yet), so
 * runs compared back to back skip the generation and read the same bytes.
 *
 * The server runs with the old-space limit the VS Code extension gives it
 * (`SERVER_HEAP_LIMIT_MB`); `--server-heap 0` measures V8's default sizing,
 * whose peak memory (VmHWM) includes the slack V8 leaves before collecting.
 * `GPUVM_LENS_BENCH_SERVER_FLAGS` adds node flags to the server's command
 * line (`--cpu-prof --cpu-prof-dir=DIR` writes its CPU profile there).
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import type { AnalyzeFileResult } from '../src/protocol/lsp-ext';
import { SERVER_HEAP_LIMIT_MB } from '../src/protocol/config';
import { writeTrace } from './generate-trace';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

const LINES = option('--lines', 1_000_000);
const HOVERS = option('--hovers', 1000);
/** Old-space limit for the server process in MB: the extension's by default; 0 for V8's own sizing. */
const SERVER_HEAP = option('--server-heap', SERVER_HEAP_LIMIT_MB);

/** Peak resident memory of a process, from /proc (Linux), in MB. */
function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds (user + system) of a process, or of one of its threads, from
 * /proc (Linux; NaN elsewhere): steadier than wall time on a busy machine.
 */
function cpuSeconds(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

/** A trace file kept between runs (`--trace`), or undefined for a generated one removed at the end. */
function keptTrace(): string | undefined {
  const at = process.argv.indexOf('--trace');
  return at === -1 ? undefined : resolve(process.argv[at + 1] ?? '');
}

async function main(): Promise<void> {
  const kept = keptTrace();
  const scratch = mkdtempSync(join(tmpdir(), 'gpuvm-lens-bench-'));
  const tracePath = kept ?? join(scratch, 'bench.trace');
  if (kept !== undefined && existsSync(kept)) {
    console.log(`trace: ${tracePath}, ${(statSync(tracePath).size / 1e6).toFixed(0)} MB`);
  } else {
    const generated = performance.now();
    const bytes = writeTrace(tracePath, LINES);
    console.log(
      `trace: ${LINES} lines, ${(bytes / 1e6).toFixed(0)} MB (generated in ${((performance.now() - generated) / 1000).toFixed(1)} s)`,
    );
  }

  const heapFlags = SERVER_HEAP > 0 ? [`--max-old-space-size=${SERVER_HEAP}`] : [];
  // Extra node flags for the server, e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile it.
  const extraFlags = (process.env.GPUVM_LENS_BENCH_SERVER_FLAGS ?? '').split(/\s+/).filter((flag) => flag !== '');
  const server = spawn(process.execPath, [...heapFlags, ...extraFlags, resolve(__dirname, 'server.js'), '--stdio'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const client = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  const uri = pathToFileURL(tracePath).toString();
  let firstDiagnostics = NaN;
  let started = 0;
  client.onNotification('textDocument/publishDiagnostics', (params: { uri: string; diagnostics: unknown[] }) => {
    if (params.uri === uri && params.diagnostics.length > 0 && Number.isNaN(firstDiagnostics))
      firstDiagnostics = performance.now() - started;
  });
  client.onRequest('window/workDoneProgress/create', () => null);
  client.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => null));
  client.onRequest('client/registerCapability', () => null);
  client.listen();
  await client.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: { window: { workDoneProgress: true }, textDocument: { diagnostic: {} }, workspace: { configuration: true } },
  });
  client.sendNotification('initialized', {});

  // A small open script, hovered while the big analysis runs, to see whether the server stays responsive.
  const probe = 'file:///bench/probe.gpuvm';
  client.sendNotification('textDocument/didOpen', {
    textDocument: {
      uri: probe,
      languageId: 'gpuvm-script',
      version: 1,
      text: 'vm 0x0 0x100000 0x0 0x0\nbo 1 0x10000\nmap 0x1000 0x1000 1 0x0\n',
    },
  });
  await client.sendRequest('textDocument/hover', { textDocument: { uri: probe }, position: { line: 2, character: 1 } });

  started = performance.now();
  const serverPid = server.pid ?? 0;
  const cpuBefore = { server: cpuSeconds(serverPid), main: cpuSeconds(serverPid, serverPid), bench: process.cpuUsage() };
  let analyzing = true;
  const analysis = client.sendRequest<AnalyzeFileResult>('gpuvmLens/analyzeFile', { path: tracePath }).finally(() => (analyzing = false));
  let slowestDuring = 0;
  let probes = 0;
  while (analyzing) {
    const sent = performance.now();
    await client.sendRequest('textDocument/hover', { textDocument: { uri: probe }, position: { line: 2, character: 1 } });
    slowestDuring = Math.max(slowestDuring, performance.now() - sent);
    probes++;
  }
  const result = await analysis;
  const fullMs = performance.now() - started;
  const benchCpu = process.cpuUsage(cpuBefore.bench);
  const cpuDuring = {
    server: cpuSeconds(serverPid) - cpuBefore.server,
    main: cpuSeconds(serverPid, serverPid) - cpuBefore.main,
    bench: (benchCpu.user + benchCpu.system) / 1e6,
  };
  // Navigation waits for the object index: its answer says when the index is ready.
  let indexMs = NaN;
  const indexed = client
    .sendRequest('textDocument/definition', { textDocument: { uri }, position: { line: Math.floor(result.lines / 2), character: 60 } })
    .then(() => (indexMs = performance.now() - started));

  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const hoverAt = async (line: number): Promise<number> => {
    const sent = performance.now();
    await client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: 60 } });
    return performance.now() - sent;
  };
  // While the objects are indexed, a hover every 50 ms (a user moving the mouse), timed.
  const firstHover = await hoverAt(Math.floor(random() * result.lines));
  const whileIndexing: number[] = [];
  while (Number.isNaN(indexMs)) {
    await new Promise((resolveTimer) => setTimeout(resolveTimer, 50));
    if (Number.isNaN(indexMs)) whileIndexing.push(await hoverAt(Math.floor(random() * result.lines)));
  }
  await indexed;
  whileIndexing.sort((a, b) => a - b);

  const latencies: number[] = [];
  for (let i = 0; i < HOVERS; i++) latencies.push(await hoverAt(Math.floor(random() * result.lines)));
  latencies.sort((a, b) => a - b);
  const memory = peakRssMb(server.pid ?? 0);

  const verdict = (ok: boolean): string => (ok ? 'ok' : 'OVER TARGET');
  console.log(
    `findings: ${result.findingCount} (${result.diagnostics.length} as diagnostics), ${result.lines} lines, ${(result.bytes / 1e6).toFixed(0)} MB`,
  );
  console.log(`time to first diagnostics: ${(firstDiagnostics / 1000).toFixed(2)} s  (target < 2 s: ${verdict(firstDiagnostics < 2000)})`);
  console.log(
    `full analysis (all findings published, hovers ready): ${(fullMs / 1000).toFixed(2)} s (${(result.bytes / 1e6 / (fullMs / 1000)).toFixed(0)} MB/s)  (target < 3 s: ${verdict(fullMs < 3000)})`,
  );
  console.log(
    `CPU during the full analysis: server ${cpuDuring.server.toFixed(2)} s (main thread ${cpuDuring.main.toFixed(2)} s, reader and collector threads ${(cpuDuring.server - cpuDuring.main).toFixed(2)} s), this client ${cpuDuring.bench.toFixed(2)} s`,
  );
  console.log(`object index ready (navigation, outline, lenses): ${(indexMs / 1000).toFixed(2)} s`);
  console.log(`slowest of ${probes} hovers answered during the analysis: ${slowestDuring.toFixed(0)} ms`);
  console.log(
    `first hover after the analysis: ${firstHover.toFixed(1)} ms; ${whileIndexing.length} more while the objects were indexed: median ${percentile(whileIndexing, 0.5).toFixed(1)} ms, max ${(whileIndexing[whileIndexing.length - 1] ?? NaN).toFixed(1)} ms`,
  );
  console.log(
    `hover latency over ${HOVERS} random lines once indexed: median ${percentile(latencies, 0.5).toFixed(1)} ms, p95 ${percentile(latencies, 0.95).toFixed(1)} ms, max ${(latencies[latencies.length - 1] ?? NaN).toFixed(1)} ms  (target p95 < 20 ms: ${verdict(percentile(latencies, 0.95) < 20)})`,
  );
  console.log(`server peak memory (VmHWM): ${memory.toFixed(0)} MB  (target < 400 MB: ${verdict(memory < 400)})`);

  // Orderly exit: shutdown, exit, then wait for the process; writes after it closed are not errors.
  server.stdin.on('error', () => undefined);
  const exited = new Promise((resolveExit) => server.once('exit', resolveExit));
  await client.sendRequest('shutdown');
  await client.sendNotification('exit');
  await exited;
  client.dispose();
  rmSync(scratch, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
