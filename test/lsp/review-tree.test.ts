/**
 * Patch review in the editor uses the kernel checkout around the patch, as
 * `gpuvm-lens review` uses the one it runs in: the checkout the patch file
 * sits in, else a workspace folder that is one, else the setting's path;
 * `off` reviews from the patch alone. The hunk below leaks its lock only in
 * the light of the whole function, which only the tree has.
 */

import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTreeSitterFromNodeModules } from '../helpers/tree-sitter';
import { FOO_VM_EARLY_RETURN_PATCH, writeKernelCheckout } from '../helpers/kernel-checkout';
import { fileUri, startHarness, type Harness, type HarnessOptions } from './harness';

const PATCH = FOO_VM_EARLY_RETURN_PATCH;

let work = '';
let tree = '';
let harness: Harness | undefined;

beforeAll(() => {
  useTreeSitterFromNodeModules();
  work = mkdtempSync(join(tmpdir(), 'gpuvm-lens-review-tree-'));
  tree = join(work, 'linux');
  writeKernelCheckout(tree);
  mkdirSync(join(work, 'mail'));
});

afterEach(() => harness?.dispose());

async function rulesOf(patchPath: string, options: HarnessOptions = {}): Promise<string[]> {
  const h = (harness = await startHarness(options));
  const uri = fileUri(patchPath);
  h.open(uri, 'gpuvm-patch', PATCH);
  const report = await h.request<{ items: Diagnostic[] }>('textDocument/diagnostic', { textDocument: { uri } });
  return report.items.map((diagnostic) => String(diagnostic.code));
}

describe('patch review against the kernel checkout in the editor', () => {
  it.each<[string, () => string, () => HarnessOptions, boolean]>([
    ['a patch inside the checkout', () => join(tree, 'fix.patch'), () => ({}), true],
    [
      'a patch outside it, the checkout a workspace folder',
      () => join(work, 'mail', 'fix.patch'),
      () => ({ workspaceFolders: [join(tree, 'drivers')] }),
      true,
    ],
    [
      'a patch outside it, the setting naming it',
      () => join(work, 'mail', 'fix.patch'),
      () => ({ initialSettings: { review: { kernelTree: tree } } }),
      true,
    ],
    ['a patch outside any checkout', () => join(work, 'mail', 'fix.patch'), () => ({}), false],
    [
      'a patch inside the checkout with the setting off',
      () => join(tree, 'fix.patch'),
      () => ({ initialSettings: { review: { kernelTree: 'off' } } }),
      false,
    ],
  ])('%s', async (_name, path, options, leak) => {
    // From the patch alone the hunk is clean: nothing at all, not even a parser problem.
    expect(await rulesOf(path(), options())).toEqual(leak ? ['resource-leak'] : []);
  });
});
