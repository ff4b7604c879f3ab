/**
 * Lines in batches, as the line reader thread hands them to the thread that
 * analyzes them (`threaded-line-stream.ts`): the bytes of many consecutive
 * lines copied back to back into one transferable buffer, with where each
 * line ends and at which byte of the file it started.
 *
 * Invariants: a batch holds consecutive lines, numbered from `firstLine`;
 * line `i` is `bytes[i === 0 ? 0 : ends[i - 1], ends[i])`, exactly the bytes
 * `streamByteLines` gave for it (already cut by its long-line rule); only the
 * last line of the file can be unterminated, and it is then the batch's last
 * line. Buffers travel by transfer, never by copy, and come back to be
 * refilled, so the reader allocates a fixed few of them.
 */

/** Bytes of line text a batch holds by default (a longer line gets a batch of its own size): some 6,000 trace lines, tens of milliseconds of replay. */
export const BATCH_BYTES = 1 << 20;
/** Lines a batch holds (bounds the offset arrays for files of empty lines). */
export const BATCH_LINES = 16_384;

/** The buffers of a batch: what is transferred and handed back. */
export interface BatchBuffers {
  readonly bytes: ArrayBuffer;
  /** Int32: the end of each line in `bytes`. */
  readonly ends: ArrayBuffer;
  /** Float64: the byte of the file each line starts at. */
  readonly startBytes: ArrayBuffer;
}

/** A filled batch, as posted from the reader. */
export interface LineBatch extends BatchBuffers {
  readonly type: 'batch';
  readonly firstLine: number;
  readonly count: number;
  /** Whether the batch's last line is the file's unterminated last line. */
  readonly unterminatedLast: boolean;
  /** Bytes of the file read when the batch was sealed (for progress). */
  readonly bytesRead: number;
}

export function newBatchBuffers(bytes = BATCH_BYTES): BatchBuffers {
  return {
    bytes: new ArrayBuffer(bytes),
    ends: new ArrayBuffer(BATCH_LINES * Int32Array.BYTES_PER_ELEMENT),
    startBytes: new ArrayBuffer(BATCH_LINES * Float64Array.BYTES_PER_ELEMENT),
  };
}

/** Fills one batch's buffers line by line (the reader's side). */
export class BatchWriter {
  readonly buffers: BatchBuffers;
  private readonly bytes: Uint8Array;
  private readonly ends: Int32Array;
  private readonly startBytes: Float64Array;
  private used = 0;
  count = 0;
  firstLine = 0;
  unterminatedLast = false;

  constructor(buffers: BatchBuffers) {
    this.buffers = buffers;
    this.bytes = new Uint8Array(buffers.bytes);
    this.ends = new Int32Array(buffers.ends);
    this.startBytes = new Float64Array(buffers.startBytes);
  }

  /** Whether a line of `length` bytes still fits. */
  fits(length: number): boolean {
    return this.count < BATCH_LINES && this.used + length <= this.bytes.length;
  }

  /** Appends `source[start, end)`; the caller checked `fits`. */
  push(source: Uint8Array, start: number, end: number, lineNumber: number, unterminated: boolean, startByte: number): void {
    if (this.count === 0) this.firstLine = lineNumber;
    this.bytes.set(source.subarray(start, end), this.used);
    this.used += end - start;
    this.ends[this.count] = this.used;
    this.startBytes[this.count] = startByte;
    this.count++;
    this.unterminatedLast = unterminated;
  }

  seal(bytesRead: number): LineBatch {
    return {
      type: 'batch',
      ...this.buffers,
      firstLine: this.firstLine,
      count: this.count,
      unterminatedLast: this.unterminatedLast,
      bytesRead,
    };
  }
}

/** Calls `onLine` for each line of a batch, in order (the analyzing side); `bytes` is valid during the call only. */
export function forEachBatchLine(
  batch: LineBatch,
  onLine: (bytes: Buffer, start: number, end: number, lineNumber: number, unterminated: boolean, startByte: number) => void,
): void {
  // A Buffer, not a bare Uint8Array: a line that is not ASCII is decoded with Buffer#toString.
  const bytes = Buffer.from(batch.bytes);
  const ends = new Int32Array(batch.ends);
  const startBytes = new Float64Array(batch.startBytes);
  const last = batch.count - 1;
  let start = 0;
  for (let i = 0; i <= last; i++) {
    const end = ends[i] as number;
    onLine(bytes, start, end, batch.firstLine + i, i === last && batch.unterminatedLast, startBytes[i] as number);
    start = end;
  }
}
