/**
 * What a replay produces, typed: one `ReplayRecord` per line of the canonical
 * `gpuvm-lens replay` output (README.md, "GPUVM scripts"), and the one
 * renderer that turns records into that text.
 *
 * The runner emits records; the command line renders them straight into a
 * byte buffer, the analyzers and the editor read their fields. Nothing reads
 * the text back.
 *
 * Invariants: a record that refers to a VA refers to the model's `GpuVa`,
 * whose address, range, object and offset never change once created (on the
 * number path they are numbers, else bigints); a `bo` record holds copies of
 * the counts it reports, taken when it was emitted.
 */

import type { Num64 } from '../base/u64';
import type { Errno } from './gpuvm';
import type { KernelEvent } from './kernel-env';
import type { GemObject, GpuVa } from './objects';
import type { GpuVaOp, MapDesc } from './split-merge';

/** `ERR <what>`: a request the model rejected, or a line the runner could not run. */
export type ReplayError = Errno | 'no-vm' | 'no-such-bo' | 'bo-exists' | 'bad-command';

/** One `BO` line of `bos`: a GEM object and its VM_BO in the current VM, if any. */
export interface BoRecord {
  readonly kind: 'bo';
  readonly label: string;
  readonly refcount: number;
  readonly vmBo: {
    readonly refcount: number;
    /** The VM_BO's VAs in link order. */
    readonly vas: readonly GpuVa[];
    readonly extobj: boolean;
    readonly evicted: boolean;
  } | null;
}

export type ReplayRecord =
  /** `MAP`, `REMAP`, `UNMAP`, `PREFETCH`: an op of a request, before it is applied. */
  | GpuVaOp
  /** `FOUND …` (a `find*` hit) or `NONE` (`va` null). */
  | { readonly kind: 'found'; readonly va: GpuVa | null }
  /** `NONE`: `bounmap` of an object without a VM_BO, `remove` of no exact VA. */
  | { readonly kind: 'none' }
  /** `RET <ret>`: `drm_gpuva_insert`'s result, `remove` of a VA. */
  | { readonly kind: 'ret'; readonly ret: 0 | Errno }
  | { readonly kind: 'error'; readonly error: ReplayError }
  /** `ERR internal: …`: the model itself failed on this line (a bug; the script goes on). */
  | { readonly kind: 'internal'; readonly message: string }
  | { readonly kind: 'empty' | 'valid'; readonly value: boolean }
  /** `LOCKED …`: what `drm_gpuvm_exec_lock*` locked, by object label, in order. */
  | { readonly kind: 'locked'; readonly objects: readonly string[] }
  /** `VA …`: a row of `dump`, the VA list in address order. */
  | { readonly kind: 'va'; readonly va: GpuVa }
  | BoRecord
  /** `WARN`, `LOCKDEP-FAIL`/`LOCKDEP … held`, `APPLY-ERR`: what the kernel code reported. */
  | KernelEvent
  /** `CRASH SIGSEGV`: the modelled kernel dereferenced NULL; later lines are `not-run`. */
  | { readonly kind: 'crash' }
  | { readonly kind: 'not-run' };

// Records without fields are shared: emitting them allocates nothing.
export const NONE: ReplayRecord = { kind: 'none' };
export const CRASH: ReplayRecord = { kind: 'crash' };
export const NOT_RUN: ReplayRecord = { kind: 'not-run' };
export const RET_OK: ReplayRecord = { kind: 'ret', ret: 0 };
export const FOUND_NONE: ReplayRecord = { kind: 'found', va: null };
const ERRORS = new Map<ReplayError, ReplayRecord>();

export function errorRecord(error: ReplayError): ReplayRecord {
  let record = ERRORS.get(error);
  if (!record) ERRORS.set(error, (record = { kind: 'error', error }));
  return record;
}

/** Where rendered text goes: pieces of one line, then its end. */
export interface TextSink {
  text(piece: string): void;
  /** Lowercase hex without padding: `0x1f000`. */
  hex(value: Num64): void;
  /** A decimal integer (reference counts may be negative when saturated). */
  int(value: number): void;
  endLine(): void;
}

function objLabel(out: TextSink, obj: GemObject | null): void {
  out.text(obj ? obj.label : 'none');
}

function describe(out: TextSink, addr: Num64, range: Num64, obj: GemObject | null, offset: Num64): void {
  out.text('addr=');
  out.hex(addr);
  out.text(' range=');
  out.hex(range);
  out.text(' obj=');
  objLabel(out, obj);
  out.text(' off=');
  out.hex(offset);
}

function describeVa(out: TextSink, va: GpuVa): void {
  if (va.kernel) {
    out.text('addr=');
    out.hex(va.addr);
    out.text(' range=');
    out.hex(va.range);
    out.text(' KERNEL');
  } else {
    describe(out, va.addr, va.range, va.obj, va.offset);
  }
}

function describeMap(out: TextSink, map: MapDesc): void {
  describe(out, map.addr, map.range, map.obj, map.offset);
}

function piece(out: TextSink, map: MapDesc | null): void {
  if (!map) {
    out.text('none');
    return;
  }
  out.text('[');
  describeMap(out, map);
  out.text(']');
}

/** Writes one record as its line of the canonical output. */
export function writeRecord(out: TextSink, record: ReplayRecord): void {
  switch (record.kind) {
    case 'map':
      out.text('MAP ');
      describeMap(out, record.map);
      break;
    case 'remap':
      out.text('REMAP prev=');
      piece(out, record.prev);
      out.text(' next=');
      piece(out, record.next);
      out.text(' unmap=[');
      describeVa(out, record.unmap.va);
      out.text(record.unmap.keep ? ' keep=1]' : ' keep=0]');
      break;
    case 'unmap':
      out.text('UNMAP ');
      describeVa(out, record.va);
      out.text(record.keep ? ' keep=1' : ' keep=0');
      break;
    case 'prefetch':
      out.text('PREFETCH ');
      describeVa(out, record.va);
      break;
    case 'found':
      if (record.va) {
        out.text('FOUND ');
        describeVa(out, record.va);
      } else {
        out.text('NONE');
      }
      break;
    case 'none':
      out.text('NONE');
      break;
    case 'ret':
      out.text(record.ret === 0 ? 'RET 0' : `RET ${record.ret}`);
      break;
    case 'error':
      out.text('ERR ');
      out.text(record.error);
      break;
    case 'internal':
      out.text('ERR internal: ');
      out.text(record.message);
      break;
    case 'empty':
      out.text(record.value ? 'EMPTY 1' : 'EMPTY 0');
      break;
    case 'valid':
      out.text(record.value ? 'VALID 1' : 'VALID 0');
      break;
    case 'locked':
      out.text(record.objects.length ? `LOCKED ${record.objects.join(',')}` : 'LOCKED');
      break;
    case 'va':
      out.text('VA ');
      describeVa(out, record.va);
      break;
    case 'bo':
      writeBo(out, record);
      break;
    case 'warn':
      out.text('WARN ');
      out.text(record.text);
      break;
    case 'lockdep':
      out.text(record.held ? 'LOCKDEP ' : 'LOCKDEP-FAIL ');
      out.text(`${record.assertion}(${record.lock}) in ${record.fn}`);
      if (record.held) out.text(': held');
      break;
    case 'apply-error':
      // The harness's wording: the MAP op's fields for a failed map, the piece alone for a remap.
      if (record.piece === 'MAP') {
        out.text('APPLY-ERR map insert failed ');
        describeVa(out, record.va);
      } else {
        out.text(record.piece === 'PREV' ? 'APPLY-ERR remap prev insert failed' : 'APPLY-ERR remap next insert failed');
      }
      break;
    case 'crash':
      out.text('CRASH SIGSEGV');
      break;
    case 'not-run':
      out.text('NOT-RUN');
      break;
  }
  out.endLine();
}

function writeBo(out: TextSink, record: BoRecord): void {
  out.text('BO ');
  out.text(record.label);
  out.text(' ref=');
  out.int(record.refcount);
  const vmBo = record.vmBo;
  if (!vmBo) {
    out.text(' vm_bo=none');
    return;
  }
  out.text(' vm_bo=[ref=');
  out.int(vmBo.refcount);
  out.text(' vas=');
  out.int(vmBo.vas.length);
  out.text(vmBo.extobj ? ' extobj=1' : ' extobj=0');
  out.text(vmBo.evicted ? ' evicted=1] va=[' : ' evicted=0] va=[');
  vmBo.vas.forEach((va, index) => {
    if (index > 0) out.text(',');
    out.hex(va.addr);
    out.text('+');
    out.hex(va.range);
  });
  out.text(']');
}

/** A `TextSink` that collects lines as strings. */
export class StringLines implements TextSink {
  lines: string[] = [];
  private line = '';

  text(piece: string): void {
    this.line += piece;
  }

  hex(value: Num64): void {
    this.line += '0x' + value.toString(16);
  }

  int(value: number): void {
    this.line += String(value);
  }

  endLine(): void {
    this.lines.push(this.line);
    this.line = '';
  }
}

/** The canonical output lines of `records`. */
export function renderRecords(records: readonly ReplayRecord[]): string[] {
  const out = new StringLines();
  for (const record of records) writeRecord(out, record);
  return out.lines;
}
