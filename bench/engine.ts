/**
 * `npm run bench:engine`: throughput of the drm_gpuvm model in one Node
 * process. One million random commands (3/4 maps of 1 to 24 pages over four
 * BOs, 1/8 of them sparse; 1/4 unmaps), replayed with the same driver policy
 * as the replay scripts, at about 10k, 35k and 90k live mappings; prints
 * commands/s and ops/s for each size, and the heap in use. Then times
 * `gpuvm-lens replay` end to end on a generated 1M-command script.
 *
 * Not a test: it prints figures, it asserts nothing.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const PAGE = 0x1000;
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 1_000_000);

/** The same commands on every run. */
const rng = mulberry32;

interface Command {
  readonly map: boolean;
  readonly addr: bigint;
  readonly range: bigint;
  readonly bo: number; // 0 = sparse
  readonly offset: bigint;
}

/**
 * The random commands, produced one at a time: holding a million of them would
 * put 100 MB of bench data in the heap that every major GC has to mark.
 */
function* generate(count: number, vmPages: number, seed: number): IterableIterator<Command> {
  const random = rng(seed);
  for (let i = 0; i < count; i++) {
    const pages = 1 + Math.floor(random() * 24);
    const page = Math.floor(random() * (vmPages - pages));
    const map = random() < 0.75;
    const bo = map && random() >= 1 / 8 ? 1 + Math.floor(random() * 4) : 0;
    yield {
      map,
      addr: BigInt(page * PAGE),
      range: BigInt(pages * PAGE),
      bo,
      offset: BigInt(Math.floor(random() * 4096) * PAGE),
    };
  }
}

interface Run {
  readonly live: number;
  /** CPU seconds of this process (user + system): robust against a busy machine. */
  readonly seconds: number;
  readonly wallSeconds: number;
  readonly ops: number;
  readonly heapMb: number;
}

function run(commands: Iterable<Command>, vmPages: number): Run {
  const env = new KernelEnv(optionsFor(), () => undefined);
  const rObj = resvObjectAlloc();
  const vm = gpuvmInit(env, {
    flags: { immediateMode: false, resvProtected: false },
    start: 0n,
    range: BigInt(vmPages * PAGE),
    kernelStart: 0n,
    kernelRange: 0n,
    rObj,
  });
  gemPut(env, rObj);
  const bos = [1, 2, 3, 4].map((id) => new GemObject(String(id), 1n << 40n, new Lock(`bo${id}.resv`)));
  const state: DriverState = { vm, lockMode: 'exec', objects: bos };
  let ops = 0;
  const count = (list: readonly GpuVaOp[]) => {
    ops += list.length;
  };
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (const command of commands) {
    if (command.map) {
      const obj = command.bo ? (bos[command.bo - 1] as GemObject) : null;
      driverMap(state, { addr: command.addr, range: command.range, obj, offset: command.offset }, count);
    } else {
      driverUnmap(state, command.addr, command.range, count);
    }
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const seconds = (cpu.user + cpu.system) / 1e6;
  return { live: vm.tree.size, seconds, wallSeconds, ops, heapMb: process.memoryUsage().heapUsed / 2 ** 20 };
}

function format(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`;
}

// VM sizes (in pages) at which the random workload settles near the target
// number of live mappings.
const SIZES = [
  { target: '10k', vmPages: 75_000 },
  { target: '35k', vmPages: 262_000 },
  { target: '90k', vmPages: 675_000 },
];

console.log(`engine: ${format(COMMANDS)} commands per size (3/4 maps of 1-24 pages over 4 BOs, 1/8 sparse; 1/4 unmaps)`);
for (const size of SIZES) {
  run(generate(50_000, size.vmPages, 1234), size.vmPages); // warm up the JIT
  const result = run(generate(COMMANDS, size.vmPages, 1234), size.vmPages);
  console.log(
    `  ~${size.target} live (ended with ${result.live}): ${format(COMMANDS / result.seconds)} commands/s, ` +
      `${format(result.ops / result.seconds)} ops/s (${result.seconds.toFixed(2)} s CPU, ${result.wallSeconds.toFixed(2)} s wall), ` +
      `heap ${result.heapMb.toFixed(0)} MB`,
  );
}

// End to end: the CLI replaying a 1M-command script.
const dir = mkdtempSync(join(tmpdir(), 'gpuvm-lens-bench-'));
try {
  const script = join(dir, 'bench.gpuvm');
  const lines = ['vm 0x0 0x' + (262_000 * PAGE).toString(16) + ' 0x0 0x0', 'bo 1 0x10000000000', 'bo 2 0x10000000000', 'bo 3 0x10000000000', 'bo 4 0x10000000000'];
  for (const c of generate(COMMANDS, 262_000, 99)) {
    lines.push(
      c.map
        ? `map 0x${c.addr.toString(16)} 0x${c.range.toString(16)} ${c.bo || 'none'} 0x${c.offset.toString(16)}`
        : `unmap 0x${c.addr.toString(16)} 0x${c.range.toString(16)}`,
    );
  }
  writeFileSync(script, lines.join('\n') + '\n');
  const started = performance.now();
  const output = execFileSync(process.execPath, [join(__dirname, 'cli.js'), 'replay', script], { maxBuffer: 1 << 30 });
  const wall = (performance.now() - started) / 1000;
  console.log(
    `replay CLI: ${format(COMMANDS)} commands in ${wall.toFixed(2)} s wall = ${format(COMMANDS / wall)} commands/s end to end ` +
      `(${(output.length / 2 ** 20).toFixed(0)} MB of output)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
