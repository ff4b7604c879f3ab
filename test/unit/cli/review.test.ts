/**
 * `gpuvm-lens review` end to end through the built CLI (npm test builds dist/
 * first): formats, exit codes, --kernel-tree widening and --pairs.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitChange, FOO_VM_EARLY_RETURN_PATCH, fooVmSource, writeKernelCheckout } from '../../helpers/kernel-checkout';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const SEED = join(ROOT, 'test', 'fixtures', 'patches', 'corpus', 'gpuvm-obj-lock-destructor-v5-review.txt');

function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  return runIn(ROOT, ...args);
}

function runIn(cwd: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

// A hunk whose early return leaks the lock only in the light of the whole function.
const PATCH = FOO_VM_EARLY_RETURN_PATCH;
const SOURCE = fooVmSource();

let work = '';

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/ is not built: run `npm run build` first');
  work = mkdtempSync(join(tmpdir(), 'gpuvm-lens-review-'));
  writeFileSync(join(work, 'bind.patch'), PATCH);
  writeKernelCheckout(join(work, 'linux'), SOURCE);
});

describe('gpuvm-lens review', () => {
  it('reports the seed thread finding on both hunks in gcc style and exits 1', () => {
    const { code, stdout } = run('review', SEED);
    expect(code).toBe(1);
    expect(stdout).toMatch(/gpuvm-obj-lock-destructor-v5-review\.txt:28:7: warning: .*\[refcount-read-condition\]/);
    expect(stdout).toMatch(/:39:7: warning: .*\[refcount-read-condition\]/);
  });

  it('quotes the patch as a reply with each finding under its line', () => {
    const { stdout } = run('review', SEED, '--format', 'reply');
    const lines = stdout.split('\n');
    const at = lines.findIndex((line) => line === '> +\tif (kref_read(&obj->refcount) > 0)');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 2]).toMatch(/^The patch makes drm_gem_gpuva_assert_lock_held\(\)/);
  });

  it('writes SARIF and JSON with the patch kind', () => {
    const sarif = JSON.parse(run('review', SEED, '--format', 'sarif').stdout) as { runs: { results: unknown[] }[] };
    expect(sarif.runs[0]?.results).toHaveLength(2);
    const json = JSON.parse(run('review', SEED, '--format', 'json').stdout) as { files: { kind: string }[] };
    expect(json.files[0]?.kind).toBe('patch');
  });

  it('sees a leak only with the whole function from --kernel-tree', () => {
    expect(run('review', join(work, 'bind.patch')).code).toBe(0);
    const widened = run('review', join(work, 'bind.patch'), '--kernel-tree', join(work, 'linux'));
    expect(widened.code).toBe(1);
    expect(widened.stdout).toMatch(/bind\.patch:7:1: warning: The mutex on vm->lock taken at line 4 .*\[resource-leak\]/);
  });

  it('points at the checkout for code the patch does not show: JSON by its path on disk, a reply by its path in the tree', () => {
    // The hunk starts after the mutex_lock(), so the lock is taken on line 5 of the checkout only.
    const later = join(work, 'later.patch');
    writeFileSync(later, PATCH.replace('@@ -5,4 +5,6 @@', '@@ -6,3 +6,5 @@').replace(' \tmutex_lock(&vm->lock);\n', ''));
    const json = JSON.parse(run('review', later, '--kernel-tree', join(work, 'linux'), '--format', 'json').stdout) as {
      findings: { rule: string; related: { path: string; line: number; message: string }[] }[];
    };
    const leak = json.findings.find((finding) => finding.rule === 'resource-leak');
    expect(leak?.related).toEqual([
      { path: join(work, 'linux', 'drivers', 'gpu', 'drm', 'foo', 'foo_vm.c'), line: 5, message: 'mutex taken here' },
    ]);
    const reply = run('review', later, '--kernel-tree', join(work, 'linux'), '--format', 'reply').stdout;
    expect(reply).toContain('(drivers/gpu/drm/foo/foo_vm.c:5: mutex taken here)');
  });

  it('reviews commits of the git checkout with --commits, in the tree that already has them', () => {
    const repo = join(work, 'git-linux');
    writeKernelCheckout(repo, SOURCE);
    commitChange(repo, SOURCE);
    const result = runIn(repo, 'review', '--commits', 'HEAD', '--format', 'json');
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as { files: { path: string; stats: { mode: string } }[]; findings: { rule: string }[] };
    expect(json.files.map((entry) => [entry.path, entry.stats.mode])).toEqual([['commits HEAD', 'tree']]);
    expect(json.findings.map((finding) => finding.rule)).toEqual(['resource-leak']);
    // The series from the root: the first commit adds the balanced function, the second the early return.
    expect(runIn(repo, 'review', '--commits', 'HEAD~1..HEAD').code).toBe(1);
    const bad = runIn(repo, 'review', '--commits', 'no-such-branch');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--commits no-such-branch');
  });

  it('uses the kernel checkout it runs in without flags, says which mode ran, and --no-tree turns it off', () => {
    const inside = runIn(join(work, 'linux', 'drivers'), 'review', join(work, 'bind.patch'), '--format', 'json');
    expect(inside.code).toBe(1);
    const json = JSON.parse(inside.stdout) as { files: { stats: { mode: string } }[] };
    expect(json.files[0]?.stats.mode).toBe('tree');
    const off = runIn(join(work, 'linux'), 'review', join(work, 'bind.patch'), '--no-tree', '--format', 'json');
    expect(off.code).toBe(0);
    expect((JSON.parse(off.stdout) as { files: { stats: { mode: string } }[] }).files[0]?.stats.mode).toBe('patch-only');
  });

  it('says when a hunk does not apply to the tree and reviews it from the patch alone', () => {
    const stale = join(work, 'stale.patch');
    writeFileSync(stale, PATCH.replace(' \tret = foo_check(vm, addr);', ' \tret = foo_validate(vm, addr);'));
    const result = run('review', stale, '--kernel-tree', join(work, 'linux'));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /stale\.patch:3:1: info: This hunk of drivers\/gpu\/drm\/foo\/foo_vm\.c does not apply to the kernel tree .*\[patch-hunk-not-applied\]/,
    );
  });

  it('takes extra pairs from a settings file and rejects a bad one with exit 2', () => {
    const pairs = join(work, 'pairs.json');
    writeFileSync(
      pairs,
      JSON.stringify({ resourcePairs: [{ what: 'foo VM reference', acquire: ['foo_vm_get'], release: ['foo_vm_put'] }] }),
    );
    expect(run('review', SEED, '--pairs', pairs).code).toBe(1);
    writeFileSync(pairs, JSON.stringify({ resourcePairs: [{ acquire: 'nope' }] }));
    const bad = run('review', SEED, '--pairs', pairs);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/pair 0: acquire and release must be non-empty arrays/);
  });

  it('rejects an unknown format and a missing file with exit 2', () => {
    expect(run('review', SEED, '--format', 'html').code).toBe(2);
    expect(run('review', join(work, 'missing.patch')).code).toBe(2);
  });
});
