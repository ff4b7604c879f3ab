/**
 * Patch review with a kernel tree: every hunk of a file is applied to the
 * tree's copy, so a function two hunks change is seen whole on both sides;
 * lock order and lock beliefs are learned from the rest of the driver (a file
 * the patch does not touch, in the same directory, is the evidence a finding
 * cites), never from the tree's old copy of a function the patch changes.
 * From the patch alone, consecutive hunks of one function are joined into one
 * window, with the code between them unknown.
 */

import { describe, expect, it } from 'vitest';
import { reviewPatchLines, type PatchReviewConfig } from '../../../src/analysis/patch-analyzer';
import { renderJson, renderSarif } from '../../../src/cli/render';
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

  it('reports a call under a lock whatever its name, even one of an Object.prototype member, and a list head by the helper', () => {
    const events = scan(
      [
        '\tmutex_lock(&vm->lock);',
        '\tconstructor(vm);',
        '\tvalueOf(vm);',
        '\tlist_add(&e->link, &vm->list);',
        '\tmutex_unlock(&vm->lock);',
      ].join('\n'),
    );
    expect(events.map((event) => [event.type, event.type === 'access' ? event.field : event.type === 'call' ? event.name : ''])).toEqual([
      ['acquire', ''],
      ['call', 'constructor'],
      ['call', 'valueOf'],
      ['access', 'vm->list'],
    ]);
  });

  it('learns a tree file again when its text changes, though its path and line count stay', () => {
    const tree = (field: string) => ({
      path: 'drivers/gpu/drm/foo/foo_vm.c',
      fromTree: true,
      lines: `static void foo_set(struct foo_vm *vm)\n{\n\tmutex_lock(&vm->lock);\n\tvm->${field} = 1;\n\tmutex_unlock(&vm->lock);\n}`
        .split('\n')
        .map((text, index) => ({ text, line: index + 1 })),
    });
    const fieldsOf = (field: string) => [...learnLockFacts([tree(field)], pairs).fields.keys()];
    expect(fieldsOf('size')).toEqual(['vm->size']);
    expect(fieldsOf('size')).toEqual(['vm->size']);
    expect(fieldsOf('pages')).toEqual(['vm->pages']);
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

describe('whole functions with every hunk of the file applied', () => {
  // Two hunks of one function: the first adds a goto, the second the label it
  // reaches, whose kfree() frees what the first hunk's path already freed.
  const FILE = [
    'int foo_fence_driver_alloc(struct foo_device *fdev, struct foo_queue *q)',
    '{',
    '\tstruct foo_fence_driver *drv;',
    '\tint r;',
    '',
    '\tdrv = kzalloc(sizeof(*drv), GFP_KERNEL);',
    '\tif (!drv)',
    '\t\treturn -ENOMEM;',
    '',
    '\tr = foo_seq64_alloc(fdev, &drv->gpu_addr);',
    '\tif (r) {',
    '\t\tkfree(drv);',
    '\t\treturn -ENOMEM;',
    '\t}',
    '',
    '\tdrv->fdev = fdev;',
    '\tdrv->context = dma_fence_context_alloc(1);',
    '\tdrv->seqno = 0;',
    '\tdrv->flags = 0;',
    '\tq->fence_drv = drv;',
    '',
    '\treturn 0;',
    '}',
    '',
  ].join('\n');
  const TWO_HUNKS = `--- a/drivers/gpu/drm/foo/foo_fence.c
+++ b/drivers/gpu/drm/foo/foo_fence.c
@@ -10,5 +10,5 @@ int foo_fence_driver_alloc(struct foo_device *fdev, struct foo_queue *q)
 	r = foo_seq64_alloc(fdev, &drv->gpu_addr);
 	if (r) {
 		kfree(drv);
-		return -ENOMEM;
+		goto free_seq64;
 	}
@@ -20,4 +20,9 @@ int foo_fence_driver_alloc(struct foo_device *fdev, struct foo_queue *q)
 	q->fence_drv = drv;
 
 	return 0;
+
+free_seq64:
+	foo_seq64_free(fdev, drv->gpu_addr);
+	kfree(drv);
+	return r;
 }
`.split('\n');

  it('follows a goto added by one hunk to the label another hunk adds', async () => {
    const result = await reviewPatchLines(TWO_HUNKS, tree({ 'drivers/gpu/drm/foo/foo_fence.c': FILE }));
    // Both reported at the added goto, the line to change, naming the label's release and use.
    expect(result.findings.map((finding) => `${finding.line} ${finding.rule}`)).toEqual(['8 double-release', '8 use-after-put']);
    expect(result.findings[0]?.message).toContain('second release of drv by kfree() at line 17, after the release at line 6');
    expect(result.findings[1]?.related.map((related) => related.line)).toEqual([6, 16]);
  });

  it('from the patch alone the two hunks of the function are joined: the same findings', async () => {
    const result = await reviewPatchLines(TWO_HUNKS);
    expect(result.findings.map((finding) => `${finding.line} ${finding.rule}`)).toEqual(['8 double-release', '8 use-after-put']);
  });

  it('from the patch alone hunks of different functions stay apart', async () => {
    const apart = TWO_HUNKS.map((line) =>
      line.startsWith('@@ -20,4') ? line.replace('int foo_fence_driver_alloc', 'static void foo_other') : line,
    );
    expect((await reviewPatchLines(apart)).findings).toEqual([]);
  });
});

describe('a function two hunks change, reviewed against the tree', () => {
  const PIN_C = `int foo_ctx_pin(struct foo_ctx *ce)
{
	int err;

	foo_ctx_check(ce);

	err = foo_active_acquire(ce);
	if (err)
		return err;

	if (mutex_lock_interruptible(&ce->pin_mutex)) {
		err = -EINTR;
		goto out_release;
	}

	err = foo_ctx_do_pin(ce);
	mutex_unlock(&ce->pin_mutex);
out_release:
	foo_active_release(ce);
	return err;
}
`;

  const PIN_PATCH = `--- a/drivers/gpu/drm/foo/foo_ctx.c
+++ b/drivers/gpu/drm/foo/foo_ctx.c
@@ -3,5 +3,3 @@ int foo_ctx_pin(struct foo_ctx *ce)
 	int err;
 
-	foo_ctx_check(ce);
-
 	err = foo_active_acquire(ce);
@@ -14,4 +12,9 @@ int foo_ctx_pin(struct foo_ctx *ce)
 	}
 
+	if (foo_ctx_is_closed(ce)) {
+		err = -ENOENT;
+		goto out_release;
+	}
+
 	err = foo_ctx_do_pin(ce);
 	mutex_unlock(&ce->pin_mutex);
`.split('\n');

  it('reports a leak once, and cites the code outside the patch by the next hunk and by its line in the checkout', async () => {
    const result = await reviewPatchLines(PIN_PATCH, tree({ 'drivers/gpu/drm/foo/foo_ctx.c': PIN_C }));
    const leaks = result.findings.filter((finding) => finding.rule === 'resource-leak');
    expect(leaks.map((finding) => finding.line)).toEqual([14]);
    // The lock is taken before the second hunk, in lines the patch does not show: the nearest patch line
    // is that hunk's header (9), and the message says where the code is in the checkout.
    expect(leaks[0]?.message).toContain('taken at line 9 (drivers/gpu/drm/foo/foo_ctx.c:11 in the checkout)');
    // Without a place on disk for the checkout's files, the related location stays on the patch line.
    expect(leaks[0]?.related).toEqual([{ line: 9, message: 'mutex taken here' }]);
  });

  it('reviews a patch the checkout already has (a commit reviewed in place) against the whole function', async () => {
    const applied = PIN_C.replace('\tfoo_ctx_check(ce);\n\n', '').replace(
      '\terr = foo_ctx_do_pin(ce);',
      '\tif (foo_ctx_is_closed(ce)) {\n\t\terr = -ENOENT;\n\t\tgoto out_release;\n\t}\n\n\terr = foo_ctx_do_pin(ce);',
    );
    const result = await reviewPatchLines(PIN_PATCH, tree({ 'drivers/gpu/drm/foo/foo_ctx.c': applied }));
    expect(result.stats).toMatchObject({ mode: 'tree' });
    const leaks = result.findings.filter((finding) => finding.rule === 'resource-leak');
    // The same finding as before the patch; the lock is on line 9 of the checkout now, two lines fewer above it.
    expect(leaks.map((finding) => finding.line)).toEqual([14]);
    expect(leaks[0]?.message).toContain('taken at line 9 (drivers/gpu/drm/foo/foo_ctx.c:9 in the checkout)');
    expect(result.findings.filter((finding) => finding.rule === 'patch-hunk-not-applied')).toEqual([]);
  });

  it('points a related location on a line the patch does not show into the checkout file', async () => {
    const config = { ...tree({ 'drivers/gpu/drm/foo/foo_ctx.c': PIN_C }), sourcePath: (path: string) => `/src/linux/${path}` };
    const leaks = (await reviewPatchLines(PIN_PATCH, config)).findings.filter((finding) => finding.rule === 'resource-leak');
    expect(leaks.map((finding) => [finding.line, finding.related])).toEqual([
      [14, [{ path: '/src/linux/drivers/gpu/drm/foo/foo_ctx.c', line: 11, message: 'mutex taken here' }]],
    ]);
  });
});

describe('function summaries from the rest of the driver', () => {
  const MODE_PATCH = `--- a/drivers/gpu/drm/foo/foo_mode.c
+++ b/drivers/gpu/drm/foo/foo_mode.c
@@ -3,6 +3,9 @@ int foo_set_mode(struct foo_dev *fdev, int mode)
 	ret = foo_lock_interruptible(fdev);
 	if (ret)
 		return ret;
+
+	if (mode < 0)
+		return -EINVAL;
 	fdev->mode = mode;
 	mutex_unlock(&fdev->struct_mutex);
 	return 0;
`.split('\n');
  const MODE_C = `int foo_set_mode(struct foo_dev *fdev, int mode)
{
	int ret;
	ret = foo_lock_interruptible(fdev);
	if (ret)
		return ret;
	fdev->mode = mode;
	mutex_unlock(&fdev->struct_mutex);
	return 0;
}
`;
  const LOCK_C = `#include "foo_drv.h"

int foo_lock_interruptible(struct foo_dev *fdev)
{
	return mutex_lock_interruptible(&fdev->struct_mutex);
}
`;

  it('learns a lock helper from the file of the driver that defines it, and cites it', async () => {
    const result = await reviewPatchLines(
      MODE_PATCH,
      tree({ 'drivers/gpu/drm/foo/foo_mode.c': MODE_C, 'drivers/gpu/drm/foo/foo_lock.c': LOCK_C }),
    );
    const leaks = result.findings.filter((finding) => finding.rule === 'resource-leak');
    expect(leaks.map((finding) => finding.line)).toEqual([9]);
    expect(leaks[0]?.message).toContain(
      'foo_lock_interruptible() takes it with mutex_lock_interruptible() at drivers/gpu/drm/foo/foo_lock.c:5',
    );
  });

  it('is quiet when the helper is not in the tree', async () => {
    const result = await reviewPatchLines(MODE_PATCH, tree({ 'drivers/gpu/drm/foo/foo_mode.c': MODE_C }));
    expect(result.findings.filter((finding) => finding.rule === 'resource-leak')).toEqual([]);
  });
});

describe('what a changed function does outside its hunks', () => {
  // The patch changes a line of foo_copy_page() far from its allocation, and calls it under kmap_atomic().
  const COPY_PATCH = `--- a/drivers/gpu/drm/foo/foo_dump.c
+++ b/drivers/gpu/drm/foo/foo_dump.c
@@ -12,3 +12,3 @@ static int foo_copy_page(struct foo_dump *d, void *src)
 	memcpy(dst, src, PAGE_SIZE);
-	d->pages[d->count] = dst;
+	d->pages[d->count++] = dst;
 	return 0;
@@ -20,4 +20,6 @@ static int foo_dump_object(struct foo_dump *d, struct page *page)
 	int err;
 
-	err = 0;
+	s = kmap_atomic(page);
+	err = foo_copy_page(d, s);
+	kunmap_atomic(s);
 	return err;
`.split('\n');
  const DUMP_C = `#define DUMP_GFP (GFP_KERNEL | __GFP_NOWARN)

static int foo_copy_page(struct foo_dump *d, void *src)
{
	void *dst = kmalloc(PAGE_SIZE, DUMP_GFP);

	if (!dst)
		return -ENOMEM;



	memcpy(dst, src, PAGE_SIZE);
	d->pages[d->count] = dst;
	return 0;
}

static int foo_dump_object(struct foo_dump *d, struct page *page)
{
	void *s;
	int err;

	err = 0;
	return err;
}
`;

  it('is learned from the whole function with the patch applied, not only from its hunk', async () => {
    const result = await reviewPatchLines(COPY_PATCH, tree({ 'drivers/gpu/drm/foo/foo_dump.c': DUMP_C }));
    const sleeps = result.findings.filter((finding) => finding.rule === 'sleep-in-atomic-section');
    expect(sleeps.map((finding) => finding.line)).toEqual([12]);
    expect(sleeps[0]?.message).toContain('kmalloc(DUMP_GFP) may sleep in reclaim (DUMP_GFP is GFP_KERNEL | …)');
    expect(sleeps[0]?.message).toContain('drivers/gpu/drm/foo/foo_dump.c:5');
  });

  it('is not known from the patch alone, which does not show the allocation', async () => {
    const result = await reviewPatchLines(COPY_PATCH);
    expect(result.findings.filter((finding) => finding.rule === 'sleep-in-atomic-section')).toEqual([]);
  });
});

describe('a function the patch changes to stop releasing its argument', () => {
  // foo_signal_remove() used to drop the context's reference; the patch leaves that to its callers.
  const REMOVE_PATCH = `--- a/drivers/gpu/drm/foo/foo_signal.c
+++ b/drivers/gpu/drm/foo/foo_signal.c
@@ -1,6 +1,9 @@
-static void foo_signal_remove(struct foo_engine *engine, struct foo_context *ctx)
+static bool foo_signal_remove(struct foo_engine *engine, struct foo_context *ctx)
 {
 	list_del(&ctx->signal_link);
-	foo_context_put(ctx);
+	if (!list_empty(&ctx->signals))
+		return false;
+	return true;
 }
 
@@ -10,5 +13,6 @@ static void foo_signal_cancel(struct foo_engine *engine, struct foo_context *ctx)
 {
-	foo_signal_remove(engine, ctx);
+	if (foo_signal_remove(engine, ctx))
+		foo_context_put(ctx);
 	engine->cancelled++;
 }
`.split('\n');
  const SIGNAL_C = `static void foo_signal_remove(struct foo_engine *engine, struct foo_context *ctx)
{
	list_del(&ctx->signal_link);
	foo_context_put(ctx);
}

static void foo_signal_cancel(struct foo_engine *engine, struct foo_context *ctx)
{
	foo_signal_remove(engine, ctx);
	engine->cancelled++;
}

struct foo_context *foo_context_lookup(struct foo_engine *engine, u32 id)
{
	struct foo_context *ctx = xa_load(&engine->contexts, id);

	if (ctx)
		foo_context_get(ctx);
	return ctx;
}

static void foo_context_drop(struct foo_engine *engine, u32 id)
{
	struct foo_context *ctx = foo_context_lookup(engine, id);

	if (ctx)
		foo_context_put(ctx);
}
`;

  it('judges it by its new body: the put its caller now makes is the only one', async () => {
    const result = await reviewPatchLines(REMOVE_PATCH, tree({ 'drivers/gpu/drm/foo/foo_signal.c': SIGNAL_C }));
    expect(result.findings.filter((finding) => finding.rule === 'double-release')).toEqual([]);
  });
});

describe('fill-in helpers of the touched file', () => {
  // The patch adds a caller of a void helper the file already has; the helper returns early without
  // storing through its out-parameter, which only the checkout shows.
  const CALLER_PATCH = `--- a/drivers/gpu/drm/foo/foo_perf.c
+++ b/drivers/gpu/drm/foo/foo_perf.c
@@ -16,4 +16,8 @@ static void foo_perf_settings(struct foo_device *fdev, u64 config, u32 *lo_val)
 static int foo_perf_start(struct foo_device *fdev, u64 config)
 {
+	u32 lo_val;
+
+	foo_perf_settings(fdev, config, &lo_val);
+	FOO_WRITE(FOO_PERF_LO, lo_val);
 	return 0;
 }
`.split('\n');
  const perfC = (early: string) => `#include "foo.h"

static void
foo_perf_settings(struct foo_device *fdev, u64 config, u32 *lo_val)
{
	if (config == 0) {
		drm_err(&fdev->drm, "no config\\n");
${early}
	}
	*lo_val = config & 0xff;
}

static int foo_perf_start(struct foo_device *fdev, u64 config)
{
	return 0;
}
`;

  it.each([
    [
      'returns without the store',
      '\t\treturn;',
      ['8: foo_perf_settings() may return without writing lo_val', 'drivers/gpu/drm/foo/foo_perf.c:8 in the checkout'],
    ],
    ['stores a default first', '\t\t*lo_val = 0;\n\t\treturn;', []],
  ])('a helper that %s', async (_name, early, expected) => {
    const result = await reviewPatchLines(CALLER_PATCH, tree({ 'drivers/gpu/drm/foo/foo_perf.c': perfC(early) }));
    const reads = result.findings.filter((finding) => finding.rule === 'uninitialized-read');
    if (expected.length === 0) expect(reads).toEqual([]);
    else {
      expect(reads.map((finding) => `${finding.line}: ${finding.message.split(':')[0]}`)).toEqual([expected[0]]);
      expect(reads[0]?.message).toContain(expected[1]);
    }
  });

  it('is quiet from the patch alone, which does not show the helper', async () => {
    const result = await reviewPatchLines(CALLER_PATCH);
    expect(result.findings.filter((finding) => finding.rule === 'uninitialized-read')).toEqual([]);
  });
});

/** The separator line `git format-patch --zero-commit` writes before each mail. */
const SEPARATOR = 'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001';

/** A mail as `git format-patch` writes it: `hunks` to `file`, which the patch creates when `created`. */
function formatPatch(subject: string, file: string, hunks: readonly string[], created = false): string[] {
  // A long subject folded as mailers do (RFC 5322): a finding and a reply name it whole.
  const [first, ...rest] = subject.split(/(?<=:) /);
  return [
    SEPARATOR,
    'From: A <a@example.org>',
    `Message-Id: <${subject.replace(/\W+/g, '.')}@example.org>`,
    `Subject: ${first}`,
    ...(rest.length > 0 ? [` ${rest.join(' ')}`] : []),
    '',
    '---',
    `diff --git a/${file} b/${file}`,
    ...(created ? ['new file mode 100644', '--- /dev/null'] : [`--- a/${file}`]),
    `+++ b/${file}`,
    ...hunks,
    '-- ',
    '',
  ];
}

/** A hunk that adds an early return in the middle of `fn()` (the second patch of the series tests), at `start`. */
function rejectThree(start: number, fn = 'foo_setup'): string[] {
  return [
    `@@ -${start},6 +${start},8 @@ int ${fn}(struct foo *f)`,
    ' \tf->r4 = 4;',
    ' \tf->r5 = 5;',
    ' \tf->r6 = 6;',
    '+\tif (f->r5 == 3)',
    '+\t\treturn -EINVAL;',
    ' \tf->r7 = 7;',
    ' \tf->r8 = 8;',
    ' \tf->r9 = 9;',
  ];
}

describe('a series whose second patch changes what the first added', () => {
  // "allocate a buffer" adds the kzalloc/kfree pair; "reject 3" then adds an early return between them,
  // in a hunk whose context shows neither: only the file as the first patch left it does.
  const filler = Array.from({ length: 12 }, (_, i) => `\tf->r${i} = ${i};`);
  const before = ['int foo_setup(struct foo *f)', '{', '\tvoid *buf;', '', '\tf->a = 1;', ...filler, '\treturn 0;', '}', ''];
  const middle = [
    ...before.slice(0, 4),
    '\tbuf = kzalloc(16, GFP_KERNEL);',
    '\tif (!buf)',
    '\t\treturn -ENOMEM;',
    ...before.slice(4, 17),
    '\tkfree(buf);',
    ...before.slice(17),
  ];
  const after = [...middle.slice(0, 15), '\tif (f->r5 == 3)', '\t\treturn -EINVAL;', ...middle.slice(15)];
  const FOO_C = 'drivers/gpu/drm/foo/foo.c';
  const SERIES = [
    ...formatPatch('[PATCH 1/2] drm/foo: allocate a buffer', FOO_C, [
      '@@ -2,6 +2,9 @@ int foo_setup(struct foo *f)',
      ' {',
      ' \tvoid *buf;',
      ' ',
      '+\tbuf = kzalloc(16, GFP_KERNEL);',
      '+\tif (!buf)',
      '+\t\treturn -ENOMEM;',
      ' \tf->a = 1;',
      ' \tf->r0 = 0;',
      ' \tf->r1 = 1;',
      '@@ -15,5 +18,6 @@ int foo_setup(struct foo *f)',
      ' \tf->r9 = 9;',
      ' \tf->r10 = 10;',
      ' \tf->r11 = 11;',
      '+\tkfree(buf);',
      ' \treturn 0;',
      ' }',
    ]),
    ...formatPatch('[PATCH 2/2] drm/foo: reject 3', FOO_C, rejectThree(13)),
  ];
  const returnLine = SERIES.indexOf('+\t\treturn -EINVAL;') + 1;
  const allocLine = SERIES.indexOf('+\tbuf = kzalloc(16, GFP_KERNEL);') + 1;

  it.each([
    // Before the series the allocation is cited where the first patch adds it; with it applied, in the checkout.
    ['before the series', before, `taken at line ${allocLine} is`],
    ['with its first patch', middle, 'drivers/gpu/drm/foo/foo.c:5 in the checkout'],
    ['with the whole series (reviewed in place)', after, 'drivers/gpu/drm/foo/foo.c:5 in the checkout'],
  ])('reviews the second patch against the file as the first left it, the checkout %s', async (_name, file, cited) => {
    const result = await reviewPatchLines(SERIES, tree({ 'drivers/gpu/drm/foo/foo.c': file.join('\n') }));
    expect(result.findings.map((finding) => `${finding.rule}:${finding.line}`)).toEqual([`resource-leak:${returnLine}`]);
    expect(result.findings[0]?.message).toContain(cited);
  });

  it('points the related location at the line of the first patch that takes the memory', async () => {
    const result = await reviewPatchLines(SERIES, tree({ 'drivers/gpu/drm/foo/foo.c': before.join('\n') }));
    expect(result.findings[0]?.related).toEqual([{ line: allocLine, message: 'memory taken here' }]);
  });

  it('names the patch of the series each finding is in, in JSON and SARIF, and nothing for a lone patch', async () => {
    const result = await reviewPatchLines(SERIES, tree({ 'drivers/gpu/drm/foo/foo.c': before.join('\n') }));
    const patch = {
      line: SERIES.lastIndexOf(SEPARATOR) + 1,
      subject: '[PATCH 2/2] drm/foo: reject 3',
      messageId: '<.PATCH.2.2.drm.foo.reject.3@example.org>',
    };
    expect(result.findings.map((finding) => finding.patch)).toEqual([patch]);
    const files = [{ path: 'series.mbox', result }];
    expect(JSON.parse(renderJson(files)).findings.map((finding: { patch?: unknown }) => finding.patch)).toEqual([patch]);
    expect(JSON.parse(renderSarif(files)).runs[0].results.map((r: { properties?: unknown }) => r.properties)).toEqual([{ patch }]);
    // From `review --commits` (`git format-patch` of the checkout's commits), the commit too.
    const sha = 'c46f2815b70c8bb8765ebe95ada57bfbce95fc09';
    const commits = SERIES.map((line, index) => (index === patch.line - 1 ? `From ${sha} Mon Sep 17 00:00:00 2001` : line));
    const fromCommits = await reviewPatchLines(commits, tree({ 'drivers/gpu/drm/foo/foo.c': after.join('\n') }));
    expect(fromCommits.findings.map((finding) => finding.patch)).toEqual([{ ...patch, commit: sha }]);
    const lone = SERIES.slice(SERIES.lastIndexOf(SEPARATOR));
    const alone = await reviewPatchLines(lone, tree({ 'drivers/gpu/drm/foo/foo.c': middle.join('\n') }));
    expect(alone.findings.map((finding) => `${finding.rule}:${'patch' in finding}`)).toEqual(['resource-leak:false']);
    expect(JSON.parse(renderJson([{ path: 'one.patch', result: alone }])).findings[0]).not.toHaveProperty('patch');
  });
});

describe('a series whose first patch creates the file the second changes', () => {
  const filler = Array.from({ length: 12 }, (_, i) => `+\tf->r${i} = ${i};`);
  const created = [
    '+int foo_setup(struct foo *f)',
    '+{',
    '+\tvoid *buf;',
    '+',
    '+\tbuf = kzalloc(16, GFP_KERNEL);',
    '+\tif (!buf)',
    '+\t\treturn -ENOMEM;',
    ...filler,
    '+\tkfree(buf);',
    '+\treturn 0;',
    '+}',
  ];
  const NEW_C = 'drivers/gpu/drm/foo/foo_new.c';
  const SERIES = [
    ...formatPatch('[PATCH 1/2] drm/foo: add setup', NEW_C, [`@@ -0,0 +1,${created.length} @@`, ...created], true),
    ...formatPatch('[PATCH 2/2] drm/foo: reject 3', NEW_C, rejectThree(11)),
  ];
  const returnLine = SERIES.indexOf('+\t\treturn -EINVAL;') + 1;
  const allocLine = SERIES.indexOf('+\tbuf = kzalloc(16, GFP_KERNEL);') + 1;

  it.each([
    ['from the patch alone', undefined],
    ['with a tree that does not have the file', tree({ 'drivers/gpu/drm/foo/foo.c': 'int foo(void)\n{\n\treturn 0;\n}\n' })],
  ])('reviews the second patch against the file the first wrote, %s', async (_name, config) => {
    const result = await reviewPatchLines(SERIES, config);
    expect(result.findings.map((finding) => `${finding.rule}:${finding.line}`)).toEqual([`resource-leak:${returnLine}`]);
    expect(result.findings[0]?.related).toEqual([{ line: allocLine, message: 'memory taken here' }]);
  });
});

describe('a thread holding two versions of one patch', () => {
  const filler = Array.from({ length: 12 }, (_, i) => `\tf->r${i} = ${i};`);
  const FILE = [
    'int foo_a(struct foo *f)',
    '{',
    '\tf->a = 1;',
    '\treturn 0;',
    '}',
    '',
    'int foo_b(struct foo *f)',
    '{',
    '\tvoid *buf = kzalloc(16, GFP_KERNEL);',
    '',
    '\tif (!buf)',
    '\t\treturn -ENOMEM;',
    ...filler,
    '\tkfree(buf);',
    '\treturn 0;',
    '}',
    '',
  ];
  const hunkA = ['@@ -1,5 +1,5 @@', ' int foo_a(struct foo *f)', ' {', '-\tf->a = 1;', '+\tf->a = 2;', ' \treturn 0;', ' }'];
  const hunkB = rejectThree(17, 'foo_b');
  const FOO_C = 'drivers/gpu/drm/foo/foo.c';
  const THREAD = [
    ...formatPatch('[PATCH v1] drm/foo: tweak', FOO_C, hunkA),
    ...formatPatch('[PATCH v2] drm/foo: tweak', FOO_C, [...hunkA, ...hunkB]),
  ];

  it('widens the second version on the first, citing the code neither changes by its line in the checkout', async () => {
    // v2 repeats v1's hunk (a copy, reviewed once) and adds one: the allocation is the checkout's line 9.
    const result = await reviewPatchLines(THREAD, tree({ 'drivers/gpu/drm/foo/foo.c': FILE.join('\n') }));
    expect(result.findings.map((finding) => `${finding.rule}:${finding.line}`)).toEqual([
      `resource-leak:${THREAD.indexOf('+\t\treturn -EINVAL;') + 1}`,
    ]);
    expect(result.findings[0]?.message).toContain('drivers/gpu/drm/foo/foo.c:9 in the checkout');
  });
});

describe('failure styles from the rest of the driver', () => {
  const CALLER = `--- a/drivers/gpu/drm/foo/foo_ring.c
+++ b/drivers/gpu/drm/foo/foo_ring.c
@@ -3,6 +3,6 @@ int foo_ring_init(struct foo_device *fdev, struct foo_ring *ring)
 {
-	ring->bo = foo_bo_alloc(fdev, SZ_64K);
+	ring->bo = foo_bo_create_pinned(fdev, SZ_64K);
 	if (!ring->bo)
 		return -ENOMEM;
 	return 0;
 }
`.split('\n');
  const RING_C = `// foo_ring.c
int foo_ring_init(struct foo_device *fdev, struct foo_ring *ring)
{
	ring->bo = foo_bo_alloc(fdev, SZ_64K);
	if (!ring->bo)
		return -ENOMEM;
	return 0;
}
`;
  const BO_C = `struct foo_bo *foo_bo_create_pinned(struct foo_device *fdev, size_t size)
{
	struct foo_bo *bo = foo_bo_alloc(fdev, size);

	if (!bo)
		return ERR_PTR(-ENOMEM);
	return bo;
}
`;

  it('learns that a function in another file fails with error pointers, and cites its body there', async () => {
    const result = await reviewPatchLines(CALLER, tree({ 'drivers/gpu/drm/foo/foo_ring.c': RING_C, 'drivers/gpu/drm/foo/foo_bo.c': BO_C }));
    const findings = result.findings.filter((finding) => finding.rule === 'is-err-vs-null');
    expect(findings.map((finding) => finding.line)).toEqual([6]);
    expect(findings[0]?.message).toContain('drivers/gpu/drm/foo/foo_bo.c:6');
  });

  it('says nothing without the file that defines it', async () => {
    const result = await reviewPatchLines(CALLER, tree({ 'drivers/gpu/drm/foo/foo_ring.c': RING_C }));
    expect(result.findings.filter((finding) => finding.rule === 'is-err-vs-null')).toEqual([]);
  });
});

describe('managed memory from the touched files', () => {
  const PATCH_TO_DRMM = `--- a/drivers/gpu/drm/foo/foo_sriov.c
+++ b/drivers/gpu/drm/foo/foo_sriov.c
@@ -3,5 +3,5 @@ int foo_sriov_init(struct foo_device *fdev)
 {
-	fdev->vfs = kcalloc(8, sizeof(*fdev->vfs), GFP_KERNEL);
+	fdev->vfs = drmm_kcalloc(&fdev->drm, 8, sizeof(*fdev->vfs), GFP_KERNEL);
 	if (!fdev->vfs)
 		return -ENOMEM;
 	return 0;
`.split('\n');
  const SRIOV_C = (free: string) => `// foo_sriov.c
int foo_sriov_init(struct foo_device *fdev)
{
	fdev->vfs = kcalloc(8, sizeof(*fdev->vfs), GFP_KERNEL);
	if (!fdev->vfs)
		return -ENOMEM;
	return 0;
}

void foo_sriov_fini(struct foo_device *fdev)
{
${free}	fdev->vfs = NULL;
}
`;

  it('reports an allocation made managed while the teardown the patch does not show still frees it', async () => {
    const result = await reviewPatchLines(PATCH_TO_DRMM, tree({ 'drivers/gpu/drm/foo/foo_sriov.c': SRIOV_C('\tkfree(fdev->vfs);\n') }));
    const findings = result.findings.filter((finding) => finding.rule === 'managed-memory-freed');
    expect(findings.map((finding) => finding.line)).toEqual([6]);
    expect(findings[0]?.message).toContain('drivers/gpu/drm/foo/foo_sriov.c:12');
  });

  it('is quiet when nothing frees it plainly', async () => {
    const result = await reviewPatchLines(PATCH_TO_DRMM, tree({ 'drivers/gpu/drm/foo/foo_sriov.c': SRIOV_C('') }));
    expect(result.findings.filter((finding) => finding.rule === 'managed-memory-freed')).toEqual([]);
  });
});
