/**
 * Review Commits… in the editor: the server gives the commits of a git
 * checkout as `git format-patch` writes them (`gpuvmLens/commitsPatch`), and
 * that text, opened as the read-only `gpuvm-commits:` document the extension
 * shows (a `.patch` path in the checkout), is reviewed against the checkout.
 * The commit below leaks its lock only in the light of the whole function,
 * which only the tree has, so the finding shows the tree was used.
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommitsPatchRequest, commitsOfUri, commitsUri, type CommitsPatchResult } from '../../src/protocol/lsp-ext';
import { useTreeSitterFromNodeModules } from '../helpers/tree-sitter';
import { startHarness, type Harness } from './harness';

const SOURCE = [
  '#include "foo.h"',
  '',
  'int foo_vm_bind(struct foo_vm *vm, u64 addr)',
  '{',
  '\tmutex_lock(&vm->lock);',
  '\tret = foo_check(vm, addr);',
  '\tret = foo_map(vm, addr);',
  // Far enough below the change that git's three lines of context leave the unlock out of the hunk.
  ...Array.from({ length: 8 }, (_, i) => `\tfoo_flush_range(vm, ${i});`),
  '\tmutex_unlock(&vm->lock);',
  '\treturn ret;',
  '}',
  '',
].join('\n');

let work = '';
let repo = '';
let harness: Harness | undefined;

beforeAll(() => {
  useTreeSitterFromNodeModules();
  work = mkdtempSync(join(tmpdir(), 'gpuvm-lens-commits-'));
  repo = join(work, 'linux');
  mkdirSync(join(repo, 'drivers', 'gpu', 'drm', 'foo'), { recursive: true });
  writeFileSync(join(repo, 'MAINTAINERS'), '');
  writeFileSync(join(repo, 'Makefile'), '');
  const file = join(repo, 'drivers', 'gpu', 'drm', 'foo', 'foo_vm.c');
  writeFileSync(file, SOURCE);
  const git = (...args: string[]) => {
    const result = spawnSync('git', ['-C', repo, '-c', 'user.name=T', '-c', 'user.email=t@example.org', ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(result.stderr);
  };
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'foo: add foo_vm_bind');
  writeFileSync(file, SOURCE.replace('\tret = foo_check(vm, addr);\n', '\tret = foo_check(vm, addr);\n\tif (ret)\n\t\treturn ret;\n'));
  git('commit', '-q', '-a', '-m', 'foo: stop on a failed check');
});

afterEach(() => harness?.dispose());

/** The URI string VS Code gives the review document of `range` (`commitsUri` parts, no authority). */
function documentUri(range: string): string {
  const { scheme, path, query } = commitsUri(repo, range);
  return `${scheme}:${encodeURI(path)}?${encodeURIComponent(query)}`;
}

describe('Review Commits… in the editor', () => {
  it('gives a commit as format-patch text, and its document is reviewed against the checkout', async () => {
    const h = (harness = await startHarness());
    const commits = await h.request<CommitsPatchResult>(CommitsPatchRequest.method, { folder: repo, range: 'HEAD' });
    expect(commits.commits).toBe(1);
    expect(commits.text).toMatch(/^From [0-9a-f]{40} /);
    expect(commits.text).toContain('Subject: [PATCH] foo: stop on a failed check');
    const uri = documentUri('HEAD');
    h.open(uri, 'gpuvm-patch', commits.text);
    const report = await h.request<{ items: Diagnostic[] }>('textDocument/diagnostic', { textDocument: { uri } });
    expect(report.items.map((diagnostic) => String(diagnostic.code))).toEqual(['resource-leak']);
  });

  it('gives a series of a range, and nothing for an empty one', async () => {
    const h = (harness = await startHarness());
    const series = await h.request<CommitsPatchResult>(CommitsPatchRequest.method, { folder: repo, range: 'HEAD~1..HEAD' });
    expect(series.commits).toBe(1);
    expect(await h.request(CommitsPatchRequest.method, { folder: repo, range: 'HEAD..HEAD' })).toEqual({ text: '', commits: 0 });
  });

  it("refuses an unknown revision, an option and a folder that is no checkout, in git's words", async () => {
    const h = (harness = await startHarness());
    await expect(h.request(CommitsPatchRequest.method, { folder: repo, range: 'no-such-branch' })).rejects.toThrow(
      /no-such-branch: .*(unknown revision|bad revision|ambiguous argument)/,
    );
    await expect(h.request(CommitsPatchRequest.method, { folder: repo, range: '--output=x' })).rejects.toThrow(/not a revision range/);
    await expect(h.request(CommitsPatchRequest.method, { folder: work, range: 'HEAD' })).rejects.toThrow(/not a git repository/);
  });

  it('names the checkout and the range in the document URI, a range with slashes included', () => {
    const parts = commitsUri(repo, 'origin/drm-next..HEAD');
    expect(parts.path).toBe(`${repo}/origin_drm-next..HEAD.patch`);
    expect(commitsOfUri(parts.path, parts.query)).toEqual({ folder: repo, range: 'origin/drm-next..HEAD' });
  });
});
