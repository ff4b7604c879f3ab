/**
 * A `MappingHistory` built from recorded map and unmap events: per VM, every
 * mapping with the trace line and time it was created and, once unmapped, the
 * line, time and event that removed it. A trace replay records into it as it
 * goes; tests fill it by hand.
 *
 * VMs are matched to a fault's selector through aliases the recorder
 * declares (`asid:3`, `pasid:32769`, `name:vkcube[2742]`, `ttbr0:…`), since
 * a trace names a VM by a pointer while a fault names it by a hardware id.
 * Lookups scan one VM's mappings (a fault is a rare event; recording stays
 * O(1) per event).
 */

import type { U64 } from '../../base/u64';
import type { VmSelector } from '../../parse/kernel-log/records';
import type { HistoryAnswer, HistoryMapping, HistoryUnmap, MappingHistory } from './fault-correlation';

interface Interval {
  readonly mapping: HistoryMapping;
  unmap?: { line: number; event: string; timestamp?: number };
}

/** The alias keys a selector can match, most specific first. */
export function selectorKeys(vm: VmSelector): string[] {
  const keys: string[] = [];
  if (vm.asid !== undefined) keys.push(`asid:${vm.asid}`);
  if (vm.pasid !== undefined) keys.push(`pasid:${vm.pasid}`);
  if (vm.name !== undefined) keys.push(`name:${vm.name}`);
  if (vm.ttbr0 !== undefined) keys.push(`ttbr0:${vm.ttbr0.toString(16)}`);
  return keys;
}

export class MappingTimeline implements MappingHistory {
  private readonly intervals = new Map<string, Interval[]>();
  private readonly open = new Map<string, Interval[]>();
  private readonly aliases = new Map<string, string>();
  private readonly byId = new WeakMap<object, Interval>();

  readonly source: string;

  /**
   * `path`: the trace the mappings come from (undefined: the analyzed log
   * itself). `anyVmWhenAlone`: a fault whose VM ids match nothing is still
   * answered when only one VM was recorded (msm logs name a VM by pointer,
   * its faults by page-table base).
   */
  constructor(
    readonly path: string | undefined,
    options: { readonly source?: string; readonly anyVmWhenAlone?: boolean } = {},
  ) {
    this.source = options.source ?? `the trace (${path ?? 'this log'})`;
    this.anyVmWhenAlone = options.anyVmWhenAlone ?? false;
  }

  private readonly anyVmWhenAlone: boolean;

  /** Declares that the trace's VM `vm` is the one faults call `alias` (e.g. `asid:3`). */
  alias(vm: string, alias: string): void {
    this.aliases.set(alias, vm);
  }

  /**
   * Records a new live mapping. `id` identifies it for `unmapById` when the
   * recorder has an identity better than the start address (a replayed
   * mapping object, which survives renaming and splits).
   */
  map(mapping: HistoryMapping, id?: object): void {
    const interval: Interval = { mapping };
    if (id) this.byId.set(id, interval);
    const all = this.intervals.get(mapping.vm);
    if (all) all.push(interval);
    else this.intervals.set(mapping.vm, [interval]);
    const open = this.open.get(mapping.vm);
    if (open) open.push(interval);
    else this.open.set(mapping.vm, [interval]);
  }

  /** Marks the mapping recorded with `id` as unmapped. Returns false when it is unknown or already unmapped. */
  unmapById(id: object, line: number, event: string, timestamp?: number): boolean {
    const interval = this.byId.get(id);
    if (!interval || interval.unmap) return false;
    this.byId.delete(id);
    const open = this.open.get(interval.mapping.vm);
    const index = open ? open.indexOf(interval) : -1;
    if (open && index !== -1) open.splice(index, 1);
    interval.unmap = { line, event, ...(timestamp !== undefined ? { timestamp } : {}) };
    return true;
  }

  /**
   * Unmaps `[start, end)` of `vm`: every live mapping it touches is marked
   * unmapped, and the parts of it outside the range stay live as pieces that
   * keep the mapping's origin (the kernel only unmaps the gap of a remap).
   * Returns how many mappings were touched.
   */
  unmapRange(vm: string, start: U64, end: U64, line: number, event: string, timestamp?: number): number {
    const open = this.open.get(vm);
    if (!open) return 0;
    const touched = open.filter((interval) => interval.mapping.start < end && start < interval.mapping.end);
    for (const interval of touched) {
      open.splice(open.indexOf(interval), 1);
      interval.unmap = { line, event, ...(timestamp !== undefined ? { timestamp } : {}) };
      const { mapping } = interval;
      if (mapping.start < start) this.map({ ...mapping, end: start });
      if (end < mapping.end) this.map({ ...mapping, start: end });
    }
    return touched.length;
  }

  /** Marks the live mapping of `vm` starting at `start` as unmapped. Returns false when none was live. */
  unmap(vm: string, start: U64, line: number, event: string, timestamp?: number): boolean {
    const open = this.open.get(vm);
    const index = open ? open.findIndex((interval) => interval.mapping.start === start) : -1;
    if (!open || index === -1) return false;
    const [interval] = open.splice(index, 1) as [Interval];
    interval.unmap = { line, event, ...(timestamp !== undefined ? { timestamp } : {}) };
    return true;
  }

  at(selector: VmSelector, address: U64, when: { readonly timestamp?: number }): HistoryAnswer {
    const vm = this.resolve(selector);
    if (vm === undefined) return {};
    const before = (timestamp: number | undefined) =>
      when.timestamp === undefined || timestamp === undefined || timestamp <= when.timestamp;
    let covering: HistoryMapping | undefined;
    let lastUnmap: HistoryUnmap | undefined;
    for (const interval of this.intervals.get(vm) ?? []) {
      const { mapping } = interval;
      if (address < mapping.start || address >= mapping.end || !before(mapping.createdTimestamp)) continue;
      const unmap = interval.unmap;
      if (!unmap || !before(unmap.timestamp)) {
        covering = mapping;
        continue;
      }
      if (!lastUnmap || unmap.line > lastUnmap.unmappedLine) {
        lastUnmap = {
          ...mapping,
          unmappedLine: unmap.line,
          unmappedEvent: unmap.event,
          ...(unmap.timestamp !== undefined ? { unmappedTimestamp: unmap.timestamp } : {}),
        };
      }
    }
    return { vm, ...(covering ? { covering } : {}), ...(lastUnmap ? { lastUnmap } : {}) };
  }

  /** The trace VM a selector designates; with no usable id and a single VM, that VM. */
  private resolve(selector: VmSelector): string | undefined {
    for (const key of selectorKeys(selector)) {
      const vm = this.aliases.get(key);
      if (vm !== undefined) return vm;
    }
    if ((this.anyVmWhenAlone || selectorKeys(selector).length === 0) && this.intervals.size === 1) return [...this.intervals.keys()][0];
    return undefined;
  }
}
