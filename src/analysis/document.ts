/**
 * The contract between inputs and analyzers: every kind of document GPUVM
 * Lens understands (trace, gpuvas dump, patch, GPUVM script, kernel log) is
 * analyzed by an `Analyzer` that consumes the document one line at a time, so
 * that the CLI can stream multi-gigabyte traces from disk and the language
 * server can feed an open document through the same code.
 *
 * Pure: no file system, no editor. Lines are given without their line break
 * (a trailing CR is left for the analyzer to notice and strip).
 */

import type { Prescan } from '../parse/trace/prescan';
import type { Finding } from '../rules/rule';

import type { DocumentKind } from '../base/detect-kind';

export { DOCUMENT_KINDS, type DocumentKind } from '../base/detect-kind';

/** The `files[].stats` object of the JSON output (README.md, "Traces"). */
export interface DocumentStats {
  lines: number;
  events?: number;
  recognized?: number;
  unknownEvents?: Record<string, number>;
  vms?: number;
  mappings?: number;
  [extra: string]: unknown;
}

export interface AnalysisResult {
  readonly kind: DocumentKind;
  readonly stats: DocumentStats;
  readonly findings: Finding[];
}

/** Receives a document line by line. */
export interface LineSink {
  /**
   * `lineNumber` is 1-based. `unterminated` is true for a last line with no
   * line break after it (the input ended inside it: possibly cut off); every
   * line source passes it, so analyzers never guess from the text.
   */
  line(text: string, lineNumber: number, unterminated?: boolean): void;
  /**
   * Optional: the same line as its bytes (`bytes[start, end)`, UTF-8 as read,
   * valid during the call), for analyzers that read bytes without making a
   * string. Returns false, having done nothing, for a line it leaves to
   * `line` (the caller then decodes the line and passes it there).
   * `startByte` is the line's offset in the file; `prescan` the record a
   * reader thread made of the line (`parse/trace/prescan.ts`), when one did.
   */
  lineBytes?(
    bytes: Uint8Array,
    start: number,
    end: number,
    lineNumber: number,
    unterminated: boolean,
    startByte?: number,
    prescan?: Prescan,
  ): boolean;
  /** End of input: returns the analysis (a promise when it needs async set-up, e.g. tree-sitter). Called exactly once. */
  end(): AnalysisResult | Promise<AnalysisResult>;
}

export interface AnalyzeOptions {
  /** The document's path as given, used in related locations. */
  readonly path: string;
  /** Cancellation / progress hook for long inputs; may be absent. */
  readonly isCancelled?: () => boolean;
}

export interface Analyzer {
  readonly kind: DocumentKind;
  begin(options: AnalyzeOptions): LineSink;
}
