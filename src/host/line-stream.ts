/**
 * The one way a file on disk becomes lines, for the command line and the
 * language server alike: bytes are read in chunks without holding the file
 * in memory, split on LF by hand (the hot path for multi-gigabyte traces),
 * and each line is decoded from its own bytes.
 *
 * Line rules (the same for every caller, so `gpuvm-lens check` and the
 * editor's Analyze command see the same lines and report the same findings):
 * - LF ends a line; a CR before it stays in the text, so each analyzer sees
 *   CRLF line ends and decides (traces report `trace-crlf-line-ends`);
 * - a final line without LF counts and is the one `unterminated` line; a
 *   trailing LF adds no empty line; an empty file has no line;
 * - a line longer than `MAX_FED_LINE_CHARS` characters is cut: at most four
 *   bytes per character of it are kept, the rest is skipped byte-wise and
 *   never decoded, so a binary file without line breaks costs one bounded line.
 *
 * Each line comes with the byte offset it starts at, which the server records
 * to read lines back later (`file-lines.ts`).
 *
 * A binary trace-cmd `trace.dat` (found by its magic, whatever its name) is
 * streamed as the lines of its `trace-cmd report` text instead, so every
 * caller analyzes a binary capture like its report.
 */

import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { MAX_FED_LINE_CHARS } from '../ide/sliced-analysis';
import { isTraceDatFile, openTraceDatLines } from './trace-dat-file';
import type { Prescan } from '../parse/trace/prescan';

/** 1 MiB: big enough that reading costs little per line, small enough to stay out of the live state's way. */
export const STREAM_CHUNK_BYTES = 1 << 20;

/** Reads up to `bytes` from the start of `path` (for kind detection). */
export function readHead(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export interface StreamProgress {
  (bytesRead: number): void;
}

export interface StreamOptions {
  /** Bytes per read (default `STREAM_CHUNK_BYTES`). */
  readonly chunkBytes?: number;
  /**
   * Called after the lines of each chunk, with the bytes read so far. The
   * stream waits for a returned promise: the server yields to its event loop
   * and checks cancellation there (a rejection stops the stream).
   */
  readonly onChunk?: (bytesRead: number) => void | Promise<void>;
}

/** What was read: the file's size as streamed and how many lines it held. */
export interface StreamSummary {
  readonly bytes: number;
  readonly lines: number;
}

/**
 * Calls `onLine(bytes, start, end, lineNumber, unterminated, startByte)` for
 * every line of the file (1-based), by the rules of the module header; the
 * line is `bytes[start, end)`, undecoded, and those bytes are only valid
 * until the chunk's `onChunk` (the next chunk may reuse them). For parsers that read
 * bytes directly (the script replay); `streamLines` decodes each line.
 */
export async function streamByteLines(
  path: string,
  onLine: (bytes: Buffer, start: number, end: number, lineNumber: number, unterminated: boolean, startByte: number) => void,
  options: StreamOptions | StreamProgress = {},
): Promise<StreamSummary> {
  const { chunkBytes = STREAM_CHUNK_BYTES, onChunk } = typeof options === 'function' ? { onChunk: options } : options;
  const cap = MAX_FED_LINE_CHARS * 4;
  // The kept bytes of the current line while it spans chunks (at most `cap` of them).
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineStart = 0;
  let position = 0;
  let lineNumber = 1;

  const keep = (chunk: Buffer, start: number, end: number): void => {
    const room = cap - pendingBytes;
    if (room <= 0 || end <= start) return;
    // Copied: the stream may reuse the chunk's memory after this turn.
    const piece = Buffer.from(chunk.subarray(start, Math.min(end, start + room)));
    pending.push(piece);
    pendingBytes += piece.length;
  };
  const emitPending = (unterminated: boolean): void => {
    const bytes = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    onLine(bytes, 0, bytes.length, lineNumber++, unterminated, lineStart);
  };

  for await (const data of createReadStream(path, { highWaterMark: chunkBytes })) {
    const chunk = data as Buffer;
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline === -1) break;
      if (pending.length === 0) {
        // The common case: the whole line is inside this chunk; hand it over in place.
        onLine(chunk, start, Math.min(newline, start + cap), lineNumber++, false, lineStart);
      } else {
        keep(chunk, start, newline);
        emitPending(false);
      }
      start = newline + 1;
      lineStart = position + start;
    }
    keep(chunk, start, chunk.length);
    position += chunk.length;
    if (onChunk) await onChunk(position);
  }
  if (lineStart < position) {
    if (pending.length === 0) onLine(Buffer.alloc(0), 0, 0, lineNumber++, true, lineStart);
    else emitPending(true);
  }
  return { bytes: position, lines: lineNumber - 1 };
}

/** The string of a line's bytes, by the rules of the module header. */
function lineText(bytes: Buffer, start: number, end: number): string {
  // Each line is decoded from its own bytes, so a bad byte never spills into a neighbour.
  const text = bytes.toString('utf8', start, end);
  return text.length > MAX_FED_LINE_CHARS ? text.slice(0, MAX_FED_LINE_CHARS) : text;
}

/** A consumer of lines that may take a line as bytes (`LineSink.lineBytes`). */
export interface MixedLineSink {
  line(text: string, lineNumber: number, unterminated: boolean, startByte: number): void;
  /**
   * Takes the line as bytes and returns true, or returns false and gets it
   * as text. `prescan`: the line's tokenising record when a reader thread
   * read it (`line-batch.ts`), for a sink that replays a trace.
   */
  lineBytes?(
    bytes: Uint8Array,
    start: number,
    end: number,
    lineNumber: number,
    unterminated: boolean,
    startByte: number,
    prescan?: Prescan,
  ): boolean;
}

/**
 * Every line of the file (1-based), by the rules of the module header: to
 * `sink.lineBytes` when the sink has it and takes the line, else decoded to
 * `sink.line`, so either way the sink sees the lines `streamLines` gives (a
 * binary `trace.dat` gives its report lines, always as text).
 */
export function streamSinkLines(path: string, sink: MixedLineSink, options: StreamOptions | StreamProgress = {}): Promise<StreamSummary> {
  if (isTraceDatFile(path)) return streamTraceDatLines(path, sink.line.bind(sink), options);
  return streamByteLines(path, sinkByteLines(sink), options);
}

/**
 * How a byte line reaches a sink: to `sink.lineBytes` when the sink has it
 * and takes the line, else decoded to `sink.line`. Shared with the threaded
 * stream (`threaded-line-stream.ts`), so both hand a sink the same lines.
 */
export function sinkByteLines(
  sink: MixedLineSink,
): (bytes: Buffer, start: number, end: number, lineNumber: number, unterminated: boolean, startByte: number, prescan?: Prescan) => void {
  const lineBytes = sink.lineBytes?.bind(sink);
  return (bytes, start, end, lineNumber, unterminated, startByte, prescan) => {
    if (lineBytes && lineBytes(bytes, start, end, lineNumber, unterminated, startByte, prescan)) return;
    sink.line(lineText(bytes, start, end), lineNumber, unterminated, startByte);
  };
}

/**
 * Calls `onLine(text, lineNumber, unterminated, startByte)` for every line
 * of the file (1-based), by the rules of the module header.
 */
export function streamLines(
  path: string,
  onLine: (text: string, lineNumber: number, unterminated: boolean, startByte: number) => void,
  options: StreamOptions | StreamProgress = {},
): Promise<StreamSummary> {
  if (isTraceDatFile(path)) return streamTraceDatLines(path, onLine, options);
  return streamByteLines(
    path,
    (bytes, start, end, lineNumber, unterminated, startByte) => onLine(lineText(bytes, start, end), lineNumber, unterminated, startByte),
    options,
  );
}

/** Report lines between progress calls for a binary capture. */
const DAT_LINES_PER_CHUNK = 20_000;

/**
 * A binary `trace.dat` as the text lines of its report (src/host/trace-dat-file.ts),
 * by the same contract: every line terminated; `startByte` is -1, as these
 * lines are not bytes of the file (they cannot be read back from it).
 */
async function streamTraceDatLines(
  path: string,
  onLine: (text: string, lineNumber: number, unterminated: boolean, startByte: number) => void,
  options: StreamOptions | StreamProgress,
): Promise<StreamSummary> {
  const { onChunk } = typeof options === 'function' ? { onChunk: options } : options;
  const file = openTraceDatLines(path);
  let lineNumber = 1;
  try {
    for (const line of file.lines) {
      onLine(line.text, lineNumber++, false, -1);
      if (onChunk && lineNumber % DAT_LINES_PER_CHUNK === 0) await onChunk(file.bytesRead());
    }
    if (onChunk) await onChunk(file.bytesRead());
    return { bytes: file.bytesRead(), lines: lineNumber - 1 };
  } finally {
    file.close();
  }
}
