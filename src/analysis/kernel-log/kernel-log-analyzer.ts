/**
 * Analyzer for kernel logs: streams the log through `KernelLogParser`, explains
 * every recognised record as a finding and, when a `MappingHistory` of a trace
 * of the same run is given, adds for each GPU page fault the mapping that
 * covered the faulting address and how it went away.
 *
 * Stats: lines, recognised reports, GPU faults, WARNs and KASAN reports.
 */

import { KernelLogParser, type KernelLog } from '../../parse/kernel-log/parse-kernel-log';
import type { GpuFaultRecord, KernelLogRecord } from '../../parse/kernel-log/records';
import { unrecognizedInput } from '../../rules/input-rules';
import type { Finding } from '../../rules/rule';
import type { AnalysisResult, Analyzer, LineSink } from '../document';
import { explainRecord } from './explain-records';
import { correlateFaults, type MappingHistory } from './fault-correlation';

export interface KernelLogAnalysis extends AnalysisResult {
  readonly records: readonly KernelLogRecord[];
}

export function kernelLogResult(log: KernelLog, history?: MappingHistory | readonly MappingHistory[]): KernelLogAnalysis {
  const findings: Finding[] = log.records.map(explainRecord);
  const faults = log.records.filter((record): record is GpuFaultRecord => record.kind === 'gpu-fault');
  if (history) findings.push(...correlateFaults(faults, history));
  if (log.lines === 0) findings.push(unrecognizedInput.report({ line: 1 }, 'empty'));
  const count = (kind: KernelLogRecord['kind']) => log.records.filter((record) => record.kind === kind).length;
  return {
    kind: 'kernel-log',
    stats: {
      lines: log.lines,
      recognized: log.records.length,
      faults: faults.length,
      warnings: count('gpuvm-warn') + count('refcount-warn'),
      kasan: count('kasan'),
    },
    findings,
    records: log.records,
  };
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
