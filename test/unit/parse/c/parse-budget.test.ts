/**
 * tree-sitter's error recovery over text that only looks like C can take
 * minutes; `withCTree` cuts it by a deterministic budget of progress calls
 * per character, far above what real kernel C takes.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { cParser, ParseBudgetExceeded, withCTree, type CParser } from '../../../../src/parse/c/tree-sitter-c';
import { useTreeSitterFromNodeModules } from '../../../helpers/tree-sitter';

let parser: CParser;

/** Text that only looks like C: error recovery over it would take minutes. */
const GARBAGE = Array.from({ length: 60 }, () => ' */'.repeat(200)).join('\n');

beforeAll(async () => {
  useTreeSitterFromNodeModules();
  parser = await cParser();
});

describe('the C parse budget', () => {
  it('lets real C through', () => {
    const source = [
      'static int foo(struct foo_vm *vm)',
      '{',
      '\tint ret;',
      '',
      '\tmutex_lock(&vm->lock);',
      '\tret = bar(vm);',
      '\tmutex_unlock(&vm->lock);',
      '\treturn ret;',
      '}',
      '',
    ].join('\n');
    expect(withCTree(parser, source.repeat(50), (root) => root.namedChildCount)).toBe(50);
  });

  it('stops on garbage that sends error recovery into minutes', () => {
    expect(() => withCTree(parser, GARBAGE, () => 0)).toThrow(ParseBudgetExceeded);
  });

  it('parses the next source afresh after a cut: a cancelled parse does not resume on other text', () => {
    const source = 'int foo(int *a)\n{\n\tif (!a)\n\t\tgoto out;\n\t*a = 1;\nout:\n\treturn 0;\n}\n';
    const fresh = withCTree(parser, source, (root) => root.toString());
    expect(() => withCTree(parser, GARBAGE, () => 0)).toThrow(ParseBudgetExceeded);
    expect(withCTree(parser, source, (root) => ({ tree: root.toString(), text: root.text, errors: root.hasError }))).toEqual({
      tree: fresh,
      text: source,
      errors: false,
    });
  });
});
