/**
 * Where the command line and the language server find tree-sitter's WASM:
 * next to the bundle in dist/ (esbuild.mjs copies both files there, and the
 * packaged extension ships them), else in node_modules for runs from a
 * checkout's sources.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { provideTreeSitterAssets } from '../parse/c/tree-sitter-c';

function find(file: string, packageDir: string): string {
  // Bundled: dist/ itself. From sources (src/server): the checkout's dist/ or node_modules/.
  const candidates = [
    join(__dirname, file),
    join(__dirname, '..', 'dist', file),
    join(__dirname, '..', '..', 'node_modules', packageDir, file),
  ];
  try {
    candidates.push(join(dirname(require.resolve(`${packageDir}/package.json`)), file));
  } catch {
    // Not resolvable from here: the dist/ copies are the only option.
  }
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  throw new Error(`${file} not found (looked in ${candidates.join(', ')})`);
}

let installed = false;

/** Installs the loader once; the WASM is read only when a C file is first parsed. */
export function installTreeSitterAssets(): void {
  if (installed) return;
  installed = true;
  provideTreeSitterAssets(async () => ({
    runtime: readFileSync(find('tree-sitter.wasm', 'web-tree-sitter')),
    language: readFileSync(find('tree-sitter-c.wasm', 'tree-sitter-c')),
  }));
}
