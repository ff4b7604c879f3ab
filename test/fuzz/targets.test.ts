/**
 * The fuzz targets' own promise: the `tree` target really reviews against a
 * checkout (its pre-images apply, so whole functions and learning from the
 * tree run on every input), not a patch-only review under another name.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reviewPatchLines } from '../../src/analysis/patch-analyzer';
import { ROOT } from './corpus';
import { checkoutOf, targetNamed } from './targets';
import { Random } from '../helpers/random';

const CORPUS = join(ROOT, 'test', 'fixtures', 'patches', 'corpus');

describe('fuzz target tree', () => {
  it.each(['xe-fix-missing-xe-vm-put.mbox', 'panthor-fix-uaf-gem-create-with-handle.mbox'])(
    '%s: every hunk applies to the checkout made from it, and the review runs in tree mode',
    async (name) => {
      const lines = readFileSync(join(CORPUS, name), 'utf8').split('\n');
      const files = checkoutOf(lines);
      expect([...files.keys()].some((path) => path.endsWith('/fuzz-sibling.c'))).toBe(true);
      const result = await reviewPatchLines(lines, { readSource: (path) => files.get(path) });
      expect(result.stats).toMatchObject({ mode: 'tree' });
      expect(result.findings.filter((finding) => finding.rule === 'patch-hunk-not-applied')).toEqual([]);
      expect(await targetNamed('tree').run(lines.join('\n'), new Random(1))).toBeUndefined();
    },
  );

  it('keeps a damaged hunk header from making a huge pre-image', () => {
    const lines = ['--- a/d/f.c', '+++ b/d/f.c', '@@ -999999999,2 +999999999,2 @@', ' a;', '-b;', '+c;'];
    expect(checkoutOf(lines).get('d/f.c')?.split('\n').length).toBeLessThan(2_100);
  });
});
