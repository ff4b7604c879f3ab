/**
 * Splits text held in memory into lines without building an array of them:
 * LF ends a line (a CR before it stays on the line, for the consumer to strip
 * or report), a final line without LF counts, a trailing LF adds no line.
 * The same convention as the streaming reader of the command line. The
 * callback's third argument says the line had no LF after it (the text
 * ended inside it).
 */

/** Calls `onLine(text, lineNumber)` for every line (1-based). */
export function forEachLine(text: string, onLine: (line: string, lineNumber: number, unterminated: boolean) => void): void {
  const length = text.length;
  let start = 0;
  let lineNumber = 1;
  while (start < length) {
    let end = text.indexOf('\n', start);
    const unterminated = end === -1;
    if (unterminated) end = length;
    onLine(text.slice(start, end), lineNumber++, unterminated);
    start = end + 1;
  }
}
