/** The scalar types a function's rows declare, as plain-64bit-division and printk-format-type read them. */

import { describe, expect, it } from 'vitest';
import { declaredTypes } from '../../../src/rules/patch/declared-types';
import type { FunctionView } from '../../../src/rules/patch/review-context';

function viewOf(lines: string[]): FunctionView {
  return { rows: lines.map((text, i) => ({ text, line: i + 1, changed: false })) } as unknown as FunctionView;
}

describe('declaredTypes', () => {
  it('reads parameters and locals, several per declaration, with initializers', () => {
    const types = declaredTypes(
      viewOf([
        'static u32 foo_size(u64 size, struct foo_bo *bo, size_t len)',
        '{',
        '\tresource_size_t limit = base + f(a, b), top;',
        '\tunsigned long long total;',
        '\tconst s64 delta = 0;',
        '\tu64 *ptr;',
        '\treturn size;',
        '}',
      ]),
    );
    expect(Object.fromEntries([...types].map(([name, declared]) => [name, declared.type]))).toEqual({
      size: 'u64',
      len: 'size_t',
      limit: 'resource_size_t',
      top: 'resource_size_t',
      total: 'unsigned long long',
      delta: 'const s64',
    });
    expect(types.get('limit')?.row).toBe(2);
  });

  it('forgets a name declared with two different types (two blocks)', () => {
    const types = declaredTypes(viewOf(['\t{ u64 n = 1; }', '\t{ u32 n = 2; }', '\tint m;']));
    expect(types.has('n')).toBe(false);
    expect(types.get('m')?.type).toBe('int');
  });
});
