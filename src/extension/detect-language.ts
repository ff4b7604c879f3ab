/**
 * Recognizes GPUVM documents that VS Code opened as plain text: traces and
 * dumps are often saved as `.txt` or without an extension, and Plain Text
 * wins over a `firstLine` pattern for `.txt`. Looks at the first lines only
 * (the ftrace header, or the first event line; a gpuvas header), so it costs
 * nothing on huge files. Pure: no `vscode` import.
 */

/** task-pid, optional (tgid), [cpu], optional flags, timestamp, `event:`. */
const EVENT_LINE = /^\s*\S.*-\d+\s+(?:\(\s*[\d-]+\)\s+)?\[\d{3}\]\s+(?:[dbDX.]\S{3,4}\s+)?\d+(?:\.\d+)?:\s+[\w:.-]+:/;
const HEADER = /^# tracer: /;
const DUMP = /^DRM GPU VA space \(/;

export type DetectedLanguage = 'gpuvm-trace' | 'gpuvm-dump' | null;

/** How many leading lines are looked at. */
export const DETECT_LINES = 30;

export function detectLanguage(firstLines: readonly string[]): DetectedLanguage {
  for (const line of firstLines.slice(0, DETECT_LINES)) {
    if (DUMP.test(line)) return 'gpuvm-dump';
    if (HEADER.test(line) || EVENT_LINE.test(line)) return 'gpuvm-trace';
  }
  return null;
}
