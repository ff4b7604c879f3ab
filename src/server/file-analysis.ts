/**
 * Analyzes a file the server reads from disk itself (`gpuvmLens/analyzeFile`):
 * VS Code hands no file over 50 MB to a language server, so the client sends
 * the path and the server streams it in 256 KiB chunks through the same line
 * source as `gpuvm-lens check` (`host/line-stream`: the same line ends, cut
 * lines and last-line rules, so both report the same findings), feeding the
 * analyzer line by line and recording each line's byte offset so hovers can
 * later read any line back without holding the file in memory. A big trace
 * is read and split into lines on a second thread while this one replays it
 * (`host/threaded-line-stream`: the same lines, so the same findings).
 *
 * Invariants: memory is the analyzer's live state plus 8 bytes per line;
 * cancellation is checked after every chunk, other requests are answered
 * at least every `YIELD_EVERY_MS`.
 */

import { statSync } from 'node:fs';
import type { AnalysisResult, Analyzer, DocumentKind } from '../analysis/document';
import { AnalysisCancelled, GuardedSink, yieldToEventLoop, type ProgressiveSink, type RunOptions } from '../ide/sliced-analysis';
import { LineOffsets, fileLineSource } from '../host/file-lines';
import { streamSinkLinesThreaded, TRACE_THREAD_FROM_BYTES, type ThreadedStreamOptions } from '../host/threaded-line-stream';
import { MAX_LINE_CHARS, rangeByLine, type LineSource } from '../ide/line-source';

/** Bytes fed per chunk: a few milliseconds of replay (cancellation is checked after each). */
const CHUNK = 256 << 10;

/**
 * Milliseconds of reading between two turns of the event loop: a request
 * (a hover, a cancellation) waits for at most about this long. Not every
 * chunk: a client asking again as soon as it is answered (a busy editor, the
 * LSP bench) would otherwise be answered a few hundred times a second, each
 * answer taken from the replay's time.
 */
const YIELD_EVERY_MS = 10;

export interface FileAnalysis {
  readonly result: AnalysisResult;
  readonly lines: LineSource;
  readonly bytes: number;
}

export function fileSize(path: string): number {
  return statSync(path).size;
}

/**
 * How the file is read: by default a trace of `TRACE_THREAD_FROM_BYTES` or
 * more on a second thread, in chunks of `CHUNK` bytes.
 */
export type FileReading = Pick<ThreadedStreamOptions, 'threadFromBytes' | 'readerScript' | 'chunkBytes'>;

/** Streams `path` through `analyzer` (by the line rules of `host/line-stream`); rejects with `AnalysisCancelled` when the token fires. */
export async function analyzeFileFromDisk(
  kind: DocumentKind,
  analyzer: Analyzer | ProgressiveSink,
  path: string,
  options: RunOptions,
  reading: FileReading = kind === 'trace' ? { threadFromBytes: TRACE_THREAD_FROM_BYTES } : {},
): Promise<FileAnalysis> {
  const total = fileSize(path);
  const sink = new GuardedSink(kind, analyzer, options);
  const offsets = new LineOffsets();
  // A binary trace.dat streams the lines of its report, which are not bytes of
  // the file (startByte -1) and cannot be read back from it: they are kept.
  const kept: string[] = [];
  /** When the last turn of the event loop ended (the first chunk yields at once: first findings and progress). */
  let yielded = -Infinity;
  const { bytes } = await streamSinkLinesThreaded(
    path,
    {
      line(text, lineNumber, unterminated, startByte) {
        if (startByte < 0) kept.push(text.slice(0, MAX_LINE_CHARS));
        else offsets.push(startByte);
        sink.line(text, lineNumber, unterminated);
      },
      lineBytes(data, start, end, lineNumber, unterminated, startByte, prescan) {
        if (!sink.lineBytes(data, start, end, lineNumber, unterminated, startByte, prescan)) return false;
        offsets.push(startByte);
        return true;
      },
    },
    {
      chunkBytes: CHUNK,
      ...reading,
      onChunk: async (position) => {
        if (options.token.isCancellationRequested) throw new AnalysisCancelled();
        if (performance.now() - yielded < YIELD_EVERY_MS) return;
        options.onProgress?.(total > 0 ? position / total : 1);
        if (options.onPartial) options.onPartial(sink.partial());
        // A buffered stream resolves the next chunk without a turn of the event
        // loop; yield explicitly so requests (hovers, cancellation) get answered.
        await yieldToEventLoop();
        yielded = performance.now();
        if (options.token.isCancellationRequested) throw new AnalysisCancelled();
      },
    },
  );
  const result = await sink.end();
  return { result, lines: kept.length > 0 ? arrayLineSource(kept) : fileLineSource(path, offsets, bytes), bytes };
}

/** Lines held in memory (a binary capture's report). */
function arrayLineSource(lines: readonly string[]): LineSource {
  const source: LineSource = {
    lineCount: lines.length,
    text: undefined,
    line: (n) => lines[n] ?? '',
    range: (from, to) => rangeByLine(source, from, to),
  };
  return source;
}
