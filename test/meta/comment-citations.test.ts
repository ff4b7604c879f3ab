/**
 * Comments cite documents that are in the repository: a comment naming a
 * `.md` file names one that exists (by its path from the repository root),
 * and no comment cites a section (`§`) or a "spec" that a reader of the
 * repository cannot open. Kernel sources are cited by file or function name.
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const SCANNED = ['src', 'test', 'bench', 'media', 'scripts'];
const SOURCE = /\.(ts|mts|mjs|js|lua)$/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (relative(ROOT, path).split('\\').join('/') !== 'test/fixtures') out.push(...sourceFiles(path));
    } else if (SOURCE.test(name)) out.push(path);
  }
  return out;
}

/** The comment text of a line: a whole comment line, or what follows `//` after code. */
function commentOf(line: string): string | undefined {
  if (/^\s*(\/\/|\/\*|\*|--)/.test(line)) return line;
  const at = line.indexOf(' // ');
  return at === -1 ? undefined : line.slice(at);
}

const MD_PATH = /(?:[\w.-]+\/)*[\w-][\w.-]*\.md\b/g;
/** A document cited by a name that is not a path: "the cli spec", "drm-gpuvm spec §7", "house style §5". */
const NAMED_DOCUMENT = /\b[\w-]+ spec\b|\bspec §|\bhouse style\b/i;

function citationProblems(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const where = relative(ROOT, file).split('\\').join('/');
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        const comment = commentOf(line);
        if (comment === undefined) return;
        const at = `${where}:${index + 1}`;
        const paths = [...comment.matchAll(MD_PATH)].map((match) => match[0]);
        for (const path of paths) {
          if (!existsSync(join(ROOT, path))) problems.push(`${at}: cites ${path}, which is not in the repository`);
        }
        if (NAMED_DOCUMENT.test(comment))
          problems.push(`${at}: cites a document by name, not by its path in the repository: ${comment.trim()}`);
        else if (comment.includes('§') && paths.length === 0)
          problems.push(`${at}: cites a section of no document in the repository: ${comment.trim()}`);
      });
  }
  return problems;
}

describe('comment citations', () => {
  it('every document a comment cites is in the repository', () => {
    // This file spells out the forms it forbids.
    const files = SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir))).filter((file) => file !== __filename);
    expect(files.length).toBeGreaterThan(100);
    expect(citationProblems(files)).toEqual([]);
  });
});
