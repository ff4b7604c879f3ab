import { beforeAll, describe, expect, it } from 'vitest';
import { buildFragment, type SourceRow } from '../../../../src/parse/c/fragment';
import { functionsIn, type FunctionIr, type IrNode } from '../../../../src/parse/c/function-ir';
import { cParser, withCTree, type CParser } from '../../../../src/parse/c/tree-sitter-c';
import { useTreeSitterFromNodeModules } from '../../../helpers/tree-sitter';

let parser: CParser;

beforeAll(async () => {
  useTreeSitterFromNodeModules();
  parser = await cParser();
});

const rows = (text: string): SourceRow[] => text.split('\n').map((line, index) => ({ text: line, line: index + 1, changed: false }));

function view(text: string, section = 'foo(void)'): { fns: FunctionIr[]; source: string } {
  const fragment = buildFragment(rows(text), section);
  const fns = withCTree(parser, fragment.source, (root) => functionsIn(root, fragment.enclosing, fragment.openEnded));
  return { fns, source: fragment.source };
}

/** Every path from the entry as the list of node kinds and rows it visits (no loops in these samples). */
function paths(fn: FunctionIr): string[] {
  const out: string[] = [];
  const walk = (id: number, trail: string[]) => {
    const node = fn.nodes[id] as IrNode;
    const here = [...trail, `${node.kind}@${node.row}`];
    if (node.succ.length === 0) {
      out.push(here.join(' '));
      return;
    }
    for (const next of node.succ) walk(next, here);
  };
  walk(fn.entry, []);
  return out;
}

describe('C fragments of hunks', () => {
  it('wraps a window that starts and ends inside a function and closes its braces', () => {
    const { source, fns } = view('\tif (x) {\n\t\ty();\n\t}\n\tz();\n\tif (w) {');
    expect(source.split('\n')[0]).toBe('void __gpuvm_lens_window(void) {');
    expect(source.trimEnd().endsWith('}}')).toBe(true);
    expect(fns).toHaveLength(1);
    expect(fns[0]?.name).toBe('foo');
    expect(fns[0]?.synthetic).toBe(true);
    expect(fns[0]?.startVisible).toBe(false);
  });

  it('opens as many blocks as the window closes before opening', () => {
    const { source } = view('\t\tkfree(a);\n\t}\n\treturn 0;\n}');
    expect(source.split('\n')[0]).toBe('void __gpuvm_lens_window(void) { if (__gpuvm_lens_block()) {');
  });

  it('reaches the code after a block the window starts inside without running its tail', () => {
    const { fns } = view('\t\tgoto out;\n\t}\n\n\tfoo_put(x);\n\tbar(x);\nout:\n\treturn;');
    expect(fns).toHaveLength(1);
    expect(paths(fns[0] as FunctionIr).some((path) => path.includes('@4'))).toBe(true);
  });

  it('opens the block a window starts by closing, from its indentation', () => {
    const { fns } = view('\t}\n\n\tfoo_put(x);\n\tbar(x);');
    expect(fns).toHaveLength(1);
    expect(fns[0]?.calls.map((call) => call.name)).toEqual(['foo_put', 'bar']);
  });

  it('opens as many blocks as the indentation says when a nested block closes first', () => {
    const { fns } = view('\t\treturn;\n\t}\n\n\tfoo_get(x);\n\tif (bar(x)) {\n\t\tbaz();');
    expect(fns).toHaveLength(1);
    expect(fns[0]?.calls.map((call) => call.name)).toEqual(['foo_get', 'bar', 'baz']);
  });

  it('leaves out a last statement the window cuts in the middle', () => {
    const { fns, source } = view('\tfoo_get(x);\n\tif (y) {\n\t\tdrm_err(&x->drm,');
    expect(source).not.toContain('drm_err');
    expect(fns[0]?.calls.map((call) => call.name)).toEqual(['foo_get']);
  });

  it('knows the pointer parameters, the declarations and the stepped variables', () => {
    const { fns } = view('static int bar(struct foo *a, int n, void *arg)\n{\n\tstruct baz *b;\n\tn++;\n\treturn 0;\n}');
    expect(fns[0]?.pointerParams).toEqual(['a', undefined, 'arg']);
    expect(fns[0]?.nodes.flatMap((node) => node.declares ?? [])).toEqual(['b']);
    expect(fns[0]?.nodes.flatMap((node) => node.steps ?? [])).toEqual(['n']);
  });

  it('rewrites iterator macros into loops on the same line', () => {
    const { source } = view('\tlist_for_each_entry(pos, head, link) {\n\t\tput(pos);\n\t}');
    expect(source.split('\n')[1]).toBe('\twhile (list_for_each_entry(pos, head, link)) {');
  });

  it('rewrites an iterator macro without braces into a loop over the next statement', () => {
    const { source, fns } = view('\tllist_for_each_entry(pos, head, link)\n\t\tkfree(pos);\n\tdone(head);');
    expect(source.split('\n')[1]).toBe('\twhile (llist_for_each_entry(pos, head, link))');
    const loop = fns[0]?.nodes.find((node) => node.kind === 'branch');
    expect(loop?.calls.map((call) => call.name)).toEqual(['llist_for_each_entry']);
  });

  it('rewrites an iterator head split over lines into a loop, keeping the rows', () => {
    const { source } = view('\tfor_each_engine(ce,\n\t\t\tlock_engines(ctx),\n\t\t\tit) {\n\t\tput(ce);\n\t}\n\tfoo(a,\n\t    b);');
    expect(source.split('\n').slice(1, 4)).toEqual(['\twhile (for_each_engine(ce,', '\t\t\tlock_engines(ctx),', '\t\t\tit)) {']);
    // A call split over lines is left alone.
    expect(source.split('\n').slice(6, 8)).toEqual(['\tfoo(a,', '\t    b);']);
  });

  it('keeps a whole function at the top level and knows its real end', () => {
    const { fns } = view('static int bar(int a)\n{\n\treturn a;\n}');
    expect(fns.map((fn) => [fn.name, fn.synthetic, fn.startVisible])).toEqual([['bar', false, true]]);
  });

  it.each([
    ['the type from the hunk header', 'static int', 'static int'],
    ['int when the hunk header holds no type', 'foo_bar(void)', 'int'],
  ])('takes a window starting at a definition name whose type is on the line above for a whole function: %s', (_name, section, type) => {
    const { source, fns } = view(
      'skl_add_pipes(struct foo_state *state,\n\t      int mask)\n{\n\tif (!state)\n\t\treturn -EINVAL;\n\treturn 0;\n}',
      section,
    );
    expect(source.split('\n')[0]).toBe(type);
    expect(fns.map((fn) => [fn.name, fn.synthetic, fn.startVisible, fn.nodes.filter((node) => node.kind === 'return').length])).toEqual([
      ['skl_add_pipes', false, true, 2],
    ]);
  });

  it.each(['retry:', 'out_unlock:', 'err_free: /* undo the pin */'])(
    'takes a window under a label header (%s) for the inside of a function',
    (section) => {
      const { source, fns } = view('\tret = foo_lock(vm);\n\tif (ret)\n\t\tgoto retry;\n\tfoo_unlock(vm);', section);
      expect(source.split('\n')[0]).toBe('void __gpuvm_lens_window(void) {');
      expect(fns.map((fn) => [fn.synthetic, fn.calls.map((call) => call.name)])).toEqual([[true, ['foo_lock', 'foo_unlock']]]);
    },
  );

  it('leaves a top-level macro call at the window start alone', () => {
    const { source } = view('DEFINE_MUTEX(foo_lock);\n\nstatic int bar(int a)\n{\n\treturn a;\n}', 'static int');
    expect(source.split('\n')[0]).toBe('DEFINE_MUTEX(foo_lock);');
  });
});

describe('control-flow view', () => {
  it('follows an error label, an early return and the fall-through', () => {
    const { fns } = view(
      'int f(void)\n{\n\tlock(a);\n\tif (err)\n\t\tgoto out;\n\tif (bad)\n\t\treturn -1;\n\twork();\nout:\n\tunlock(a);\n\treturn 0;\n}',
    );
    const fn = fns[0] as FunctionIr;
    expect(paths(fn)).toEqual([
      'entry@0 stmt@2 branch@3 stmt@4 stmt@8 stmt@9 return@10',
      'entry@0 stmt@2 branch@3 branch@5 return@6',
      'entry@0 stmt@2 branch@3 branch@5 stmt@7 stmt@8 stmt@9 return@10',
    ]);
    expect(fn.calls.map((call) => call.name)).toEqual(['lock', 'work', 'unlock']);
  });

  it('records the variable a call result is assigned to, negation and the enclosing call', () => {
    const { fns } = view('void g(void)\n{\n\tstruct x *p = get(a);\n\tq = make(b);\n\tif (!try_it(c))\n\t\treturn;\n\tWARN_ON(put(p));\n}');
    const calls = (fns[0] as FunctionIr).calls.map((call) => [call.name, call.target ?? '', call.negated, call.within ?? '']);
    expect(calls).toEqual([
      ['get', 'p', false, ''],
      ['make', 'q', false, ''],
      ['try_it', '', true, ''],
      ['WARN_ON', '', false, ''],
      ['put', '', false, 'WARN_ON'],
    ]);
  });

  it('ends the paths of a window that stops inside its function in an unknown node', () => {
    const { fns } = view('\tlock(a);\n\tif (err)\n\t\treturn err;\n\twork();');
    const kinds = paths(fns[0] as FunctionIr).map((path) => path.split(' ').pop()?.split('@')[0]);
    expect(kinds).toEqual(['return', 'unknown']);
  });

  it('gives the calls of each branch of an if', () => {
    const { fns } = view('void h(void)\n{\n\tif (kref_read(&o->ref) > 0)\n\t\tassert_held(o);\n\telse\n\t\tother(o);\n}');
    const fact = (fns[0] as FunctionIr).ifs[0];
    expect(fact?.cond).toBe('kref_read(&o->ref)>0');
    expect(fact?.thenCalls.map((call) => call.name)).toEqual(['assert_held']);
    expect(fact?.elseCalls.map((call) => call.name)).toEqual(['other']);
  });
});

describe('cleanup attributes', () => {
  it('names the variable of a __free() declaration, not the attribute, and records its cleanup', () => {
    const { fns } = view(
      [
        'int foo(struct foo_vm *vm)',
        '{',
        '\tstruct foo_range *range __free(kfree) = kzalloc(sizeof(*range), GFP_KERNEL);',
        '\tvoid *buf __free(kvfree) = NULL;',
        '\tstruct foo_bo *bo;',
        '\treturn 0;',
        '}',
      ].join('\n'),
    );
    const fn = fns[0] as FunctionIr;
    expect(fn.calls.find((call) => call.name === 'kzalloc')?.target).toBe('range');
    expect([...(fn.autoReleased ?? [])]).toEqual([
      ['range', 'kfree'],
      ['buf', 'kvfree'],
    ]);
  });

  it('records nothing for a function without one', () => {
    const { fns } = view('int foo(void)\n{\n\tstruct foo_range *range = kzalloc(8, GFP_KERNEL);\n\treturn 0;\n}');
    expect(fns[0]?.autoReleased).toBeUndefined();
  });
});

describe('scope-based guards', () => {
  const exits = (fn: FunctionIr) => fn.nodes.filter((node) => node.scopeExit).map((node) => `${node.scopeExit?.join(',')}@${node.row}`);

  it('ends a guard() at the end of its block and a scoped_guard() after its block', () => {
    const { fns } = view(
      [
        'void foo(struct foo_queue *q)',
        '{',
        '\tif (q->busy) {',
        '\t\tguard(mutex)(&q->vm->lock);',
        '\t\tfoo_flush(q);',
        '\t}',
        '\tscoped_guard(spinlock, &q->lock) {',
        '\t\tq->stopped = true;',
        '\t}',
        '\tfoo_drain(q);',
        '}',
      ].join('\n'),
    );
    const fn = fns[0] as FunctionIr;
    expect(exits(fn).sort()).toEqual(['&q->lock@8', '&q->vm->lock@4']);
    // The scoped block runs once: no branch node for it.
    expect(paths(fn)).toHaveLength(2);
  });
});
