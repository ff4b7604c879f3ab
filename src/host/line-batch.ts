/**
 * Lines in batches, as the line reader thread hands them to the thread that
 * analyzes them (`threaded-line-stream.ts`): the bytes of many consecutive
 * lines copied back to back into shared memory, with where each line ends
 * and at which byte of the file it started.
 *
 * The batches live in a ring of `slots` shared buffers, allocated once by
 * the analyzing side: batch `n` (counting from 0) fills slot `n % slots`, and
 * the reader fills it only once the analyzing side has released batch
 * `n - slots` (a shared counter, `released`, that the reader waits on). So
 * memory is the ring, however far the analysis falls behind, and no buffer
 * is allocated, transferred or collected per batch. A line longer than a
 * slot travels in a shared buffer of its own, in a batch of its own (at most
 * one at a time: it also takes its turn in the ring).
 *
 * The reader also tokenises each line it copies (`prescanTraceLine`, a
 * record per line in `scans`): only traces are read on a second thread, and
 * the analyzing side then skips that work for most lines.
 *
 * The bytes of lines that follow each other in one chunk of the file are
 * copied at once, with the line break between them (one copy per chunk a
 * batch holds, not one per line: a copy of a few hundred bytes costs a view
 * and a call, and the reader thread copies a million lines a second).
 *
 * Invariants: a batch holds consecutive lines, numbered from `firstLine`;
 * line `i` is `bytes[starts[i], ends[i])`, exactly the bytes
 * `streamByteLines` gave for it (already cut by its long-line rule); only the
 * last line of the file can be unterminated, and it is then the batch's last
 * line.
 */

import { PRESCAN_STRIDE, prescanTraceLine, type Prescan } from '../parse/trace/prescan';
import { EventDecoder } from '../parse/trace/decode-event';
import { ScannedLine } from '../parse/trace/trace-line';

/** Bytes of line text a slot holds by default: some 6,000 trace lines, tens of milliseconds of replay. */
export const BATCH_BYTES = 1 << 20;
/** Lines a batch holds (bounds the offset arrays for files of empty lines). */
export const BATCH_LINES = 16_384;

/** The memory of one batch. */
export interface BatchBuffers {
  readonly bytes: SharedArrayBuffer;
  /** Int32: the start of each line in `bytes`. */
  readonly starts: SharedArrayBuffer;
  /** Int32: the end of each line in `bytes`. */
  readonly ends: SharedArrayBuffer;
  /** Float64: the byte of the file each line starts at. */
  readonly startBytes: SharedArrayBuffer;
  /** Float64: each line's tokenising record (`PRESCAN_STRIDE` per line). */
  readonly scans: SharedArrayBuffer;
}

/** The ring both threads share. */
export interface BatchRing {
  readonly slots: readonly BatchBuffers[];
  /** Int32[1]: how many batches the analyzing side has released. */
  readonly released: SharedArrayBuffer;
}

/** A filled batch, as posted by the reader (the `n`-th posted is batch `n`). */
export interface LineBatch {
  readonly type: 'batch';
  /** The batch's own buffers when a line did not fit a slot; else it is in slot `n % slots`. */
  readonly own: BatchBuffers | undefined;
  readonly firstLine: number;
  readonly count: number;
  /** Whether the batch's last line is the file's unterminated last line. */
  readonly unterminatedLast: boolean;
  /** Bytes of the file read when the batch was sealed (for progress). */
  readonly bytesRead: number;
}

export function newBatchBuffers(bytes = BATCH_BYTES): BatchBuffers {
  return {
    bytes: new SharedArrayBuffer(bytes),
    starts: new SharedArrayBuffer(BATCH_LINES * Int32Array.BYTES_PER_ELEMENT),
    ends: new SharedArrayBuffer(BATCH_LINES * Int32Array.BYTES_PER_ELEMENT),
    startBytes: new SharedArrayBuffer(BATCH_LINES * Float64Array.BYTES_PER_ELEMENT),
    scans: new SharedArrayBuffer(BATCH_LINES * PRESCAN_STRIDE * Float64Array.BYTES_PER_ELEMENT),
  };
}

export function newBatchRing(slots: number, bytes = BATCH_BYTES): BatchRing {
  return { slots: Array.from({ length: slots }, () => newBatchBuffers(bytes)), released: new SharedArrayBuffer(4) };
}

/** Typed views of one batch's buffers, made once per buffer. */
export class BatchViews {
  /** A Buffer, not a bare Uint8Array: a line that is not ASCII is decoded with Buffer#toString. */
  readonly bytes: Buffer;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly startBytes: Float64Array;
  readonly scans: Float64Array;

  constructor(readonly buffers: BatchBuffers) {
    this.bytes = Buffer.from(buffers.bytes);
    this.starts = new Int32Array(buffers.starts);
    this.ends = new Int32Array(buffers.ends);
    this.startBytes = new Float64Array(buffers.startBytes);
    this.scans = new Float64Array(buffers.scans);
  }
}

/** Fills batches line by line (the reader's side). */
export class BatchWriter {
  private views: BatchViews;
  private used = 0;
  count = 0;
  firstLine = 0;
  unterminatedLast = false;
  private readonly scanned = new ScannedLine();
  private readonly decoder = new EventDecoder();

  constructor(views: BatchViews) {
    this.views = views;
  }

  /**
   * The lines pushed since the last copy, all of one source, each after the
   * one before and its line break: `source[runStart, runEnd)`, to be copied
   * at `runAt` (`flush`).
   */
  private runSource: Uint8Array | null = null;
  private runStart = 0;
  private runEnd = 0;
  private runAt = 0;

  /** Whether a line of `length` bytes still fits (with the line break before it, when it is not the first). */
  fits(length: number): boolean {
    return this.count < BATCH_LINES && this.used + (this.count > 0 ? 1 : 0) + length <= this.views.bytes.length;
  }

  /**
   * Appends `source[start, end)`; the caller checked `fits`. The bytes are
   * copied by `flush` (or `seal`), so they must stay as they are until then:
   * `streamByteLines` keeps a chunk's bytes until its `onChunk`.
   */
  push(source: Uint8Array, start: number, end: number, lineNumber: number, unterminated: boolean, startByte: number): void {
    const views = this.views;
    if (this.count === 0) this.firstLine = lineNumber;
    let at: number;
    if (source === this.runSource && start === this.runEnd + 1) {
      at = this.runAt + (start - this.runStart);
      this.runEnd = end;
    } else {
      this.flush();
      at = this.used;
      this.runSource = source;
      this.runStart = start;
      this.runEnd = end;
      this.runAt = at;
    }
    // The record's offsets are relative to the line's start: it holds for the copy.
    prescanTraceLine(source, start, end, this.scanned, this.decoder, views.scans, this.count * PRESCAN_STRIDE);
    this.used = at + (end - start);
    views.starts[this.count] = at;
    views.ends[this.count] = this.used;
    views.startBytes[this.count] = startByte;
    this.count++;
    this.unterminatedLast = unterminated;
  }

  /** Copies the lines pushed since the last copy into the batch. */
  flush(): void {
    const source = this.runSource;
    if (source === null) return;
    if (this.runEnd > this.runStart) this.views.bytes.set(source.subarray(this.runStart, this.runEnd), this.runAt);
    this.runSource = null;
  }

  /** Starts filling `views` (an empty writer only). */
  use(views: BatchViews): void {
    this.views = views;
  }

  /** The batch as posted (`own`: its buffers are its own, not a slot's); the writer is empty after it. */
  seal(bytesRead: number, own: boolean): LineBatch {
    this.flush();
    const batch: LineBatch = {
      type: 'batch',
      own: own ? this.views.buffers : undefined,
      firstLine: this.firstLine,
      count: this.count,
      unterminatedLast: this.unterminatedLast,
      bytesRead,
    };
    this.used = 0;
    this.count = 0;
    this.unterminatedLast = false;
    return batch;
  }
}

/** Where the analyzing side reads a line's record; one per batch walk, moved line by line. */
class BatchPrescan implements Prescan {
  at = 0;
  constructor(readonly scans: Float64Array) {}
}

/**
 * Calls `onLine` for each line of a batch held in `views`, in order (the
 * analyzing side), with the line's tokenising record; `bytes` and the record
 * are valid during the call only.
 */
export function forEachBatchLine(
  batch: LineBatch,
  views: BatchViews,
  onLine: (
    bytes: Buffer,
    start: number,
    end: number,
    lineNumber: number,
    unterminated: boolean,
    startByte: number,
    prescan: Prescan,
  ) => void,
): void {
  const { bytes, starts, ends, startBytes } = views;
  const prescan = new BatchPrescan(views.scans);
  const last = batch.count - 1;
  for (let i = 0; i <= last; i++) {
    prescan.at = i * PRESCAN_STRIDE;
    onLine(
      bytes,
      starts[i] as number,
      ends[i] as number,
      batch.firstLine + i,
      i === last && batch.unterminatedLast,
      startBytes[i] as number,
      prescan,
    );
  }
}
