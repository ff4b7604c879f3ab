/**
 * Kernel logs in the editor answered from the traces the server holds (open
 * documents and files analyzed from disk): every GPU page fault of a log
 * gets its `log-fault-history` finding — the mapping that covered the
 * address, or when and by what it was unmapped — with the trace lines as
 * related locations, exactly as `gpuvm-lens check <log> <trace>` reports it
 * (src/analysis/kernel-log/log-trace-correlation.ts).
 *
 * A trace's fault history is built once per trace version; a log's
 * correlated findings once per set of trace versions. `generation()` changes
 * whenever a trace is analyzed, so diagnostics of logs are pulled again.
 */

import { faultHistoryFindings, gpuFaults, isKernelLog } from '../analysis/kernel-log/log-trace-correlation';
import { traceFaultHistoryFeed } from '../analysis/kernel-log/log-trace-correlation';
import type { TraceFaultHistory } from '../analysis/kernel-log/trace-fault-history';
import type { Finding } from '../rules/rule';
import { memo, pathOfUri, type DocumentSnapshot, type DocumentStore } from './documents';

let traceGeneration = 0;

/** Changes whenever a trace the correlation may use was analyzed. */
export function generation(): number {
  return traceGeneration;
}

/** Tells the correlation that `snapshot` was analyzed; true when it was a trace (logs must be refreshed). */
export function noteAnalyzed(snapshot: DocumentSnapshot): boolean {
  if (snapshot.kind !== 'trace') return false;
  traceGeneration++;
  return true;
}

function historyOf(trace: DocumentSnapshot): TraceFaultHistory {
  return memo(trace, 'fault-history', () => {
    const feed = traceFaultHistoryFeed(pathOfUri(trace.uri));
    for (let index = 0; index < trace.lines.lineCount; index++) feed.line(trace.lines.line(index), index + 1);
    return feed.history;
  });
}

/** The document's findings, and for a kernel log with faults the fault histories from every trace the store holds. */
export function findingsWithTraces(store: DocumentStore, snapshot: DocumentSnapshot): readonly Finding[] {
  const result = snapshot.result;
  if (snapshot.kind !== 'kernel-log' || !isKernelLog(result) || gpuFaults(result).length === 0) return result.findings;
  // Logs checked against each other's traces only; a log's own VM operations are already in its findings.
  const traces = store.allLatest().filter((candidate) => candidate.kind === 'trace');
  if (traces.length === 0) return result.findings;
  const key = `fault-history:${traces.map((trace) => `${trace.uri}@${trace.version}`).join(',')}`;
  return memo(snapshot, key, () => [...result.findings, ...faultHistoryFindings(result, traces.map(historyOf))]);
}
