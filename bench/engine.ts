/**
 * `npm run bench:engine`: throughput of the drm_gpuvm model.
 *
 * 1. In process: random commands (3/4 maps of 1 to 24 pages over four BOs,
 *    1/8 of them sparse; 1/4 unmaps), generated before the clock starts,
 *    replayed with the replay scripts' driver
 *    policy at about 10k, 35k and 90k live mappings; prints ops/s (ops: the
 *    MAP/REMAP/UNMAP ops the requests produce) and the ratio to what the
 *    kernel's drm_gpuvm.c does on this machine class (`KERNEL_OPS_PER_S`).
 * 2. End to end: `gpuvm-lens replay` of a generated script (35k prefilled
 *    mappings, then random map/unmap/madvise), output to a file, and beside it
 *    a raw `node -e` copy of the same script to a file, measured in the same
 *    run, with the ratio between them.
 *
 * Rates of part 1 use this process's CPU time, so a busy machine skews them
 * less; each size also prints the rate of its second half alone (the steady
 * state: `Run.secondHalfOpsPerS`); part 2 is wall time of child processes. Not a test: it prints
 * figures, it asserts nothing. `BENCH_COMMANDS` and `BENCH_SCRIPT_COMMANDS`
 * scale the two parts, `BENCH_SIZES=10k,90k` picks sizes.
 */

import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { mulberry32 } from '../src/base/seeded-random';
import { driverMap, driverUnmap, type DriverState } from '../src/model/driver';
import { gemPut, gpuvmInit, resvObjectAlloc } from '../src/model/gpuvm';
import { KernelEnv, Lock } from '../src/model/kernel-env';
import { GemObject } from '../src/model/objects';
import { optionsFor } from '../src/model/options';
import type { GpuVaOp } from '../src/model/split-merge';

const PAGE = Number(process.env.BENCH_PAGE ?? 0x1000);
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 500_000);
const SCRIPT_COMMANDS = Number(process.env.BENCH_SCRIPT_COMMANDS ?? 300_000);
const SCRIPT_PREFILL = 35_000;

/** The kernel's drm_gpuvm.c at -O2 through the same driver policy, ops/s on this machine class. */
const KERNEL_OPS_PER_S: Readonly<Record<string, number>> = { '10k': 2.3e6, '35k': 2.0e6, '90k': 1.7e6 };
/** The kernel code through a text script, commands/s (a 335k-command script, quiet machine). */
const KERNEL_SCRIPT_COMMANDS_PER_S = 0.6e6;

interface Command {
  readonly kind: 'map' | 'unmap' | 'madvise';
  readonly page: number;
  readonly pages: number;
  readonly bo: number; // 0 = sparse
  readonly offsetPage: number;
}

/** The random commands, produced one at a time (as objects: a million of them would weigh 100 MB). */
function* generate(count: number, vmPages: number, seed: number, madvise = 0): IterableIterator<Command> {
  const random = mulberry32(seed);
  for (let i = 0; i < count; i++) {
    const pages = 1 + Math.floor(random() * 24);
    const page = Math.floor(random() * (vmPages - pages));
    const roll = random();
    const kind = roll < 0.75 - madvise ? 'map' : roll < 1 - madvise ? 'unmap' : 'madvise';
    const bo = kind === 'map' && random() >= 1 / 8 ? 1 + Math.floor(random() * 4) : 0;
    yield { kind, page, pages, bo, offsetPage: Math.floor(random() * 4096) };
  }
}

/**
 * The random commands of part 1 in typed arrays, generated before the clock
 * starts: the figure is the engine's, not the generator's (a command object
 * and the random doubles behind it per command were a third of what the
 * timed loop allocated), and arrays off the JS heap cost the GC nothing.
 */
interface Commands {
  readonly count: number;
  /** 0 map, 1 unmap. */
  readonly kind: Uint8Array;
  readonly page: Int32Array;
  readonly pages: Int32Array;
  /** 0 = sparse. */
  readonly bo: Uint8Array;
  readonly offsetPage: Int32Array;
}

function prepare(count: number, vmPages: number, seed: number): Commands {
  const commands = {
    count,
    kind: new Uint8Array(count),
    page: new Int32Array(count),
    pages: new Int32Array(count),
    bo: new Uint8Array(count),
    offsetPage: new Int32Array(count),
  };
  let i = 0;
  for (const command of generate(count, vmPages, seed)) {
    commands.kind[i] = command.kind === 'map' ? 0 : 1;
    commands.page[i] = command.page;
    commands.pages[i] = command.pages;
    commands.bo[i] = command.bo;
    commands.offsetPage[i] = command.offsetPage;
    i++;
  }
  return commands;
}

interface Run {
  readonly live: number;
  /** CPU seconds of this process (user + system): robust against a busy machine. */
  readonly seconds: number;
  readonly wallSeconds: number;
  readonly ops: number;
  readonly heapMb: number;
  /**
   * Ops/s (CPU) of the second half of the commands alone: by then the tree
   * has about its final size and the JIT has settled, so this is the
   * engine's steady state, while the whole run also counts the tree growing
   * (each new VA allocated and promoted by the GC) and the compiler still
   * at work in its first tens of thousands of commands.
   */
  readonly secondHalfOpsPerS: number;
}

function run(commands: Commands, vmPages: number): Run {
  const env = new KernelEnv(optionsFor(), () => undefined);
  const rObj = resvObjectAlloc();
  const vm = gpuvmInit(env, {
    flags: { immediateMode: false, resvProtected: false },
    start: 0,
    range: vmPages * PAGE,
    kernelStart: 0,
    kernelRange: 0,
    rObj,
  });
  gemPut(env, rObj);
  // Nothing here keeps a removed VA: let the driver reuse them, as replay does.
  vm.reuseVas = true;
  const bos = [1, 2, 3, 4].map((id) => new GemObject(String(id), 2 ** 40, new Lock(`bo${id}.resv`)));
  const state: DriverState = { vm, lockMode: 'exec', objects: bos };
  let ops = 0;
  const count = (list: readonly GpuVaOp[]) => {
    ops += list.length;
  };
  const { kind, page, pages, bo, offsetPage } = commands;
  const half = commands.count >> 1;
  let halfCpu = { user: 0, system: 0 };
  let halfOps = 0;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (let i = 0; i < commands.count; i++) {
    if (i === half) {
      halfCpu = process.cpuUsage();
      halfOps = ops;
    }
    const addr = (page[i] as number) * PAGE;
    const range = (pages[i] as number) * PAGE;
    if (kind[i] === 0) {
      const id = bo[i] as number;
      const obj = id ? (bos[id - 1] as GemObject) : null;
      driverMap(state, { addr, range, obj, offset: (offsetPage[i] as number) * PAGE }, count);
    } else {
      driverUnmap(state, addr, range, count);
    }
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const seconds = (cpu.user + cpu.system) / 1e6;
  const secondHalf = process.cpuUsage(halfCpu);
  const secondHalfOpsPerS = (ops - halfOps) / ((secondHalf.user + secondHalf.system) / 1e6);
  return { live: vm.tree.size, seconds, wallSeconds, ops, heapMb: process.memoryUsage().heapUsed / 2 ** 20, secondHalfOpsPerS };
}

function format(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`;
}

// VM sizes (in pages) at which the random workload settles near the target
// number of live mappings.
const SIZES = [
  { target: '10k', vmPages: 90_000 },
  { target: '35k', vmPages: 318_000 },
  { target: '90k', vmPages: 810_000 },
];

console.log(`engine: ${format(COMMANDS)} commands per size (3/4 maps of 1-24 pages over 4 BOs, 1/8 sparse; 1/4 unmaps)`);
const only = process.env.BENCH_SIZES?.split(',');
for (const size of SIZES.filter((candidate) => !only || only.includes(candidate.target))) {
  run(prepare(50_000, size.vmPages, 1234), size.vmPages); // warm up the JIT
  const result = run(prepare(COMMANDS, size.vmPages, 1234), size.vmPages);
  const opsPerS = result.ops / result.seconds;
  const kernel = KERNEL_OPS_PER_S[size.target] as number;
  console.log(
    `  ~${size.target} live (ended with ${result.live}): ${format(opsPerS)} ops/s = ${(opsPerS / kernel).toFixed(2)}x the kernel's ${format(kernel)}; ` +
      `${format(COMMANDS / result.seconds)} commands/s (${result.seconds.toFixed(2)} s CPU, ${result.wallSeconds.toFixed(2)} s wall), ` +
      `heap ${result.heapMb.toFixed(0)} MB; second half alone ${format(result.secondHalfOpsPerS)} ops/s = ${(result.secondHalfOpsPerS / kernel).toFixed(2)}x`,
  );
}

/** Runs `node args...` with standard output into `outPath`; returns wall seconds. */
function timeNode(args: readonly string[], outPath: string): number {
  const out = openSync(outPath, 'w');
  try {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { stdio: ['ignore', out, 'inherit'] });
    const seconds = (performance.now() - started) / 1000;
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status}`);
    return seconds;
  } finally {
    closeSync(out);
  }
}

// End to end: the CLI replaying a generated script, and a raw read-and-write
// of the same file beside it.
const dir = mkdtempSync(join(tmpdir(), 'gpuvm-lens-bench-'));
try {
  const vmPages = 262_000;
  const script = join(dir, 'bench.gpuvm');
  const lines = [
    'vm 0x0 0x' + (vmPages * PAGE).toString(16) + ' 0x0 0x0',
    'bo 1 0x10000000000',
    'bo 2 0x10000000000',
    'bo 3 0x10000000000',
    'bo 4 0x10000000000',
  ];
  // Prefill: SCRIPT_PREFILL disjoint mappings of 1-4 pages spread over the window.
  const prefillRandom = mulberry32(7);
  const stride = Math.floor(vmPages / SCRIPT_PREFILL);
  for (let i = 0; i < SCRIPT_PREFILL; i++) {
    const pages = 1 + Math.floor(prefillRandom() * Math.min(4, stride));
    const bo = 1 + (i % 4);
    lines.push(`map 0x${(i * stride * PAGE).toString(16)} 0x${(pages * PAGE).toString(16)} ${bo} 0x${(i * PAGE).toString(16)}`);
  }
  for (const c of generate(SCRIPT_COMMANDS, vmPages, 99, 0.1)) {
    const where = `0x${(c.page * PAGE).toString(16)} 0x${(c.pages * PAGE).toString(16)}`;
    lines.push(c.kind === 'map' ? `map ${where} ${c.bo || 'none'} 0x${(c.offsetPage * PAGE).toString(16)}` : `${c.kind} ${where}`);
  }
  writeFileSync(script, lines.join('\n') + '\n');
  const commands = lines.length;
  const replayOut = join(dir, 'replay.out');
  const rawOut = join(dir, 'raw.out');
  const raw = "const fs = require('fs'); fs.writeFileSync(1, fs.readFileSync(process.argv[1]));";
  timeNode(['-e', raw, script], rawOut); // warm the page cache
  const rawSeconds = timeNode(['-e', raw, script], rawOut);
  const replaySeconds = timeNode([join(__dirname, 'cli.js'), 'replay', script], replayOut);
  const rate = commands / replaySeconds;
  console.log(
    `replay CLI: ${format(commands)} commands (${format(SCRIPT_PREFILL)} prefilled mappings, then random map/unmap/madvise) in ` +
      `${replaySeconds.toFixed(2)} s wall = ${format(rate)} commands/s = ${(rate / KERNEL_SCRIPT_COMMANDS_PER_S).toFixed(2)}x the kernel's ` +
      `${format(KERNEL_SCRIPT_COMMANDS_PER_S)} (${(statSync(replayOut).size / 2 ** 20).toFixed(0)} MB of output)`,
  );
  console.log(
    `  raw baseline, node -e reading the script and writing it to a file: ${rawSeconds.toFixed(2)} s wall ` +
      `(${(statSync(script).size / 2 ** 20).toFixed(0)} MB); replay takes ${(replaySeconds / rawSeconds).toFixed(1)}x as long`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
