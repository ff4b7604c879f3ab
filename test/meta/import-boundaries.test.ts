/**
 * Enforces the module boundaries of the architecture (README, "Architecture"):
 * builds the import graph of src/ and media/ and fails with the forbidden edge
 * and the reason, as Perfetto's check_imports does. The policy is the table in
 * layer-policy.json, which eslint.config.mjs also turns into lint rules.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');

type Layer = 'base' | 'parse' | 'model' | 'rules' | 'analysis' | 'report' | 'protocol' | 'server' | 'extension' | 'cli' | 'media';

interface Policy {
  /** Project layers this layer may import. */
  readonly layers: readonly Layer[];
  /** npm packages (prefix match) it may import. */
  readonly packages: readonly string[];
  /** May it use Node's built-in modules (file system, processes)? */
  readonly node: boolean;
  readonly reason: string;
}

/** The one table of the policy, shared with eslint.config.mjs. */
const TABLE = JSON.parse(readFileSync(join(ROOT, 'test', 'meta', 'layer-policy.json'), 'utf8')) as {
  policies: Record<Layer, Policy>;
  confined: Record<string, { layer: Layer; under: string; reason: string }>;
  nodeBuiltins: string[];
};
const POLICIES = TABLE.policies;
const NODE_BUILTINS = new Set(TABLE.nodeBuiltins);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|tsx)$/.test(name)) out.push(path);
  }
  return out;
}

function layerOf(file: string): Layer | undefined {
  const rel = relative(ROOT, file).split('\\').join('/');
  if (rel.startsWith('media/')) return 'media';
  const match = /^src\/([^/]+)\//.exec(rel);
  const name = match?.[1] ?? '';
  return name in POLICIES ? (name as Layer) : undefined;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

function violations(): string[] {
  const problems: string[] = [];
  const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'media'))];
  for (const file of files) {
    const layer = layerOf(file);
    if (!layer) {
      problems.push(`${relative(ROOT, file)}: not in a known layer (${Object.keys(POLICIES).join(', ')})`);
      continue;
    }
    const policy = POLICIES[layer];
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? match[3] ?? '';
      const where = relative(ROOT, file);
      if (spec.startsWith('.')) {
        const target = layerOf(resolve(dirname(file), spec) + '.ts');
        if (target && target !== layer && !policy.layers.includes(target)) {
          problems.push(`NoDirectDep: ${where} (${layer}) imports ${spec} (${target}). ${policy.reason}`);
        }
        if (spec.includes('web-tree-sitter')) problems.push(`${where}: ${spec}`);
        continue;
      }
      const bare = spec.replace(/^node:/, '').split('/')[0] as string;
      if (spec.startsWith('node:') || NODE_BUILTINS.has(bare)) {
        if (!policy.node) problems.push(`NoDep: ${where} (${layer}) imports Node built-in ${spec}. ${policy.reason}`);
        continue;
      }
      const allowed = policy.packages.some((pkg) => spec === pkg || spec.startsWith(pkg + '/'));
      if (!allowed) problems.push(`NoDep: ${where} (${layer}) imports package ${spec}. ${policy.reason}`);
      const confined = TABLE.confined[spec];
      if (confined && layer === confined.layer && !where.startsWith(confined.under)) {
        problems.push(`NoDep: ${where} imports ${spec} outside ${confined.under}. ${confined.reason}`);
      }
    }
  }
  return problems;
}

describe('import boundaries', () => {
  it('every module imports only what its layer allows', () => {
    expect(violations()).toEqual([]);
  });
});
