/**
 * How a pointer function fails (error pointer or NULL), as is-err-vs-null
 * learns it from bodies and callers, and how a condition tests a result.
 */

import { describe, expect, it } from 'vitest';
import { curatedFailureStyle, learnFailureStyles, testKinds } from '../../../src/rules/patch/failure-styles';

const source = (text: string, added: readonly number[] = []) => ({
  path: 'drivers/gpu/drm/bar/bar.c',
  lines: text.split('\n').map((line, index) => ({ text: line, line: index + 1, added: added.includes(index + 1) })),
});

describe('testKinds', () => {
  it.each([
    ['!p', { errorPointer: false, null: true }],
    ['unlikely(!p)', { errorPointer: false, null: true }],
    ['p==NULL', { errorPointer: false, null: true }],
    ['NULL==p', { errorPointer: false, null: true }],
    ['WARN_ON(!p)', { errorPointer: false, null: true }],
    ['IS_ERR(p)', { errorPointer: true, null: false }],
    ['IS_ERR_OR_NULL(p)', { errorPointer: true, null: true }],
    ['!p||IS_ERR(p)', { errorPointer: true, null: true }],
    ['!p->ready', { errorPointer: false, null: false }],
    ['!pp', { errorPointer: false, null: false }],
    ['IS_ERR(p->bo)', { errorPointer: false, null: false }],
    ['if(p)', { errorPointer: false, null: true }],
    ['p!=NULL&&ready', { errorPointer: false, null: true }],
    ['p==0', { errorPointer: false, null: true }],
    ['p==0x10', { errorPointer: false, null: false }],
    ['NULL!=p->x', { errorPointer: false, null: false }],
    ['q->p==NULL', { errorPointer: false, null: false }],
    ['PTR_ERR_OR_ZERO(p)', { errorPointer: true, null: false }],
  ])('%s', (cond, kinds) => {
    expect(testKinds(cond, 'p')).toEqual(kinds);
  });

  it('reads fields as targets', () => {
    expect(testKinds('if (!ring->bo)', 'ring->bo')).toEqual({ errorPointer: false, null: true });
    expect(testKinds('if (IS_ERR(ring->bo))', 'ring->bo')).toEqual({ errorPointer: true, null: false });
  });
});

describe('learnFailureStyles', () => {
  it('learns an error-pointer function from a whole body that never returns NULL', () => {
    const styles = learnFailureStyles([
      source(`struct bar_bo *bar_bo_create(struct bar_device *bdev)
{
	struct bar_bo *bo = bar_bo_alloc(bdev);

	if (!bo)
		return ERR_PTR(-ENOMEM);
	return bo;
}`),
    ]);
    expect(styles.get('bar_bo_create')).toMatchObject({ style: 'error-pointer', source: 'body', at: 'drivers/gpu/drm/bar/bar.c:6' });
  });

  it('learns a NULL function only from a body that names no error pointer and returns no other call', () => {
    const styles = learnFailureStyles([
      source(`static struct bar_ctx *bar_ctx_find(struct bar_file *f, u32 id)
{
	if (id >= f->count)
		return NULL;
	return f->ctx[id];
}
static struct bar_ctx *bar_ctx_make(struct bar_file *f)
{
	if (!f)
		return NULL;
	return bar_ctx_create(f);
}`),
    ]);
    expect(styles.get('bar_ctx_find')).toMatchObject({ style: 'null', source: 'body' });
    expect(styles.has('bar_ctx_make')).toBe(false);
  });

  it('learns nothing from a body cut short or from a prototype', () => {
    const styles = learnFailureStyles([
      source(`struct bar_bo *bar_bo_get(struct bar_device *bdev,
			   u32 handle);
struct bar_bo *bar_bo_half(struct bar_device *bdev)
{
	if (!bdev)
		return NULL;`),
    ]);
    expect(styles.size).toBe(0);
  });

  it("learns from callers' tests, not from the lines the patch adds", () => {
    const text = `	a = bar_vma_lookup(vm, 1);
	if (IS_ERR(a))
		return PTR_ERR(a);
	b = bar_vma_lookup(vm, 2);
	if (IS_ERR(b))
		return PTR_ERR(b);
	c = bar_vma_lookup(vm, 3);
	if (!c)
		return -ENOENT;`;
    expect(learnFailureStyles([source(text, [7, 8])]).get('bar_vma_lookup')).toMatchObject({
      style: 'error-pointer',
      source: 'callers',
      tested: 2,
    });
    // The third test, in the code before the patch: the callers disagree, no belief.
    expect(learnFailureStyles([source(text)]).has('bar_vma_lookup')).toBe(false);
  });

  it('leaves the kernel API to the curated table', () => {
    expect(curatedFailureStyle('kzalloc')).toBe('null');
    expect(curatedFailureStyle('memdup_user')).toBe('error-pointer');
    expect(curatedFailureStyle('bar_bo_create')).toBeUndefined();
  });
});
