/**
 * Turns an input file into VA-space snapshots for `diff`: a `gpuvas` dump is
 * parsed (streamed line by line); a trace is replayed to its end, and its live
 * VMs become snapshots exactly as `gpuvm-lens state` prints them. Each kind that can yield snapshots registers a loader
 * in `SNAPSHOT_LOADERS`, so `diff` itself does not know how a kind is read.
 */

import type { DocumentKind } from '../analysis/document';
import { detectKind, DETECT_HEAD_BYTES } from '../base/detect-kind';
import { TraceStateReader } from '../analysis/trace/trace-snapshots';
import { GpuvasDumpParser, type DumpParseError } from '../parse/dump/parse-gpuvas';
import type { VaSpaceSnapshot } from '../parse/dump/snapshot';
import { UsageError, statInputFile } from './commands/command';
import { readHead, streamLines } from '../host/line-stream';

export interface SnapshotSet {
  readonly path: string;
  readonly kind: DocumentKind;
  readonly snapshots: readonly VaSpaceSnapshot[];
  /** Lines that could not be used (reported on standard error by `diff`). */
  readonly problems: readonly DumpParseError[];
}

/** Where to stop replaying a trace input (a dump is always read whole). */
export interface SnapshotPoint {
  /** Through this 1-based line, inclusive. */
  readonly atLine?: number;
  /** Every event up to this timestamp in seconds, inclusive. */
  readonly atTs?: number;
}

export type SnapshotLoader = (path: string, point: SnapshotPoint) => Promise<SnapshotSet>;

async function loadDump(path: string): Promise<SnapshotSet> {
  const parser = new GpuvasDumpParser();
  await streamLines(path, (text, lineNumber) => parser.line(text, lineNumber));
  const dump = parser.end();
  return { path, kind: 'dump', snapshots: dump.snapshots, problems: dump.errors };
}

/** A trace replayed to its end (or to `point`): its live VMs, as `gpuvm-lens state` prints them. */
async function loadTrace(path: string, point: SnapshotPoint): Promise<SnapshotSet> {
  const reader = new TraceStateReader(point);
  await streamLines(path, (text, lineNumber) => {
    reader.line(text, lineNumber);
  });
  return { path, kind: 'trace', snapshots: reader.snapshots(), problems: [] };
}

/** Loaders per kind; a kind missing here cannot be diffed. */
export const SNAPSHOT_LOADERS: Partial<Record<DocumentKind, SnapshotLoader>> = {
  dump: loadDump,
  trace: loadTrace,
};

/** Reads `path` as snapshots, detecting its kind unless `kind` is given. */
export async function loadSnapshots(path: string, kind?: DocumentKind, point: SnapshotPoint = {}): Promise<SnapshotSet> {
  statInputFile(path, { allowEmpty: true });
  const head = readHead(path, DETECT_HEAD_BYTES);
  // An empty file is the state of a trace with no live VM (`state` prints nothing): a dump of no VMs.
  const chosen = kind ?? (head.trim() === '' ? 'dump' : detectKind(head, path));
  const loader = SNAPSHOT_LOADERS[chosen];
  if (!loader) {
    const supported = Object.keys(SNAPSHOT_LOADERS).join(', ');
    throw new UsageError(`${path} was detected as ${chosen}; diff compares VA-space snapshots (${supported}); use --kind to force one`);
  }
  return loader(path, point);
}
