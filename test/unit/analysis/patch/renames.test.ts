import { describe, expect, it } from 'vitest';
import { renamesOf } from '../../../../src/analysis/patch/review-hunk';

const lines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => ({ kind: line[0] === '-' || line[0] === '+' ? line[0] : ' ', text: line.slice(1) }));

describe('renamesOf', () => {
  it('reads the operand a kept line renames, widened to the whole operand', () => {
    expect(
      renamesOf(
        lines(`
 	struct foo_plane *plane;
-	mutex_lock(&fdev->wm.wm_mutex);
+	mutex_lock(&fdev->display.wm.wm_mutex);
`),
      ),
    ).toEqual([['fdev->wm.wm_mutex', 'fdev->display.wm.wm_mutex']]);
  });

  it('pairs the lines of a change block in order, each rename once', () => {
    expect(
      renamesOf(
        lines(`
-	err = foo_init(q);
-	foo_fini(q);
+	ret = foo_init(q);
+	foo_fini(q);
-	if (err)
+	if (ret)
`),
      ),
    ).toEqual([['err', 'ret']]);
  });

  it('reads an API rename with its argument renamed as both names', () => {
    expect(renamesOf(lines('-\ti915_ppgtt_put(ppgtt);\n+\ti915_vm_put(vm);\n'))).toEqual([
      ['i915_ppgtt_put', 'i915_vm_put'],
      ['ppgtt', 'vm'],
    ]);
  });

  it('is no rename when the line changes more than one operand, or the blocks differ in size', () => {
    expect(renamesOf(lines('-\tfoo_put(a, b);\n+\tfoo_put(c, d);\n'))).toEqual([]);
    expect(renamesOf(lines('-\tmutex_lock(&a->lock);\n+\tmutex_lock(&b->lock);\n+\tfoo(b);\n'))).toEqual([]);
    expect(renamesOf(lines('-\tfoo_put(obj);\n+\tfoo_put(obj);\n'))).toEqual([]);
  });
});
