/**
 * `streamSinkLines` on two threads for big files: a line reader thread
 * (`line-reader-worker.ts`, bundled as dist/line-reader.js) reads the file
 * and splits it into lines, and this thread only analyzes them, so reading
 * and splitting overlap the replay instead of adding to it.
 *
 * Invariants:
 * - the sink gets the same calls, in the same order, as from
 *   `streamSinkLines` (the reader splits with `streamByteLines` and each
 *   line is fed by `sinkByteLines`), so findings and stats are identical;
 * - memory is bounded: the reader fills a ring of `RING_SLOTS` shared
 *   batches allocated here once, and waits for a slot the analysis has
 *   released before filling it (`line-batch.ts`);
 * - it always ends: the reader's error, its unexpected exit, the sink's
 *   exception and a rejected `onChunk` all stop the reader thread and reject
 *   (the reader's error with its message and code); nothing is left running.
 *
 * Small files, binary `trace.dat` captures (whose report is made from the
 * whole file) and any file when the reader's script is not there (running
 * from sources) stream on this thread, through `streamSinkLines` itself.
 */

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BATCH_BYTES, BatchViews, forEachBatchLine, newBatchRing } from './line-batch';
import type { LineReaderJob, ReaderMessage } from './line-reader-worker';
import {
  sinkByteLines,
  STREAM_CHUNK_BYTES,
  streamSinkLines,
  type MixedLineSink,
  type StreamOptions,
  type StreamSummary,
} from './line-stream';
import { isTraceDatFile } from './trace-dat-file';

/** Batches the reader may fill ahead of the analysis: enough to keep both threads busy, few enough to cost a few MB. */
const RING_SLOTS = 4;

/**
 * Traces of at least this many bytes get a reader thread (`check` and the
 * server's analysis of a file from disk): some 200,000 lines, a second of
 * replay, against the few tens of milliseconds a thread takes to start.
 * Only a trace's replay is slow enough per byte for the reading to matter.
 */
export const TRACE_THREAD_FROM_BYTES = 32 << 20;

/** The reader's script: next to the bundle that runs this code (dist/cli.js, dist/server.js). */
export const LINE_READER_SCRIPT = join(__dirname, 'line-reader.js');

export interface ThreadedStreamOptions extends StreamOptions {
  /**
   * Files of at least this many bytes are read on a thread of their own;
   * undefined: never (every file streams on this thread).
   */
  readonly threadFromBytes?: number;
  /** The line reader's script (default `LINE_READER_SCRIPT`). */
  readonly readerScript?: string;
}

/** `streamSinkLines`, with the reading on a second thread when the file is big enough (module header). */
export function streamSinkLinesThreaded(path: string, sink: MixedLineSink, options: ThreadedStreamOptions = {}): Promise<StreamSummary> {
  const { threadFromBytes, readerScript = LINE_READER_SCRIPT, ...streamOptions } = options;
  const threaded = threadFromBytes !== undefined && existsSync(readerScript) && sizeOf(path) >= threadFromBytes && !isTraceDatFile(path);
  if (!threaded) return streamSinkLines(path, sink, streamOptions);
  return readOnThread(path, sink, readerScript, streamOptions);
}

/** The file's size; -1 when it cannot be told (then `streamSinkLines` rejects with the reason, as it would anyway). */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

/**
 * A reader thread started ahead of its job (`prestartLineReader`), with its
 * script: a thread takes some 50 to 100 ms to start and load its script,
 * which the first batch of a file would otherwise wait for.
 */
let spare: { readonly worker: Worker; readonly script: string } | undefined;
/** Whether a spare is started again after each read (`prestartLineReader` was called). */
let keepSpare = false;
/**
 * How long after a read the next spare starts: not while the caller still
 * works on what it read (the server indexes a trace's objects for a second
 * or two after its findings).
 */
const RESPARE_AFTER_MS = 10_000;

/**
 * Starts a line reader thread now, for the next file read on a thread to
 * use at once, and another after each such read (a long-lived process that
 * reads big traces: the language server). It waits, unreferenced (it keeps
 * no process alive), without reading anything. No-op without the script.
 */
export function prestartLineReader(script: string = LINE_READER_SCRIPT): void {
  keepSpare = true;
  if (spare !== undefined || !existsSync(script)) return;
  const worker = new Worker(script);
  worker.unref();
  const forget = (): void => {
    if (spare?.worker === worker) spare = undefined;
  };
  worker.once('error', forget);
  worker.once('exit', forget);
  spare = { worker, script };
}

/** The spare reader for `script` (taken: the caller gives it its job), or a new one started with `job`. */
function readerFor(script: string, job: LineReaderJob): Worker {
  const taken = spare?.script === script ? spare.worker : undefined;
  if (taken === undefined) return new Worker(script, { workerData: job });
  spare = undefined;
  taken.ref();
  taken.postMessage(job);
  return taken;
}

function readOnThread(path: string, sink: MixedLineSink, script: string, options: StreamOptions): Promise<StreamSummary> {
  // A caller's chunk size sets how often it hears of progress (the server yields to its requests there), so batches follow it.
  const ring = newBatchRing(RING_SLOTS, options.chunkBytes ?? BATCH_BYTES);
  const job: LineReaderJob = { path, chunkBytes: options.chunkBytes ?? STREAM_CHUNK_BYTES, ring };
  const slots = ring.slots.map((buffers) => new BatchViews(buffers));
  const released = new Int32Array(ring.released);
  const worker = readerFor(script, job);
  const onLine = sinkByteLines(sink);
  const onChunk = options.onChunk;
  return new Promise<StreamSummary>((resolve, reject) => {
    const queue: ReaderMessage[] = [];
    let received = 0;
    let draining = false;
    let settled = false;
    const finish = (error: Error | null, summary?: StreamSummary): void => {
      if (settled) return;
      settled = true;
      queue.length = 0;
      // Ends the reader whatever it is doing (reading, waiting for its turn, done).
      void worker.terminate();
      if (keepSpare) setTimeout(() => prestartLineReader(script), RESPARE_AFTER_MS).unref();
      if (error) reject(error);
      else resolve(summary as StreamSummary);
    };
    // One message at a time, in order, each fully analyzed (and `onChunk` awaited) before the next.
    const drain = async (): Promise<void> => {
      if (draining) return;
      draining = true;
      try {
        for (let message = queue.shift(); message !== undefined && !settled; message = queue.shift()) {
          if (message.type === 'batch') {
            forEachBatchLine(message, message.own ? new BatchViews(message.own) : (slots[received % slots.length] as BatchViews), onLine);
            received++;
            // Its slot is free again: the reader may be waiting for it.
            Atomics.store(released, 0, received);
            Atomics.notify(released, 0);
            if (onChunk) await onChunk(message.bytesRead);
          } else if (message.type === 'end') {
            finish(null, { bytes: message.bytes, lines: message.lines });
          } else {
            finish(Object.assign(new Error(message.message), message.code === undefined ? {} : { code: message.code }));
          }
        }
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      } finally {
        draining = false;
      }
    };
    // The reader's last word (end or error) may still wait in the queue when its thread exits.
    let lastWord = false;
    worker.on('message', (message: ReaderMessage) => {
      if (message.type !== 'batch') lastWord = true;
      queue.push(message);
      void drain();
    });
    worker.on('error', (error) => finish(new Error(`the line reader thread failed on ${path}: ${error.message}`)));
    worker.on('exit', (code) => {
      if (!lastWord) finish(new Error(`the line reader thread stopped (exit code ${code}) before the end of ${path}`));
    });
  });
}
