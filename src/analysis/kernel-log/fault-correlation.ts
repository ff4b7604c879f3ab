/**
 * Answers the question a developer has when a GPU page fault shows up next to
 * a trace of the same run: which mapping covered the faulting address, and
 * when and by which event was it unmapped?
 *
 * The trace side is behind `MappingHistory`, a port: anything that can say,
 * for a VM and an address at a point in time, which mapping covered it then
 * and which was the last to be unmapped before then. `MappingTimeline`
 * (mapping-timeline.ts) implements it from recorded map/unmap intervals; a
 * trace replay can feed one, and tests use it in memory.
 *
 * Time: dmesg timestamps and ftrace's default `local` clock both count seconds
 * since boot on the same clock, so a fault is placed in the trace by its
 * timestamp; a log without timestamps is compared with the end of the trace.
 */

import { hex16, type U64 } from '../../base/u64';
import type { GpuFaultRecord, VmSelector } from '../../parse/kernel-log/records';
import { logFaultHistory } from '../../rules/kernel-log/kernel-log-rules';
import type { Finding, RelatedLocation } from '../../rules/rule';

/** One mapping as the trace saw it. */
export interface HistoryMapping {
  /** The VM's identity in the trace (Xe `vm=` pointer, amdgpu pasid, …). */
  readonly vm: string;
  readonly start: U64;
  /** Exclusive end. */
  readonly end: U64;
  readonly createdLine: number;
  /** Event name that created it (`xe_vma_bind`, `amdgpu_vm_bo_map`, …). */
  readonly createdEvent: string;
  readonly createdTimestamp?: number;
}

/** A mapping that was unmapped, and by what. */
export interface HistoryUnmap extends HistoryMapping {
  readonly unmappedLine: number;
  readonly unmappedEvent: string;
  readonly unmappedTimestamp?: number;
}

export interface HistoryAnswer {
  /** The VM the selector matched in the trace; undefined when none did. */
  readonly vm?: string;
  /** The mapping covering the address at that time. */
  readonly covering?: HistoryMapping;
  /** The last mapping covering the address that was unmapped before that time. */
  readonly lastUnmap?: HistoryUnmap;
}

export interface MappingHistory {
  /** Path of the trace, for related locations; undefined when the history comes from the analyzed log itself. */
  readonly path: string | undefined;
  /** How findings name the source: "the trace (run.trace)", "the VM operations msm logged". */
  readonly source: string;
  /**
   * The state at `when` (a trace timestamp in seconds, or the end of the trace
   * when undefined) of `address` in the VM `vm` selects (any VM when the
   * selector names none).
   */
  at(vm: VmSelector, address: U64, when: { readonly timestamp?: number }): HistoryAnswer;
}

function describeVm(vm: VmSelector): string {
  const parts: string[] = [];
  if (vm.pasid !== undefined) parts.push(`pasid ${vm.pasid}`);
  if (vm.asid !== undefined) parts.push(`asid ${vm.asid}`);
  if (vm.name !== undefined) parts.push(`"${vm.name}"`);
  if (vm.ttbr0 !== undefined) parts.push(`ttbr0 ${hex16(vm.ttbr0)}`);
  return parts.length > 0 ? parts.join(', ') : 'of the faulting context';
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function ago(unmap: HistoryUnmap, faultTimestamp: number | undefined): string {
  if (faultTimestamp === undefined || unmap.unmappedTimestamp === undefined) return '';
  const seconds = faultTimestamp - unmap.unmappedTimestamp;
  return seconds >= 0 ? `, ${seconds.toFixed(6)} s before the fault` : '';
}

/**
 * One finding per fault with an address, on the fault's line, with the trace
 * lines as related locations. With several traces, each fault is answered by
 * the first trace that knows its VM.
 */
export function correlateFaults(faults: readonly GpuFaultRecord[], histories: MappingHistory | readonly MappingHistory[]): Finding[] {
  const all: readonly MappingHistory[] = Array.isArray(histories) ? histories : [histories as MappingHistory];
  const findings: Finding[] = [];
  if (all.length === 0) return findings;
  for (const fault of faults) {
    if (fault.address === undefined) continue;
    const address = hex16(fault.address);
    const span = { line: fault.addressLine ?? fault.line };
    const when = fault.timestamp !== undefined ? { timestamp: fault.timestamp } : {};
    let history = all[0] as MappingHistory;
    let answer: HistoryAnswer = {};
    for (const candidate of all) {
      answer = candidate.at(fault.vm, fault.address, when);
      history = candidate;
      if (answer.vm !== undefined) break;
    }
    if (answer.vm === undefined) {
      history = all[0] as MappingHistory;
      findings.push(logFaultHistory.report(span, 'unknownVm', { vm: describeVm(fault.vm), address, source: capitalised(history.source) }));
      continue;
    }
    const vm = answer.vm;
    const mappingData = (mapping: HistoryMapping) => ({
      lineWord: history.path !== undefined ? 'trace line' : 'line',
      address,
      vm,
      start: hex16(mapping.start),
      end: hex16(mapping.end),
      createdLine: mapping.createdLine,
      createdEvent: mapping.createdEvent,
    });
    const at = (line: number, message: string): RelatedLocation =>
      history.path !== undefined ? { path: history.path, line, message } : { line, message };
    const created = (mapping: HistoryMapping): RelatedLocation =>
      at(mapping.createdLine, `${mapping.createdEvent} maps [${hex16(mapping.start)}, ${hex16(mapping.end)})`);
    if (answer.covering) {
      findings.push(logFaultHistory.report(span, 'covered', mappingData(answer.covering), [created(answer.covering)]));
    } else if (answer.lastUnmap) {
      const unmap = answer.lastUnmap;
      findings.push(
        logFaultHistory.report(
          span,
          'unmapped',
          { ...mappingData(unmap), unmappedLine: unmap.unmappedLine, unmappedEvent: unmap.unmappedEvent, ago: ago(unmap, fault.timestamp) },
          [created(unmap), at(unmap.unmappedLine, `${unmap.unmappedEvent} unmaps [${hex16(unmap.start)}, ${hex16(unmap.end)})`)],
        ),
      );
    } else {
      findings.push(logFaultHistory.report(span, 'never', { address, vm, source: history.source }));
    }
  }
  return findings;
}
