import { describe, expect, it } from 'vitest';
import { withoutComments, withoutLiterals } from '../../../../src/parse/c/c-text';
import { Random } from '../../../helpers/random';

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

describe('withoutComments', () => {
  it.each([
    ['a = b; /* c */ d', 'a = b;  d'],
    ['x(); // y /* z */', 'x(); '],
    ['/* a */ b /* c', ' b /* c'],
    ['p /* q // r */ s', 'p  s'],
    ['n = a / b /*/ c */;', 'n = a / b ;'],
    ['no slash at all', 'no slash at all'],
  ])('%s -> %s', (text, expected) => {
    expect(withoutComments(text)).toBe(expected);
  });

  it('gives what the regular expression it replaces gives, on lines made of comment pieces', () => {
    const pieces = ['/*', '*/', '//', '/', '*', 'a', ' ', ';', '*/*', '/*/'];
    const random = new Random(7);
    for (let n = 0; n < 5000; n++) {
      let text = '';
      for (let k = random.int(0, 14); k > 0; k--) text += pieces[random.int(0, pieces.length - 1)];
      expect(withoutComments(text), JSON.stringify(text)).toBe(text.replace(/\/\*.*?\*\/|\/\/.*$/g, ''));
    }
  });
});
