/**
 * The command line installs anywhere: `npm pack` (which builds through the
 * `prepare` script) gives a tarball that `npm install -g` puts on PATH with
 * nothing else, offline (every run-time dependency is bundled into
 * dist/cli-main.js and dist/cli-replay.js, which dist/cli.js picks from), and the installed command runs from outside the checkout:
 * it analyzes a file, prints a rule's page, and the package holds no sources.
 */

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let work = '';
let bin = '';
let packed: string[] = [];

function run(command: string, args: readonly string[], cwd: string) {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gpuvm-lens-install-'));
  const pack = run(NPM, ['pack', '--json', '--pack-destination', work], ROOT);
  expect(pack.status, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  packed = info!.files.map((file) => file.path);
  const prefix = join(work, 'prefix');
  const install = run(NPM, ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(work, info!.filename)], work);
  expect(install.status, install.stderr).toBe(0);
  bin = process.platform === 'win32' ? join(prefix, 'gpuvm-lens.cmd') : join(prefix, 'bin', 'gpuvm-lens');
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the installed gpuvm-lens', () => {
  it('is on the prefix PATH and runs from outside the checkout', () => {
    expect(existsSync(bin)).toBe(true);
    const version = run(bin, ['--version'], work);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('analyzes a trace and a patch with only what the tarball brought', () => {
    copyFileSync(join(ROOT, 'test', 'fixtures', 'traces', 'rules', 'xe-bind-over-live.trace'), join(work, 'a.trace'));
    const corpus = join(ROOT, 'test', 'fixtures', 'patches', 'corpus');
    const patch = readdirSync(corpus, { recursive: true, encoding: 'utf8' }).find((name) => name.endsWith('.mbox'));
    expect(patch).toBeDefined();
    copyFileSync(join(corpus, patch!), join(work, 'b.mbox'));
    const check = run(bin, ['check', 'a.trace', 'b.mbox', '--format', 'json'], work);
    expect(check.stderr).toBe('');
    const document = JSON.parse(check.stdout) as { files: { kind: string }[]; findings: { rule: string }[] };
    expect(document.files.map((file) => file.kind)).toEqual(['trace', 'patch']);
    expect(document.findings.map((finding) => finding.rule)).toContain('trace-bind-over-live-mapping');
    expect(check.status).toBe(1);
  });

  it('prints a rule page shipped in the package', () => {
    const explain = run(bin, ['explain', 'trace-bind-over-live-mapping'], work);
    expect(explain.status, explain.stderr).toBe(0);
    expect(explain.stdout).toMatch(/^# /);
  });

  it('holds the bundle, the WASM and the rule pages, and no sources or tests', () => {
    expect(packed).toContain('dist/cli.js');
    // What dist/cli.js loads: the whole command line, and replay on its own.
    expect(packed).toContain('dist/cli-main.js');
    expect(packed).toContain('dist/cli-replay.js');
    // The thread `check` reads big traces on (without it, check stays on one thread).
    expect(packed).toContain('dist/line-reader.js');
    expect(packed).toContain('docs/rules/trace-bind-over-live-mapping.md');
    expect(packed.filter((path) => /^(src|test|bench|node_modules)\//.test(path) || path.endsWith('.map'))).toEqual([]);
  });
});
