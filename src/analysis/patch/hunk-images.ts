/**
 * The pre- and post-image rows of a hunk, optionally widened to the whole
 * enclosing function from a kernel checkout (`--kernel-tree`), so the path
 * rules see every return and every error label of the function and not only
 * the few context lines of the hunk.
 *
 * Rows from the checkout are not in the patch: they map to the hunk's header
 * line (rows before the hunk) or its last line (rows after it).
 */

import type { SourceRow } from '../../parse/c/fragment';
import type { Hunk } from '../../parse/patch/parse-patch';

export type ReadSource = (path: string) => string | undefined;

export interface HunkImages {
  readonly pre: SourceRow[];
  readonly post: SourceRow[];
  /** Widened from the kernel checkout. */
  readonly widened: boolean;
  /** The checkout has the file, but the hunk's old lines are not in it (within 400 lines of where the header says). */
  readonly notApplied?: boolean;
}

export function hunkImages(hunk: Hunk): HunkImages {
  const pre: SourceRow[] = [];
  const post: SourceRow[] = [];
  for (const line of hunk.lines) {
    if (line.kind !== '+') pre.push({ text: line.text, line: line.line, changed: line.kind === '-' });
    if (line.kind !== '-') post.push({ text: line.text, line: line.line, changed: line.kind === '+' });
  }
  return { pre, post, widened: false };
}

const squash = (text: string) => text.replace(/\s+/g, '');

/** Finds where the hunk's pre-image sits in `file` (0-based), near the line the header announces. */
function locate(file: readonly string[], hunk: Hunk): number | undefined {
  const old = hunk.lines.filter((line) => line.kind !== '+').map((line) => squash(line.text));
  if (old.length === 0) return undefined;
  const matchesAt = (start: number) => old.every((text, k) => squash(file[start + k] ?? '\u0000') === text);
  const expected = hunk.oldStart - 1;
  for (let delta = 0; delta <= 400; delta++) {
    if (expected - delta >= 0 && matchesAt(expected - delta)) return expected - delta;
    if (delta > 0 && matchesAt(expected + delta)) return expected + delta;
  }
  return undefined;
}

/** Widens the images to the enclosing function(s) of the old file, when it can be found. */
export function widenedImages(hunk: Hunk, path: string, readSource: ReadSource | undefined): HunkImages {
  const base = hunkImages(hunk);
  const text = readSource?.(path);
  if (text === undefined) return base;
  const file = text.split('\n');
  const start = locate(file, hunk);
  if (start === undefined) return { ...base, notApplied: hunk.lines.some((line) => line.kind !== '+') };
  const oldLength = hunk.lines.filter((line) => line.kind !== '+').length;
  // Function bodies in kernel style open and close with a brace in column 0.
  let from = start;
  while (from > 0 && !/^\{/.test(file[from] ?? '') && !/^\}/.test(file[from - 1] ?? '')) from--;
  if (/^\{/.test(file[from] ?? '')) {
    while (from > 0 && /^\S/.test(file[from - 1] ?? '') && !/^[}#]/.test(file[from - 1] ?? '') && !/;\s*$/.test(file[from - 1] ?? ''))
      from--;
  } else {
    from = start;
  }
  let to = start + oldLength;
  while (to < file.length && !/^\}/.test(file[to - 1] ?? '')) to++;
  if (to - from > 5000) return base;
  const before: SourceRow[] = file.slice(from, start).map((line) => ({ text: line, line: hunk.headerLine, changed: false }));
  const lastLine = hunk.lines[hunk.lines.length - 1]?.line ?? hunk.headerLine;
  const after: SourceRow[] = file.slice(start + oldLength, to).map((line) => ({ text: line, line: lastLine, changed: false }));
  return { pre: [...before, ...base.pre, ...after], post: [...before, ...base.post, ...after], widened: true };
}
