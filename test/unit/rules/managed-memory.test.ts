/**
 * Which field expressions the code fills with managed memory and frees
 * plainly, as managed-memory-freed learns them: read from the calls, with
 * no pattern rescanning a long line (the fuzzer's 250 KB word took 37 s).
 */

import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/base/seeded-random';
import { learnManagedMemory } from '../../../src/rules/patch/managed-memory';

const learn = (lines: readonly string[], added = false) =>
  learnManagedMemory([{ path: 'drivers/gpu/drm/bar/bar.c', lines: lines.map((text, index) => ({ text, line: index + 1, added })) }]);

/** The patterns the scan replaced, for the comparison below (fine on short lines). */
const FIELD = String.raw`[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)+`;
const ALLOCATED = new RegExp(String.raw`(${FIELD})\s*=\s*(?:\([^()]*\)\s*)?((?:devm|drmm)_k\w+)\s*\(`);
const FREED = new RegExp(String.raw`\b(kv?free(?:_sensitive)?|vfree)\s*\(\s*(${FIELD})\s*\)`);

describe('learnManagedMemory', () => {
  it('finds the fields managed allocators fill and plain frees release', () => {
    const memory = learn([
      '\tbdev->sriov.vfs = drmm_kcalloc(&bdev->drm, n, sizeof(*bdev->sriov.vfs), GFP_KERNEL);',
      '\tgt->info = (struct gt_info *) devm_kzalloc(dev, sizeof(*gt->info), GFP_KERNEL);',
      '\tif (gt->name == devm_kstrdup(dev, "x", GFP_KERNEL))',
      '\tlocal = devm_kzalloc(dev, 4, GFP_KERNEL);',
      '\tkfree(bdev->sriov.vfs);',
      '\tkvfree( gt->info );',
      '\tkfree(local);',
    ]);
    expect([...memory.allocated.keys()]).toEqual(['bdev->sriov.vfs', 'gt->info']);
    expect(memory.allocated.get('gt->info')).toMatchObject({ call: 'devm_kzalloc', at: 'drivers/gpu/drm/bar/bar.c:2' });
    expect([...memory.freed.keys()]).toEqual(['bdev->sriov.vfs', 'gt->info']);
  });

  it('skips the lines the patch removes', () => {
    const memory = learnManagedMemory([{ path: 'a.c', lines: [{ text: '\tkfree(a->b);', line: 3 }] }], new Set(['kfree(a->b);']));
    expect(memory.freed.size).toBe(0);
  });

  it('agrees with the patterns it replaced on random lines', () => {
    const random = mulberry32(5);
    const pieces = [
      'a',
      'b',
      '->',
      '.',
      ' ',
      '=',
      '==',
      '(',
      ')',
      'x',
      'devm_kzalloc',
      'drmm_kcalloc',
      'kfree',
      'vfree',
      '(void *)',
      ';',
      '_',
    ];
    for (let n = 0; n < 5000; n++) {
      let line = '';
      const length = 1 + Math.floor(random() * 12);
      for (let k = 0; k < length; k++) line += pieces[Math.floor(random() * pieces.length)];
      const memory = learn([line]);
      const alloc = ALLOCATED.exec(line);
      const free = FREED.exec(line);
      const allocKey = alloc && /^(?:devm_kzalloc|drmm_kcalloc)$/.test(alloc[2] as string) ? (alloc[1] as string) : undefined;
      // The scan reads the first managed call's store; the pattern, the first store of any `_k` call.
      if (allocKey !== undefined && memory.allocated.size > 0) expect([...memory.allocated.keys()][0]).toBe(allocKey);
      if (free) expect(memory.freed.has((free[2] as string).replace(/\s+/g, ''))).toBe(true);
    }
  });
});
