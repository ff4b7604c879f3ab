import { describe, expect, it } from 'vitest';
import { learnFunctionSummaries } from '../../../src/rules/patch/function-summaries';
import { learnFreeingFunctions, type LearnSource } from '../../../src/rules/patch/learned-pairs';
import { DEFAULT_RESOURCE_PAIRS, indexPairs } from '../../../src/rules/patch/resource-pairs';

const known = indexPairs(DEFAULT_RESOURCE_PAIRS);
const source = (text: string): LearnSource => ({
  path: 'drivers/gpu/drm/foo/foo_dev.c',
  lines: text.split('\n').map((line, index) => ({ text: line, line: index + 1 })),
});
const byName = (text: string, index = known) =>
  new Map(learnFunctionSummaries([source(text)], index).map((pair) => [pair.acquire[0] ?? pair.release[0], pair]));

describe('function summaries', () => {
  it('learns a lock wrapper with the style of what it returns, and the field it locks', () => {
    const learned = byName(
      [
        'static int foo_lock_interruptible(struct foo_dev *fdev)',
        '{',
        '\treturn mutex_lock_interruptible(&fdev->struct_mutex);',
        '}',
        '',
        'void foo_lock(struct foo_dev *fdev)',
        '{',
        '\tmutex_lock(&fdev->struct_mutex);',
        '}',
      ].join('\n'),
    );
    expect(learned.get('foo_lock_interruptible')).toMatchObject({
      what: 'mutex',
      kind: 'lock',
      acquire: ['foo_lock_interruptible'],
      release: ['mutex_unlock'],
      style: 'errno',
      acquireSlot: 0,
      acquirePath: '->struct_mutex',
      learnedFrom: 'drivers/gpu/drm/foo/foo_dev.c:3',
    });
    expect(learned.get('foo_lock')).toMatchObject({
      style: 'always',
      acquirePath: '->struct_mutex',
      learnedFrom: 'drivers/gpu/drm/foo/foo_dev.c:8',
    });
  });

  it('learns wrappers of wrappers, round by round', () => {
    const learned = byName(
      [
        'static void foo_ctx_put(struct foo_ctx *ctx)',
        '{',
        '\tkref_put(&ctx->ref, foo_ctx_release);',
        '}',
        '',
        'static void foo_ctx_close(struct foo_ctx *ctx)',
        '{',
        '\tfoo_ctx_put(ctx);',
        '}',
        '',
        'static int foo_dev_lock(struct foo_dev *fdev)',
        '{',
        '\treturn mutex_lock_interruptible(&fdev->lock);',
        '}',
        '',
        'static int foo_file_lock(struct foo_file *file)',
        '{',
        '\treturn foo_dev_lock(file->fdev);',
        '}',
      ].join('\n'),
    );
    expect(learned.get('foo_ctx_put')).toMatchObject({ what: 'kref', kind: 'reference', release: ['foo_ctx_put'], releaseSlot: 0 });
    expect(learned.get('foo_ctx_put')).not.toHaveProperty('releasePath');
    expect(learned.get('foo_ctx_close')).toMatchObject({
      what: 'kref',
      release: ['foo_ctx_close'],
      summary: 'foo_ctx_close() releases it with foo_ctx_put() at drivers/gpu/drm/foo/foo_dev.c:8',
    });
    expect(learned.get('foo_file_lock')).toMatchObject({ what: 'mutex', style: 'errno', acquirePath: '->fdev->lock' });
  });

  it('learns a put under a NULL test of the parameter it puts, and not one under another test', () => {
    const learned = byName(
      [
        'void foo_ctx_put(struct foo_ctx *ctx)',
        '{',
        '\tif (ctx)',
        '\t\tkref_put(&ctx->ref, foo_ctx_release);',
        '}',
        '',
        'void foo_ctx_put_idle(struct foo_ctx *ctx)',
        '{',
        '\tif (ctx->idle)',
        '\t\tkref_put(&ctx->ref, foo_ctx_release);',
        '}',
      ].join('\n'),
    );
    expect(learned.get('foo_ctx_put')).toMatchObject({ what: 'kref', release: ['foo_ctx_put'], releaseSlot: 0 });
    expect(learned.has('foo_ctx_put_idle')).toBe(false);
  });

  it('learns a getter that returns its parameter with a reference taken', () => {
    const learned = byName(
      [
        'struct foo_ctx *foo_ctx_get(struct foo_ctx *ctx)',
        '{',
        '\tkref_get(&ctx->ref);',
        '\treturn ctx;',
        '}',
        '',
        'struct foo_ctx *foo_ctx_tryget(struct foo_ctx *ctx)',
        '{',
        '\tif (ctx)',
        '\t\tkref_get(&ctx->ref);',
        '\treturn ctx;',
        '}',
      ].join('\n'),
    );
    expect(learned.get('foo_ctx_get')).toMatchObject({ what: 'kref', kind: 'reference', acquireSlot: 'result', style: 'always' });
    expect(learned.get('foo_ctx_tryget')).toMatchObject({ acquireSlot: 'result', style: 'pointer' });
  });

  it('learns a lookup that takes a reference on what it found, through a getter of the code too', () => {
    const learned = byName(
      [
        'struct foo_ctx *foo_ctx_get(struct foo_ctx *ctx)',
        '{',
        '\tkref_get(&ctx->ref);',
        '\treturn ctx;',
        '}',
        '',
        'static struct foo_ctx *foo_file_ctx(struct foo_file *file, u32 id)',
        '{',
        '\tstruct foo_ctx *ctx;',
        '',
        '\tmutex_lock(&file->ctx_lock);',
        '\tctx = xa_load(&file->ctx_xa, id);',
        '\tif (ctx)',
        '\t\tfoo_ctx_get(ctx);',
        '\tmutex_unlock(&file->ctx_lock);',
        '\treturn ctx;',
        '}',
      ].join('\n'),
    );
    expect(learned.get('foo_file_ctx')).toMatchObject({
      what: 'kref',
      acquireSlot: 'result',
      style: 'pointer',
      summary: 'foo_file_ctx() returns it with a reference taken by foo_ctx_get() at drivers/gpu/drm/foo/foo_dev.c:14',
    });
  });

  it('learns an allocator released by kfree() and by the function that frees its type', () => {
    const text = [
      'static struct foo_obj *foo_obj_alloc(struct foo_dev *fdev)',
      '{',
      '\tstruct foo_obj *obj;',
      '',
      '\tobj = kzalloc(sizeof(*obj), GFP_KERNEL);',
      '\tif (!obj)',
      '\t\treturn NULL;',
      '\tobj->fdev = fdev;',
      '\treturn obj;',
      '}',
      '',
      'static void foo_obj_free(struct foo_obj *obj)',
      '{',
      '\tkfree(obj);',
      '}',
    ].join('\n');
    const index = indexPairs([...DEFAULT_RESOURCE_PAIRS, ...learnFreeingFunctions([source(text)], known)]);
    expect(byName(text, index).get('foo_obj_alloc')).toMatchObject({
      kind: 'memory',
      acquireSlot: 'result',
      style: 'pointer',
      release: ['kfree', 'kvfree', 'foo_obj_free'],
      learnedFrom: 'drivers/gpu/drm/foo/foo_dev.c:5',
    });
  });

  it('learns nothing from a conditional acquire, a locked section, a published allocation or a set-up step', () => {
    const learned = learnFunctionSummaries(
      [
        source(
          [
            'static int foo_maybe_lock(struct foo_dev *fdev)',
            '{',
            '\tif (!fdev->locking)',
            '\t\treturn 0;',
            '\treturn mutex_lock_interruptible(&fdev->lock);',
            '}',
            '',
            'static void foo_kick(struct foo_dev *fdev)',
            '{',
            '\tmutex_lock(&fdev->lock);',
            '\tfoo_hw_kick(fdev);',
            '\tmutex_unlock(&fdev->lock);',
            '}',
            '',
            'static struct foo_obj *foo_obj_add(struct foo_dev *fdev)',
            '{',
            '\tstruct foo_obj *obj;',
            '',
            '\tobj = kzalloc(sizeof(*obj), GFP_KERNEL);',
            '\tlist_add(&obj->link, &fdev->objs);',
            '\treturn obj;',
            '}',
            '',
            'static void foo_obj_done(struct foo_obj *obj)',
            '{',
            '\tfoo_exec_fini(&obj->exec);',
            '}',
          ].join('\n'),
        ),
      ],
      indexPairs([
        ...DEFAULT_RESOURCE_PAIRS,
        {
          what: 'exec step',
          kind: 'reference',
          acquire: ['foo_exec_init'],
          release: ['foo_exec_fini'],
          style: 'always',
          objectLivesOn: true,
        },
      ]),
    );
    expect(learned).toEqual([]);
  });
});
