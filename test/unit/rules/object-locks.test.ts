/**
 * How `object-locks` reads a function: the struct type of each variable
 * (parameters, locals, several declarators on one line), the parameters,
 * the loop cursors of list, IDR and xarray walks, and the function's name
 * when its return type stands on the line above.
 */

import { describe, expect, it } from 'vitest';
import { functionNameOf, type ScanLine } from '../../../src/rules/patch/lock-facts';
import { declaredName } from '../../../src/parse/c/c-text';
import { cursorsOf, structPointerTypes, parameterNames } from '../../../src/rules/patch/object-locks';
import { Random } from '../../helpers/random';

const lines = (text: string): ScanLine[] => text.split('\n').map((line, index) => ({ text: line, line: index + 1 }));

const BODY = lines(`int
foo_suspend_all(struct foo_device *fdev,
		struct foo_ctx *skip)
{
	struct foo_mgr *mgr, *tmp;
	struct foo_queue *q = NULL, *last;
	struct foo_ctx *ctx;
	unsigned long idx;
	int id;

	list_for_each_entry_safe(mgr, tmp, &fdev->mgrs, link)
		idr_for_each_entry(&mgr->queues, q, id)
			xa_for_each(&mgr->ctxs, idx, ctx)
				foo_ctx_stop(ctx, q);
	return 0;
}`);

describe('object-locks', () => {
  it('types every declarator of a line, parameters included', () => {
    const types = structPointerTypes(BODY);
    expect(types.get('fdev')).toBe('foo_device');
    expect(types.get('skip')).toBe('foo_ctx');
    expect(types.get('mgr')).toBe('foo_mgr');
    expect(types.get('tmp')).toBe('foo_mgr');
    expect(types.get('q')).toBe('foo_queue');
    expect(types.get('last')).toBe('foo_queue');
    expect(types.has('idx')).toBe(false);
  });

  it('tells parameters from locals', () => {
    expect([...parameterNames(BODY)].sort()).toEqual(['fdev', 'skip']);
  });

  it('finds the element of each walk in its own argument slot', () => {
    const cursors = cursorsOf(BODY, structPointerTypes(BODY));
    expect([...cursors.keys()].sort()).toEqual(['ctx', 'mgr', 'q']);
    expect(cursors.get('q')?.type).toBe('foo_queue');
  });

  it('names a function whose return type stands on the line above', () => {
    expect(functionNameOf(BODY)).toBe('foo_suspend_all');
    expect(functionNameOf(lines('static struct foo *\nfoo_find(struct foo_mgr *m, int id)\n{'))).toBe('foo_find');
    expect(functionNameOf(lines('static DEFINE_MUTEX(foo_lock);\nint foo_bar(void)\n{'))).toBe('foo_bar');
  });
});

describe('declaredName', () => {
  it('gives what the regular expression it replaces gives, on parameter-like text', () => {
    const pieces = ['a', 'foo', '_1', ' ', '\t', '*', '[', ']', '[4]', ')', '(', ',', 'struct', ' x', '))'];
    const random = new Random(3);
    for (let n = 0; n < 5000; n++) {
      let text = '';
      for (let k = random.int(0, 8); k > 0; k--) text += pieces[random.int(0, pieces.length - 1)];
      expect(declaredName(text), JSON.stringify(text)).toBe(/(\w+)\s*(?:\[[^\]]*\])?\s*\)?\s*$/.exec(text)?.[1]);
    }
  });
});
