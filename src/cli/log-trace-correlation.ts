/**
 * `gpuvm-lens check <log> <trace>`: when kernel logs and traces of the same
 * run are checked together, every GPU page fault of a log is answered from
 * the traces — which mapping covered the faulting address, and when and by
 * which event it was unmapped (`log-fault-history`).
 *
 * Each trace is replayed a second time with a `TraceFaultHistory` attached,
 * which keeps one record per mapping ever bound; that cost is only paid when
 * a log asks.
 */

import type { AnalysisResult } from '../analysis/document';
import { correlateFaults } from '../analysis/kernel-log/fault-correlation';
import type { KernelLogAnalysis } from '../analysis/kernel-log/kernel-log-analyzer';
import { TraceFaultHistory } from '../analysis/kernel-log/trace-fault-history';
import { TraceReplayer } from '../analysis/trace/trace-replayer';
import type { GpuFaultRecord } from '../parse/kernel-log/records';
import { streamLines } from '../host/line-stream';
import type { FileResult } from './render';

function isKernelLog(result: AnalysisResult): result is KernelLogAnalysis {
  return result.kind === 'kernel-log' && 'records' in result;
}

/** Replays `path` and returns the life of every mapping it bound. */
export async function traceFaultHistory(path: string): Promise<TraceFaultHistory> {
  const history = new TraceFaultHistory(path);
  const replayer = new TraceReplayer({ quiet: true });
  history.attach(replayer.state);
  await streamLines(path, (text, lineNumber) => {
    replayer.line(text, lineNumber);
    history.scanLine(text);
  });
  return history;
}

/** Adds fault-history findings to the kernel-log results of `files` when traces are among them. */
export async function correlateLogsWithTraces(files: FileResult[]): Promise<void> {
  const traces = files.filter(({ result }) => result.kind === 'trace');
  const logs = files.filter(({ result }) => isKernelLog(result));
  if (traces.length === 0 || logs.length === 0) return;
  const faultsOf = (result: KernelLogAnalysis) => result.records.filter((record): record is GpuFaultRecord => record.kind === 'gpu-fault');
  if (!logs.some(({ result }) => faultsOf(result as KernelLogAnalysis).length > 0)) return;
  const histories: TraceFaultHistory[] = [];
  for (const trace of traces) histories.push(await traceFaultHistory(trace.path));
  files.forEach((file, index) => {
    if (!isKernelLog(file.result)) return;
    const extra = correlateFaults(faultsOf(file.result), histories);
    files[index] = { path: file.path, result: { ...file.result, findings: [...file.result.findings, ...extra] } };
  });
}
