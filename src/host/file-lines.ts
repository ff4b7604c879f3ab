/**
 * The lines of a file on disk, read back on demand through the byte offsets
 * recorded while it was streamed (`line-stream.ts`): hovers and navigation on
 * a trace the editor never held in memory. Each line is cut like every other
 * line source's (`MAX_LINE_CHARS`).
 */

import { closeSync, openSync, readSync } from 'node:fs';
import { MAX_LINE_CHARS, rangeByLine, stripEol, type LineSource } from '../ide/line-source';

/** Byte offsets of line starts, grown by doubling while a file is streamed. */
export class LineOffsets {
  private offsets = new Float64Array(1024);
  private count = 0;

  push(offset: number): void {
    if (this.count === this.offsets.length) {
      const grown = new Float64Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.count++] = offset;
  }

  pop(): void {
    if (this.count > 0) this.count--;
  }

  get length(): number {
    return this.count;
  }

  at(n: number): number {
    return this.offsets[n] ?? 0;
  }
}

/**
 * Lines of a file on disk, read on demand through the byte offsets recorded
 * while it was analyzed; `totalBytes` closes the last line.
 */
/** A batch read bigger than this falls back to reading line by line. */
const MAX_RANGE_BYTES = 32 << 20;

export function fileLineSource(path: string, offsets: LineOffsets, totalBytes: number): LineSource {
  const source: LineSource = {
    lineCount: offsets.length,
    text: undefined,
    range(from, to) {
      const first = Math.max(0, from);
      const last = Math.min(to, offsets.length);
      if (last <= first) return [];
      const start = offsets.at(first);
      const end = last < offsets.length ? offsets.at(last) : totalBytes;
      if (end - start > MAX_RANGE_BYTES) return rangeByLine(source, first, last);
      const buffer = Buffer.alloc(end - start);
      let fd: number | undefined;
      try {
        fd = openSync(path, 'r');
        const read = readSync(fd, buffer, 0, buffer.length, start);
        const lines = buffer.toString('utf8', 0, read).split('\n');
        if (lines.length > last - first) lines.length = last - first;
        return lines.map((line) => stripEol(line).slice(0, MAX_LINE_CHARS));
      } catch {
        return rangeByLine(source, first, last);
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
    forEachBytes(from, to, onLine) {
      const first = Math.max(0, from);
      const last = Math.min(to, offsets.length);
      if (last <= first) return true;
      const start = offsets.at(first);
      const end = last < offsets.length ? offsets.at(last) : totalBytes;
      if (end - start > MAX_RANGE_BYTES) return false;
      const buffer = Buffer.alloc(end - start);
      let fd: number | undefined;
      try {
        fd = openSync(path, 'r');
        // A file that changed since it was analyzed: the caller reads it as text, which copes.
        if (readSync(fd, buffer, 0, buffer.length, start) !== buffer.length) return false;
      } catch {
        return false;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
      for (let n = first; n < last; n++) {
        const lineStart = offsets.at(n) - start;
        let lineEnd = (n + 1 < last ? offsets.at(n + 1) : end) - start;
        if (lineEnd > lineStart && buffer[lineEnd - 1] === 10) lineEnd--;
        onLine(buffer, lineStart, lineEnd, n);
      }
      return true;
    },
    line(n) {
      if (n < 0 || n >= offsets.length) return '';
      const start = offsets.at(n);
      const end = n + 1 < offsets.length ? offsets.at(n + 1) : totalBytes;
      // UTF-8 needs up to 4 bytes a character; read a little more than the cap and cut after decoding.
      const length = Math.min(end - start, MAX_LINE_CHARS * 4);
      const buffer = Buffer.alloc(length);
      let fd: number | undefined;
      try {
        fd = openSync(path, 'r');
        const read = readSync(fd, buffer, 0, length, start);
        return stripEol(buffer.toString('utf8', 0, read)).slice(0, MAX_LINE_CHARS);
      } catch {
        // The file changed or vanished since it was analyzed: behave as an empty line.
        return '';
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
  };
  return source;
}
