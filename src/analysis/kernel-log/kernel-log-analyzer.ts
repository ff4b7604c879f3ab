/**
 * Analyzer for kernel logs: streams the log through `KernelLogParser`, explains
 * every recognised record as a finding and, when a `MappingHistory` of a trace
 * of the same run is given, adds for each GPU page fault the mapping that
 * covered the faulting address and how it went away.
 *
 * Stats: lines, recognised reports, GPU faults, WARNs and KASAN reports.
 */

import { KernelLogParser, type KernelLog } from '../../parse/kernel-log/parse-kernel-log';
import type { GpuFaultRecord, KernelLogRecord, VmOpRecord } from '../../parse/kernel-log/records';
import { unrecognizedInput } from '../../rules/input-rules';
import type { Finding } from '../../rules/rule';
import type { AnalysisResult, Analyzer, LineSink } from '../document';
import { explainRecord } from './explain-records';
import { correlateFaults, type MappingHistory } from './fault-correlation';
import { MappingTimeline } from './mapping-timeline';

export interface KernelLogAnalysis extends AnalysisResult {
  readonly records: readonly KernelLogRecord[];
}

export function kernelLogResult(log: KernelLog, history?: MappingHistory | readonly MappingHistory[]): KernelLogAnalysis {
  const findings: Finding[] = [];
  for (const record of log.records) {
    const finding = explainRecord(record);
    if (finding) findings.push(finding);
  }
  const faults = log.records.filter((record): record is GpuFaultRecord => record.kind === 'gpu-fault');
  const vmOps = log.records.filter((record): record is VmOpRecord => record.kind === 'vm-op');
  if (history) findings.push(...correlateFaults(faults, history));
  else if (vmOps.length > 0) {
    // msm logged its own VM operations: its faults can be answered without a trace.
    findings.push(
      ...correlateFaults(
        faults.filter((fault) => fault.driver === 'msm'),
        loggedHistory(vmOps),
      ),
    );
  }
  if (log.lines === 0) findings.push(unrecognizedInput.report({ line: 1 }, 'empty'));
  const count = (kind: KernelLogRecord['kind']) => log.records.filter((record) => record.kind === kind).length;
  return {
    kind: 'kernel-log',
    stats: {
      lines: log.lines,
      recognized: log.records.length - vmOps.length,
      faults: faults.length,
      warnings: count('gpuvm-warn') + count('refcount-warn'),
      kasan: count('kasan'),
      vmOps: vmOps.length,
    },
    findings,
    records: log.records,
  };
}

/** The mapping history msm's `vm_dbg` lines tell, in log order. */
function loggedHistory(ops: readonly VmOpRecord[]): MappingTimeline {
  const timeline = new MappingTimeline(undefined, { source: 'the VM operations msm logged', anyVmWhenAlone: true });
  for (const op of ops) {
    if (op.op === 'map') {
      const mapping = { vm: op.vm, start: op.start, end: op.end, createdLine: op.line, createdEvent: 'msm map' };
      timeline.map(op.timestamp !== undefined ? { ...mapping, createdTimestamp: op.timestamp } : mapping);
    } else {
      timeline.unmapRange(op.vm, op.start, op.end, op.line, `msm ${op.op}`, op.timestamp);
    }
  }
  return timeline;
}

/** A kernel-log sink, optionally correlating faults with a trace's mapping history. */
export function beginKernelLog(history?: MappingHistory | readonly MappingHistory[]): LineSink & { end(): KernelLogAnalysis } {
  const parser = new KernelLogParser();
  return {
    line(text, lineNumber) {
      parser.line(text, lineNumber);
    },
    end() {
      return kernelLogResult(parser.end(), history);
    },
  };
}

export const kernelLogAnalyzer: Analyzer = {
  kind: 'kernel-log',
  begin() {
    return beginKernelLog();
  },
};
