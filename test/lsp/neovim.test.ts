/**
 * A second real LSP client: Debian's Neovim, headless, with its built-in LSP
 * client, runs `gpuvm-lens lsp --stdio` from the built dist/cli.js on a trace
 * and reads back the diagnostics and a hover (test/lsp/neovim-client.lua).
 * Neovim 0.7 has no pull diagnostics, so this also covers the push path.
 *
 * Set-up: installs `neovim` with apt when it is missing and we are root;
 * builds dist/ when dist/cli.js is missing. Waits on the editor's exit,
 * bounded by a deadline after which the editor's process is killed.
 */

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const TRACE = join(ROOT, 'test', 'fixtures', 'lsp', 'neovim.trace');
const CLIENT = join(__dirname, 'neovim-client.lua');
const DEADLINE_MS = 60_000;

function ensureNeovim(): void {
  if (spawnSync('nvim', ['--version']).status === 0) return;
  if (process.getuid?.() !== 0) throw new Error('neovim is not installed; run `apt-get install -y neovim` as root');
  const install = spawnSync('apt-get', ['install', '-y', 'neovim'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (install.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    const retry = spawnSync('apt-get', ['install', '-y', 'neovim'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (retry.status !== 0) throw new Error('apt-get install -y neovim failed');
  }
}

function ensureBuilt(): void {
  if (existsSync(CLI)) return;
  const build = spawnSync('node', ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('building dist/ failed');
}

/** Runs Neovim to completion (or kills it at the deadline) and returns what the Lua client wrote. */
function runNeovim(file: string, hoverLine: number, out: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('nvim', ['--headless', '-n', '-i', 'NONE', '--noplugin', '-u', CLIENT], {
      env: { ...process.env, GPUVM_FILE: file, GPUVM_OUT: out, GPUVM_CLI: CLI, GPUVM_HOVER_LINE: String(hoverLine) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`neovim did not finish within ${DEADLINE_MS} ms: ${stderr}`));
    }, DEADLINE_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stderr });
    });
  });
}

interface NeovimResult {
  attached: boolean;
  got_diagnostics: boolean;
  diagnostics: { line: number; code: string; source: string; severity: number; message: string }[];
  hover: string;
}

describe('gpuvm-lens lsp --stdio under Neovim', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'gpuvm-lens-nvim-'));
  beforeAll(() => {
    ensureNeovim();
    ensureBuilt();
  }, 300_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it(
    'publishes the trace findings as diagnostics and answers a hover',
    async () => {
      const out = join(scratch, 'result.json');
      const run = await runNeovim(TRACE, 5, out);
      expect(existsSync(out), `neovim exited ${run.code} without a result: ${run.stderr}`).toBe(true);
      const result = JSON.parse(readFileSync(out, 'utf8')) as NeovimResult;
      expect(result.attached).toBe(true);
      expect(result.got_diagnostics).toBe(true);
      expect(result.diagnostics.map((d) => [d.line, d.code, d.source])).toEqual([
        [5, 'trace-use-after-free', 'gpuvm-lens'],
        [6, 'trace-unbind-never-bound', 'gpuvm-lens'],
      ]);
      expect(result.hover).toContain('xe_vma_rebind_exec');
    },
    DEADLINE_MS + 10_000,
  );
});
