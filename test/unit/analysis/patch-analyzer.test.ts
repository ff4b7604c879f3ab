import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reviewPatchLines } from '../../../src/analysis/patch-analyzer';
import { analyzeText } from '../../../src/analysis/registry';
import { useTreeSitterFromNodeModules } from '../../helpers/tree-sitter';
import { largePatch, series } from '../../../bench/review-inputs';

const PATCHES = join(__dirname, '..', '..', 'fixtures', 'patches', 'corpus');
const review = (text: string) => reviewPatchLines(text.split('\n'));
const summary = (findings: readonly { line: number; rule: string; severity: string }[]) =>
  findings.map((f) => `${f.line}:${f.rule}:${f.severity}`);

beforeAll(() => useTreeSitterFromNodeModules());

describe('patch analyzer', () => {
  it('gives the seed thread the maintainer finding on both hunks, once, from the mail text as it is', async () => {
    const text = readFileSync(join(PATCHES, 'gpuvm-obj-lock-destructor-v5-review.txt'), 'utf8');
    const result = await analyzeText(text, { path: 'thread.txt' });
    expect(result.kind).toBe('patch');
    expect(summary(result.findings)).toEqual(['28:refcount-read-condition:warning', '39:refcount-read-condition:warning']);
    expect(result.findings[0]?.message).toContain('kref_read()');
    expect(result.findings[0]?.message).toContain('drm_gem_gpuva_assert_lock_held()');
    expect(result.stats).toMatchObject({ hunks: 2, quotedCopies: 5 });
  });

  it('reports garbage as containing no diff', async () => {
    const result = await review('\u0000\u0001\u0002 binary-ish garbage\n@@@ not a hunk @@@\n>>> >>\n\t\t}}}{{{\n');
    expect(summary(result.findings)).toEqual(['1:patch-no-diff:warning']);
  });

  it('reports an empty mail as empty', async () => {
    expect(summary((await review('')).findings)).toEqual(['1:unrecognized-input:warning']);
    expect(summary((await review('\n\n  \n')).findings)).toEqual(['1:unrecognized-input:warning']);
  });

  it('skips a binary attachment with an info finding and still reviews the text part', async () => {
    const mail = [
      'From: a@example.org',
      'Subject: [PATCH] drm/foo: use after put',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      '--- a/drivers/gpu/drm/foo/foo.c',
      '+++ b/drivers/gpu/drm/foo/foo.c',
      '@@ -10,4 +10,4 @@ static void foo_free(struct foo *f)',
      ' {',
      '-\tfoo_stats(f->obj);',
      '\tdrm_gem_object_put(f->obj);',
      '+\tfoo_stats(f->obj);',
      '--b1',
      'Content-Type: image/png',
      'Content-Transfer-Encoding: base64',
      '',
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      '--b1--',
    ].join('\n');
    const result = await review(mail);
    expect(summary(result.findings)).toContain('16:patch-binary-content:info');
  });

  it('reports a patch for a file that is not C and reviews nothing in it', async () => {
    const patch = [
      'diff --git a/Documentation/gpu/drm-mm.rst b/Documentation/gpu/drm-mm.rst',
      '--- a/Documentation/gpu/drm-mm.rst',
      '+++ b/Documentation/gpu/drm-mm.rst',
      '@@ -1,2 +1,2 @@',
      ' GPU VA',
      '-kref_read(&x) if (kref_read(&obj->refcount) > 0) drm_gem_gpuva_assert_lock_held(obj);',
      '+text',
    ].join('\n');
    expect(summary((await review(patch)).findings)).toEqual(['1:patch-non-c-file:info']);
  });

  it('reviews a 10,000-line hunk without crashing', async () => {
    const result = await review(largePatch(10_000));
    expect(result.stats).toMatchObject({ hunks: 1, files: 1 });
    expect(result.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('reviews every patch of a series in one mbox and finds the early return of each', async () => {
    const result = await review(series(3));
    expect(result.stats).toMatchObject({ hunks: 3, messages: 3 });
    expect(result.findings.filter((f) => f.rule === 'resource-leak')).toHaveLength(6);
  });

  it('flags a hunk whose counts do not match', async () => {
    const patch = ['--- a/x.c', '+++ b/x.c', '@@ -1,5 +1,5 @@ void f(void)', ' {', '-\ta();', '+\tb();', '', 'trailing prose'].join('\n');
    expect(summary((await review(patch)).findings)).toEqual(['3:patch-damaged-hunk:warning']);
  });
});
