/**
 * Differential test of the VA interval tree against a naive oracle (an array
 * kept in in-order position): random inserts and removals of possibly
 * overlapping intervals, with the red-black and augmentation invariants
 * checked after every operation and `iterFirst` compared with a linear scan;
 * and `insertIfFree` against the lookup-then-insert it stands for.
 */

import { describe, expect, it } from 'vitest';
import type { Num64 } from '../../../src/base/u64';
import { setKeys, VaTree, type IntervalNode } from '../../../src/model/va-tree';
import { Random } from '../../helpers/random';

class Node implements IntervalNode<Node> {
  left: Node | null = null;
  right: Node | null = null;
  parent: Node | null = null;
  red = false;
  startHi = 0;
  startLo = 0;
  lastHi = 0;
  lastLo = 0;
  subHi = 0;
  subLo = 0;
  constructor(
    readonly start: Num64,
    readonly last: Num64,
    readonly id: number,
  ) {
    setKeys(this, start, last);
  }
}

/**
 * Where a seed's intervals live: near 0, across the split of the keys at
 * 2^27, just below 2^53 (numbers), and near 2^53 and 2^64 (bigints).
 */
const BASES = [0n, 2n ** 27n - 250n, 2n ** 53n - 700n, 2n ** 53n - 300n, 2n ** 64n - 700n];

function value(base: bigint, offset: number): Num64 {
  const exact = base + BigInt(offset);
  return base + 700n < 2n ** 53n ? Number(exact) : exact;
}

/** The oracle: nodes in the order an in-order walk must give (equal starts: older first). */
class Oracle {
  readonly nodes: Node[] = [];
  insert(node: Node): void {
    let index = this.nodes.findIndex((other) => other.start > node.start);
    if (index === -1) index = this.nodes.length;
    this.nodes.splice(index, 0, node);
  }
  remove(node: Node): void {
    this.nodes.splice(this.nodes.indexOf(node), 1);
  }
  first(start: Num64, last: Num64): Node | null {
    return this.nodes.find((node) => node.start <= last && start <= node.last) ?? null;
  }
}

function runSeed(seed: number, steps: number): void {
  const random = new Random(seed);
  const base = BASES[seed % BASES.length] as bigint;
  const tree = new VaTree<Node>();
  const oracle = new Oracle();
  const log: string[] = [];
  let nextId = 0;
  for (let step = 0; step < steps; step++) {
    if (oracle.nodes.length === 0 || random.chance(0.55)) {
      const start = random.int(0, 500);
      const node = new Node(value(base, start), value(base, start + random.int(0, 40)), nextId++);
      log.push(`insert #${node.id} [${node.start}, ${node.last}]`);
      tree.insert(node);
      oracle.insert(node);
    } else {
      const node = random.pick(oracle.nodes);
      log.push(`remove #${node.id}`);
      tree.remove(node);
      oracle.remove(node);
    }
    const problem = tree.validate();
    if (problem) throw new Error(`seed ${seed}: ${problem} after\n${log.join('\n')}`);
    expect(
      [...tree].map((node) => node.id),
      log.join('\n'),
    ).toEqual(oracle.nodes.map((node) => node.id));
    for (let query = 0; query < 4; query++) {
      const at = random.int(0, 560);
      const start = value(base, at);
      const last = value(base, at + random.int(0, 30));
      expect(tree.iterFirst(start, last)?.id, `query [${start}, ${last}] after\n${log.join('\n')}`).toBe(oracle.first(start, last)?.id);
    }
  }
  const first = tree.first();
  if (first) expect(tree.prev(first)).toBeNull();
}

describe('VA interval tree against an oracle', () => {
  it('keeps order, balance, subtree maxima and lookups right over 20,000 random operations', () => {
    for (let seed = 1; seed <= 40; seed++) runSeed(seed, 500);
  });

  it('walks backwards and forwards consistently', () => {
    const tree = new VaTree<Node>();
    const nodes = [5n, 1n, 9n, 3n, 7n].map((start, id) => new Node(start, start + 1n, id));
    for (const node of nodes) tree.insert(node);
    const forward = [...tree];
    expect(forward.map((node) => node.start)).toEqual([1n, 3n, 5n, 7n, 9n]);
    const backward: Num64[] = [];
    for (let node = forward[forward.length - 1] ?? null; node; node = tree.prev(node)) backward.push(node.start);
    expect(backward).toEqual([9n, 7n, 5n, 3n, 1n]);
  });
});

/** The tree's shape, colours included: equal shapes give equal lookups. */
function shape(tree: VaTree<Node>): string {
  const parts: string[] = [];
  const walk = (node: Node | null): void => {
    if (!node) {
      parts.push('.');
      return;
    }
    parts.push(`${node.id}${node.red ? 'r' : 'b'}`);
    walk(node.left);
    walk(node.right);
  };
  let root = tree.first();
  while (root?.parent) root = root.parent;
  walk(root);
  return parts.join(' ');
}

describe('insertIfFree', () => {
  it('answers and builds as iterFirst followed by insert, degenerate intervals included', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = new Random(seed);
      const base = BASES[seed % BASES.length] as bigint;
      // Half the seeds add a degenerate interval (last = start - 1) now and then.
      const degenerate = seed % 2 === 0 ? 0.03 : 0;
      const fused = new VaTree<Node>();
      const plain = new VaTree<Node>();
      const live: [Node, Node][] = [];
      const log: string[] = [];
      for (let step = 0; step < 400; step++) {
        if (live.length === 0 || random.chance(0.6)) {
          const start = random.int(1, 500);
          const last = random.chance(degenerate) ? start - 1 : start + random.int(0, 12);
          const id = step;
          const a = new Node(value(base, start), value(base, last), id);
          const b = new Node(value(base, start), value(base, last), id);
          log.push(`insert #${id} [${start}, ${last}]`);
          const free = plain.iterFirst(b.start, b.last) === null;
          if (free) plain.insert(b);
          expect(fused.insertIfFree(a), log.join('\n')).toBe(free);
          if (free) live.push([a, b]);
        } else {
          const index = random.int(0, live.length - 1);
          const [a, b] = live[index] as [Node, Node];
          live.splice(index, 1);
          log.push(`remove #${a.id}`);
          fused.remove(a);
          plain.remove(b);
        }
        expect(fused.validate(), log.join('\n')).toBeUndefined();
        expect(shape(fused), log.join('\n')).toBe(shape(plain));
      }
    }
  });
});
