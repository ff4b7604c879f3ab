/**
 * Reads a file as lines of bytes, without decoding them: chunks of 4 MiB
 * read into one reused buffer, split on LF. For consumers that parse bytes
 * directly (`gpuvm-lens replay`). The line convention is the text readers'
 * (`read-lines.ts`, `base/lines.ts`): LF ends a line, a CR before it stays
 * on the line, a final line without LF counts, a trailing LF adds none.
 *
 * Invariant: the bytes of a line are only valid during its callback.
 */

import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 4 << 20;

/** Calls `onLine(bytes, start, end, lineNumber)` for every line of the file at `fd` (1-based). */
export function forEachByteLine(fd: number, onLine: (bytes: Uint8Array, start: number, end: number, lineNumber: number) => void): void {
  let buffer = Buffer.allocUnsafe(CHUNK);
  /** Bytes of an unfinished line kept at the start of the buffer. */
  let carry = 0;
  let lineNumber = 1;
  for (;;) {
    if (carry === buffer.length) {
      // A line longer than the buffer: make room.
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, carry);
      buffer = bigger;
    }
    const read = readSync(fd, buffer, carry, buffer.length - carry, null);
    if (read === 0) break;
    const end = carry + read;
    let start = 0;
    for (;;) {
      const lf = buffer.indexOf(0x0a, start + (start === 0 ? carry : 0));
      if (lf === -1 || lf >= end) break;
      onLine(buffer, start, lf, lineNumber++);
      start = lf + 1;
    }
    carry = end - start;
    if (start > 0 && carry > 0) buffer.copy(buffer, 0, start, end);
  }
  if (carry > 0) onLine(buffer, 0, carry, lineNumber);
}

/** `forEachByteLine` over the file at `path`. */
export function forEachFileByteLine(path: string, onLine: (bytes: Uint8Array, start: number, end: number, lineNumber: number) => void): void {
  const fd = openSync(path, 'r');
  try {
    forEachByteLine(fd, onLine);
  } finally {
    closeSync(fd);
  }
}
