/**
 * Runs a parsed GPUVM replay script against the model and renders the
 * canonical output of `gpuvm-lens replay` (README.md, "GPUVM scripts"), one
 * block of lines per script line, plus the lines printed while the VM is torn down at the end.
 *
 * Invariants: the runner never throws. Replay errors print `ERR ...`; a
 * modelled kernel NULL dereference prints `CRASH SIGSEGV` and every later line
 * prints `NOT-RUN`, as the real kernel code would stop there. An unexpected
 * internal error is reported as `ERR internal: ...` on its line and the script
 * goes on.
 */

import { hex, type U64 } from '../base/u64';
import type { ScriptCommand, ScriptLine } from '../parse/script/parse-script';
import { DrmExec, execLock, execLockRange } from './exec';
import {
  driverBoUnmap,
  driverInsert,
  driverMadvise,
  driverMap,
  driverRemove,
  driverTeardown,
  driverUnmap,
  type DriverState,
  type LockMode,
} from './driver';
import {
  gemPut,
  gpuvmInit,
  intervalEmpty,
  rangeValid,
  resvObjectAlloc,
  vaFind,
  vaFindFirst,
  vaFindNext,
  vaFindPrev,
} from './gpuvm';
import { KernelEnv, KernelOops, Lock, type KernelEvent } from './kernel-env';
import { GemObject, type GpuVa, type GpuVm } from './objects';
import { optionsFor, type ModelOptions } from './options';
import { prefetchOps, type GpuVaOp, type MapDesc } from './split-merge';

/** A kernel event as it happened while a given script line ran (`index`; -1: teardown). */
export interface ScriptEvent {
  readonly index: number;
  readonly event: KernelEvent;
}

export interface RunOptions {
  /** Record every kernel event and the line that inserted each VA (for analyzers). */
  readonly trace?: boolean;
}

export interface ScriptResult {
  /** Output lines of each script line, in script order. */
  readonly blocks: string[][];
  /** Lines printed while the VM was torn down after the last line. */
  readonly teardown: string[];
  /** Where the modelled kernel crashed: the script line index (-1: teardown) and kernel function. */
  readonly crash: { readonly index: number; readonly where: string } | null;
  /** With `trace`: every kernel event, in order. */
  readonly events: readonly ScriptEvent[];
  /** With `trace`: the script line index that inserted each VA. */
  readonly origins: WeakMap<GpuVa, number>;
  /** Objects still allocated after the final teardown (the harness's allocation check). */
  readonly leaks: readonly string[];
}

// ---------------------------------------------------------------------------
// Rendering

function objLabel(obj: GemObject | null): string {
  return obj ? obj.label : 'none';
}

function describe(addr: U64, range: U64, obj: GemObject | null, offset: U64): string {
  return `addr=${hex(addr)} range=${hex(range)} obj=${objLabel(obj)} off=${hex(offset)}`;
}

function describeVa(va: GpuVa): string {
  if (va.kernel) return `addr=${hex(va.addr)} range=${hex(va.range)} KERNEL`;
  return describe(va.addr, va.range, va.obj, va.offset);
}

function describeMap(desc: MapDesc): string {
  return describe(desc.addr, desc.range, desc.obj, desc.offset);
}

/** One op as the replay output prints it. */
export function formatOp(op: GpuVaOp): string {
  switch (op.kind) {
    case 'map':
      return `MAP ${describeMap(op.map)}`;
    case 'remap': {
      const prev = op.prev ? `[${describeMap(op.prev)}]` : 'none';
      const next = op.next ? `[${describeMap(op.next)}]` : 'none';
      return `REMAP prev=${prev} next=${next} unmap=[${describeVa(op.unmap.va)} keep=${op.unmap.keep ? 1 : 0}]`;
    }
    case 'unmap':
      return `UNMAP ${describeVa(op.va)} keep=${op.keep ? 1 : 0}`;
    case 'prefetch':
      return `PREFETCH ${describeVa(op.va)}`;
  }
}

function formatFound(va: GpuVa | null): string {
  return va ? `FOUND ${describeVa(va)}` : 'NONE';
}

// ---------------------------------------------------------------------------
// The runner

class ScriptRunner {
  private readonly env: KernelEnv;
  private vm: GpuVm | null = null;
  private readonly bos = new Map<U64, GemObject>();
  private lockMode: LockMode = 'exec';
  private lockLog = false;
  private out: string[] = [];
  private index = -1;
  private readonly events: ScriptEvent[] = [];
  private readonly origins = new WeakMap<GpuVa, number>();
  /** Every VM the script created, for the leak check. */
  private readonly vms: GpuVm[] = [];

  constructor(
    options: ModelOptions,
    private readonly tracing: boolean,
  ) {
    this.env = new KernelEnv(options, (event) => this.onKernelEvent(event));
    if (tracing) this.env.onInsert = (va) => this.origins.set(va, this.index);
  }

  private onKernelEvent(event: KernelEvent): void {
    if (this.tracing) this.events.push({ index: this.index, event });
    switch (event.kind) {
      case 'warn':
        this.out.push(`WARN ${event.text}`);
        break;
      case 'lockdep':
        if (!event.held) this.out.push(`LOCKDEP-FAIL ${event.assertion}(${event.lock}) in ${event.fn}`);
        else if (this.lockLog) this.out.push(`LOCKDEP ${event.assertion}(${event.lock}) in ${event.fn}: held`);
        break;
      case 'apply-error':
        // The harness's wording: the MAP op's fields for a failed map, the piece alone for a remap.
        this.out.push(
          event.piece === 'MAP'
            ? `APPLY-ERR map insert failed ${describeVa(event.va)}`
            : `APPLY-ERR remap ${event.piece === 'PREV' ? 'prev' : 'next'} insert failed`,
        );
        break;
    }
  }

  private crash: ScriptResult['crash'] = null;
  private lineCount = 0;

  run(lines: readonly ScriptLine[]): ScriptResult {
    const blocks = lines.map((line) => this.step(line.command));
    return { blocks, ...this.end() };
  }

  /** Runs the next script line; returns its output block. */
  step(command: ScriptCommand): string[] {
    const index = this.lineCount++;
    if (this.crash) return ['NOT-RUN'];
    this.index = index;
    const where = this.guarded(() => this.execute(command));
    if (where) this.crash = { index, where };
    return this.take();
  }

  /** After the last line: tears everything down and checks for leaks. */
  end(): Omit<ScriptResult, 'blocks'> {
    if (!this.crash) {
      this.index = -1;
      const where = this.guarded(() => this.finish());
      if (where) this.crash = { index: -1, where };
    }
    const leaks = this.crash ? [] : this.leaks();
    return { teardown: this.take(), crash: this.crash, events: this.events, origins: this.origins, leaks };
  }

  /** Runs `body`; returns the kernel function that crashed, if the modelled kernel did. */
  private guarded(body: () => void): string | null {
    try {
      body();
      return null;
    } catch (error) {
      if (error instanceof KernelOops) {
        this.out.push('CRASH SIGSEGV');
        return error.where;
      }
      this.out.push(`ERR internal: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  private take(): string[] {
    const lines = this.out;
    this.out = [];
    return lines;
  }

  private driverState(vm: GpuVm): DriverState {
    return { vm, lockMode: this.lockMode, objects: this.bos.values() };
  }

  private lookupBo(id: U64 | null): GemObject | null | undefined {
    if (id === null) return null;
    return this.bos.get(id);
  }

  private readonly printOps = (ops: readonly GpuVaOp[]): void => {
    for (const op of ops) this.out.push(formatOp(op));
  };

  private execute(command: ScriptCommand): void {
    switch (command.kind) {
      case 'comment':
        return;
      case 'bad':
        this.out.push('ERR bad-command');
        return;
      case 'lockmode':
        this.lockMode = command.mode;
        return;
      case 'locklog':
        this.lockLog = command.on;
        this.env.reportHeldLocks = command.on;
        return;
      case 'vm':
        this.createVm(command);
        return;
      case 'bo':
        this.createBo(command.id, command.size, command.private);
        return;
      default:
        break;
    }
    const vm = this.vm;
    if (!vm) {
      this.out.push('ERR no-vm');
      return;
    }
    const state = this.driverState(vm);
    switch (command.kind) {
      case 'map':
      case 'insert': {
        const obj = this.lookupBo(command.bo);
        if (obj === undefined) {
          this.out.push('ERR no-such-bo');
          return;
        }
        const desc = { addr: command.addr, range: command.range, obj, offset: command.offset };
        if (command.kind === 'map') {
          const ret = driverMap(state, desc, this.printOps);
          if (ret) this.out.push(`ERR ${ret}`);
        } else {
          driverInsert(state, desc, (ret) => this.out.push(`RET ${ret}`));
        }
        return;
      }
      case 'unmap': {
        const ret = driverUnmap(state, command.addr, command.range, this.printOps);
        if (ret) this.out.push(`ERR ${ret}`);
        return;
      }
      case 'madvise': {
        const ret = driverMadvise(state, command.addr, command.range, this.printOps);
        if (ret) this.out.push(`ERR ${ret}`);
        return;
      }
      case 'prefetch':
        this.printOps(prefetchOps(vm, command.addr, command.range));
        return;
      case 'bounmap': {
        const obj = this.bos.get(command.bo);
        if (!obj) {
          this.out.push('ERR no-such-bo');
          return;
        }
        if (driverBoUnmap(state, obj, this.printOps) === 'none') this.out.push('NONE');
        return;
      }
      case 'remove': {
        const ret = driverRemove(state, command.addr, command.range);
        if (ret === 'none') this.out.push('NONE');
        else if (ret === 0) this.out.push('RET 0');
        return;
      }
      case 'find':
        this.out.push(formatFound(vaFind(vm, command.addr, command.range)));
        return;
      case 'find_first':
        this.out.push(formatFound(vaFindFirst(vm, command.addr, command.range)));
        return;
      case 'find_prev':
        this.out.push(formatFound(vaFindPrev(vm, command.at)));
        return;
      case 'find_next':
        this.out.push(formatFound(vaFindNext(vm, command.at)));
        return;
      case 'empty':
        this.out.push(`EMPTY ${intervalEmpty(vm, command.addr, command.range) ? 1 : 0}`);
        return;
      case 'valid':
        this.out.push(`VALID ${rangeValid(vm, command.addr, command.range) ? 1 : 0}`);
        return;
      case 'execlock':
        this.runExec((exec) => execLock(vm, exec));
        return;
      case 'execlock_range':
        this.runExec((exec) => execLockRange(vm, exec, command.addr, command.range));
        return;
      case 'dump':
        for (const va of vm.tree) this.out.push(`VA ${describeVa(va)}`);
        return;
      case 'bos':
        this.printBos(vm);
        return;
    }
  }

  /** `drm_gpuvm_exec_lock*` with one fence slot and ignore-duplicates; prints what got locked. */
  private runExec(lock: (exec: DrmExec) => 0 | string): void {
    const exec = new DrmExec(this.env, true);
    const ret = lock(exec);
    if (ret) this.out.push(`ERR ${ret}`);
    else this.out.push(['LOCKED', ...(exec.objects.length ? [exec.objects.map((obj) => obj.label).join(',')] : [])].join(' '));
    exec.fini();
  }

  /**
   * Destroys the VM as the harness does between scripts: with every lock held
   * and without logging passing assertions, so that a teardown prints only
   * what the kernel itself reports (WARNs, a crash).
   */
  private teardownVm(): void {
    const vm = this.vm;
    if (!vm) return;
    this.vm = null;
    this.env.reportHeldLocks = false;
    try {
      driverTeardown({ vm, lockMode: 'all', objects: this.bos.values() });
    } finally {
      this.env.reportHeldLocks = this.lockLog;
    }
  }

  private createVm(command: Extract<ScriptCommand, { kind: 'vm' }>): void {
    this.teardownVm();
    const rObj = resvObjectAlloc();
    this.vm = gpuvmInit(this.env, {
      name: 'replay',
      flags: { immediateMode: command.immediate, resvProtected: command.resvProtected },
      start: command.start,
      range: command.range,
      kernelStart: command.kernelStart,
      kernelRange: command.kernelRange,
      rObj,
    });
    // The driver hands its allocation reference over to the VM.
    gemPut(this.env, rObj);
    this.vms.push(this.vm);
  }

  private createBo(id: U64, size: U64, isPrivate: boolean): void {
    if (this.bos.has(id)) {
      this.out.push('ERR bo-exists');
      return;
    }
    const label = id.toString(10);
    let resv: Lock;
    if (isPrivate) {
      if (!this.vm) {
        this.out.push('ERR no-vm');
        return;
      }
      resv = this.vm.resv;
    } else {
      resv = new Lock(`bo${label}.resv`);
    }
    this.bos.set(id, new GemObject(label, size, resv));
  }

  private printBos(vm: GpuVm): void {
    const ids = [...this.bos.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const id of ids) {
      const obj = this.bos.get(id) as GemObject;
      let vmBo = null;
      for (const candidate of obj.vmBos) if (candidate.vm === vm) vmBo = candidate;
      const head = `BO ${obj.label} ref=${obj.refcount.value}`;
      if (!vmBo) {
        this.out.push(`${head} vm_bo=none`);
        continue;
      }
      const vas = [...vmBo.vas].map((va) => `${hex(va.addr)}+${hex(va.range)}`).join(',');
      this.out.push(
        `${head} vm_bo=[ref=${vmBo.kref.value} vas=${vmBo.vas.size} extobj=${vm.extobj.has(vmBo) ? 1 : 0} ` +
          `evicted=${vmBo.evicted ? 1 : 0}] va=[${vas}]`,
      );
    }
  }

  /** What is still allocated after the end of the script: with balanced references, nothing. */
  private leaks(): string[] {
    const leaks: string[] = [];
    for (const vm of this.vms) {
      if (!vm.freed) leaks.push(`VM (kref ${vm.kref.value})`);
      if (!vm.rObj.freed) leaks.push(`VM resv object (ref ${vm.rObj.refcount.value})`);
    }
    for (const obj of this.bos.values()) {
      if (!obj.freed) leaks.push(`BO ${obj.label} (ref ${obj.refcount.value})`);
      for (const vmBo of obj.vmBos) leaks.push(`VM_BO of BO ${obj.label} (ref ${vmBo.kref.value})`);
    }
    return leaks;
  }

  /** End of script: tear the VM down, release the BOs. */
  private finish(): void {
    this.teardownVm();
    for (const obj of this.bos.values()) gemPut(this.env, obj);
  }
}

/** Replays a parsed script and returns its canonical output. */
export function runScript(lines: readonly ScriptLine[], options: ModelOptions = optionsFor(), run: RunOptions = {}): ScriptResult {
  return new ScriptRunner(options, run.trace ?? false).run(lines);
}

/** A replay fed one command at a time, for streaming large scripts. */
export interface ScriptReplay {
  /** Runs the next line; returns its output lines. */
  step(command: ScriptCommand): string[];
  /** Ends the script: the teardown's output lines. */
  end(): string[];
}

export function createScriptReplay(options: ModelOptions = optionsFor()): ScriptReplay {
  const runner = new ScriptRunner(options, false);
  return { step: (command) => runner.step(command), end: () => runner.end().teardown };
}

/** The whole canonical output as text, as `gpuvm-lens replay` prints it. */
export function renderScriptResult(result: ScriptResult): string {
  const lines = [...result.blocks.flat(), ...result.teardown];
  return lines.length ? lines.join('\n') + '\n' : '';
}
