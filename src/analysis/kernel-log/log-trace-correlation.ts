/**
 * When kernel logs and traces of the same run are looked at together, every
 * GPU page fault of a log is answered from the traces — which mapping covered
 * the faulting address, and when and by which event it was unmapped
 * (`log-fault-history`). One implementation for `gpuvm-lens check <log>
 * <trace>` and for the editor (a kernel log open next to a trace).
 *
 * Each trace is replayed a second time with a `TraceFaultHistory` attached,
 * which keeps one record per mapping ever bound; that cost is only paid when
 * a log asks. Pure: the caller feeds the trace's lines (streamed from disk by
 * the CLI, from the open document by the server).
 *
 *   const feed = traceFaultHistoryFeed('run.trace');
 *   for each line: feed.line(text, lineNumber);
 *   const extra = faultHistoryFindings(logAnalysis, [feed.history]);
 */

import type { AnalysisResult } from '../document';
import type { Finding } from '../../rules/rule';
import type { GpuFaultRecord } from '../../parse/kernel-log/records';
import { TraceReplayer } from '../trace/trace-replayer';
import { correlateFaults } from './fault-correlation';
import type { KernelLogAnalysis } from './kernel-log-analyzer';
import { TraceFaultHistory } from './trace-fault-history';

export function isKernelLog(result: AnalysisResult): result is KernelLogAnalysis {
  return result.kind === 'kernel-log' && 'records' in result;
}

/** The GPU page faults a log reported. */
export function gpuFaults(result: KernelLogAnalysis): GpuFaultRecord[] {
  return result.records.filter((record): record is GpuFaultRecord => record.kind === 'gpu-fault');
}

/** A trace replay that records the life of every mapping; `path` names the trace in findings and related locations. */
export function traceFaultHistoryFeed(path: string): { line(text: string, lineNumber: number): void; readonly history: TraceFaultHistory } {
  const history = new TraceFaultHistory(path);
  const replayer = new TraceReplayer({ quiet: true });
  history.attach(replayer.state);
  return {
    history,
    line(text, lineNumber) {
      replayer.line(text, lineNumber);
      history.scanLine(text);
    },
  };
}

/** The `log-fault-history` findings of one log against the traces' histories (none without faults or traces). */
export function faultHistoryFindings(log: KernelLogAnalysis, histories: readonly TraceFaultHistory[]): Finding[] {
  const faults = gpuFaults(log);
  return faults.length === 0 || histories.length === 0 ? [] : correlateFaults(faults, histories);
}
