/**
 * A trace analyzed in memory, with the queries an editor needs on top of the
 * findings and statistics of `check`. Built once per document version by the
 * language server (`analyzeTrace(text)`); every query is pure and fast.
 *
 *   const analysis = analyzeTrace(text);
 *   analysis.findings / analysis.stats          same as `gpuvm-lens check`
 *   analysis.eventAt(line)                      the decoded event in words (hover)
 *   analysis.objectsAt(line)                    object keys the event touches
 *   analysis.linesOf(key) / definitionOf(key)   every event touching an object /
 *                                               the first (go to definition, references)
 *   analysis.describeObject(key)                an object key in words
 *   analysis.stateAt(line)                      every live VM after `line`, with its mappings
 *   analysis.vmStateAt(line, vm)                one VM after `line` (cheaper for a hover)
 *   analysis.mappingAt(line, address, vm?)      the live mapping covering an address
 *   analysis.history.covering(address, {line | ts, vm})
 *                                               the mapping that covered an address at a
 *                                               time, and when/by which event it was unmapped
 *
 * Object keys: `vm:<driver>:<vm key>`, `mapping:<driver>:<vm key>/<mapping key>`
 * (Xe: VMA pointer; amdgpu: first page in hex; i915: offset in hex),
 * `bo:<driver>:<pointer>`, `fence:<context>:<seqno>` (v6.17 scheduler,
 * dma_fence, amdgpu), `fence:<driver>:<pointer>` (hashed fence pointers),
 * `pasid:amdgpu:<pasid>`, `ctx:…`, `entity:…`, `job:…`.
 *
 * State queries replay from the nearest checkpoint: checkpoints are taken
 * every max(1024 lines, 2 × live mappings) lines, so a query replays a few
 * thousand lines at most, and the last query's replayer is reused when the
 * next one is further down (hovering down a file). Memory: the document's
 * lines (the server holds them anyway), the per-object line index, the
 * checkpoints and one lifetime record per mapping ever bound.
 */

import { lastAtOrBefore } from '../../base/sorted-search';
import { detach } from '../../base/detach-string';
import type { U64 } from '../../base/u64';
import { hex } from '../../base/u64';
import type { VaSpaceSnapshot } from '../../parse/dump/snapshot';
import { decodeEvent } from '../../parse/trace/decode-event';
import { parseTraceLine } from '../../parse/trace/trace-line';
import type { Finding } from '../../rules/rule';
import type { AnalysisResult, DocumentStats } from '../document';
import { MappingHistory } from './mapping-history';
import { TraceReplayer } from './trace-replayer';
import { vmSnapshot } from './trace-snapshots';
import type { MappingSnapshot, StateSnapshot, TraceVm, VmDriver } from './trace-state';
import { EMPTY_STATE_SNAPSHOT, snapshotMapping } from './trace-state';

export interface TraceEventInfo {
  readonly line: number;
  readonly comm: string;
  readonly pid: number;
  readonly tgid: number;
  readonly cpu: number;
  readonly ts: number;
  readonly event: string;
  readonly status: 'decoded' | 'changed' | 'unknown';
  readonly driver?: string;
  /** The layout (kernel era) that decoded the payload. */
  readonly layout?: string;
  readonly fields: Readonly<Record<string, string>>;
  /** One sentence: what the event does, in words. */
  readonly description: string;
}

export interface VmState {
  readonly driver: VmDriver;
  readonly key: string;
  readonly name: string;
  readonly createdLine: number;
  /** The trace shows the VM's creation (else it existed before the capture). */
  readonly birthSeen: boolean;
  readonly mappings: readonly MappingSnapshot[];
  /** The VM as a `gpuvas` block. */
  readonly snapshot: VaSpaceSnapshot;
}

export interface MappingAt extends MappingSnapshot {
  readonly vmKey: string;
  readonly vmName: string;
  readonly driver: VmDriver;
}

interface Checkpoint {
  readonly line: number;
  readonly snapshot: StateSnapshot;
}

const CHECKPOINT_MIN_LINES = 1024;

const VERBS: Readonly<Record<string, string>> = {
  xe_vm_create: 'creates VM {vm}',
  xe_vm_free: 'frees VM {vm}',
  xe_vm_kill: 'kills VM {vm}',
  xe_vma_bind: 'binds VMA {vma} at {start~end} in VM {vm}',
  xe_vma_pf_bind: 'binds VMA {vma} at {start~end} in VM {vm} from the page-fault handler',
  xe_vma_unbind: 'unbinds VMA {vma} at {start~end} from VM {vm}',
  xe_vma_userptr_invalidate: 'invalidates userptr VMA {vma} at {start~end} (MMU notifier)',
  xe_vma_userptr_rebind_exec: 'rebinds userptr VMA {vma} at {start~end} from the exec ioctl',
  xe_vma_userptr_rebind_worker: 'rebinds userptr VMA {vma} at {start~end} from the rebind worker',
  xe_vma_rebind_exec: 'rebinds VMA {vma} at {start~end} from the exec ioctl',
  xe_vma_rebind_worker: 'rebinds VMA {vma} at {start~end} from the rebind worker',
  xe_vma_evict: 'evicts VMA {vma} at {start~end}',
  xe_vma_pagefault: 'GPU page fault resolved against VMA {vma} at {start~end}',
  amdgpu_vm_bo_map: 'maps BO {bo} at pages {start~last}',
  amdgpu_vm_bo_unmap: 'unmaps BO {bo} at pages {start~last}',
  amdgpu_vm_bo_update: 'writes the PTEs of pages {soffs..eoffs}',
  amdgpu_vm_bo_cs: 'command submission uses pages {soffs..eoffs}',
  amdgpu_pasid_allocated: 'allocates PASID {pasid}',
  amdgpu_pasid_freed: 'frees PASID {pasid}',
  i915_vma_bind: 'binds object {obj} at {offset} (size {size}) in address space {vm}',
  i915_vma_unbind: 'unbinds object {obj} at {offset} (size {size}) from address space {vm}',
  i915_ppgtt_create: 'creates PPGTT {vm}',
  i915_ppgtt_release: 'releases PPGTT {vm}',
};

/** A trace field as a number: `0x` hex, or bare hex as amdgpu prints page numbers. */
function fieldValue(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  const digits = text.replace(/^0x/i, '');
  return /^[0-9a-f]{1,16}$/i.test(digits) ? BigInt('0x' + digits) : undefined;
}

/**
 * `{a~b}` is a range whose upper field is inclusive (Xe's `end`, amdgpu's
 * `last`), `{a..b}` one whose upper field is exclusive; both are written
 * half-open, `[start, end)`, the one range notation of every message and hover.
 */
function rangeText(fields: Readonly<Record<string, string>>, low: string, high: string, inclusive: boolean): string | undefined {
  const start = fieldValue(fields[low]);
  const end = fieldValue(fields[high]);
  if (start === undefined || end === undefined) return undefined;
  return `[${hex(start)}, ${hex(inclusive ? end + 1n : end)})`;
}

function describe(event: string, fields: Readonly<Record<string, string>>, driver: string | undefined, layout: string | undefined): string {
  const verb = VERBS[event];
  if (verb) {
    const text = verb
      .replace(
        /\{(\w+)(~|\.\.)(\w+)\}/g,
        (whole, low: string, kind: string, high: string) => rangeText(fields, low, high, kind === '~') ?? whole,
      )
      .replace(/\{(\w+)\}/g, (whole, name: string) => fields[name] ?? whole);
    return `${event}: ${text} (${layout ?? driver ?? ''})`;
  }
  const pairs = Object.entries(fields)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  return `${event} (${layout ?? driver ?? 'unknown event'}): ${pairs}`;
}

export class TraceAnalysis implements AnalysisResult {
  readonly kind = 'trace' as const;
  readonly stats: DocumentStats;
  readonly findings: Finding[];
  readonly history = new MappingHistory();
  private readonly lines: readonly string[];
  private readonly objectLines = new Map<string, number[]>();
  private readonly lineObjects = new Map<number, readonly string[]>();
  private readonly internedKeys = new Map<string, string>();
  private readonly checkpoints: Checkpoint[] = [{ line: 0, snapshot: EMPTY_STATE_SNAPSHOT }];
  private cached: { line: number; replayer: TraceReplayer; checkpoint: number } | null = null;

  /** `finalNewline`: the text ended with a line break, so its last line is complete. */
  constructor(lines: readonly string[], finalNewline = false) {
    this.lines = lines;
    const replayer = new TraceReplayer({
      onEvent: (info) => {
        if (info.touched.length === 0) return;
        // One string per object, shared by every line that touches it.
        const keys: string[] = [];
        for (const touched of info.touched) {
          let list = this.objectLines.get(touched);
          let key: string;
          if (list) {
            key = this.internedKeys.get(touched) ?? touched;
            if (list[list.length - 1] !== info.line) list.push(info.line);
          } else {
            key = detach(touched);
            list = [info.line];
            this.objectLines.set(key, list);
            this.internedKeys.set(key, key);
          }
          keys.push(key);
        }
        this.lineObjects.set(info.line, keys);
      },
    });
    replayer.state.observer = this.history;
    let lastCheckpoint = 0;
    for (let index = 0; index < lines.length; index++) {
      const lineNumber = index + 1;
      replayer.line(lines[index] as string, lineNumber, !finalNewline && index === lines.length - 1);
      if (lineNumber - lastCheckpoint >= Math.max(CHECKPOINT_MIN_LINES, 2 * replayer.state.liveMappings)) {
        this.checkpoints.push({ line: lineNumber, snapshot: replayer.snapshot() });
        lastCheckpoint = lineNumber;
      }
    }
    this.findings = replayer.finish();
    this.stats = replayer.stats();
  }

  get lineCount(): number {
    return this.lines.length;
  }

  /** The event at a 1-based line, decoded and in words; undefined for non-event lines. */
  eventAt(line: number): TraceEventInfo | undefined {
    const text = this.lines[line - 1];
    if (text === undefined) return undefined;
    const parsed = parseTraceLine(text);
    if (parsed.kind !== 'event') return undefined;
    const result = decodeEvent(parsed.event, parsed.payload);
    const base = { line, comm: parsed.comm, pid: parsed.pid, tgid: parsed.tgid, cpu: parsed.cpu, ts: parsed.ts, event: parsed.event };
    if (result.status === 'unknown') {
      return { ...base, status: 'unknown', fields: {}, description: `${parsed.event}: not an event GPUVM Lens decodes` };
    }
    if (result.status === 'changed') {
      return {
        ...base,
        status: 'changed',
        driver: result.spec.driver,
        fields: {},
        description: `${parsed.event}: the payload matches none of the known layouts (${result.spec.layouts.map((layout) => layout.id).join(', ')})`,
      };
    }
    const fields: Record<string, string> = {};
    result.event.layout.fields.forEach((name, index) => (fields[name] = result.event.values[index] ?? ''));
    const driver = result.event.spec.driver;
    const layout = result.event.layout.id;
    return { ...base, status: 'decoded', driver, layout, fields, description: describe(parsed.event, fields, driver, layout) };
  }

  /** Object keys the event at `line` touches (empty for other lines). */
  objectsAt(line: number): readonly string[] {
    return this.lineObjects.get(line) ?? [];
  }

  /** Lines of every event touching `key`, ascending. */
  linesOf(key: string): readonly number[] {
    return this.objectLines.get(key) ?? [];
  }

  /** The first event touching `key` (its creation, or where the trace first shows it). */
  definitionOf(key: string): number | undefined {
    return this.objectLines.get(key)?.[0];
  }

  /** Every object key the trace mentions. */
  objectKeys(): IterableIterator<string> {
    return this.objectLines.keys();
  }

  describeObject(key: string): string {
    const [kind, driver, rest] = splitKey(key);
    switch (kind) {
      case 'vm':
        return `${driver} VM ${rest}`;
      case 'mapping': {
        const slash = rest.lastIndexOf('/');
        const what = driver === 'xe' ? 'VMA' : driver === 'amdgpu' ? 'mapping at page 0x' : 'VMA at 0x';
        return `${driver} ${what}${driver === 'xe' ? ' ' : ''}${rest.slice(slash + 1)} of VM ${rest.slice(0, slash)}`;
      }
      case 'bo':
        return `${driver} buffer object ${rest}`;
      case 'fence':
        return rest === '' ? `fence ${driver}` : `fence ${driver}:${rest}`;
      default:
        return `${kind} ${driver}${rest ? ':' + rest : ''}`;
    }
  }

  /** Every live VM after replaying through `line` (1-based, inclusive; 0 = before the first line). */
  stateAt(line: number): VmState[] {
    const replayer = this.replayerAt(line);
    return replayer.state.vmsInOrder().map((vm) => vmState(vm));
  }

  /** One VM (key or name) after replaying through `line`; undefined when it is not live then. */
  vmStateAt(line: number, vm: string): VmState | undefined {
    const replayer = this.replayerAt(line);
    const found = replayer.state.vmsInOrder().find((candidate) => candidate.key === vm || candidate.name === vm);
    return found ? vmState(found) : undefined;
  }

  /** The live mapping covering `address` after `line`, in VM `vm` (key or name) or in any VM. */
  mappingAt(line: number, address: U64, vm?: string): MappingAt | undefined {
    const replayer = this.replayerAt(line);
    for (const candidate of replayer.state.vmsInOrder()) {
      if (vm !== undefined && candidate.key !== vm && candidate.name !== vm) continue;
      const mapping = candidate.mappingAt(address);
      if (mapping) return { ...snapshotMapping(mapping), vmKey: candidate.key, vmName: candidate.name, driver: candidate.driver };
    }
    return undefined;
  }

  /** A replayer positioned just after `line`, from the nearest checkpoint or the last query. */
  private replayerAt(line: number): TraceReplayer {
    const target = Math.max(0, Math.min(line, this.lines.length));
    const index = this.checkpointIndex(target);
    const checkpoint = this.checkpoints[index] as Checkpoint;
    let cached = this.cached;
    if (!cached || cached.checkpoint !== index || cached.line > target) {
      cached = { line: checkpoint.line, replayer: new TraceReplayer({ quiet: true }, checkpoint.snapshot), checkpoint: index };
    }
    for (let next = cached.line + 1; next <= target; next++) cached.replayer.line(this.lines[next - 1] as string, next);
    cached.line = target;
    this.cached = cached;
    return cached.replayer;
  }

  private checkpointIndex(line: number): number {
    return lastAtOrBefore(this.checkpoints, line);
  }
}

function splitKey(key: string): [string, string, string] {
  const first = key.indexOf(':');
  const second = key.indexOf(':', first + 1);
  if (first === -1) return [key, '', ''];
  if (second === -1) return [key.slice(0, first), key.slice(first + 1), ''];
  return [key.slice(0, first), key.slice(first + 1, second), key.slice(second + 1)];
}

function vmState(vm: TraceVm): VmState {
  return {
    driver: vm.driver,
    key: vm.key,
    name: vm.name,
    createdLine: vm.createdLine,
    birthSeen: vm.birthSeen,
    mappings: [...vm.mappings()].map(snapshotMapping),
    snapshot: vmSnapshot(vm),
  };
}

/** Splits a document into lines as `feedText` does (LF; a final LF adds no line). */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Analyzes a whole trace held in memory. */
export function analyzeTrace(text: string): TraceAnalysis {
  return new TraceAnalysis(splitLines(text), text.endsWith('\n'));
}

/** `0x…` for addresses in hovers. */
export function formatAddress(value: U64): string {
  return hex(value);
}
