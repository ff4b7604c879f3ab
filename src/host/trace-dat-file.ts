/**
 * A `trace.dat` on disk as report text lines (src/parse/trace-dat): the file
 * is read a page at a time through its descriptor, and zlib-compressed
 * version 7 files are inflated with Node's zlib (zstd needs no host help).
 * `line-stream.ts` hands such files to every caller as these lines, so
 * `check`, `state`, `diff` and the editor read a binary capture as its text
 * report.
 */

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { isTraceDat, traceDatTextLines, type ByteSource, type ReportLine } from '../parse/trace-dat/index';

/** True when the file starts with the trace.dat magic. */
export function isTraceDatFile(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(10);
    return readSync(fd, head, 0, 10, 0) === 10 && isTraceDat(head);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function hostDecompress(algorithm: string, data: Uint8Array, size: number): Uint8Array {
  if (algorithm !== 'zlib') throw new Error(`compression "${algorithm}" is not supported`);
  const out = inflateSync(data);
  if (out.length !== size) throw new Error(`inflated to ${out.length} bytes, not ${size}`);
  return out;
}

/** The file's lines, read as they are taken; `close` releases the file. */
export interface TraceDatLines {
  readonly lines: Iterable<ReportLine>;
  /** How far into the file reading has got (for progress). */
  bytesRead(): number;
  close(): void;
}

export function openTraceDatLines(path: string): TraceDatLines {
  const fd = openSync(path, 'r');
  let furthest = 0;
  const size = fstatSync(fd).size;
  const source: ByteSource = {
    size,
    read(offset, length) {
      const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)));
      const read = buffer.length > 0 ? readSync(fd, buffer, 0, buffer.length, offset) : 0;
      furthest = Math.max(furthest, offset + read);
      return buffer.subarray(0, read);
    },
  };
  return {
    lines: traceDatTextLines(source, { decompress: hostDecompress }),
    bytesRead: () => furthest,
    close: () => closeSync(fd),
  };
}
