/**
 * Unified-diff structure from logical mail lines: files (`diff --git`,
 * `---`/`+++`), hunks (`@@ -a,b +c,d @@ section`) and their lines, at any quote
 * depth. A hunk is read at the quote depth of its `@@` line and ends when its
 * counts are used up, or early (`truncated`) when a reply trimmed it.
 *
 * Mail clients mangle patches in known ways, and those are accepted: an empty
 * line inside a hunk is a context line whose leading space was stripped, and
 * tabs turned into spaces change nothing here.
 *
 * Invariant: every `HunkLine.line` is the 1-based line of the file as given.
 */

import type { LogicalLine } from './mail-lines';

export type HunkLineKind = ' ' | '+' | '-';

export interface HunkLine {
  readonly kind: HunkLineKind;
  /** The code, without the diff marker. */
  readonly text: string;
  /** 1-based line in the analyzed file. */
  readonly line: number;
  /** Line in the pre-image (context and removed lines). */
  readonly oldLine?: number;
  /** Line in the post-image (context and added lines). */
  readonly newLine?: number;
}

export interface Hunk {
  readonly oldStart: number;
  readonly oldCount: number;
  readonly newStart: number;
  readonly newCount: number;
  /** The text after the second `@@` (git's function context). */
  readonly section: string;
  readonly headerLine: number;
  readonly depth: number;
  readonly lines: HunkLine[];
  /** The hunk ended before its counts were used up (trimmed in a reply, or damaged). */
  truncated: boolean;
  /** Set when this hunk repeats one seen earlier (a quoted copy in a reply). */
  copyOf?: Hunk;
}

export interface FileDiff {
  /** Set from `---`/`+++` when a wrapped `diff --git` line could not be read. */
  oldPath: string;
  newPath: string;
  readonly headerLine: number;
  readonly depth: number;
  readonly hunks: Hunk[];
  /** `GIT binary patch` or `Binary files … differ`. */
  binary: boolean;
}

export interface DiffProblem {
  readonly kind: 'truncated-hunk' | 'bad-hunk-header';
  readonly line: number;
  readonly detail: string;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;
const DIFF_GIT = /^diff --git (?:"?a\/)?(\S+) (?:"?b\/)?(\S+?)"?$/;

function stripPrefix(path: string): string {
  // Everything from the first tab on is a timestamp (`diff -u`). Cut by index:
  // `/\t.*$/` backtracked quadratically on a long header full of tabs and CRs.
  const tab = path.indexOf('\t');
  const clean = (tab === -1 ? path : path.slice(0, tab)).trim();
  if (clean === '/dev/null') return clean;
  return clean.replace(/^[ab]\//, '');
}

export function parseUnifiedDiffs(lines: readonly LogicalLine[]): { files: FileDiff[]; problems: DiffProblem[] } {
  const files: FileDiff[] = [];
  const problems: DiffProblem[] = [];
  /** The file each quote depth is currently in. */
  const current = new Map<number, FileDiff>();

  const openFile = (oldPath: string, newPath: string, at: LogicalLine): FileDiff => {
    const file: FileDiff = { oldPath, newPath, headerLine: at.line, depth: at.depth, hunks: [], binary: false };
    files.push(file);
    current.set(at.depth, file);
    return file;
  };

  let i = 0;
  while (i < lines.length) {
    const at = lines[i] as LogicalLine;
    const text = at.text;
    const first = text.charCodeAt(0);
    if (first === 100 /* d */ && text.startsWith('diff --git ')) {
      const match = DIFF_GIT.exec(text);
      openFile(stripPrefix(match?.[1] ?? ''), stripPrefix(match?.[2] ?? ''), at);
      i++;
      continue;
    }
    if (first === 45 /* - */ && text.startsWith('--- ')) {
      const next = lines[i + 1];
      if (next && next.depth === at.depth && next.text.startsWith('+++ ')) {
        const file = current.get(at.depth);
        const oldPath = stripPrefix(text.slice(4));
        const newPath = stripPrefix(next.text.slice(4));
        // `diff --git` already opened this file (its line may have been wrapped, leaving
        // no paths); a bare `---`/`+++` pair opens one.
        if (file && file.hunks.length === 0 && file.oldPath === '' && file.newPath === '') {
          file.oldPath = oldPath;
          file.newPath = newPath;
        } else if (!file || file.hunks.length > 0 || (file.newPath !== newPath && file.oldPath !== oldPath)) openFile(oldPath, newPath, at);
        i += 2;
        continue;
      }
    }
    if ((first === 71 /* G */ && text === 'GIT binary patch') || (first === 66 /* B */ && /^Binary files .* differ$/.test(text))) {
      const file = current.get(at.depth);
      if (file) file.binary = true;
      i++;
      continue;
    }
    if (first === 64 /* @ */ && text.startsWith('@@ ')) {
      const match = HUNK_HEADER.exec(text);
      if (!match) {
        problems.push({ kind: 'bad-hunk-header', line: at.line, detail: text.slice(0, 60) });
        i++;
        continue;
      }
      const file = current.get(at.depth) ?? openFile('', '', at);
      i = readHunk(lines, i, match, file, problems);
      continue;
    }
    i++;
  }
  return { files, problems };
}

/** Index of the quoted line that continues a hunk interrupted at `from` by reply text, or -1. */
function resumeAfterComment(lines: readonly LogicalLine[], from: number, depth: number): number {
  for (let j = from; j < lines.length && j < from + 60; j++) {
    const line = lines[j] as LogicalLine;
    if (line.depth !== depth) continue;
    const text = line.text;
    if (/^[ +-]/.test(text) && !text.startsWith('--- ') && !text.startsWith('+++ ') && !text.startsWith('-- ')) return j;
    return -1;
  }
  return -1;
}

function readHunk(lines: readonly LogicalLine[], start: number, match: RegExpExecArray, file: FileDiff, problems: DiffProblem[]): number {
  const header = lines[start] as LogicalLine;
  const oldStart = Number(match[1]);
  const oldCount = match[2] === undefined ? 1 : Number(match[2]);
  const newStart = Number(match[3]);
  const newCount = match[4] === undefined ? 1 : Number(match[4]);
  const hunk: Hunk = {
    oldStart,
    oldCount,
    newStart,
    newCount,
    section: (match[5] ?? '').trim(),
    headerLine: header.line,
    depth: header.depth,
    lines: [],
    truncated: false,
  };
  file.hunks.push(hunk);
  let oldLeft = oldCount;
  let newLeft = newCount;
  let oldLine = oldStart;
  let newLine = newStart;
  let i = start + 1;
  // A mail client may wrap a long `@@` line: its section continues on the next line.
  const wrapped = lines[i];
  const after = lines[i + 1];
  if (
    wrapped &&
    after &&
    wrapped.depth === header.depth &&
    after.depth === header.depth &&
    /^[^ +\-\\@]/.test(wrapped.text) &&
    /^[ +-]/.test(after.text)
  )
    i++;
  while (i < lines.length && (oldLeft > 0 || newLeft > 0)) {
    let at = lines[i] as LogicalLine;
    if (at.depth !== header.depth) {
      // A reviewer's comment between quoted hunk lines: resume after it when the quote goes on with hunk lines.
      const resume = header.depth > 0 ? resumeAfterComment(lines, i, header.depth) : -1;
      if (resume === -1) break;
      i = resume;
      at = lines[i] as LogicalLine;
    }
    const text = at.text;
    const marker = text.length === 0 ? ' ' : text[0];
    if (marker === '\\') {
      i++;
      continue;
    }
    if (marker === ' ' && oldLeft > 0 && newLeft > 0) {
      hunk.lines.push({ kind: ' ', text: text.slice(1), line: at.line, oldLine: oldLine++, newLine: newLine++ });
      oldLeft--;
      newLeft--;
    } else if (marker === '-' && oldLeft > 0) {
      hunk.lines.push({ kind: '-', text: text.slice(1), line: at.line, oldLine: oldLine++ });
      oldLeft--;
    } else if (marker === '+' && newLeft > 0) {
      hunk.lines.push({ kind: '+', text: text.slice(1), line: at.line, newLine: newLine++ });
      newLeft--;
    } else {
      break;
    }
    i++;
  }
  if (oldLeft > 0 || newLeft > 0) {
    hunk.truncated = true;
    // A trimmed quote in a reply is normal; a short hunk in the mail's own text is damage.
    if (header.depth === 0) {
      problems.push({
        kind: 'truncated-hunk',
        line: header.line,
        detail: `the hunk announces ${oldCount} old and ${newCount} new lines but ends after ${oldCount - oldLeft} and ${newCount - newLeft}`,
      });
    }
  }
  // A `\ No newline at end of file` right after the counts ran out belongs to the hunk.
  while (i < lines.length && (lines[i] as LogicalLine).depth === header.depth && (lines[i] as LogicalLine).text.startsWith('\\ ')) i++;
  return i;
}
