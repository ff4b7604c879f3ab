/**
 * Random access to the lines of a document, whether the editor holds it (an
 * open text document) or only the server has read it from disk (a file over
 * the editor's size limit, analyzed through `gpuvmLens/analyzeFile`).
 *
 * Lines are 0-based here, as in LSP. Invariant: `line(n)` never returns more
 * than `MAX_LINE_CHARS` characters, so a binary file without line breaks can
 * never make a hover or a highlight build a 200 MB string.
 */

import { closeSync, openSync, readSync } from 'node:fs';
import type { TextDocument } from 'vscode-languageserver-textdocument';

/** Longest line text any feature looks at; longer lines are cut (they are never meaningful trace or script lines). */
export const MAX_LINE_CHARS = 64 * 1024;

export interface LineSource {
  readonly lineCount: number;
  /** The text of line `n` (0-based) without its line break, cut at `MAX_LINE_CHARS`; '' outside the document. */
  line(n: number): string;
  /** The whole text, when it is in memory (open documents only). */
  readonly text: string | undefined;
  /** The line of an offset into `text` (with `text` only). */
  readonly lineOfOffset?: (offset: number) => number;
  /** Lines [from, to) at once (one read for a file on disk), each cut like `line`. */
  range(from: number, to: number): string[];
}

function rangeByLine(source: Pick<LineSource, 'line' | 'lineCount'>, from: number, to: number): string[] {
  const out: string[] = [];
  for (let n = Math.max(0, from); n < Math.min(to, source.lineCount); n++) out.push(source.line(n));
  return out;
}

function stripEol(text: string): string {
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 10) end--;
  if (end > 0 && text.charCodeAt(end - 1) === 13) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** Lines of an open document (the text document computes its line offsets once per version). */
export function textLineSource(document: TextDocument): LineSource {
  const text = document.getText();
  const source: LineSource = {
    lineCount: document.lineCount,
    text,
    lineOfOffset: (offset) => document.positionAt(offset).line,
    range: (from, to) => rangeByLine(source, from, to),
    line(n) {
      if (n < 0 || n >= document.lineCount) return '';
      const start = document.offsetAt({ line: n, character: 0 });
      const end = n + 1 < document.lineCount ? document.offsetAt({ line: n + 1, character: 0 }) : text.length;
      return stripEol(text.slice(start, Math.min(end, start + MAX_LINE_CHARS + 2))).slice(0, MAX_LINE_CHARS);
    },
  };
  return source;
}

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
