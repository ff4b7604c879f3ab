/**
 * Runs an analyzer over a document without blocking the server: lines are fed
 * in slices and the event loop gets a turn between slices, so hovers,
 * cancellations and edits are answered while a large trace is analyzed.
 *
 * Invariants:
 * - An analyzer that throws never escapes this module: each failure is logged
 *   and becomes one `internal-error` finding on the line where it happened;
 *   the rest of the document is still fed, and the findings produced before
 *   the failure are kept.
 * - Cancellation is checked between slices; a cancelled run rejects with
 *   `AnalysisCancelled` and its partial result is thrown away.
 * - Lines longer than `MAX_FED_LINE_CHARS` are cut before they reach the
 *   analyzer: a binary file with no line breaks costs one bounded line.
 */

import type { AnalysisResult, Analyzer, DocumentKind, LineSink } from '../analysis/document';
import type { Finding } from '../rules/rule';
import type { Prescan } from '../parse/trace/prescan';

export const MAX_FED_LINE_CHARS = 1 << 20;

/** The rule id of the diagnostic that stands for a crash inside GPUVM Lens itself. */
export const INTERNAL_ERROR = 'internal-error';

export interface CancelFlag {
  readonly isCancellationRequested: boolean;
}

export class AnalysisCancelled extends Error {
  override readonly name = 'AnalysisCancelled';
  constructor() {
    super('analysis cancelled');
  }
}

export interface Logger {
  error(message: string): void;
  info(message: string): void;
}

/** A sink that can show the findings it has so far, before `end()`. */
export interface ProgressiveSink extends LineSink {
  partial?(): readonly Finding[];
}

export interface RunOptions {
  readonly path: string;
  readonly token: CancelFlag;
  readonly logger: Logger;
  /** Called between slices with the fraction done, 0..1. */
  readonly onProgress?: (fraction: number) => void;
  /** Called between slices with the findings so far, for sinks that can tell. */
  readonly onPartial?: (findings: readonly Finding[]) => void;
  /** Lines fed between two turns of the event loop. */
  readonly sliceLines?: number;
}

export const DEFAULT_SLICE_LINES = 20_000;

/** One crash inside GPUVM Lens, as a finding the user sees. */
export function internalErrorFinding(line: number, what: string, error: unknown): Finding {
  const detail = error instanceof Error ? error.message : String(error);
  return {
    rule: INTERNAL_ERROR,
    severity: 'error',
    message: `GPUVM Lens failed internally while ${what} (${detail}). Other findings are still shown; this is a bug in GPUVM Lens, not in the document.`,
    line,
    column: 1,
    endLine: line,
    endColumn: 1,
    related: [],
  };
}

export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Wraps a sink so that a throwing `begin()`, `line()` or `end()` is recorded
 * once (the first failure carries its line number; later ones are counted and
 * logged). A sink only hands its findings over from `end()`, so when `end()`
 * itself throws the result holds just the internal error.
 */
export class GuardedSink {
  private failure: Finding | undefined;
  private failures = 0;
  private lines = 0;
  private readonly sink: ProgressiveSink | undefined;

  constructor(
    private readonly kind: DocumentKind,
    analyzer: Analyzer | ProgressiveSink,
    private readonly options: RunOptions,
  ) {
    try {
      this.sink =
        'begin' in analyzer ? analyzer.begin({ path: options.path, isCancelled: () => options.token.isCancellationRequested }) : analyzer;
    } catch (error) {
      this.fail(1, 'starting the analysis', error);
    }
  }

  private fail(line: number, what: string, error: unknown): void {
    this.failures++;
    if (this.failure) return;
    this.failure = internalErrorFinding(line, what, error);
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.options.logger.error(`${this.options.path}:${line}: analyzer for ${this.kind} threw while ${what}: ${stack}`);
  }

  line(text: string, lineNumber: number, unterminated = false): void {
    this.lines = lineNumber;
    if (!this.sink) return;
    try {
      this.sink.line(text.length > MAX_FED_LINE_CHARS ? text.slice(0, MAX_FED_LINE_CHARS) : text, lineNumber, unterminated);
    } catch (error) {
      this.fail(lineNumber, `analyzing line ${lineNumber}`, error);
    }
  }

  /** The line as bytes, when the sink takes it that way (see `LineSink.lineBytes`); false: pass it to `line`. */
  lineBytes(
    bytes: Uint8Array,
    start: number,
    end: number,
    lineNumber: number,
    unterminated: boolean,
    startByte?: number,
    prescan?: Prescan,
  ): boolean {
    if (!this.sink?.lineBytes) return false;
    try {
      if (!this.sink.lineBytes(bytes, start, end, lineNumber, unterminated, startByte, prescan)) return false;
    } catch (error) {
      this.fail(lineNumber, `analyzing line ${lineNumber}`, error);
    }
    this.lines = lineNumber;
    return true;
  }

  /** Findings so far (the sink's, plus the first internal failure). */
  partial(): readonly Finding[] {
    let found: readonly Finding[] = [];
    try {
      found = this.sink?.partial?.() ?? [];
    } catch (error) {
      this.fail(this.lines || 1, 'listing findings so far', error);
    }
    return this.failure ? [...found, this.failure] : found;
  }

  async end(): Promise<AnalysisResult> {
    let result: AnalysisResult = { kind: this.kind, stats: { lines: this.lines }, findings: [] };
    if (this.sink) {
      try {
        result = await this.sink.end();
      } catch (error) {
        this.fail(this.lines || 1, 'finishing the analysis', error);
      }
    }
    if (!this.failure) return result;
    if (this.failures > 1) this.options.logger.error(`${this.options.path}: ${this.failures} analyzer failures in total`);
    return { ...result, findings: [...result.findings, this.failure] };
  }
}

/** Analyzes text held in memory, in slices. */
export async function analyzeTextInSlices(
  kind: DocumentKind,
  analyzer: Analyzer | ProgressiveSink,
  text: string,
  options: RunOptions,
): Promise<AnalysisResult> {
  const sink = new GuardedSink(kind, analyzer, options);
  const slice = options.sliceLines ?? DEFAULT_SLICE_LINES;
  const length = text.length;
  let start = 0;
  let lineNumber = 1;
  let untilYield = slice;
  while (start < length) {
    let end = text.indexOf('\n', start);
    const unterminated = end === -1;
    if (unterminated) end = length;
    // Cut before slicing so a huge line never becomes a huge string.
    sink.line(text.slice(start, Math.min(end, start + MAX_FED_LINE_CHARS)), lineNumber++, unterminated);
    start = end + 1;
    if (--untilYield === 0) {
      untilYield = slice;
      options.onProgress?.(start / length);
      if (options.onPartial) options.onPartial(sink.partial());
      await yieldToEventLoop();
      if (options.token.isCancellationRequested) throw new AnalysisCancelled();
    }
  }
  if (options.token.isCancellationRequested) throw new AnalysisCancelled();
  return await sink.end();
}
