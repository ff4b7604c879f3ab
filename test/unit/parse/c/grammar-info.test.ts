/** The installed tree-sitter WASM is the one src/parse/c/grammar.info records. */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..', '..', '..');
const info = readFileSync(join(ROOT, 'src', 'parse', 'c', 'grammar.info'), 'utf8');
const sha = (path: string) =>
  createHash('sha256')
    .update(readFileSync(join(ROOT, path)))
    .digest('hex');

describe('tree-sitter assets', () => {
  it('match the pinned versions and hashes', () => {
    const version = (pkg: string) =>
      (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    expect(info).toContain(`tree-sitter-c ${version('tree-sitter-c')} (npm)`);
    expect(info).toContain(`web-tree-sitter ${version('web-tree-sitter')} (npm)`);
    expect(info).toContain(sha('node_modules/tree-sitter-c/tree-sitter-c.wasm'));
    expect(info).toContain(sha('node_modules/web-tree-sitter/tree-sitter.wasm'));
  });
});
