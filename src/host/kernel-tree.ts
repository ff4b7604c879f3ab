/**
 * A kernel checkout on disk, for patch review's whole-function context: where
 * the checkout is (the one the command or the patch file sits in, found as
 * checkpatch and b4 find it) and a reader that never leaves it. Shared by
 * `gpuvm-lens review` and the language server, so both review a patch against
 * the same tree by the same rules.
 */

import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';

/**
 * Reads `path` (as named in a patch or mail) from the checkout, and never
 * anything outside it: absolute paths, `..` escapes, NUL bytes and symbolic
 * links that lead out of the tree all read nothing.
 */
export function kernelTreeReader(root: string): (path: string) => string | undefined {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return () => undefined;
  }
  return (path) => {
    if (path === '' || path.includes('\0') || isAbsolute(path)) return undefined;
    const inside = (candidate: string) => candidate === realRoot || candidate.startsWith(realRoot + sep);
    const lexical = resolve(realRoot, path);
    if (!inside(lexical)) return undefined;
    try {
      const real = realpathSync(lexical);
      return inside(real) ? readFileSync(real, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  };
}

/**
 * The C files (`.c`, `.h`) directly in directory `dir` of the checkout (a
 * path as a patch names it, with or without the final `/`), sorted, as paths
 * `kernelTreeReader` reads; nothing for a directory outside the tree.
 */
export function kernelTreeLister(root: string): (dir: string) => string[] {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return () => [];
  }
  return (dir) => {
    const clean = dir.replace(/\/+$/, '');
    if (clean.includes('\0') || isAbsolute(clean)) return [];
    const inside = (candidate: string) => candidate === realRoot || candidate.startsWith(realRoot + sep);
    try {
      const real = realpathSync(resolve(realRoot, clean));
      if (!inside(real)) return [];
      return readdirSync(real, { withFileTypes: true })
        .filter((entry) => entry.isFile() && /\.[ch]$/.test(entry.name))
        .map((entry) => (clean === '' ? entry.name : `${clean}/${entry.name}`))
        .sort();
    } catch {
      return [];
    }
  };
}

/**
 * What patch review reads of a checkout: its files, the C files of a
 * directory, and where a file is on disk (absolute), for findings that point
 * at a line of the checkout the patch does not show.
 */
export function kernelTreeSources(root: string): {
  readSource: (path: string) => string | undefined;
  listSources: (dir: string) => string[];
  sourcePath: (path: string) => string;
} {
  return { readSource: kernelTreeReader(root), listSources: kernelTreeLister(root), sourcePath: (path) => resolve(root, path) };
}

/**
 * The kernel checkout the command runs in, as checkpatch and b4 find it: the
 * nearest directory upwards from `start` that holds MAINTAINERS and either
 * drivers/gpu/drm or a top-level Kbuild. Undefined outside a kernel tree.
 */
export function enclosingKernelTree(start: string): string | undefined {
  const exists = (path: string): boolean => {
    try {
      statSync(path);
      return true;
    } catch {
      return false;
    }
  };
  let dir = resolve(start);
  for (let depth = 0; depth < 64; depth++) {
    if (exists(join(dir, 'MAINTAINERS')) && (exists(join(dir, 'drivers', 'gpu', 'drm')) || exists(join(dir, 'Kbuild')))) return dir;
    const parent = resolve(dir, '..');
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

/**
 * The commits `range` names in the git checkout at `root`, as the mbox
 * `git format-patch --stdout` writes: `A..B` (a series), or one revision
 * (`HEAD`, a hash) for that commit alone. Throws with git's own message when
 * git is missing, `root` is no git checkout or the range names nothing.
 */
export function commitsAsPatches(root: string, range: string): string {
  const args = formatPatchArgs(root, range);
  try {
    return execFileSync('git', args, { encoding: 'utf8', maxBuffer: FORMAT_PATCH_MAX_BYTES, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw gitError(error);
  }
}

/**
 * `commitsAsPatches` without blocking the caller: the language server keeps
 * answering while git writes a long series.
 */
export function commitsAsPatchesAsync(root: string, range: string): Promise<string> {
  let args: string[];
  try {
    args = formatPatchArgs(root, range);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  return new Promise((resolvePromise, reject) => {
    execFile('git', args, { encoding: 'utf8', maxBuffer: FORMAT_PATCH_MAX_BYTES }, (error, stdout, stderr) => {
      if (error) reject(gitError(Object.assign(error, { stderr })));
      else resolvePromise(stdout);
    });
  });
}

/** A series as long as a merge window's still fits; past it git's output is an error, not a cut mbox. */
const FORMAT_PATCH_MAX_BYTES = 1 << 30;

function formatPatchArgs(root: string, range: string): string[] {
  // A leading dash would be read as an option of git's.
  if (range === '' || range.startsWith('-')) throw new Error(`not a revision range: ${range}`);
  return ['-C', root, 'format-patch', '--stdout', '--no-color', ...(range.includes('..') ? [range] : ['-1', range])];
}

/** git's own message (its standard error) when it has one. */
function gitError(error: unknown): Error {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return new Error(stderr || (error as Error).message, { cause: error });
}
