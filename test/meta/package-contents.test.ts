/**
 * The .vsix contains the run-time files and nothing else: lists the package
 * with `vsce ls` (the same file selection `vsce package` uses, driven by the
 * allowlist .vscodeignore) and checks it against the expected set. Needs a
 * build (`npm test` builds first).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const require = createRequire(import.meta.url);

/** Exactly these files (package.json is always added by vsce). */
const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  'language-configuration.json',
  'language-configuration.patch.json',
  'dist/extension.js',
  'dist/webview.js',
  // The thread the server reads big traces from disk on.
  'dist/line-reader.js',
  'dist/tree-sitter.wasm',
  'dist/tree-sitter-c.wasm',
  'media/va-view.css',
  'media/va-space.svg',
  'syntaxes/gpuvm-trace.tmLanguage.json',
  'syntaxes/gpuvm-dump.tmLanguage.json',
  'syntaxes/gpuvm-script.tmLanguage.json',
  'syntaxes/gpuvm-patch.tmLanguage.json',
  // Every rule's page: diagnostics link to the installed copy.
  ...readdirSync(join(ROOT, 'docs', 'rules')).map((name) => `docs/rules/${name}`),
];
/** Allowed when present. */
const OPTIONAL = ['CHANGELOG.md'];

let listed: string[] = [];

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/ is not built: run `npm run build` first');
  const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
  const result = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  listed = result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
});

describe('the packaged extension', () => {
  it('contains every run-time file', () => {
    expect(REQUIRED.filter((file) => !listed.includes(file))).toEqual([]);
  });

  it('contains the language server the client starts, when the server is part of the build', () => {
    const esbuild = readFileSync(join(ROOT, 'esbuild.mjs'), 'utf8');
    if (/\bserver:\s*'src\/server\//.test(esbuild)) expect(listed).toContain('dist/server.js');
    else expect(listed).not.toContain('dist/server.js');
  });

  it('contains nothing else (no sources, tests, maps, node_modules)', () => {
    const allowed = new Set([...REQUIRED, ...OPTIONAL, 'dist/server.js']);
    expect(listed.filter((file) => !allowed.has(file))).toEqual([]);
  });

  it('every path the manifest references is packaged', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      main: string;
      contributes: { languages: { configuration?: string }[]; grammars: { path: string }[] };
    };
    const paths = [
      pkg.main,
      ...pkg.contributes.languages.flatMap((l) => (l.configuration ? [l.configuration] : [])),
      ...pkg.contributes.grammars.map((g) => g.path),
    ].map((p) => p.replace(/^\.\//, ''));
    expect(paths.filter((p) => !listed.includes(p))).toEqual([]);
  });

  it('the README links to nothing the package leaves out (vsce refuses to package a relative link it cannot resolve)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] as string);
    const relative = targets.filter((target) => !/^(?:#|[a-z]+:)/.test(target)).map((target) => target.replace(/#.*$/, ''));
    expect(relative.filter((target) => !listed.includes(target))).toEqual([]);
  });
});
