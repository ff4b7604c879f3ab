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
 * Invariants: a batch holds consecutive lines, numbered from `firstLine`;
 * line `i` is `bytes[i === 0 ? 0 : ends[i - 1], ends[i])`, exactly the bytes
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
  readonly ends: Int32Array;
  readonly startBytes: Float64Array;
  readonly scans: Float64Array;

  constructor(readonly buffers: BatchBuffers) {
    this.bytes = Buffer.from(buffers.bytes);
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

  /** Whether a line of `length` bytes still fits. */
  fits(length: number): boolean {
    return this.count < BATCH_LINES && this.used + length <= this.views.bytes.length;
  }

  /** Appends `source[start, end)`; the caller checked `fits`. */
  push(source: Uint8Array, start: number, end: number, lineNumber: number, unterminated: boolean, startByte: number): void {
    const views = this.views;
    if (this.count === 0) this.firstLine = lineNumber;
    views.bytes.set(source.subarray(start, end), this.used);
    prescanTraceLine(views.bytes, this.used, this.used + end - start, this.scanned, this.decoder, views.scans, this.count * PRESCAN_STRIDE);
    this.used += end - start;
    views.ends[this.count] = this.used;
    views.startBytes[this.count] = startByte;
    this.count++;
    this.unterminatedLast = unterminated;
  }

  /** Starts filling `views` (an empty writer only). */
  use(views: BatchViews): void {
    this.views = views;
  }

  /** The batch as posted (`own`: its buffers are its own, not a slot's); the writer is empty after it. */
  seal(bytesRead: number, own: boolean): LineBatch {
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
  const { bytes, ends, startBytes } = views;
  const prescan = new BatchPrescan(views.scans);
  const last = batch.count - 1;
  let start = 0;
  for (let i = 0; i <= last; i++) {
    const end = ends[i] as number;
    prescan.at = i * PRESCAN_STRIDE;
    onLine(bytes, start, end, batch.firstLine + i, i === last && batch.unterminatedLast, startBytes[i] as number, prescan);
    start = end;
  }
}
