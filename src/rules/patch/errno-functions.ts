/**
 * Functions the patch's code shows reporting failure as a negative errno:
 * a function of the post-image with a `return -EINVAL;`-style return and no
 * return that reads as a boolean or a pointer (`true`, `false`, `1`, `NULL`,
 * `ERR_PTR(...)`). Such a result is non-zero exactly when something went
 * wrong, so a caller that reads it as "it worked" has the test upside down.
 *
 * Invariants: learned from what the code returns, never from the name alone;
 * a name that reads as a predicate (`foo_is_...`, `..._enabled`) is left out,
 * because a predicate that also returns an errno is used as one on purpose.
 */

import type { SourceRow } from '../../parse/c/fragment';
import type { FunctionIr } from '../../parse/c/function-ir';

/** Function name → the line of a negative errno it returns (where the belief was learned). */
export type ErrnoFunctions = ReadonlyMap<string, { readonly line: number; readonly text: string }>;

const ERRNO_RETURN = /^-E[A-Z0-9]+$/;
/** Returns that say the function is a predicate or hands out a pointer. */
const NOT_ERRNO_RETURN = /^(?:true|false|NULL|\(?[1-9]\d*\)?|ERR_PTR\(.*|ERR_CAST\(.*|!.*|.*(?:==|!=|&&|\|\||<=|>=).*)$/;
export const PREDICATE_NAME =
  /(?:^|_)(?:is|has|can|should|needs?|was|are|check)_|_(?:enabled|disabled|required|supported|valid|ready|active|present|busy|idle|empty|locked|pending)$/;

/** A function definition's first line, at column 0: its name. */
const DEFINITION = /^(?:[A-Za-z_][\w\s*]*?[\s*])?([A-Za-z_]\w*)\s*\([^;]*$/;

/**
 * Functions a hunk renames: a removed definition line directly replaced by an
 * added one. A window of the renamed function is named after the hunk header,
 * which shows the old name, while its callers use the new one.
 */
function renamesIn(lines: readonly { kind: string; text: string }[]): Map<string, string> {
  const renames = new Map<string, string>();
  let removed: string[] = [];
  for (const line of lines) {
    if (line.kind === '-') {
      const name = DEFINITION.exec(line.text)?.[1];
      if (name) removed.push(name);
      continue;
    }
    if (line.kind === '+') {
      const name = DEFINITION.exec(line.text)?.[1];
      const old = removed.shift();
      if (name && old && old !== name) renames.set(old, name);
      continue;
    }
    removed = [];
  }
  return renames;
}

interface ImageOfHunk {
  readonly hunk: { readonly lines: readonly { kind: string; text: string }[] };
  readonly post: { readonly functions: readonly FunctionIr[]; readonly rows: readonly (SourceRow | undefined)[] };
}

export function learnErrnoFunctions(hunks: readonly ImageOfHunk[]): ErrnoFunctions {
  const found = new Map<string, { line: number; text: string }>();
  const disqualified = new Set<string>();
  const renames = new Map<string, string>();
  for (const { hunk } of hunks) for (const [from, to] of renamesIn(hunk.lines)) renames.set(from, to);
  for (const { post: image } of hunks) {
    for (const fn of image.functions) {
      const name = renames.get(fn.name) ?? fn.name;
      if (!name || PREDICATE_NAME.test(name) || disqualified.has(name)) continue;
      let errno: { line: number; text: string } | undefined;
      let other = false;
      for (const node of fn.nodes) {
        if (node.kind !== 'return' || node.returned === undefined) continue;
        if (ERRNO_RETURN.test(node.returned)) {
          const row = image.rows[node.row];
          if (row && !errno) errno = { line: row.line, text: row.text.trim() };
        } else if (NOT_ERRNO_RETURN.test(node.returned)) other = true;
      }
      if (other) {
        disqualified.add(name);
        found.delete(name);
      } else if (errno && !found.has(name)) found.set(name, errno);
    }
  }
  return found;
}
