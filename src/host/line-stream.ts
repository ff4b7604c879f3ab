/**
 * Streams a file as lines without holding it in memory: chunks of 1 MiB,
 * split on LF by hand (the hot path for multi-gigabyte traces), with the head
 * of the file handed out first for content detection.
 */

import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const CHUNK = 1 << 20;

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

/**
 * Calls `onLine(text, lineNumber, unterminated)` for every line of the file
 * (1-based; a final line without LF counts, and is the one `unterminated`
 * line; a trailing LF adds none).
 */
export async function streamLines(
  path: string,
  onLine: (text: string, lineNumber: number, unterminated: boolean) => void,
  onProgress?: StreamProgress,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNumber = 1;
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    const text = carry + decoder.write(buffer);
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end === -1) break;
      onLine(text.slice(start, end), lineNumber++, false);
      start = end + 1;
    }
    carry = text.slice(start);
    onProgress?.(bytes);
  }
  carry += decoder.end();
  if (carry.length > 0) onLine(carry, lineNumber, true);
}
