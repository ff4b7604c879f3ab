/**
 * The line reader thread (bundled as dist/line-reader.js, started by
 * `threaded-line-stream.ts`): reads a file and splits it into lines with
 * `streamByteLines` — the one disk line source, so the lines are exactly the
 * ones a single thread gets — and hands them over in batches through the
 * shared ring of `line-batch.ts`.
 *
 * Back-pressure: before filling a batch the reader waits (`Atomics.wait`,
 * which a worker may do) until the analyzing side has released the batch
 * that last used its slot, so it never runs more than the ring ahead.
 *
 * Messages out: one per batch, then `{ type: 'end', bytes, lines }`, or
 * `{ type: 'error', message, code }` if the file cannot be read to its end.
 * The job comes as `workerData`, or as the first message to a reader
 * started before it had one (`prestartLineReader`).
 */

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BatchViews, BatchWriter, newBatchBuffers, type BatchRing, type LineBatch } from './line-batch';
import { streamByteLines } from './line-stream';

/** What the reader is started with (`workerData`). */
export interface LineReaderJob {
  readonly path: string;
  readonly chunkBytes: number;
  readonly ring: BatchRing;
}

export type ReaderMessage =
  | LineBatch
  | { readonly type: 'end'; readonly bytes: number; readonly lines: number }
  | { readonly type: 'error'; readonly message: string; readonly code: string | undefined };

async function readLines(port: MessagePort, job: LineReaderJob): Promise<void> {
  const slots = job.ring.slots.map((buffers) => new BatchViews(buffers));
  const slotBytes = slots[0]?.bytes.length ?? 0;
  const released = new Int32Array(job.ring.released);
  let posted = 0;
  /** The views batch number `posted` is filled in, once its turn has come. */
  const nextViews = (length: number): { views: BatchViews; own: boolean } => {
    for (;;) {
      const done = Atomics.load(released, 0);
      if (posted - done < slots.length) break;
      Atomics.wait(released, 0, done);
    }
    if (length > slotBytes) return { views: new BatchViews(newBatchBuffers(length)), own: true };
    return { views: slots[posted % slots.length] as BatchViews, own: false };
  };
  let current = nextViews(0);
  const writer = new BatchWriter(current.views);
  const post = (bytesRead: number): void => {
    port.postMessage(writer.seal(bytesRead, current.own) satisfies ReaderMessage);
    posted++;
  };
  const summary = await streamByteLines(
    job.path,
    (bytes, start, end, lineNumber, unterminated, startByte) => {
      if (!writer.fits(end - start)) {
        if (writer.count > 0) post(startByte);
        current = nextViews(end - start);
        writer.use(current.views);
      }
      writer.push(bytes, start, end, lineNumber, unterminated, startByte);
    },
    // The chunk's bytes are only kept until its lines are done: copy what the batch still needs of them.
    { chunkBytes: job.chunkBytes, onChunk: () => writer.flush() },
  );
  if (writer.count > 0) post(summary.bytes);
  port.postMessage({ type: 'end', bytes: summary.bytes, lines: summary.lines } satisfies ReaderMessage);
}

if (parentPort) {
  const port = parentPort;
  const run = (job: LineReaderJob): void => {
    readLines(port, job).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: unknown } | null)?.code;
      port.postMessage({ type: 'error', message, code: typeof code === 'string' ? code : undefined } satisfies ReaderMessage);
    });
  };
  // Started with its job, or started ahead of one (`prestartLineReader`): then the job is the first message.
  if (workerData) run(workerData as LineReaderJob);
  else port.once('message', run);
}
