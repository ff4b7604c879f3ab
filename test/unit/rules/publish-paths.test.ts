/**
 * The publish paths on whole functions: which writes and frees after a publish
 * they report, and that a loop around a publish reaches a fixed point (the
 * walk ends untruncated) instead of growing its state every round.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { buildFragment, type SourceRow } from '../../../src/parse/c/fragment';
import { functionsIn } from '../../../src/parse/c/function-ir';
import { cParser, withCTree, type CParser } from '../../../src/parse/c/tree-sitter-c';
import { DEFAULT_RESOURCE_PAIRS, indexPairs } from '../../../src/rules/patch/resource-pairs';
import { walkPublishes } from '../../../src/rules/patch/publish-paths';
import { useTreeSitterFromNodeModules } from '../../helpers/tree-sitter';

let parser: CParser;

beforeAll(async () => {
  useTreeSitterFromNodeModules();
  parser = await cParser();
});

const pairs = indexPairs(DEFAULT_RESOURCE_PAIRS);

/** `type object@row` of every event, rows 0-based from the first line of `code`. */
function events(code: string): { events: string[]; truncated: boolean } {
  const rows: SourceRow[] = code.split('\n').map((text, index) => ({ text, line: index + 1, changed: false }));
  const fragment = buildFragment(rows, '');
  const [fn] = withCTree(parser, fragment.source, (root) => functionsIn(root, fragment.enclosing, fragment.openEnded));
  if (!fn) throw new Error('no function');
  const result = walkPublishes(fn, pairs, (row) => fragment.rows[row]?.text ?? '');
  const offset = fragment.rows.findIndex((row) => row !== undefined);
  return { events: result.events.map((e) => `${e.type} ${e.object}@${e.row - offset}`).sort(), truncated: result.truncated };
}

const CASES: readonly { readonly name: string; readonly code: string; readonly expected: readonly string[] }[] = [
  {
    name: 'a loop that publishes and writes on every round',
    code: `int f(struct foo_file *ffile)
{
	struct foo_vm *vm = kzalloc(sizeof(*vm), GFP_KERNEL);

	for (;;) {
		vm->gen = ffile->gen;
		rcu_assign_pointer(ffile->vm, vm);
		if (foo_settled(ffile))
			break;
	}
	vm->state = 1;
	return 0;
}`,
    // Row 5 is written again after the publish from the second round on.
    expected: ['write vm@10', 'write vm@5'],
  },
  {
    name: 'the id the publish picks is written after it',
    code: `int f(struct foo_file *ffile)
{
	struct foo_vm *vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	u32 id;

	if (xa_alloc(&ffile->vms, &id, vm, xa_limit_32b, GFP_KERNEL))
		return -ENOMEM;
	vm->id = id;
	return 0;
}`,
    expected: [],
  },
  {
    name: 'a put after the publish, with no erase',
    code: `int f(struct foo_file *ffile)
{
	struct foo_vm *vm = foo_vm_create(ffile);
	u32 id;
	int err;

	err = xa_alloc(&ffile->vms, &id, vm, xa_limit_32b, GFP_KERNEL);
	if (err)
		goto put;
	err = foo_vm_start(vm);
	if (err)
		goto put;
	return 0;
put:
	foo_vm_put(vm);
	return err;
}`,
    expected: ['free vm@14'],
  },
];

describe('publish paths', () => {
  for (const { name, code, expected } of CASES) {
    it(name, () => {
      expect(events(code)).toEqual({ events: [...expected].sort(), truncated: false });
    });
  }
});
