import { describe, expect, it } from 'vitest';
import { withoutLiterals } from '../../../../src/parse/c/c-text';

describe('withoutLiterals', () => {
  it.each([
    ['a + b', 'a + b'],
    ['"Invalid sibling[%d]\\n", n', '"", n'],
    ["c == '\\n' || c == 'x'", "c == '' || c == ''"],
    ['"say \\"hi\\"" n', '"" n'],
    ['f("%s\\t", name)', 'f("", name)'],
    ['"unterminated \\n', '""'],
  ])('%s -> %s', (text, expected) => {
    expect(withoutLiterals(text)).toBe(expected);
  });
});
