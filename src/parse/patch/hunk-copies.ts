/**
 * Recognises hunks that repeat a hunk seen earlier in the same document: the
 * patch quoted back in a reply (often trimmed, re-indented by the mail client
 * with tabs turned into spaces), or the same patch resent in an mbox. Copies
 * are marked with `copyOf` so that their code is not reviewed again as new.
 *
 * A hunk is a copy when its changed and context lines, with white space
 * collapsed, form a contiguous run of an earlier hunk of the same file (or of
 * any file when the quote dropped the file header) in another diff of it: a
 * diff names each place of its file once, so two hunks of one diff that read
 * alike are two places (`g4x_wm_sanitize()` and `vlv_wm_sanitize()` start
 * with the same lines, and a rename patch changes both).
 */

import type { FileDiff, Hunk, HunkLine } from './unified-diff';

function normalize(line: HunkLine): string {
  return line.kind + line.text.replace(/\s+/g, ' ').trim();
}

function isRunOf(needle: readonly string[], haystack: readonly string[]): boolean {
  if (needle.length === 0) return true;
  if (needle.length > haystack.length) return false;
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let k = 0; k < needle.length; k++) if (needle[k] !== haystack[start + k]) continue outer;
    return true;
  }
  return false;
}

export function markHunkCopies(files: readonly FileDiff[]): number {
  const seen: { path: string; file: FileDiff; hunk: Hunk; keys: string[] }[] = [];
  let copies = 0;
  // Files are in document order; so are their hunks.
  const ordered = files
    .flatMap((file) => file.hunks.map((hunk) => ({ path: file.newPath || file.oldPath, file, hunk })))
    .sort((a, b) => a.hunk.headerLine - b.hunk.headerLine);
  for (const { path, file, hunk } of ordered) {
    const keys = hunk.lines.map(normalize);
    // Trailing blank context lines are often dropped or mangled by mail clients.
    while (keys.length > 0 && keys[keys.length - 1] === ' ') keys.pop();
    const original = seen.find(
      (earlier) =>
        earlier.file !== file &&
        (path === '' || earlier.path === '' || earlier.path === path) &&
        keys.length > 0 &&
        isRunOf(keys, earlier.keys),
    );
    if (original) {
      hunk.copyOf = original.hunk.copyOf ?? original.hunk;
      copies++;
      continue;
    }
    seen.push({ path, file, hunk, keys });
  }
  return copies;
}
