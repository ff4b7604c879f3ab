/**
 * One analyzed version of a document, as every editor query sees it: its
 * lines (in memory or on disk), its analysis, the replay index of a trace
 * and a cache of what queries derive from it. Plain data: the server's
 * document store makes these; the query modules only read them.
 *
 * "Snapshot" elsewhere in the project means a `gpuvas` VA-space snapshot
 * (src/parse/dump/snapshot.ts); a document's analyzed version is an
 * `AnalyzedDocument`.
 *
 * Invariant: everything derived from an analyzed document is cached on it
 * (`memo`), so a new version drops the whole cache at once.
 */

import type { AnalysisResult, DocumentKind } from '../analysis/document';
import type { LineSource } from './line-source';
import type { TraceIndex } from './trace-replay-index';

export interface AnalyzedDocument {
  readonly uri: string;
  readonly version: number;
  readonly kind: DocumentKind;
  readonly lines: LineSource;
  readonly result: AnalysisResult;
  /** Derived data of this version, keyed by what computed it. */
  readonly cache: Map<string, unknown>;
  /** Read from disk by the server (not open in the editor). */
  readonly onDisk: boolean;
  /** The replay index of a trace, for hovers, navigation and the VA-space view. */
  readonly trace?: TraceIndex;
}

/** Computes `key` once per analyzed document. */
export function memo<T>(document: AnalyzedDocument, key: string, compute: () => T): T {
  if (document.cache.has(key)) return document.cache.get(key) as T;
  const value = compute();
  document.cache.set(key, value);
  return value;
}
