/**
 * Random access to the lines of a document, whether the editor holds it (an
 * open text document) or only the server has read it from disk (a file over
 * the editor's size limit, analyzed through `gpuvmLens/analyzeFile`; that
 * source is `src/host/file-lines.ts`, since it needs the file system).
 *
 * Lines are 0-based here, as in LSP. Invariant: `line(n)` never returns more
 * than `MAX_LINE_CHARS` characters, so a binary file without line breaks can
 * never make a hover or a highlight build a 200 MB string.
 */

/** What a line source needs of an open text document (the LSP `TextDocument` has it). */
export interface TextLines {
  getText(): string;
  readonly lineCount: number;
  offsetAt(position: { line: number; character: number }): number;
  positionAt(offset: number): { line: number; character: number };
}

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
  /**
   * Lines [from, to) as the bytes read from disk, when the source is a file:
   * `onLine(bytes, start, end, n)` for each, `end` past the line's last byte
   * before its LF (a CR kept), as the disk line source hands lines to the
   * analysis. False, and no call, when the source cannot (then use `range`).
   */
  readonly forEachBytes?: (from: number, to: number, onLine: (bytes: Uint8Array, start: number, end: number, n: number) => void) => boolean;
}

export function rangeByLine(source: Pick<LineSource, 'line' | 'lineCount'>, from: number, to: number): string[] {
  const out: string[] = [];
  for (let n = Math.max(0, from); n < Math.min(to, source.lineCount); n++) out.push(source.line(n));
  return out;
}

export function stripEol(text: string): string {
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 10) end--;
  if (end > 0 && text.charCodeAt(end - 1) === 13) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** Lines of an open document (the text document computes its line offsets once per version). */
export function textLineSource(document: TextLines): LineSource {
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
