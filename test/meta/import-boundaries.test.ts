/**
 * Enforces the module boundaries of the architecture (README, "Architecture"):
 * builds the import graph of src/ and media/ and fails with the forbidden edge
 * and the reason, as Perfetto's check_imports does.
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

const POLICIES: Record<Layer, Policy> = {
  base: { layers: [], packages: [], node: false, reason: 'The foundation stays dependency-free.' },
  parse: {
    layers: ['base'],
    packages: ['web-tree-sitter'],
    node: false,
    reason: 'Parsing is pure: reused by the CLI, the server and tests without an editor or a file system.',
  },
  model: {
    layers: ['base', 'parse'],
    packages: [],
    node: false,
    reason: 'The replay engine is pure and deterministic: no editor, no LSP, no file system.',
  },
  rules: {
    layers: ['base', 'parse', 'model'],
    packages: [],
    node: false,
    reason: 'Rules return domain findings; only the server turns them into LSP.',
  },
  analysis: {
    layers: ['base', 'parse', 'model', 'rules'],
    packages: ['web-tree-sitter'],
    node: false,
    reason: 'Analysis wires parsers, the model and rules together and stays pure so the CLI and the server share it.',
  },
  report: {
    layers: ['base', 'rules'],
    packages: [],
    node: false,
    reason: 'Report formats (SARIF) shared by the CLI and the editor export: pure, from findings to text.',
  },
  protocol: {
    layers: ['base'],
    packages: ['vscode-languageserver-protocol', 'vscode-jsonrpc'],
    node: false,
    reason: 'Contracts shared by the extension, the server, the CLI and the webview.',
  },
  server: {
    layers: ['base', 'parse', 'model', 'rules', 'analysis', 'protocol'],
    packages: ['vscode-languageserver', 'vscode-languageserver-textdocument', 'vscode-jsonrpc', 'web-tree-sitter'],
    node: true,
    reason: 'The only module that knows LSP; it never knows the VS Code API.',
  },
  cli: {
    layers: ['base', 'parse', 'model', 'rules', 'analysis', 'report', 'protocol', 'server'],
    packages: ['vscode-languageserver', 'web-tree-sitter'],
    node: true,
    reason: 'Same engine as the server, no editor (it only starts the server for `lsp --stdio`).',
  },
  extension: {
    layers: ['base', 'protocol', 'report'],
    packages: ['vscode', 'vscode-languageclient'],
    node: true,
    reason: 'A thin shell: it asks the server for data through the protocol.',
  },
  media: { layers: ['base', 'protocol'], packages: [], node: false, reason: 'The webview runs in a browser sandbox.' },
};

const NODE_BUILTINS = new Set([
  'fs', 'path', 'os', 'child_process', 'crypto', 'stream', 'util', 'url', 'net', 'http', 'https', 'events',
  'readline', 'string_decoder', 'worker_threads', 'zlib', 'buffer', 'assert', 'process', 'module', 'perf_hooks',
]);

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

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

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
      if (layer === 'parse' && spec === 'web-tree-sitter' && !where.startsWith('src/parse/c/')) {
        problems.push(`NoDep: ${where} imports web-tree-sitter outside src/parse/c. Tree-sitter stays behind one wrapper.`);
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
