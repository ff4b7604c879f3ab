/**
 * The fuzzer's seed corpus: every test fixture and example file, sorted by
 * the document kind content detection gives it (as `gpuvm-lens check` would),
 * plus a pool of all their lines for splicing between files of any kind.
 *
 * Invariant: the corpus is read in a fixed order, so an input is fully
 * determined by (seed, target, index) on every machine with the same tree.
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { detectKind, DETECT_HEAD_BYTES } from '../../src/base/detect-kind';
import type { DocumentKind } from '../../src/analysis/document';

/** The repository root: the nearest folder with a package.json (this module runs from test/fuzz/ and bundled from dist/). */
function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const ROOT = findRoot(__dirname);

/** Seeds larger than this are cut to their first bytes: fuzzing wants many small inputs. */
const MAX_SEED_BYTES = 64 * 1024;

export interface Corpus {
  readonly seeds: Readonly<Record<DocumentKind, readonly string[]>>;
  /** Every line of every seed, for splicing. */
  readonly lines: readonly string[];
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

let cached: Corpus | undefined;

/** Reads the seed corpus once per process (fuzz regressions are left out: they are replayed, not mutated). */
export function loadCorpus(root = ROOT): Corpus {
  if (cached) return cached;
  const seeds: Record<DocumentKind, string[]> = { trace: [], dump: [], patch: [], script: [], 'kernel-log': [], unknown: [] };
  const lines: string[] = [];
  const files = [...filesUnder(join(root, 'test', 'fixtures')), ...filesUnder(join(root, 'examples'))];
  for (const file of files) {
    const rel = relative(root, file).split('\\').join('/');
    if (rel.startsWith('test/fixtures/fuzz-regressions/') || /\.(json|wasm|md)$/.test(rel)) continue;
    // The evaluation corpus of real commits (and the gzipped sources behind it) is reviewed whole, under a
    // per-file time limit, by `npm run eval:review`; as seeds its hundreds of large patches would swamp the small ones.
    if (
      rel.startsWith('test/fixtures/patches/corpus/history/') ||
      rel.startsWith('test/fixtures/patches/corpus/trees/') ||
      rel.endsWith('/LICENSE')
    )
      continue;
    const text = readFileSync(file, 'utf8').slice(0, MAX_SEED_BYTES);
    const kind = detectKind(text.slice(0, DETECT_HEAD_BYTES), rel);
    seeds[kind].push(text);
    for (const line of text.split('\n')) lines.push(line);
  }
  cached = { seeds, lines };
  return cached;
}
