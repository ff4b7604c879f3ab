/**
 * The life of every mapping of a replayed trace: where it was bound, where
 * and by which event it stopped being live. Answers the question a GPU page
 * fault raises: which mapping covered this address at that time, and when
 * and by what was it unmapped?
 *
 *   const history = new MappingHistory();      // attach: state.observer = history
 *   history.covering(0x1a0010000n, { ts: 1530.2 })
 *   history.covering(0x1a0010000n, { line: 812, vm: '000000005e6f7a8b' })
 *
 * `covering` returns the mapping live at that point if there is one, else
 * the most recent one that covered the address before it (with its unbind).
 * Lifetimes are kept in bind order; a query is a linear scan, which is fine
 * for the handful of questions a kernel log asks.
 *
 * Pure: no I/O. Memory is one record per mapping ever bound, so it is built
 * for in-memory documents (`TraceAnalysis`), not for streaming `check`.
 */

import { toU64, type U64 } from '../../base/u64';
import type { MappingObserver, TraceMapping, VmDriver } from './trace-state';

export interface MappingLifetime {
  readonly driver: VmDriver;
  /** VM identity as the trace gives it (Xe `vm=` pointer, amdgpu process id, i915 address space). */
  readonly vmKey: string;
  readonly vmName: string;
  /** 1-based line that created (or first showed) the VM instance: a VM re-created under the same key is another instance. */
  readonly vmCreatedLine: number;
  /** Mapping identity (Xe VMA pointer, amdgpu first page, i915 offset); null while anonymous. */
  key: string | null;
  readonly start: U64;
  /** Inclusive. */
  readonly last: U64;
  readonly objectKey: string;
  readonly offset: U64;
  readonly boundLine: number;
  readonly boundTs: number;
  readonly boundEvent: string;
  /** Filled when the mapping stops being live. */
  unboundLine?: number;
  unboundTs?: number;
  unboundEvent?: string;
}

export interface HistoryQuery {
  /** A VM key or name; any VM when absent. */
  readonly vm?: string;
  /** The point in the trace: a 1-based line (inclusive) ... */
  readonly line?: number;
  /** ... or a timestamp in seconds (inclusive). Neither: the end of the trace. */
  readonly ts?: number;
}

export interface CoveringMapping {
  readonly mapping: MappingLifetime;
  /** True when the mapping was still live at the queried point. */
  readonly live: boolean;
}

export class MappingHistory implements MappingObserver {
  readonly lifetimes: MappingLifetime[] = [];
  private readonly open = new Map<TraceMapping, MappingLifetime>();

  inserted(mapping: TraceMapping): void {
    const known = this.open.get(mapping);
    if (known) {
      // An anonymous piece that an event has just named.
      known.key = mapping.key;
      return;
    }
    const record: MappingLifetime = {
      driver: mapping.owner.driver,
      vmKey: mapping.owner.key,
      vmName: mapping.owner.name,
      vmCreatedLine: mapping.owner.createdLine,
      key: mapping.key,
      start: toU64(mapping.start),
      last: toU64(mapping.last),
      objectKey: mapping.objectKey,
      offset: toU64(mapping.offset),
      boundLine: mapping.createdLine,
      boundTs: mapping.createdTs,
      boundEvent: mapping.createdEvent,
    };
    this.lifetimes.push(record);
    this.open.set(mapping, record);
  }

  removed(mapping: TraceMapping, line: number, ts: number, event: string): void {
    const record = this.open.get(mapping);
    if (!record) return;
    record.unboundLine = line;
    record.unboundTs = ts;
    record.unboundEvent = event;
    this.open.delete(mapping);
  }

  /** The mapping covering `address` at the queried point, else the last one before it. */
  covering(address: U64, query: HistoryQuery = {}): CoveringMapping | undefined {
    let best: CoveringMapping | undefined;
    for (const record of this.lifetimes) {
      if (address < record.start || address > record.last) continue;
      if (query.vm !== undefined && record.vmKey !== query.vm && record.vmName !== query.vm) continue;
      if (!boundBy(record, query)) continue;
      const live = !unboundBy(record, query);
      if (live) return { mapping: record, live };
      if (!best || (record.unboundLine ?? 0) >= (best.mapping.unboundLine ?? 0)) best = { mapping: record, live };
    }
    return best;
  }

  /** Every mapping that ever covered `address`, in bind order. */
  allCovering(address: U64, vm?: string): MappingLifetime[] {
    return this.lifetimes.filter(
      (record) => address >= record.start && address <= record.last && (vm === undefined || record.vmKey === vm || record.vmName === vm),
    );
  }
}

function boundBy(record: MappingLifetime, query: HistoryQuery): boolean {
  if (query.line !== undefined) return record.boundLine <= query.line;
  if (query.ts !== undefined) return record.boundTs <= query.ts;
  return true;
}

function unboundBy(record: MappingLifetime, query: HistoryQuery): boolean {
  if (record.unboundLine === undefined) return false;
  if (query.line !== undefined) return record.unboundLine <= query.line;
  if (query.ts !== undefined) return (record.unboundTs ?? 0) <= query.ts;
  return true;
}
