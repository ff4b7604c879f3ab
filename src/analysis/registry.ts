/**
 * The analyzer for each document kind, and whole-text / streamed entry points
 * shared by the CLI and the language server.
 *
 * To add a kind: implement `Analyzer` in its own module and list it in
 * `ANALYZERS` below. A kind without an analyzer falls back to
 * `unknownAnalyzer`, which reports the input as unrecognised (never silently).
 */

import { forEachLine } from '../base/lines';
import type { AnalysisResult, AnalyzeOptions, Analyzer, DocumentKind, LineSink } from './document';
import { detectKind, DETECT_HEAD_BYTES } from '../base/detect-kind';
import { scriptAnalyzer } from './script-analyzer';
import { patchAnalyzer } from './patch-analyzer';
import { traceAnalyzer } from './trace/trace-analyzer';
import { dumpAnalyzer } from './dump/dump-analyzer';
import { kernelLogAnalyzer } from './kernel-log/kernel-log-analyzer';
import { unknownAnalyzer } from './unknown-analyzer';

const ANALYZERS: readonly Analyzer[] = [scriptAnalyzer, patchAnalyzer, dumpAnalyzer, kernelLogAnalyzer, traceAnalyzer];

export function analyzerFor(kind: DocumentKind): Analyzer {
  return ANALYZERS.find((analyzer) => analyzer.kind === kind) ?? unknownAnalyzer(kind);
}

export interface AnalyzeTextOptions extends AnalyzeOptions {
  /** Overrides content detection (`--kind`). */
  readonly kind?: DocumentKind;
}

/** Feeds `text` line by line into `sink` (LF or CRLF; a final newline adds no line). */
export function feedText(sink: LineSink, text: string): void {
  forEachLine(text, (line, lineNumber, unterminated) => sink.line(line, lineNumber, unterminated));
}

/** Analyzes a whole document held in memory. */
export async function analyzeText(text: string, options: AnalyzeTextOptions): Promise<AnalysisResult> {
  const kind = options.kind ?? detectKind(text.slice(0, DETECT_HEAD_BYTES), options.path);
  const sink = analyzerFor(kind).begin(options);
  feedText(sink, text);
  return await sink.end();
}
