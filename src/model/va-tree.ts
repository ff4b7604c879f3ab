/**
 * The VA tree: an augmented red-black interval tree, as `drm_gpuvm.rb.tree`.
 *
 * The kernel keys its tree (`INTERVAL_TREE_DEFINE` over `struct drm_gpuva`) by
 * the closed interval [addr, addr + range - 1] computed in wrapping u64, so a
 * zero-size VA has `last = addr - 1` and one at address 0 has `last = 2^64 - 1`.
 * Lookups over such degenerate nodes depend on the exact tree shape, so this
 * tree reproduces the Linux algorithms operation for operation:
 *
 * - insertion descends by `start` (an equal start goes right) and rebalances as
 *   `rb_insert_augmented_cached`;
 * - erasure splices in the in-order successor and rebalances as
 *   `rb_erase_augmented_cached`;
 * - `iterFirst` is the interval tree's `iter_first`/`subtree_search`, including
 *   its early exits on the root's subtree maximum and on the leftmost start.
 *
 * Keys are u64s (`Num64`: numbers on the number path, else bigints; one tree
 * holds one kind), shadowed by their nearest doubles (`startKey`, `lastKey`,
 * `subLastKey`; on the number path the key itself). Comparing the doubles
 * first is exact whenever they differ (rounding is monotonic) and whenever
 * they are below 2^53; only equal doubles at or above 2^53 fall back to the
 * bigints. So the hot comparisons are on in-object numbers, and a lookup
 * allocates nothing.
 *
 * Invariants: `subLast` of every node is the maximum `last` of its subtree; the
 * in-order sequence is the kernel's `rb.list` (a VA is always listed right
 * after its in-order predecessor), so `next`/`prev` double as list walks.
 * Every operation is O(log n).
 */

import type { Num64 } from '../base/u64';

/** The fields a node embeds, as `rb.node` and `rb.__subtree_last` in `struct drm_gpuva`. */
export interface IntervalNode<N> {
  start: Num64;
  last: Num64;
  subLast: Num64;
  /** `Number(start)`, `Number(last)`, `Number(subLast)`: see the module comment. */
  startKey: number;
  lastKey: number;
  subLastKey: number;
  left: N | null;
  right: N | null;
  parent: N | null;
  red: boolean;
}

export class VaTree<N extends IntervalNode<N>> {
  private root: N | null = null;
  private leftmost: N | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The lowest node in address order (head of `rb.list`), or null. */
  first(): N | null {
    return this.leftmost;
  }

  /** The node after `node` in address order, or null at the end of the list. */
  next(node: N): N | null {
    let cur = node.right;
    if (cur) {
      while (cur.left) cur = cur.left;
      return cur;
    }
    let child: N = node;
    let parent = node.parent;
    while (parent && child === parent.right) {
      child = parent;
      parent = parent.parent;
    }
    return parent;
  }

  /** The node before `node` in address order, or null at the head. */
  prev(node: N): N | null {
    let cur = node.left;
    if (cur) {
      while (cur.right) cur = cur.right;
      return cur;
    }
    let child: N = node;
    let parent = node.parent;
    while (parent && child === parent.left) {
      child = parent;
      parent = parent.parent;
    }
    return parent;
  }

  /** Visits every node in address order. */
  *[Symbol.iterator](): IterableIterator<N> {
    for (let node = this.leftmost; node; node = this.next(node)) yield node;
  }

  /**
   * The leftmost node whose interval meets the closed interval [start, last],
   * exactly as the kernel's `drm_gpuva_it_iter_first` finds it (degenerate
   * intervals included).
   */
  iterFirst(start: Num64, last: Num64): N | null {
    const root = this.root;
    if (!root) return null;
    const startKey = Number(start);
    const lastKey = Number(last);
    if (lt(root.subLastKey, root.subLast, startKey, start)) return null;
    const leftmost = this.leftmost as N;
    if (lt(lastKey, last, leftmost.startKey, leftmost.start)) return null;
    let node: N = root;
    for (;;) {
      const left = node.left;
      if (left && le(startKey, start, left.subLastKey, left.subLast)) {
        node = left;
        continue;
      }
      if (le(node.startKey, node.start, lastKey, last)) {
        if (le(startKey, start, node.lastKey, node.last)) return node;
        const right = node.right;
        if (right) {
          node = right;
          if (le(startKey, start, right.subLastKey, right.subLast)) continue;
        }
      }
      return null;
    }
  }

  /** Inserts `node` (its `start`/`last` already set); no overlap check here. */
  insert(node: N): void {
    const last = node.last;
    const lastKey = node.lastKey;
    const start = node.start;
    const startKey = node.startKey;
    let parent: N | null = null;
    let cur = this.root;
    let isLeftmost = true;
    let goLeft = false;
    while (cur) {
      parent = cur;
      if (lt(cur.subLastKey, cur.subLast, lastKey, last)) {
        cur.subLast = last;
        cur.subLastKey = lastKey;
      }
      if (lt(startKey, start, cur.startKey, cur.start)) {
        cur = cur.left;
        goLeft = true;
      } else {
        cur = cur.right;
        goLeft = false;
        isLeftmost = false;
      }
    }
    node.parent = parent;
    node.left = null;
    node.right = null;
    node.red = true;
    node.subLast = last;
    node.subLastKey = lastKey;
    if (!parent) this.root = node;
    else if (goLeft) parent.left = node;
    else parent.right = node;
    if (isLeftmost) this.leftmost = node;
    this.count++;
    this.insertFixup(node);
  }

  /** Removes `node`, which must be in this tree. */
  remove(node: N): void {
    if (this.leftmost === node) this.leftmost = this.next(node);
    let removedRed = node.red;
    let child: N | null;
    let childParent: N | null;
    if (!node.left) {
      child = node.right;
      childParent = node.parent;
      this.transplant(node, child);
    } else if (!node.right) {
      child = node.left;
      childParent = node.parent;
      this.transplant(node, child);
    } else {
      let successor: N = node.right;
      while (successor.left) successor = successor.left;
      removedRed = successor.red;
      child = successor.right;
      if (successor.parent === node) {
        childParent = successor;
      } else {
        childParent = successor.parent;
        this.transplant(successor, child);
        successor.right = node.right;
        successor.right.parent = successor;
      }
      this.transplant(node, successor);
      successor.left = node.left;
      successor.left.parent = successor;
      successor.red = node.red;
    }
    node.parent = node.left = node.right = null;
    this.count--;
    // Restore the subtree maxima along the changed path before rotating.
    for (let up = childParent; up; up = up.parent) updateSubLast(up);
    if (!removedRed) this.eraseFixup(child, childParent);
  }

  private transplant(old: N, replacement: N | null): void {
    const parent = old.parent;
    if (!parent) this.root = replacement;
    else if (parent.left === old) parent.left = replacement;
    else parent.right = replacement;
    if (replacement) replacement.parent = parent;
  }

  /** Left rotation at `x`, keeping the augmented maxima (`augment_rotate`). */
  private rotateLeft(x: N): void {
    const y = x.right as N;
    x.right = y.left;
    if (y.left) y.left.parent = x;
    this.transplant(x, y);
    y.left = x;
    x.parent = y;
    y.subLast = x.subLast;
    y.subLastKey = x.subLastKey;
    updateSubLast(x);
  }

  private rotateRight(x: N): void {
    const y = x.left as N;
    x.left = y.right;
    if (y.right) y.right.parent = x;
    this.transplant(x, y);
    y.right = x;
    x.parent = y;
    y.subLast = x.subLast;
    y.subLastKey = x.subLastKey;
    updateSubLast(x);
  }

  private insertFixup(inserted: N): void {
    let node = inserted;
    for (;;) {
      const parent = node.parent;
      if (!parent) {
        node.red = false;
        return;
      }
      if (!parent.red) return;
      const grand = parent.parent as N;
      if (parent === grand.left) {
        const uncle = grand.right;
        if (uncle && uncle.red) {
          uncle.red = false;
          parent.red = false;
          grand.red = true;
          node = grand;
          continue;
        }
        let top = parent;
        if (node === parent.right) {
          this.rotateLeft(parent);
          top = node;
        }
        top.red = false;
        grand.red = true;
        this.rotateRight(grand);
        return;
      }
      const uncle = grand.left;
      if (uncle && uncle.red) {
        uncle.red = false;
        parent.red = false;
        grand.red = true;
        node = grand;
        continue;
      }
      let top = parent;
      if (node === parent.left) {
        this.rotateRight(parent);
        top = node;
      }
      top.red = false;
      grand.red = true;
      this.rotateLeft(grand);
      return;
    }
  }

  private eraseFixup(start: N | null, startParent: N | null): void {
    let node = start;
    let parent = startParent;
    while (parent && (!node || !node.red)) {
      if (node === parent.left) {
        let sibling = parent.right as N;
        if (sibling.red) {
          sibling.red = false;
          parent.red = true;
          this.rotateLeft(parent);
          sibling = parent.right as N;
        }
        if (isBlack(sibling.left) && isBlack(sibling.right)) {
          sibling.red = true;
          node = parent;
          parent = node.parent;
          continue;
        }
        if (isBlack(sibling.right)) {
          (sibling.left as N).red = false;
          sibling.red = true;
          this.rotateRight(sibling);
          sibling = parent.right as N;
        }
        sibling.red = parent.red;
        parent.red = false;
        if (sibling.right) sibling.right.red = false;
        this.rotateLeft(parent);
        node = this.root;
        break;
      } else {
        let sibling = parent.left as N;
        if (sibling.red) {
          sibling.red = false;
          parent.red = true;
          this.rotateRight(parent);
          sibling = parent.left as N;
        }
        if (isBlack(sibling.left) && isBlack(sibling.right)) {
          sibling.red = true;
          node = parent;
          parent = node.parent;
          continue;
        }
        if (isBlack(sibling.left)) {
          (sibling.right as N).red = false;
          sibling.red = true;
          this.rotateLeft(sibling);
          sibling = parent.left as N;
        }
        sibling.red = parent.red;
        parent.red = false;
        if (sibling.left) sibling.left.red = false;
        this.rotateRight(parent);
        node = this.root;
        break;
      }
    }
    if (node) node.red = false;
  }

  /**
   * Checks the red-black and augmentation invariants; returns a description of
   * the first violation, or undefined. Used by tests and the invariant checker.
   */
  validate(): string | undefined {
    if (this.root && this.root.red) return 'root is red';
    let seen = 0;
    const walk = (node: N | null): number | string => {
      if (!node) return 1;
      seen++;
      if (node.left && node.left.parent !== node) return 'broken parent link';
      if (node.right && node.right.parent !== node) return 'broken parent link';
      if (node.red && ((node.left && node.left.red) || (node.right && node.right.red))) return 'red node with red child';
      if (node.left && node.left.start > node.start) return 'left child starts after its parent';
      if (node.right && node.right.start < node.start) return 'right child starts before its parent';
      if (node.subLast !== computeSubLast(node) || node.subLastKey !== Number(node.subLast)) return 'stale subtree maximum';
      if (node.startKey !== Number(node.start) || node.lastKey !== Number(node.last)) return 'stale numeric key';
      const lh = walk(node.left);
      if (typeof lh === 'string') return lh;
      const rh = walk(node.right);
      if (typeof rh === 'string') return rh;
      if (lh !== rh) return 'unequal black heights';
      return lh + (node.red ? 0 : 1);
    };
    const result = walk(this.root);
    if (typeof result === 'string') return result;
    if (seen !== this.count) return `size ${this.count} but ${seen} nodes`;
    let min = this.root;
    while (min && min.left) min = min.left;
    if (min !== this.leftmost) return 'stale leftmost node';
    return undefined;
  }
}

function isBlack<N extends IntervalNode<N>>(node: N | null): boolean {
  return !node || !node.red;
}

/** Precise `a < b` for keys given as (double, bigint). */
function lt(aKey: number, a: Num64, bKey: number, b: Num64): boolean {
  return aKey < bKey || (aKey === bKey && aKey >= TWO_53 && a < b);
}

/** Precise `a <= b` for keys given as (double, bigint). */
function le(aKey: number, a: Num64, bKey: number, b: Num64): boolean {
  return aKey < bKey || (aKey === bKey && (aKey < TWO_53 || a <= b));
}

const TWO_53 = 2 ** 53;

/** Recomputes a node's subtree maximum from its children, in both representations. */
function updateSubLast<N extends IntervalNode<N>>(node: N): void {
  let max = node.last;
  let maxKey = node.lastKey;
  const left = node.left;
  const right = node.right;
  if (left && lt(maxKey, max, left.subLastKey, left.subLast)) {
    max = left.subLast;
    maxKey = left.subLastKey;
  }
  if (right && lt(maxKey, max, right.subLastKey, right.subLast)) {
    max = right.subLast;
    maxKey = right.subLastKey;
  }
  node.subLast = max;
  node.subLastKey = maxKey;
}

function computeSubLast<N extends IntervalNode<N>>(node: N): Num64 {
  let max = node.last;
  if (node.left && node.left.subLast > max) max = node.left.subLast;
  if (node.right && node.right.subLast > max) max = node.right.subLast;
  return max;
}
