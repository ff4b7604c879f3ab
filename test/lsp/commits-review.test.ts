/**
 * Review Commits… in the editor: the server gives the commits of a git
 * checkout as `git format-patch` writes them (`gpuvmLens/commitsPatch`), and
 * that text, opened as the read-only `gpuvm-commits:` document the extension
 * shows (a `.patch` path in the checkout), is reviewed against the checkout.
 * The commit below leaks its lock only in the light of the whole function,
 * which only the tree has, so the finding shows the tree was used.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommitsPatchRequest, commitsOfUri, commitsUri, type CommitsPatchResult } from '../../src/protocol/lsp-ext';
import { commitChange, fooVmSource, writeKernelCheckout } from '../helpers/kernel-checkout';
import { useTreeSitterFromNodeModules } from '../helpers/tree-sitter';
import { startHarness, type Harness } from './harness';

// Far enough below the change that git's three lines of context leave the unlock out of the hunk.
const SOURCE = fooVmSource(8);

let work = '';
let repo = '';
let harness: Harness | undefined;

beforeAll(() => {
  useTreeSitterFromNodeModules();
  work = mkdtempSync(join(tmpdir(), 'gpuvm-lens-commits-'));
  repo = join(work, 'linux');
  writeKernelCheckout(repo, SOURCE);
  commitChange(repo, SOURCE);
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
