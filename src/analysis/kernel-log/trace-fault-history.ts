/**
 * The trace side of fault correlation: observes a trace replay and records
 * every mapping's life into a `MappingTimeline`, together with the ids a
 * fault report may use for its VM (Xe ASID, amdgpu PASID, the VM's name).
 *
 *   const history = new TraceFaultHistory('run.trace');
 *   history.attach(replayer.state);      // before the first line is replayed
 *   for each line: replayer.line(text, n); history.scanLine(text);
 *   correlateFaults(faults, history);
 *
 * Memory is one record per mapping ever bound: this is for the occasional
 * `check <log> <trace>`, not for streaming a trace on its own.
 */

import { add, toU64 } from '../../base/u64';
import type { VmSelector } from '../../parse/kernel-log/records';
import { pointerKey } from '../../parse/trace/payload-format';
import type { MappingObserver, TraceMapping, TraceState } from '../trace/trace-state';
import type { HistoryAnswer, MappingHistory } from './fault-correlation';
import { MappingTimeline } from './mapping-timeline';

const XE_VM_ASID = /\bvm=((?:0x)?[0-9a-f]+), asid=0x([0-9a-f]+)/;

export class TraceFaultHistory implements MappingHistory, MappingObserver {
  private readonly timeline: MappingTimeline;
  private state: TraceState | undefined;
  readonly source: string;

  constructor(readonly path: string) {
    this.timeline = new MappingTimeline(path);
    this.source = this.timeline.source;
  }

  /** Starts observing a replay's state (it has a single observer slot). */
  attach(state: TraceState): void {
    this.state = state;
    state.observer = this;
  }

  inserted(mapping: TraceMapping): void {
    const vm = mapping.owner;
    this.timeline.map(
      {
        vm: vm.name,
        start: toU64(mapping.start),
        end: add(toU64(mapping.start), toU64(mapping.range)),
        createdLine: mapping.createdLine,
        createdEvent: mapping.createdEvent,
        createdTimestamp: mapping.createdTs,
      },
      mapping,
    );
    this.timeline.alias(vm.name, `name:${vm.name}`);
    // Xe prints `asid=0x%05x` in its VMA events; a fault report prints it in decimal.
    if (vm.asid !== '' && /^(?:0x)?[0-9a-f]+$/i.test(vm.asid))
      this.timeline.alias(vm.name, `asid:${parseInt(vm.asid.replace(/^0x/i, ''), 16)}`);
    // amdgpu: the replay keeps `amdgpu-pasid:<pasid>` -> VM key while the PASID is allocated.
    for (const [alias, key] of this.state?.aliases ?? []) {
      if (key === vm.key && alias.startsWith('amdgpu-pasid:')) this.timeline.alias(vm.name, `pasid:${alias.slice('amdgpu-pasid:'.length)}`);
    }
  }

  /**
   * Reads the VM-to-ASID pairing from an Xe event line: every `xe_vma_*` and
   * `xe_vm_*` event prints both, while the replay records the ASID only for
   * VMs whose creation the trace shows.
   */
  scanLine(text: string): void {
    const at = text.indexOf(', asid=0x');
    if (at === -1) return;
    const match = XE_VM_ASID.exec(text.slice(Math.max(0, at - 40), at + 20));
    if (!match) return;
    const asid = parseInt(match[2] as string, 16);
    if (asid !== 0) this.timeline.alias(pointerKey(match[1] as string), `asid:${asid}`);
  }

  removed(mapping: TraceMapping, line: number, ts: number, event: string): void {
    this.timeline.unmapById(mapping, line, event, ts);
  }

  at(vm: VmSelector, address: bigint, when: { readonly timestamp?: number }): HistoryAnswer {
    return this.timeline.at(vm, address, when);
  }
}
