/**
 * What a branch condition is worth when one pointer is NULL and everything
 * else is unknown: the three-valued evaluation null-branch-dereference relies
 * on to say a branch is certainly taken in the NULL case.
 */

import { describe, expect, it } from 'vitest';
import { valueWhenNull } from '../../../src/rules/patch/null-branch-dereference';

describe('valueWhenNull', () => {
  it.each([
    ['!p', 'p', true],
    ['p', 'p', false],
    ['p==NULL', 'p', true],
    ['NULL!=p', 'p', false],
    ['IS_ERR_OR_NULL(p)', 'p', true],
    ['IS_ERR(p)', 'p', false],
    ['!p||q->ready', 'p', true],
    ['p&&ready', 'p', false],
    ['!(clear&&ttm&&!(ttm->flags&ZERO))', 'ttm', true],
    ['unlikely(!vm->pt)', 'vm->pt', true],
    ['(!a)||(!b)', 'b', true],
  ] as const)('%s with %s NULL is %s', (cond, pointer, value) => {
    expect(valueWhenNull(cond, pointer)).toBe(value);
  });

  it.each([
    ['!p&&ready', 'p'],
    ['p||ready', 'p'],
    ['ready', 'p'],
    ['foo(p)', 'p'],
    ['p->count>0', 'p'],
    ['!pp', 'p'],
  ])('%s with %s NULL depends on more', (cond, pointer) => {
    expect(valueWhenNull(cond, pointer)).toBeUndefined();
  });
});
