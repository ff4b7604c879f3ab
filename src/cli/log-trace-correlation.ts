/**
 * `gpuvm-lens check <log> <trace>`: the traces checked with kernel logs are
 * streamed from disk a second time into fault histories, and every fault of
 * a log gets its `log-fault-history` finding (the correlation itself is in
 * src/analysis/kernel-log/log-trace-correlation.ts, shared with the editor).
 */

import { faultHistoryFindings, gpuFaults, isKernelLog, traceFaultHistoryFeed } from '../analysis/kernel-log/log-trace-correlation';
import type { TraceFaultHistory } from '../analysis/kernel-log/trace-fault-history';
import { streamLines } from '../host/line-stream';
import type { FileResult } from './render';

/** Replays `path` and returns the life of every mapping it bound. */
export async function traceFaultHistory(path: string): Promise<TraceFaultHistory> {
  const feed = traceFaultHistoryFeed(path);
  await streamLines(path, (text, lineNumber) => feed.line(text, lineNumber));
  return feed.history;
}

/** Adds fault-history findings to the kernel-log results of `files` when traces are among them. */
export async function correlateLogsWithTraces(files: FileResult[]): Promise<void> {
  const traces = files.filter(({ result }) => result.kind === 'trace');
  if (traces.length === 0) return;
  if (!files.some(({ result }) => isKernelLog(result) && gpuFaults(result).length > 0)) return;
  const histories: TraceFaultHistory[] = [];
  for (const trace of traces) histories.push(await traceFaultHistory(trace.path));
  files.forEach((file, index) => {
    if (!isKernelLog(file.result)) return;
    const extra = faultHistoryFindings(file.result, histories);
    files[index] = { path: file.path, result: { ...file.result, findings: [...file.result.findings, ...extra] } };
  });
}
