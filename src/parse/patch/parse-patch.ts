/**
 * Entry point of patch input: raw lines of a diff, a `git format-patch` mail,
 * an mbox or a mail thread in, files and hunks out, with copies of hunks
 * quoted in replies marked, plus every problem met on the way. Never throws.
 */

import { readMailLines, type MailProblem, type MessageHead } from './mail-lines';
import { markHunkCopies } from './hunk-copies';
import { parseUnifiedDiffs, type DiffProblem, type FileDiff } from './unified-diff';

export interface ParsedPatch {
  readonly files: FileDiff[];
  readonly messages: number;
  /** The messages of a mail, an mbox or a thread (none for a bare diff). */
  readonly heads: MessageHead[];
  readonly copies: number;
  readonly mailProblems: MailProblem[];
  readonly diffProblems: DiffProblem[];
}

export function parsePatch(physical: readonly string[]): ParsedPatch {
  const mail = readMailLines(physical);
  const { files, problems } = parseUnifiedDiffs(mail.lines);
  const copies = markHunkCopies(files);
  return {
    files,
    messages: mail.messages,
    heads: mail.heads,
    copies,
    mailProblems: mail.problems,
    diffProblems: problems,
  };
}

/** The path a file diff is about (the new name, or the old one for a deletion). */
export function diffPath(file: FileDiff): string {
  return file.newPath && file.newPath !== '/dev/null' ? file.newPath : file.oldPath;
}

export type { FileDiff, Hunk, HunkLine } from './unified-diff';
