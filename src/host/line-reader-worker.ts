/**
 * The line reader thread (bundled as dist/line-reader.js, started by
 * `threaded-line-stream.ts`): reads a file and splits it into lines with
 * `streamByteLines` — the one disk line source, so the lines are exactly the
 * ones a single thread gets — and posts them in batches (`line-batch.ts`).
 *
 * Back-pressure: at most `maxInFlight` batches are posted and not yet handed
 * back; past that the reader stops reading until one comes back, so memory
 * stays a few batches however far the analysis falls behind. (It checks
 * after each read chunk, during which at most two more batches fill.)
 *
 * Messages out: batches, then `{ type: 'end', bytes, lines }`, or
 * `{ type: 'error', message, code }` if the file cannot be read to its end.
 */

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BatchWriter, newBatchBuffers, type BatchBuffers, type LineBatch } from './line-batch';
import { streamByteLines } from './line-stream';

/** What the reader is started with (`workerData`). */
export interface LineReaderJob {
  readonly path: string;
  readonly chunkBytes: number;
  readonly batchBytes: number;
  readonly maxInFlight: number;
}

/** What the analyzing side posts back: a batch's buffers, to be refilled. */
export interface BatchReturn {
  readonly type: 'free';
  readonly buffers: BatchBuffers;
}

export type ReaderMessage =
  | LineBatch
  | { readonly type: 'end'; readonly bytes: number; readonly lines: number }
  | { readonly type: 'error'; readonly message: string; readonly code: string | undefined };

async function readLines(port: MessagePort, job: LineReaderJob): Promise<void> {
  const pool: BatchBuffers[] = [];
  let inFlight = 0;
  let wake: (() => void) | null = null;
  port.on('message', (message: BatchReturn) => {
    inFlight--;
    // Only standard-size buffers are kept: one made for a long line is let go.
    if (message.buffers.bytes.byteLength === job.batchBytes) pool.push(message.buffers);
    const resume = wake;
    wake = null;
    resume?.();
  });
  const fresh = (length: number): BatchWriter =>
    new BatchWriter(length > job.batchBytes ? newBatchBuffers(length) : (pool.pop() ?? newBatchBuffers(job.batchBytes)));
  let writer = fresh(0);
  const post = (bytesRead: number): void => {
    if (writer.count === 0) {
      pool.push(writer.buffers);
      return;
    }
    const batch = writer.seal(bytesRead);
    inFlight++;
    port.postMessage(batch, [batch.bytes, batch.ends, batch.startBytes]);
  };
  const summary = await streamByteLines(
    job.path,
    (bytes, start, end, lineNumber, unterminated, startByte) => {
      if (!writer.fits(end - start)) {
        post(startByte);
        writer = fresh(end - start);
      }
      writer.push(bytes, start, end, lineNumber, unterminated, startByte);
    },
    {
      chunkBytes: job.chunkBytes,
      onChunk: async () => {
        while (inFlight >= job.maxInFlight) await new Promise<void>((resolve) => (wake = resolve));
      },
    },
  );
  post(summary.bytes);
  port.postMessage({ type: 'end', bytes: summary.bytes, lines: summary.lines } satisfies ReaderMessage);
  // Nothing more to wait for: let the thread end even if nobody terminates it.
  port.unref();
}

if (parentPort) {
  const port = parentPort;
  readLines(port, workerData as LineReaderJob).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    port.postMessage({ type: 'error', message, code: typeof code === 'string' ? code : undefined } satisfies ReaderMessage);
  });
}
