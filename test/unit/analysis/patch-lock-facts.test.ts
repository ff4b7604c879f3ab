/**
 * Patch review learns lock order and lock beliefs from the rest of the driver
 * when it has a kernel tree: a file the patch does not touch, in the same
 * directory, is the evidence the finding cites; without the tree the same
 * patch is quiet, and the tree's old copy of a function the patch changes is
 * not evidence.
 */

import { describe, expect, it } from 'vitest';
import { reviewPatchLines, type PatchReviewConfig } from '../../../src/analysis/patch-analyzer';
import { learnLockFacts, scanLocks, type LockEvent } from '../../../src/rules/patch/lock-facts';
import { DEFAULT_RESOURCE_PAIRS, indexPairs } from '../../../src/rules/patch/resource-pairs';
import { useTreeSitterFromNodeModules } from '../../helpers/tree-sitter';

useTreeSitterFromNodeModules();

const PATCH = `--- a/drivers/gpu/drm/foo/foo_vm.c
+++ b/drivers/gpu/drm/foo/foo_vm.c
@@ -10,6 +10,8 @@ static int foo_vm_rebind(struct foo_vm *vm)
 {
+	mutex_lock(&vm->evict_lock);
 	mutex_lock(&vm->lock);
 	foo_vm_rebind_locked(vm);
 	mutex_unlock(&vm->lock);
+	mutex_unlock(&vm->evict_lock);
 	return 0;
 }
`.split('\n');

const VM_C = `// foo_vm.c before the patch
static int foo_vm_rebind(struct foo_vm *vm)
{
	mutex_lock(&vm->lock);
	foo_vm_rebind_locked(vm);
	mutex_unlock(&vm->lock);
	return 0;
}
`;

const EXEC_C = `static void foo_exec_evict(struct foo_exec *exec, struct foo_vm *vm)
{
	mutex_lock(&vm->lock);
	mutex_lock(&vm->evict_lock);
	foo_exec_evict_locked(exec);
	mutex_unlock(&vm->evict_lock);
	mutex_unlock(&vm->lock);
}
`;

function tree(files: Record<string, string>): PatchReviewConfig {
  return {
    readSource: (path) => files[path],
    listSources: (dir) => Object.keys(files).filter((path) => path.startsWith(dir) && !path.slice(dir.length).includes('/')),
  };
}

describe('lock facts from the kernel tree', () => {
  it('cites the other file of the driver that takes the locks the other way round', async () => {
    const result = await reviewPatchLines(PATCH, tree({ 'drivers/gpu/drm/foo/foo_vm.c': VM_C, 'drivers/gpu/drm/foo/foo_exec.c': EXEC_C }));
    const inversions = result.findings.filter((finding) => finding.rule === 'lock-order-inversion');
    expect(inversions.map((finding) => finding.line)).toEqual([6]);
    expect(inversions[0]?.message).toContain('foo_exec_evict() at drivers/gpu/drm/foo/foo_exec.c:4');
  });

  it('is quiet from the patch alone, and when the other order is only in the old copy of the changed function', async () => {
    // Reviewed (the parser ran: no analysis-limit finding), and quiet.
    expect((await reviewPatchLines(PATCH)).findings).toEqual([]);
    const oldReversed = VM_C.replace('mutex_lock(&vm->lock);', 'mutex_lock(&vm->lock);\n\tmutex_lock(&vm->evict_lock);');
    const result = await reviewPatchLines(PATCH, tree({ 'drivers/gpu/drm/foo/foo_vm.c': oldReversed }));
    expect(result.findings.map((finding) => finding.rule)).toEqual(['patch-hunk-not-applied']);
  });
});

describe('lock scanner', () => {
  const pairs = indexPairs(DEFAULT_RESOURCE_PAIRS);
  const scan = (text: string): LockEvent[] => {
    const events: LockEvent[] = [];
    scanLocks(
      text.split('\n').map((line, index) => ({ text: line, line: index + 1 })),
      pairs,
      (event) => events.push(event),
    );
    return events;
  };

  it('names locks by their last owner->field step, ignores comments and strings, and releases on unlock', () => {
    const events = scan(
      [
        '\tspin_lock(&q->vm->userptr.lock); /* mutex_lock(&a->b) */',
        '\tpr_info("mutex_lock(&x->y)");',
        '\tq->vm->userptr.count++;',
        '\tspin_unlock(&vm->userptr.lock);',
        '\tvm->size = 0;',
      ].join('\n'),
    );
    expect(
      events.map((event) => [
        event.type,
        event.type === 'acquire' ? event.cls : event.type === 'access' ? event.field : event.name,
        event.held.map((h) => h.cls),
      ]),
    ).toEqual([
      ['acquire', 'vm->userptr.lock', []],
      ['access', 'vm->userptr.count', ['vm->userptr.lock']],
      ['access', 'vm->size', []],
    ]);
  });

  it('learns an order through one level of calls', () => {
    const source = (path: string, text: string) => ({
      path,
      lines: text.split('\n').map((line, index) => ({ text: line, line: index + 1 })),
    });
    const facts = learnLockFacts(
      [
        source(
          'a.c',
          'static void outer(struct foo_vm *vm)\n{\n\tmutex_lock(&vm->lock);\n\tinner(vm);\n\tmutex_unlock(&vm->lock);\n}\nstatic void inner(struct foo_vm *vm)\n{\n\tspin_lock(&vm->list_lock);\n\tspin_unlock(&vm->list_lock);\n}',
        ),
      ],
      pairs,
    );
    expect(facts.order.get('vm->lock\u0001vm->list_lock')).toEqual([{ path: 'a.c', line: 4, fn: 'outer', via: 'inner' }]);
    expect([...(facts.takes.get('inner') ?? [])]).toEqual(['vm->list_lock']);
  });
});
