/**
 * A tiny kernel checkout for the review tests: the files `enclosingKernelTree`
 * looks for (MAINTAINERS, Makefile, drivers/gpu/drm) and one driver function
 * whose hunk below leaks its lock only in the light of the whole function,
 * which only the tree has. `commitChange` makes it a git checkout whose last
 * commit adds that early return, for `--commits` and Review Commits….
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const FOO_VM_PATH = join('drivers', 'gpu', 'drm', 'foo', 'foo_vm.c');

/** foo_vm_bind() takes and drops vm->lock; `filler` lines between the map and the unlock keep the unlock out of git's context. */
export function fooVmSource(filler = 0): string {
  return [
    '#include "foo.h"',
    '',
    'int foo_vm_bind(struct foo_vm *vm, u64 addr)',
    '{',
    '\tmutex_lock(&vm->lock);',
    '\tret = foo_check(vm, addr);',
    '\tret = foo_map(vm, addr);',
    ...Array.from({ length: filler }, (_, i) => `\tfoo_flush_range(vm, ${i});`),
    '\tfoo_flush(vm);',
    '\tmutex_unlock(&vm->lock);',
    '\treturn ret;',
    '}',
    '',
  ].join('\n');
}

/** The hunk that returns early between the lock and the unlock of `fooVmSource()`. */
export const FOO_VM_EARLY_RETURN_PATCH = [
  '--- a/drivers/gpu/drm/foo/foo_vm.c',
  '+++ b/drivers/gpu/drm/foo/foo_vm.c',
  '@@ -5,4 +5,6 @@ int foo_vm_bind(struct foo_vm *vm, u64 addr)',
  ' \tmutex_lock(&vm->lock);',
  ' \tret = foo_check(vm, addr);',
  '+\tif (ret)',
  '+\t\treturn ret;',
  ' \tret = foo_map(vm, addr);',
  ' \tfoo_flush(vm);',
  '',
].join('\n');

/** Writes a checkout at `root` holding `source` as foo_vm.c. */
export function writeKernelCheckout(root: string, source = fooVmSource()): void {
  const file = join(root, FOO_VM_PATH);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(join(root, 'MAINTAINERS'), '');
  writeFileSync(join(root, 'Makefile'), '');
  writeFileSync(file, source);
}

/** Runs git in `repo` as a fixed author; throws with git's message when it fails. */
export function git(repo: string, ...args: string[]): void {
  const result = spawnSync('git', ['-C', repo, '-c', 'user.name=T', '-c', 'user.email=t@example.org', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
}

/**
 * Makes the checkout at `root` (as `writeKernelCheckout` wrote it from `source`) a git repository
 * with two commits: the balanced function, then the early return of `FOO_VM_EARLY_RETURN_PATCH`.
 */
export function commitChange(root: string, source = fooVmSource()): void {
  git(root, 'init', '-q');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'foo: add foo_vm_bind');
  writeFileSync(
    join(root, FOO_VM_PATH),
    source.replace('\tret = foo_check(vm, addr);\n', '\tret = foo_check(vm, addr);\n\tif (ret)\n\t\treturn ret;\n'),
  );
  git(root, 'commit', '-q', '-a', '-m', 'foo: stop on a failed check');
}
