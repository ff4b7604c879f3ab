/**
 * Model-based property test: random map / unmap / madvise sequences are
 * replayed through the engine (with the driver policy of the replay scripts)
 * and through a deliberately naive model (a sorted array of mappings). After
 * every step the VA spaces must be equal, the op lists must respect the
 * kernel's bounds and keep rules, and `checkInvariants` must find nothing.
 *
 * A failure is shrunk to a minimal command list and printed as a GPUVM script
 * that can be pasted into a regression fixture.
 */

import { describe, expect, it } from 'vitest';
import { add, hex, sub, toU64 } from '../../../src/base/u64';
import { driverMadvise, driverMap, driverUnmap, type DriverState } from '../../../src/model/driver';
import { gemPut, gpuvmInit, resvObjectAlloc } from '../../../src/model/gpuvm';
import { checkInvariants } from '../../../src/model/invariants';
import { KernelEnv, Lock, type KernelEvent } from '../../../src/model/kernel-env';
import { GemObject } from '../../../src/model/objects';
import { optionsFor } from '../../../src/model/options';
import type { GpuVaOp } from '../../../src/model/split-merge';
import { Random } from '../../helpers/random';

const PAGE = 0x1000n;
const VM_PAGES = 256;

type Command =
  | { kind: 'map'; addr: bigint; range: bigint; bo: number | null; offset: bigint }
  | { kind: 'unmap' | 'madvise'; addr: bigint; range: bigint };

interface NaiveVa {
  addr: bigint;
  range: bigint;
  bo: number | null;
  offset: bigint;
}

function toScript(commands: readonly Command[]): string {
  const lines = [
    `vm 0x0 ${hex(BigInt(VM_PAGES) * PAGE)} 0x0 0x0`,
    'bo 1 0x100000',
    'bo 2 0x100000',
    'bo 3 0x100000',
    'bo 4 0x100000 private',
  ];
  for (const c of commands) {
    if (c.kind === 'map') lines.push(`map ${hex(c.addr)} ${hex(c.range)} ${c.bo ?? 'none'} ${hex(c.offset)}`);
    else lines.push(`${c.kind} ${hex(c.addr)} ${hex(c.range)}`);
  }
  return lines.join('\n');
}

/** The naive model: cut every mapping the request overlaps, keep the outside pieces. */
function naiveCut(vas: NaiveVa[], start: bigint, end: bigint, filter: (va: NaiveVa) => boolean = () => true): NaiveVa[] {
  const out: NaiveVa[] = [];
  for (const va of vas) {
    const vaEnd = va.addr + va.range;
    if (vaEnd <= start || va.addr >= end || !filter(va)) {
      out.push(va);
      continue;
    }
    if (va.addr < start) out.push({ ...va, range: start - va.addr });
    if (vaEnd > end) out.push({ ...va, addr: end, range: vaEnd - end, offset: add(va.offset, end - va.addr) });
  }
  return out;
}

function naiveApply(vas: NaiveVa[], command: Command): NaiveVa[] {
  const start = command.addr;
  const end = command.addr + command.range;
  if (command.kind === 'unmap') return naiveCut(vas, start, end);
  if (command.kind === 'map') {
    return [...naiveCut(vas, start, end), { addr: start, range: command.range, bo: command.bo, offset: command.offset }];
  }
  // madvise: NULL-object mappings that cross an edge of the request are split
  // there; the piece inside the request restarts at offset 0.
  const out: NaiveVa[] = [];
  for (const va of vas) {
    const vaEnd = va.addr + va.range;
    const crosses = va.bo === null && vaEnd > start && va.addr < end && (va.addr < start || vaEnd > end);
    if (!crosses) {
      out.push(va);
      continue;
    }
    const innerStart = va.addr > start ? va.addr : start;
    const innerEnd = vaEnd < end ? vaEnd : end;
    if (va.addr < start) out.push({ ...va, range: start - va.addr });
    out.push({ addr: innerStart, range: innerEnd - innerStart, bo: null, offset: 0n });
    if (vaEnd > end) out.push({ ...va, addr: end, range: vaEnd - end, offset: add(va.offset, end - va.addr) });
  }
  return out;
}

function sorted(vas: NaiveVa[]): NaiveVa[] {
  return [...vas].sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
}

function render(vas: readonly NaiveVa[]): string[] {
  return vas.map((va) => `${hex(va.addr)}+${hex(va.range)} ${va.bo ?? 'none'}@${hex(va.offset)}`);
}

/** Replays `commands`; returns a description of the first violation, or undefined. */
function check(commands: readonly Command[], tamper: (vas: NaiveVa[]) => NaiveVa[] = (vas) => vas): string | undefined {
  const events: KernelEvent[] = [];
  const env = new KernelEnv(optionsFor(), (event) => {
    if (event.kind !== 'lockdep' || !event.held) events.push(event);
  });
  const rObj = resvObjectAlloc();
  const vm = gpuvmInit(env, {
    flags: { immediateMode: false, resvProtected: false },
    start: 0n,
    range: BigInt(VM_PAGES) * PAGE,
    kernelStart: 0n,
    kernelRange: 0n,
    rObj,
  });
  gemPut(env, rObj);
  const bos = [1, 2, 3, 4].map((id) => new GemObject(String(id), 0x100000n, id === 4 ? vm.resv : new Lock(`bo${id}.resv`)));
  const state: DriverState = { vm, lockMode: 'exec', objects: bos };
  let naive: NaiveVa[] = [];

  for (const [index, command] of commands.entries()) {
    const where = `step ${index + 1} (${command.kind} ${hex(command.addr)} ${hex(command.range)})`;
    let ops: readonly GpuVaOp[] = [];
    const observe = (list: readonly GpuVaOp[]) => (ops = list);
    const ret =
      command.kind === 'map'
        ? driverMap(
            state,
            {
              addr: command.addr,
              range: command.range,
              obj: command.bo ? (bos[command.bo - 1] as GemObject) : null,
              offset: command.offset,
            },
            observe,
          )
        : command.kind === 'unmap'
          ? driverUnmap(state, command.addr, command.range, observe)
          : driverMadvise(state, command.addr, command.range, observe);
    if (ret !== 0) return `${where}: unexpected ${ret}`;
    if (events.length > 0)
      return `${where}: unexpected kernel event ${JSON.stringify(events[0], (_k, v) => (typeof v === 'bigint' ? hex(v) : v)).slice(0, 200)}`;

    if (command.kind === 'map') {
      const last = ops[ops.length - 1];
      if (!last || last.kind !== 'map') return `${where}: MAP is not the last op`;
      if (ops.filter((op) => op.kind === 'map').length !== 1) return `${where}: not exactly one MAP`;
      if (ops.filter((op) => op.kind === 'remap').length > 2) return `${where}: more than two REMAPs`;
      const reqObj = command.bo ? bos[command.bo - 1] : null;
      for (const op of ops) {
        const unmap = op.kind === 'remap' ? op.unmap : op.kind === 'unmap' ? op : null;
        if (!unmap) continue;
        const va = unmap.va;
        const contiguous = add(toU64(va.offset), sub(command.addr, toU64(va.addr))) === command.offset;
        const keep = va.obj !== null && va.obj === reqObj && contiguous;
        if (unmap.keep !== keep) return `${where}: keep=${unmap.keep} for ${hex(va.addr)}, expected ${keep}`;
      }
    } else if (ops.some((op) => (op.kind === 'remap' ? op.unmap.keep : op.kind === 'unmap' && op.keep))) {
      return `${where}: keep set outside a map request`;
    }

    naive = tamper(sorted(naiveApply(naive, command)));
    const engine = [...vm.tree].map((va) => ({
      addr: toU64(va.addr),
      range: toU64(va.range),
      bo: va.obj ? Number(va.obj.label) : null,
      offset: toU64(va.offset),
    }));
    const want = render(naive).join('\n');
    const got = render(engine).join('\n');
    if (want !== got) return `${where}: VA space differs\nengine:\n${got}\nnaive:\n${want}`;
    const problems = checkInvariants(vm, bos);
    if (problems.length > 0) return `${where}: ${problems.join('; ')}`;
  }
  return undefined;
}

function randomCommand(random: Random, sparseShare: number): Command {
  const pages = random.int(1, 24);
  const addr = BigInt(random.int(0, VM_PAGES - pages)) * PAGE;
  const range = BigInt(pages) * PAGE;
  const roll = random.next();
  if (roll < 0.25) return { kind: 'unmap', addr, range };
  if (roll < 0.25 + 0.1) return { kind: 'madvise', addr, range };
  const bo = random.chance(sparseShare) ? null : random.int(1, 4);
  // Offsets often continue a neighbour so that keep=1 cases are exercised.
  const offset = BigInt(random.pick([0, 0, addr / PAGE, random.int(0, 64)].map(Number))) * PAGE;
  return { kind: 'map', addr, range, bo, offset };
}

/** Drops commands while the failure persists (delta-debugging, one at a time). */
function shrink(commands: Command[]): Command[] {
  let current = commands;
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = current.length - 1; i >= 0; i--) {
      const candidate = [...current.slice(0, i), ...current.slice(i + 1)];
      if (check(candidate) !== undefined) {
        current = candidate;
        changed = true;
      }
    }
  }
  return current;
}

function runSeeds(seeds: number, steps: number, sparseShare: number): number {
  let total = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const random = new Random(seed * 7919 + Math.round(sparseShare * 1000));
    const commands = Array.from({ length: steps }, () => randomCommand(random, sparseShare));
    const failure = check(commands);
    if (failure !== undefined) {
      const minimal = shrink(commands);
      throw new Error(`seed ${seed}: ${failure}\n\nminimal script:\n${toScript(minimal)}\n(${check(minimal)})`);
    }
    total += steps;
  }
  return total;
}

describe('split/merge against a naive model', () => {
  it('agrees on 6,000 random map/unmap/madvise steps with BO-backed mappings (1/8 sparse)', () => {
    expect(runSeeds(100, 60, 1 / 8)).toBe(6000);
  });

  it('agrees on 6,000 random steps dominated by sparse mappings, where madvise splits', () => {
    expect(runSeeds(100, 60, 3 / 4)).toBe(6000);
  });

  it('detects a VA space that differs from the expected one (the check can fail)', () => {
    const commands: Command[] = [{ kind: 'map', addr: 0n, range: 4n * PAGE, bo: 1, offset: 0n }];
    expect(check(commands)).toBeUndefined();
    const shifted = (vas: NaiveVa[]) => vas.map((va) => ({ ...va, offset: va.offset + PAGE }));
    expect(check(commands, shifted)).toMatch(/VA space differs/);
  });
});
