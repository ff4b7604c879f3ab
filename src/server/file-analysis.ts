/**
 * Analyzes a file the server reads from disk itself (`gpuvmLens/analyzeFile`):
 * VS Code hands no file over 50 MB to a language server, so the client sends
 * the path and the server streams it in 256 KiB chunks, feeding the analyzer
 * line by line and recording each line's byte offset so hovers can later read
 * any line back without holding the file in memory.
 *
 * Invariants: memory is the analyzer's live state plus 8 bytes per line; a
 * line longer than `MAX_FED_LINE_CHARS` is cut (the rest of it is skipped
 * byte-wise, never decoded); cancellation is checked after every chunk.
 */

import { createReadStream, readSync, openSync, closeSync, statSync } from 'node:fs';
import type { AnalysisResult, Analyzer, DocumentKind } from '../analysis/document';
import { AnalysisCancelled, GuardedSink, MAX_FED_LINE_CHARS, yieldToEventLoop, type ProgressiveSink, type RunOptions } from '../ide/sliced-analysis';
import { LineOffsets, fileLineSource } from '../host/file-lines';
import type { LineSource } from '../ide/line-source';

/** Bytes fed between two turns of the event loop: a few tens of milliseconds of replay. */
const CHUNK = 256 << 10;

export interface FileAnalysis {
  readonly result: AnalysisResult;
  readonly lines: LineSource;
  readonly bytes: number;
}

export function fileSize(path: string): number {
  return statSync(path).size;
}

export function readFileHead(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = readSync(fd, buffer, 0, bytes, 0);
    return buffer.toString('utf8', 0, read);
  } finally {
    closeSync(fd);
  }
}

/** Streams `path` through `analyzer`; rejects with `AnalysisCancelled` when the token fires. */
export async function analyzeFileFromDisk(
  kind: DocumentKind,
  analyzer: Analyzer | ProgressiveSink,
  path: string,
  options: RunOptions,
): Promise<FileAnalysis> {
  const total = fileSize(path);
  const sink = new GuardedSink(kind, analyzer, options);
  const offsets = new LineOffsets();
  offsets.push(0);
  // The bytes of the current line not yet terminated by LF (at most MAX_FED_LINE_CHARS * 4 of them are kept).
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let position = 0;
  let lineNumber = 1;
  const cap = MAX_FED_LINE_CHARS * 4;

  const keep = (chunk: Buffer, start: number, end: number): void => {
    const room = cap - pendingBytes;
    if (room <= 0 || end <= start) return;
    const piece = chunk.subarray(start, Math.min(end, start + room));
    pending.push(piece);
    pendingBytes += piece.length;
  };
  const emit = (unterminated: boolean): void => {
    const bytes = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    sink.line(text, lineNumber++, unterminated);
    pending = [];
    pendingBytes = 0;
  };

  for await (const data of createReadStream(path, { highWaterMark: CHUNK })) {
    const chunk = data as Buffer;
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline === -1) break;
      keep(chunk, start, newline);
      emit(false);
      offsets.push(position + newline + 1);
      start = newline + 1;
    }
    keep(chunk, start, chunk.length);
    position += chunk.length;
    options.onProgress?.(total > 0 ? position / total : 1);
    if (options.onPartial) options.onPartial(sink.partial());
    // A buffered stream resolves the next chunk without a turn of the event
    // loop; yield explicitly so requests (hovers, cancellation) get answered.
    await yieldToEventLoop();
    if (options.token.isCancellationRequested) throw new AnalysisCancelled();
  }
  if (pendingBytes > 0) emit(true);
  else if (offsets.length > 0 && offsets.at(offsets.length - 1) === position && position > 0) {
    // A final LF starts no further line (as the CLI counts lines).
    offsets.pop();
  }
  if (position === 0) offsets.pop();
  const result = await sink.end();
  return { result, lines: fileLineSource(path, offsets, position), bytes: position };
}
