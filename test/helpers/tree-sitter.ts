/** Gives the tests the tree-sitter WASM from node_modules, as the CLI does from dist/. */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { provideTreeSitterAssets } from '../../src/parse/c/tree-sitter-c';

const ROOT = join(__dirname, '..', '..');

export function useTreeSitterFromNodeModules(): void {
  provideTreeSitterAssets(async () => ({
    runtime: readFileSync(join(ROOT, 'node_modules', 'web-tree-sitter', 'tree-sitter.wasm')),
    language: readFileSync(join(ROOT, 'node_modules', 'tree-sitter-c', 'tree-sitter-c.wasm')),
  }));
}
