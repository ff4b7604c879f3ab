/**
 * File names from patches, mails and traces never lead a read outside the
 * chosen kernel tree: each way out (`..`, an absolute path, a NUL byte, a
 * symbolic link out of the tree) reads nothing, while ordinary paths and
 * links that stay inside still read.
 */

import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelTreeLister, kernelTreeReader } from '../../../src/host/kernel-tree';

const base = mkdtempSync(join(tmpdir(), 'gpuvm-lens-tree-'));
const tree = join(base, 'linux');
mkdirSync(join(tree, 'drivers', 'gpu'), { recursive: true });
writeFileSync(join(tree, 'drivers', 'gpu', 'vm.c'), 'inside\n');
writeFileSync(join(tree, 'drivers', 'gpu', 'vm.h'), 'inside\n');
writeFileSync(join(tree, 'drivers', 'gpu', 'Makefile'), 'obj-y += vm.o\n');
writeFileSync(join(base, 'secret'), 'outside\n');
symlinkSync(join(base, 'secret'), join(tree, 'drivers', 'gpu', 'escape.c'));
symlinkSync(join(base), join(tree, 'up'));
symlinkSync(join(tree, 'drivers', 'gpu', 'vm.c'), join(tree, 'drivers', 'alias.c'));
const read = kernelTreeReader(tree);

describe('kernel tree reader', () => {
  it.each([
    ['drivers/gpu/vm.c', 'inside\n'],
    ['drivers/../drivers/gpu/vm.c', 'inside\n'],
    ['drivers/alias.c', 'inside\n'],
  ])('reads %s inside the tree', (path, text) => {
    expect(read(path)).toBe(text);
  });

  it.each([
    ['a ../ escape', '../secret'],
    ['an escape after a prefix', 'a/../../secret'],
    ['an absolute path', join(base, 'secret')],
    ['/etc/passwd', '/etc/passwd'],
    ['a NUL byte', 'drivers/gpu/vm.c\0../../secret'],
    ['a symbolic link to a file outside', 'drivers/gpu/escape.c'],
    ['a symbolic link to a directory outside', 'up/secret'],
    ['an empty path', ''],
  ])('reads nothing through %s', (_what, path) => {
    expect(read(path)).toBeUndefined();
  });
});

describe('kernel tree lister', () => {
  const list = kernelTreeLister(tree);

  it('lists the C files of a directory as paths the reader takes, not symbolic links', () => {
    expect(list('drivers/gpu/')).toEqual(['drivers/gpu/vm.c', 'drivers/gpu/vm.h']);
    expect(list('drivers/gpu')).toEqual(list('drivers/gpu/'));
  });

  it.each([
    ['a ../ escape', '..'],
    ['an absolute path', base],
    ['a symbolic link to a directory outside', 'up'],
    ['a NUL byte', 'drivers\0'],
    ['a directory that does not exist', 'drivers/none'],
  ])('lists nothing through %s', (_what, dir) => {
    expect(list(dir)).toEqual([]);
  });
});
