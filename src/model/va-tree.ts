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
 *   `rb_insert_augmented_cached` (the subtree maxima it raises on the way
 *   down are raised on the way back up, to the same values);
 * - erasure splices in the in-order successor and rebalances as
 *   `rb_erase_augmented_cached`, restoring the subtree maxima as its
 *   `augment->copy` and `augment->propagate` do (the walk up stops at the
 *   first maximum that does not change);
 * - `iterFirst` is the interval tree's `iter_first`/`subtree_search`, including
 *   its early exits on the root's subtree maximum and on the leftmost start.
 *
 * Keys are compared as two small integers each: a u64 `k` is kept as
 * `hi = floor(k / 2^27)` and `lo = k mod 2^27` (`setKeys`), which orders
 * exactly like `k` for every u64, bigint or number. Below 2^53 (the number
 * path) both halves are below 2^31, so V8 stores them inside the node as
 * small integers: a comparison reads two fields of the node and no heap
 * number or bigint, and a lookup allocates nothing.
 *
 * Invariants: `sub` of every node is the maximum `last` of its subtree; the
 * in-order sequence is the kernel's `rb.list` (a VA is always listed right
 * after its in-order predecessor), so `next`/`prev` double as list walks.
 * Every operation is O(log n).
 */

import type { Num64 } from '../base/u64';

/** The fields a node embeds, as `rb.node` and `rb.__subtree_last` in `struct drm_gpuva`. */
export interface IntervalNode<N> {
  left: N | null;
  right: N | null;
  parent: N | null;
  red: boolean;
  /** `start`, `last` and the subtree's maximum `last` (`__subtree_last`) as keys (see the module comment). */
  startHi: number;
  startLo: number;
  lastHi: number;
  lastLo: number;
  subHi: number;
  subLo: number;
  /** The exact interval, for `validate`. */
  readonly start: Num64;
  readonly last: Num64;
}

/** The key split: a key is `hi * SPLIT + lo` (see the module comment). */
export const SPLIT = 2 ** 27;
const SPLIT_BITS = 27n;
const LO_MASK = (1n << SPLIT_BITS) - 1n;

/**
 * 2^-27: scaling by a power of two is exact, like the division it replaces,
 * and a multiplication takes a fraction of a division's cycles (four of
 * these per lookup).
 */
const INV_SPLIT = 2 ** -27;

/** The high key half of `k`; a number's is exact below 2^53 (and -1 for -1). */
export function keyHi(k: Num64): number {
  return typeof k === 'number' ? Math.floor(k * INV_SPLIT) : Number(k >> SPLIT_BITS);
}

export function keyLo(k: Num64): number {
  return typeof k === 'number' ? k - Math.floor(k * INV_SPLIT) * SPLIT : Number(k & LO_MASK);
}

/** Sets a node's keys for the closed interval [start, last] (before it is inserted). */
export function setKeys(node: IntervalNode<unknown>, start: Num64, last: Num64): void {
  node.startHi = keyHi(start);
  node.startLo = keyLo(start);
  node.lastHi = keyHi(last);
  node.lastLo = keyLo(last);
  node.subHi = node.lastHi;
  node.subLo = node.lastLo;
}

export class VaTree<N extends IntervalNode<N>> {
  private root: N | null = null;
  private leftmost: N | null = null;
  private count = 0;
  /** No degenerate interval was ever inserted (`insertIfFree`). */
  private disjoint = true;
  /** What the last `descend` found (see there); cleared by `attach`. */
  private place: N | null = null;
  private placeLeft = false;
  private before: N | null = null;
  private after: N | null = null;

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
    const sHi = keyHi(start);
    const sLo = keyLo(start);
    const lHi = keyHi(last);
    const lLo = keyLo(last);
    // root.sub < start: nothing ends at or after start.
    if (root.subHi < sHi || (root.subHi === sHi && root.subLo < sLo)) return null;
    // last < leftmost.start: nothing starts at or before last.
    const leftmost = this.leftmost as N;
    if (lHi < leftmost.startHi || (lHi === leftmost.startHi && lLo < leftmost.startLo)) return null;
    let node: N = root;
    for (;;) {
      const left = node.left;
      // start <= left.sub: the answer, if any, is on the left.
      if (left && (sHi < left.subHi || (sHi === left.subHi && sLo <= left.subLo))) {
        node = left;
        continue;
      }
      // node.start <= last
      if (node.startHi < lHi || (node.startHi === lHi && node.startLo <= lLo)) {
        // start <= node.last
        if (sHi < node.lastHi || (sHi === node.lastHi && sLo <= node.lastLo)) return node;
        const right = node.right;
        if (right) {
          node = right;
          if (sHi < right.subHi || (sHi === right.subHi && sLo <= right.subLo)) continue;
        }
      }
      return null;
    }
  }

  /**
   * `iterFirst(node.start, node.last) === null` and then `insert(node)` when
   * it is: inserts `node` unless its interval meets one in the tree, and
   * returns whether it did, with the same answer and the same tree as the
   * two calls (what `drm_gpuva_insert` does).
   *
   * While every node ever inserted had `start <= last` and went through
   * this check, the tree's intervals are proper and pairwise disjoint, so
   * they are sorted by `last` as well as by `start`, and the only intervals
   * that can meet [start, last] are the neighbours of its insertion point:
   * the node before it in start order meets it when that node's `last >=
   * start`, the one after when its `start <= last`. The insertion descent
   * finds both, so one descent does the work of two. A degenerate interval
   * (a zero-size VA, `last = start - 1` wrapping) ends that guarantee for
   * good: `iterFirst` may miss an overlap behind it, and the kernel then
   * inserts one, so from then on this is the plain lookup and insert.
   */
  insertIfFree(node: N): boolean {
    const proper = node.startHi < node.lastHi || (node.startHi === node.lastHi && node.startLo <= node.lastLo);
    if (!this.disjoint || !proper) {
      if (this.iterFirst(node.start, node.last)) return false;
      if (!proper) this.disjoint = false;
      this.insert(node);
      return true;
    }
    this.descend(node);
    const before = this.before;
    const after = this.after;
    if (before && (node.startHi < before.lastHi || (node.startHi === before.lastHi && node.startLo <= before.lastLo))) return false;
    if (after && (after.startHi < node.lastHi || (after.startHi === node.lastHi && after.startLo <= node.lastLo))) return false;
    this.attach(node);
    return true;
  }

  /** Inserts `node` (its keys already set, `setKeys`); no overlap check here. */
  insert(node: N): void {
    this.descend(node);
    this.attach(node);
  }

  /**
   * Finds where `node` goes, descending by start (an equal start goes
   * right): its parent-to-be (`place`, null for the root) and side
   * (`placeLeft`), and the nodes before and after it in start order
   * (`before`, `after`). Fields, not a result object: nothing is allocated.
   */
  private descend(node: N): void {
    const startHi = node.startHi;
    const startLo = node.startLo;
    let place: N | null = null;
    let before: N | null = null;
    let after: N | null = null;
    let placeLeft = false;
    for (let cur = this.root; cur;) {
      place = cur;
      placeLeft = startHi < cur.startHi || (startHi === cur.startHi && startLo < cur.startLo);
      if (placeLeft) {
        after = cur;
        cur = cur.left;
      } else {
        before = cur;
        cur = cur.right;
      }
    }
    this.place = place;
    this.placeLeft = placeLeft;
    this.before = before;
    this.after = after;
  }

  /**
   * Links `node` where `descend` found its place and rebalances. The
   * subtree maxima the kernel raises on its way down are raised here on the
   * way up, to the same values: an ancestor's maximum is at least its
   * descendant's, so the first one already at `last` ends the walk.
   */
  private attach(node: N): void {
    const lastHi = node.lastHi;
    const lastLo = node.lastLo;
    const parent = this.place;
    for (let up = parent; up && (up.subHi < lastHi || (up.subHi === lastHi && up.subLo < lastLo)); up = up.parent) {
      up.subHi = lastHi;
      up.subLo = lastLo;
    }
    node.parent = parent;
    node.left = null;
    node.right = null;
    node.red = true;
    node.subHi = lastHi;
    node.subLo = lastLo;
    if (!parent) this.root = node;
    else if (this.placeLeft) parent.left = node;
    else parent.right = node;
    if (!this.before) this.leftmost = node;
    this.count++;
    this.place = this.before = this.after = null;
    this.insertFixup(node);
  }

  /** Removes `node`, which must be in this tree. */
  remove(node: N): void {
    if (this.leftmost === node) this.leftmost = this.next(node);
    let removedRed = node.red;
    let child: N | null;
    let childParent: N | null;
    // The successor that takes the node's place, when it has two children.
    let spliced: N | null = null;
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
      spliced = successor;
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
      // In the node's place it takes over the node's maximum (`augment->copy`).
      successor.subHi = node.subHi;
      successor.subLo = node.subLo;
    }
    node.parent = node.left = node.right = null;
    this.count--;
    // Restore the subtree maxima along the changed path before rotating, as
    // `__rb_erase_augmented` does: up to the successor (always recomputed),
    // then on up, stopping at the first maximum that comes out unchanged
    // (every one above it is unchanged too: `augment->propagate`).
    let up = childParent;
    if (spliced) {
      while (up && up !== spliced && updateSubLast(up)) up = up.parent;
      up = spliced;
    }
    while (up && updateSubLast(up)) up = up.parent;
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
    y.subHi = x.subHi;
    y.subLo = x.subLo;
    updateSubLast(x);
  }

  private rotateRight(x: N): void {
    const y = x.left as N;
    x.left = y.right;
    if (y.right) y.right.parent = x;
    this.transplant(x, y);
    y.right = x;
    x.parent = y;
    y.subHi = x.subHi;
    y.subLo = x.subLo;
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
      if (node.startHi !== keyHi(node.start) || node.startLo !== keyLo(node.start)) return 'stale start key';
      if (node.lastHi !== keyHi(node.last) || node.lastLo !== keyLo(node.last)) return 'stale last key';
      let hi = node.lastHi;
      let lo = node.lastLo;
      for (const child of [node.left, node.right]) {
        if (child && (hi < child.subHi || (hi === child.subHi && lo < child.subLo))) [hi, lo] = [child.subHi, child.subLo];
      }
      if (node.subHi !== hi || node.subLo !== lo) return 'stale subtree maximum';
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

/** Recomputes a node's subtree maximum from its children; returns whether it changed. */
function updateSubLast<N extends IntervalNode<N>>(node: N): boolean {
  let hi = node.lastHi;
  let lo = node.lastLo;
  const left = node.left;
  const right = node.right;
  if (left && (hi < left.subHi || (hi === left.subHi && lo < left.subLo))) {
    hi = left.subHi;
    lo = left.subLo;
  }
  if (right && (hi < right.subHi || (hi === right.subHi && lo < right.subLo))) {
    hi = right.subHi;
    lo = right.subLo;
  }
  if (node.subHi === hi && node.subLo === lo) return false;
  node.subHi = hi;
  node.subLo = lo;
  return true;
}
