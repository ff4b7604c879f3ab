import { describe, expect, it } from 'vitest';
import {
  calledNames,
  withoutComments,
  withoutLiterals,
  withoutOpeningBrace,
  withoutSpaceAroundMembers,
} from '../../../../src/parse/c/c-text';
import { isHeaderTailRow } from '../../../../src/parse/c/fragment';
import { Random } from '../../../helpers/random';

/** 5,000 strings of up to `most` random `pieces` (seeded): what the linear helpers are checked on against the patterns they replace. */
function randomTexts(pieces: readonly string[], seed: number, most: number): string[] {
  const random = new Random(seed);
  const texts: string[] = [];
  for (let n = 0; n < 5000; n++) {
    let text = '';
    for (let k = random.int(0, most); k > 0; k--) text += pieces[random.int(0, pieces.length - 1)];
    texts.push(text);
  }
  return texts;
}

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
    for (const text of randomTexts(pieces, 7, 14)) {
      expect(withoutComments(text), JSON.stringify(text)).toBe(text.replace(/\/\*.*?\*\/|\/\/.*$/g, ''));
      expect(withoutComments(text, false), JSON.stringify(text)).toBe(text.replace(/\/\*.*?\*\//g, ''));
    }
  });
});

describe('isHeaderTailRow', () => {
  it('answers what the regular expression it replaces answers', () => {
    const pieces = [' ', '\t', 'a', 'int', '*', ',', ')', '(', ';', '{', '}', '\u2028', 'x)'];
    for (const text of randomTexts(pieces, 5, 8)) {
      expect(isHeaderTailRow(text), JSON.stringify(text)).toBe(/^\s+[^;{}]*[,)]\s*$/.test(text));
    }
  });
});

describe('withoutSpaceAroundMembers and withoutOpeningBrace', () => {
  it.each([
    ['if (!f -> job)', 'if (!f->job)'],
    ['a . b->c', 'a.b->c'],
    ['x - > y', 'x - > y'],
  ])('%s -> %s', (text, expected) => {
    expect(withoutSpaceAroundMembers(text)).toBe(expected);
  });

  it('give what the regular expressions they replace give', () => {
    const pieces = ['a', ' ', '\t', '->', '-', '>', '.', '{', 'x', '\u2028', '  '];
    for (const text of randomTexts(pieces, 9, 10)) {
      expect(withoutSpaceAroundMembers(text), JSON.stringify(text)).toBe(text.replace(/\s*(->|\.)\s*/g, '$1'));
      expect(withoutOpeningBrace(text), JSON.stringify(text)).toBe(text.replace(/\s*\{$/, ''));
    }
  });
});

describe('calledNames', () => {
  it.each([
    ['foo(a) + bar (b)', ['foo']],
    ['x->f(y); 9abc(z); _g(', ['f', 'abc', '_g']],
    ['12(', []],
    ['no calls', []],
  ])('%s -> %j', (text, expected) => {
    expect(calledNames(text)).toEqual(expected);
  });

  it('finds what the regular expression it replaces finds', () => {
    const pieces = ['a', 'b_', '9', '_', '(', ')', ' ', '->', 'é', '\u2028', 'x1('];
    for (const text of randomTexts(pieces, 11, 12)) {
      const expected = [...text.matchAll(/([A-Za-z_]\w*)\(/g)].map((match) => match[1]);
      expect(calledNames(text), JSON.stringify(text)).toEqual(expected);
    }
  });
});
