/**
 * Runs a parsed GPUVM replay script against the model: each script line
 * produces typed records (`replay-output.ts`), one per line of the canonical
 * output of `gpuvm-lens replay` (README.md, "GPUVM scripts"), plus the records
 * of the VM's teardown at the end.
 *
 * Invariants: the runner never throws. Replay errors are `error` records; a
 * modelled kernel NULL dereference is a `crash` record and every later line a
 * `not-run` one, as the real kernel code would stop there. An unexpected
 * internal error is an `internal` record on its line and the script goes on.
 *
 * Values: the VM runs on numbers while every command qualifies
 * (`number-path.ts`); the first command that does not moves it to bigints, and
 * from then on the runner hands the model bigints.
 */

import { toNum64, type Num64 } from '../base/u64';
import { exactCommand, type ScriptCommand, type ScriptLine } from '../parse/script/parse-script';
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
  type Errno,
} from './gpuvm';
import { KernelEnv, KernelOops, Lock, type KernelEvent } from './kernel-env';
import { findNextOnNumbers, findPrevOnNumbers, mapOnNumbers, spanOnNumbers } from './number-path';
import { GemObject, type GpuVa, type GpuVm } from './objects';
import { optionsFor, type ModelOptions } from './options';
import { CRASH, errorRecord, FOUND_NONE, NONE, NOT_RUN, renderRecords, RET_OK, type BoRecord, type ReplayRecord } from './replay-output';
import { prefetchOps, type GpuVaOp } from './split-merge';

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
  /** What each script line produced, in script order: one record per output line. */
  readonly records: readonly (readonly ReplayRecord[])[];
  /** What the VM's teardown after the last line produced. */
  readonly teardownRecords: readonly ReplayRecord[];
  /** `records` as the canonical output lines. */
  readonly blocks: string[][];
  /** `teardownRecords` as the canonical output lines. */
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
// The runner

/** Receives the records of the line being run (or of the teardown), in order. */
export type RecordSink = (record: ReplayRecord) => void;

class ScriptRunner {
  private readonly env: KernelEnv;
  private vm: GpuVm | null = null;
  /** BOs by id: a number below 2^53, else a bigint (`toNum64`), whatever the command carried. */
  private readonly bos = new Map<Num64, GemObject>();
  private lockMode: LockMode = 'exec';
  private lockLog = false;
  private index = -1;
  private readonly events: ScriptEvent[] = [];
  private readonly origins = new WeakMap<GpuVa, number>();
  /** Every VM the script created, for the leak check. */
  private readonly vms: GpuVm[] = [];
  private crash: ScriptResult['crash'] = null;
  private lineCount = 0;

  /**
   * @param reuseVas the sink is done with each record when it returns, so VAs
   *   the driver frees may be reused (`GpuVm.reuseVas`)
   */
  constructor(
    options: ModelOptions,
    private readonly tracing: boolean,
    private readonly emit: RecordSink,
    private readonly reuseVas = false,
  ) {
    this.env = new KernelEnv(options, (event) => this.onKernelEvent(event));
    if (tracing) this.env.onInsert = (va) => this.origins.set(va, this.index);
  }

  private onKernelEvent(event: KernelEvent): void {
    if (this.tracing) this.events.push({ index: this.index, event });
    // Passing assertions are only reported with `locklog on` (KernelEnv), and printed then.
    this.emit(event);
  }

  /** Runs the next script line, emitting its records. */
  step(command: ScriptCommand<Num64>): void {
    const index = this.lineCount++;
    if (this.crash) {
      this.emit(NOT_RUN);
      return;
    }
    this.index = index;
    // `guarded`, inlined: this runs for every line of a script.
    try {
      this.execute(command);
    } catch (error) {
      const where = this.caught(error);
      if (where) this.crash = { index, where };
    }
  }

  /** After the last line: tears everything down (emitting its records) and checks for leaks. */
  end(): Pick<ScriptResult, 'crash' | 'events' | 'origins' | 'leaks'> {
    if (!this.crash) {
      this.index = -1;
      const where = this.guarded(() => this.finish());
      if (where) this.crash = { index: -1, where };
    }
    const leaks = this.crash ? [] : this.leaks();
    return { crash: this.crash, events: this.events, origins: this.origins, leaks };
  }

  /** Runs `body`; returns the kernel function that crashed, if the modelled kernel did. */
  private guarded(body: () => void): string | null {
    try {
      body();
      return null;
    } catch (error) {
      return this.caught(error);
    }
  }

  /** Reports what a line threw; returns the kernel function that crashed, if the modelled kernel did. */
  private caught(error: unknown): string | null {
    if (error instanceof KernelOops) {
      this.emit(CRASH);
      return error.where;
    }
    this.emit({ kind: 'internal', message: error instanceof Error ? error.message : String(error) });
    return null;
  }

  /** The BOs, iterable any number of times (each walk sees the current ones). */
  private readonly objects: Iterable<GemObject> = { [Symbol.iterator]: () => this.bos.values() };
  /** The driver state of the last command, reused while the VM and lock mode stay. */
  private state: DriverState | null = null;

  private driverState(vm: GpuVm): DriverState {
    const state = this.state;
    if (state !== null && state.vm === vm && state.lockMode === this.lockMode) return state;
    return (this.state = { vm, lockMode: this.lockMode, objects: this.objects });
  }

  private lookupBo(id: Num64 | null): GemObject | null | undefined {
    if (id === null) return null;
    return this.bos.get(typeof id === 'bigint' ? toNum64(id) : id);
  }

  private readonly printOps = (ops: readonly GpuVaOp[]): void => {
    for (let i = 0; i < ops.length; i++) this.emit(ops[i] as GpuVaOp);
  };

  /**
   * The command in the VM's representation: a number-path VM meeting a
   * command that does not qualify moves to bigints first (`number-path.ts`).
   */
  private forVm(vm: GpuVm, command: ScriptCommand<Num64>): ScriptCommand<Num64> {
    if (vm.numbers) {
      if (onNumbers(command)) return command;
      vm.widen();
    }
    return exactCommand(command);
  }

  private execute(command: ScriptCommand<Num64>): void {
    switch (command.kind) {
      case 'comment':
        return;
      case 'bad':
        this.emit(errorRecord('bad-command'));
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
      this.emit(errorRecord('no-vm'));
      return;
    }
    command = this.forVm(vm, command);
    const state = this.driverState(vm);
    switch (command.kind) {
      case 'map':
      case 'insert': {
        const obj = this.lookupBo(command.bo);
        if (obj === undefined) {
          this.emit(errorRecord('no-such-bo'));
          return;
        }
        const desc = { addr: command.addr, range: command.range, obj, offset: command.offset };
        if (command.kind === 'map') {
          const ret = driverMap(state, desc, this.printOps);
          if (ret) this.emit(errorRecord(ret));
        } else {
          driverInsert(state, desc, (ret) => this.emit(ret === 0 ? RET_OK : { kind: 'ret', ret }));
        }
        return;
      }
      case 'unmap': {
        const ret = driverUnmap(state, command.addr, command.range, this.printOps);
        if (ret) this.emit(errorRecord(ret));
        return;
      }
      case 'madvise': {
        const ret = driverMadvise(state, command.addr, command.range, this.printOps);
        if (ret) this.emit(errorRecord(ret));
        return;
      }
      case 'prefetch':
        this.printOps(prefetchOps(vm, command.addr, command.range));
        return;
      case 'bounmap': {
        const obj = this.lookupBo(command.bo);
        if (!obj) {
          this.emit(errorRecord('no-such-bo'));
          return;
        }
        if (driverBoUnmap(state, obj, this.printOps) === 'none') this.emit(NONE);
        return;
      }
      case 'remove': {
        const ret = driverRemove(state, command.addr, command.range);
        if (ret === 'none') this.emit(NONE);
        else if (ret === 0) this.emit(RET_OK);
        return;
      }
      case 'find':
        this.found(vaFind(vm, command.addr, command.range));
        return;
      case 'find_first':
        this.found(vaFindFirst(vm, command.addr, command.range));
        return;
      case 'find_prev':
        this.found(vaFindPrev(vm, command.at));
        return;
      case 'find_next':
        this.found(vaFindNext(vm, command.at));
        return;
      case 'empty':
        this.emit({ kind: 'empty', value: intervalEmpty(vm, command.addr, command.range) });
        return;
      case 'valid':
        this.emit({ kind: 'valid', value: rangeValid(vm, command.addr, command.range) });
        return;
      case 'execlock':
        this.runExec((exec) => execLock(vm, exec));
        return;
      case 'execlock_range':
        this.runExec((exec) => execLockRange(vm, exec, command.addr, command.range));
        return;
      case 'dump':
        for (const va of vm.tree) this.emit({ kind: 'va', va });
        return;
      case 'bos':
        this.printBos(vm);
        return;
    }
  }

  private found(va: GpuVa | null): void {
    this.emit(va ? { kind: 'found', va } : FOUND_NONE);
  }

  /** `drm_gpuvm_exec_lock*` with one fence slot and ignore-duplicates; reports what got locked. */
  private runExec(lock: (exec: DrmExec) => 0 | Errno): void {
    const exec = new DrmExec(this.env, true);
    const ret = lock(exec);
    if (ret) this.emit(errorRecord(ret));
    else this.emit({ kind: 'locked', objects: exec.objects.map((obj) => obj.label) });
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

  private createVm(command: Extract<ScriptCommand<Num64>, { kind: 'vm' }>): void {
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
    this.vm.reuseVas = this.reuseVas;
    // The driver hands its allocation reference over to the VM.
    gemPut(this.env, rObj);
    this.vms.push(this.vm);
  }

  private createBo(rawId: Num64, size: Num64, isPrivate: boolean): void {
    const id = typeof rawId === 'bigint' ? toNum64(rawId) : rawId;
    if (this.bos.has(id)) {
      this.emit(errorRecord('bo-exists'));
      return;
    }
    const label = id.toString(10);
    let resv: Lock;
    if (isPrivate) {
      if (!this.vm) {
        this.emit(errorRecord('no-vm'));
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
      const record: BoRecord = {
        kind: 'bo',
        label: obj.label,
        refcount: obj.refcount.value,
        vmBo: vmBo && {
          refcount: vmBo.kref.value,
          vas: [...vmBo.vas],
          extobj: vm.extobj.has(vmBo),
          evicted: vmBo.evicted,
        },
      };
      this.emit(record);
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

/** Whether a command that acts on the VA space qualifies for the number path (`number-path.ts`). */
function onNumbers(command: ScriptCommand<Num64>): boolean {
  switch (command.kind) {
    case 'map':
    case 'insert':
      return mapOnNumbers(command.addr, command.range, command.offset);
    case 'unmap':
    case 'madvise':
    case 'prefetch':
    case 'remove':
    case 'find':
    case 'find_first':
    case 'empty':
    case 'valid':
    case 'execlock_range':
      return spanOnNumbers(command.addr, command.range);
    case 'find_prev':
      return findPrevOnNumbers(command.at);
    case 'find_next':
      return findNextOnNumbers(command.at);
    default:
      return true;
  }
}

/** Replays a parsed script; returns its records and canonical output. */
export function runScript(lines: readonly ScriptLine[], options: ModelOptions = optionsFor(), run: RunOptions = {}): ScriptResult {
  let block: ReplayRecord[] = [];
  const runner = new ScriptRunner(options, run.trace ?? false, (record) => block.push(record));
  const records: ReplayRecord[][] = [];
  for (const line of lines) {
    block = [];
    runner.step(line.command);
    records.push(block);
  }
  block = [];
  const end = runner.end();
  return { records, teardownRecords: block, blocks: records.map(renderRecords), teardown: renderRecords(block), ...end };
}

/**
 * A replay fed one command at a time, for streaming large scripts: records go
 * to `sink` as they happen, and the sink must be done with each record when
 * it returns (the VAs it names may be reused afterwards).
 */
export interface ScriptReplay {
  /** Runs the next line. */
  step(command: ScriptCommand<Num64>): void;
  /** Ends the script: tears the VM down. */
  end(): void;
}

export function createScriptReplay(sink: RecordSink, options: ModelOptions = optionsFor()): ScriptReplay {
  const runner = new ScriptRunner(options, false, sink, true);
  return {
    step: (command) => runner.step(command),
    end: () => {
      runner.end();
    },
  };
}

/** The whole canonical output as text, as `gpuvm-lens replay` prints it. */
export function renderScriptResult(result: ScriptResult): string {
  const lines = [...result.blocks.flat(), ...result.teardown];
  return lines.length ? lines.join('\n') + '\n' : '';
}
