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
 *   `rb_erase_augmented_cached`, restoring the subtree maxima as its
 *   `augment->copy` and `augment->propagate` do (the walk up stops at the
 *   first maximum that does not change);
 * - `iterFirst` is the interval tree's `iter_first`/`subtree_search`, including
 *   its early exits on the root's subtree maximum and on the leftmost start.
 *
 * Layout: the tree is kept in one typed array, not in the nodes. Each
 * inserted node gets a slot (its `slot`; 0 when it is in no tree, and slot 0
 * stands for NULL) of 64 bytes: its `start` and `last`, the subtree maxima
 * (`__subtree_last`) of its left and right child, both children, its parent
 * and its colour. A u64 is two u32 halves, compared high half first, which
 * orders exactly like the u64, bigint or number (each half is stored biased
 * into an int32, `hi32`). A node's own subtree maximum
 * is kept by its parent (the root's in slot 0), so a descent decides each
 * step on the one slot it is at: one cache line a level, no pointer to
 * follow, no heap number or bigint to read, nothing allocated. 90k mappings
 * take 6 MB of tree.
 *
 * Invariants: every stored subtree maximum is the maximum `last` of that
 * subtree; the in-order sequence is the kernel's `rb.list` (a VA is always
 * listed right after its in-order predecessor), so `next`/`prev` double as
 * list walks; a node's keys are taken when it is inserted (its values do not
 * change while it is in the tree). Every operation is O(log n).
 */

import type { Num64 } from '../base/u64';

/** What the tree needs of a node: its interval, and a field for its slot. */
export interface IntervalNode {
  /** The node's slot in the tree that holds it; 0 when it is in none. Only the tree writes it. */
  slot: number;
  readonly start: Num64;
  readonly last: Num64;
}

/** 2^-32: scaling by a power of two is exact, and a multiplication is several times cheaper than a division. */
const INV_TWO_32 = 2 ** -32;
const MASK_32 = 0xffffffffn;
const BIAS = -0x80000000;

/** Words per slot, and where each field is (`LSUB`/`RSUB`: the children's subtree maxima). */
const STRIDE = 16;
const LSUB_HI = 0;
const LSUB_LO = 1;
const RSUB_HI = 2;
const RSUB_LO = 3;
const START_HI = 4;
const START_LO = 5;
const LAST_HI = 6;
const LAST_LO = 7;
const LEFT = 8;
const RIGHT = 9;
const PARENT = 10;
const RED = 11;

/**
 * The high u32 of a u64 key (a number below 2^53, or -1 standing for 2^64 - 1,
 * or a bigint), stored biased by -2^31 (the top bit flipped): signed int32
 * comparison of biased halves orders them as unsigned ones, and int32 is
 * what the JIT compares fastest (an unsigned half above 2^31 would be a
 * double).
 */
function hi32(k: Num64): number {
  if (typeof k === 'bigint') return Number(k >> 32n) ^ BIAS;
  return k < 0 ? 0x7fffffff : Math.floor(k * INV_TWO_32) ^ BIAS;
}

/** The low u32 of a u64 key, biased as `hi32`'s (`| 0` keeps the low 32 bits of a number). */
function lo32(k: Num64): number {
  if (typeof k === 'bigint') return Number(k & MASK_32) ^ BIAS;
  return k < 0 ? 0x7fffffff : (k | 0) ^ BIAS;
}

export class VaTree<N extends IntervalNode> {
  /** The slots; slot 0's LSUB is the root's subtree maximum. */
  private t = new Int32Array(STRIDE * 64);
  /** The node in each slot (index 0: none). */
  private nodes: (N | undefined)[] = [undefined];
  /** Slots given back by removals, reused first. */
  private free: number[] = [];
  private root = 0;
  private leftmost = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The lowest node in address order (head of `rb.list`), or null. */
  first(): N | null {
    return this.leftmost === 0 ? null : (this.nodes[this.leftmost] as N);
  }

  /** The node after `node` in address order, or null at the end of the list. */
  next(node: N): N | null {
    const at = this.nextSlot(node.slot);
    return at === 0 ? null : (this.nodes[at] as N);
  }

  /**
   * The node after `node` when it starts below `end`, else null: the step of
   * a `drm_gpuvm_for_each_va_range` walk (`va.addr < end`), decided on the
   * tree's keys without touching the next node itself.
   */
  nextBelow(node: N, end: Num64): N | null {
    const at = this.nextSlot(node.slot);
    if (at === 0) return null;
    const t = this.t;
    const hi = t[at * STRIDE + START_HI] as number;
    const endHi = hi32(end);
    if (hi < endHi || (hi === endHi && (t[at * STRIDE + START_LO] as number) < lo32(end))) return this.nodes[at] as N;
    return null;
  }

  /** The node before `node` in address order, or null at the head. */
  prev(node: N): N | null {
    const t = this.t;
    const slot = node.slot;
    let cur = t[slot * STRIDE + LEFT] as number;
    if (cur !== 0) {
      for (let right = t[cur * STRIDE + RIGHT] as number; right !== 0; right = t[cur * STRIDE + RIGHT] as number) cur = right;
      return this.nodes[cur] as N;
    }
    let child = slot;
    let parent = t[slot * STRIDE + PARENT] as number;
    while (parent !== 0 && child === t[parent * STRIDE + LEFT]) {
      child = parent;
      parent = t[parent * STRIDE + PARENT] as number;
    }
    return parent === 0 ? null : (this.nodes[parent] as N);
  }

  private nextSlot(slot: number): number {
    const t = this.t;
    let cur = t[slot * STRIDE + RIGHT] as number;
    if (cur !== 0) {
      for (let left = t[cur * STRIDE + LEFT] as number; left !== 0; left = t[cur * STRIDE + LEFT] as number) cur = left;
      return cur;
    }
    let child = slot;
    let parent = t[slot * STRIDE + PARENT] as number;
    while (parent !== 0 && child === t[parent * STRIDE + RIGHT]) {
      child = parent;
      parent = t[parent * STRIDE + PARENT] as number;
    }
    return parent;
  }

  /** Visits every node in address order. */
  *[Symbol.iterator](): IterableIterator<N> {
    for (let at = this.leftmost; at !== 0; at = this.nextSlot(at)) yield this.nodes[at] as N;
  }

  /**
   * The leftmost node whose interval meets the closed interval [start, last],
   * exactly as the kernel's `drm_gpuva_it_iter_first` finds it (degenerate
   * intervals included).
   */
  iterFirst(start: Num64, last: Num64): N | null {
    const root = this.root;
    if (root === 0) return null;
    const t = this.t;
    const sHi = hi32(start);
    const sLo = lo32(start);
    const lHi = hi32(last);
    const lLo = lo32(last);
    // root.sub < start: nothing ends at or after start.
    let hi = t[LSUB_HI] as number;
    if (hi < sHi || (hi === sHi && (t[LSUB_LO] as number) < sLo)) return null;
    // last < leftmost.start: nothing starts at or before last.
    const lm = this.leftmost * STRIDE;
    hi = t[lm + START_HI] as number;
    if (lHi < hi || (lHi === hi && lLo < (t[lm + START_LO] as number))) return null;
    let node = root;
    for (;;) {
      const at = node * STRIDE;
      const left = t[at + LEFT] as number;
      // start <= left.sub: the answer, if any, is on the left.
      if (left !== 0) {
        hi = t[at + LSUB_HI] as number;
        if (sHi < hi || (sHi === hi && sLo <= (t[at + LSUB_LO] as number))) {
          node = left;
          continue;
        }
      }
      // node.start <= last
      hi = t[at + START_HI] as number;
      if (hi < lHi || (hi === lHi && (t[at + START_LO] as number) <= lLo)) {
        // start <= node.last
        hi = t[at + LAST_HI] as number;
        if (sHi < hi || (sHi === hi && sLo <= (t[at + LAST_LO] as number))) return this.nodes[node] as N;
        const right = t[at + RIGHT] as number;
        if (right !== 0) {
          hi = t[at + RSUB_HI] as number;
          if (sHi < hi || (sHi === hi && sLo <= (t[at + RSUB_LO] as number))) {
            node = right;
            continue;
          }
        }
      }
      return null;
    }
  }

  /** A free slot, growing the array when there is none. */
  private allocSlot(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    const slot = this.nodes.length;
    this.nodes.push(undefined);
    if ((slot + 1) * STRIDE > this.t.length) {
      const t = new Int32Array(this.t.length * 2);
      t.set(this.t);
      this.t = t;
    }
    return slot;
  }

  /** Where the subtree maximum of `slot` is kept: in its parent's LSUB or RSUB (the root's: slot 0's LSUB). */
  private subAt(slot: number): number {
    const t = this.t;
    const parent = t[slot * STRIDE + PARENT] as number;
    return parent * STRIDE + (t[parent * STRIDE + RIGHT] === slot ? RSUB_HI : LSUB_HI);
  }

  /** Raises the maximum kept at `at` (a `*SUB_HI` index) to [hi, lo]. */
  private raise(at: number, hi: number, lo: number): void {
    const t = this.t;
    const h = t[at] as number;
    if (h < hi || (h === hi && (t[at + 1] as number) < lo)) {
      t[at] = hi;
      t[at + 1] = lo;
    }
  }

  /** Inserts `node`, which must be in no tree; no overlap check here. */
  insert(node: N): void {
    const slot = this.allocSlot();
    this.nodes[slot] = node;
    node.slot = slot;
    const t = this.t;
    const startHi = hi32(node.start);
    const startLo = lo32(node.start);
    const lastHi = hi32(node.last);
    const lastLo = lo32(node.last);
    const at = slot * STRIDE;
    t[at + START_HI] = startHi;
    t[at + START_LO] = startLo;
    t[at + LAST_HI] = lastHi;
    t[at + LAST_LO] = lastLo;
    t[at + LEFT] = 0;
    t[at + RIGHT] = 0;
    // Every node on the way down gets the new `last` into its subtree maximum.
    let parent = 0;
    let cur = this.root;
    let isLeftmost = true;
    let goLeft = true;
    if (cur !== 0) this.raise(LSUB_HI, lastHi, lastLo);
    while (cur !== 0) {
      parent = cur;
      const c = cur * STRIDE;
      const curHi = t[c + START_HI] as number;
      goLeft = startHi < curHi || (startHi === curHi && startLo < (t[c + START_LO] as number));
      if (!goLeft) isLeftmost = false;
      cur = t[c + (goLeft ? LEFT : RIGHT)] as number;
      if (cur !== 0) this.raise(c + (goLeft ? LSUB_HI : RSUB_HI), lastHi, lastLo);
    }
    // The new node's own maximum is its `last`, kept by its parent.
    const subAt = parent * STRIDE + (goLeft ? LSUB_HI : RSUB_HI);
    t[subAt] = lastHi;
    t[subAt + 1] = lastLo;
    t[at + PARENT] = parent;
    t[at + RED] = 1;
    if (parent === 0) this.root = slot;
    else t[parent * STRIDE + (goLeft ? LEFT : RIGHT)] = slot;
    if (isLeftmost) this.leftmost = slot;
    this.count++;
    this.insertFixup(slot);
  }

  /** Copies the maximum kept at `from` to `to` (both `*SUB_HI` indices). */
  private copySub(to: number, from: number): void {
    const t = this.t;
    t[to] = t[from] as number;
    t[to + 1] = t[from + 1] as number;
  }

  /** Removes `node`, which must be in this tree. */
  remove(node: N): void {
    const t = this.t;
    const slot = node.slot;
    const at = slot * STRIDE;
    if (this.leftmost === slot) this.leftmost = this.nextSlot(slot);
    let removedRed = t[at + RED] === 1;
    let child: number;
    let childParent: number;
    // The successor that takes the node's place, when it has two children.
    let successor = 0;
    const left = t[at + LEFT] as number;
    const right = t[at + RIGHT] as number;
    if (left === 0 || right === 0) {
      // The only child (or none) moves up into the node's place, with its maximum.
      child = left === 0 ? right : left;
      childParent = t[at + PARENT] as number;
      this.copySub(this.subAt(slot), at + (left === 0 ? RSUB_HI : LSUB_HI));
      this.transplant(slot, child);
    } else {
      successor = right;
      for (let l = t[successor * STRIDE + LEFT] as number; l !== 0; l = t[successor * STRIDE + LEFT] as number) successor = l;
      const s = successor * STRIDE;
      removedRed = t[s + RED] === 1;
      child = t[s + RIGHT] as number;
      if (t[s + PARENT] === slot) {
        childParent = successor;
      } else {
        // The successor is the left child of its parent; its right child moves up.
        childParent = t[s + PARENT] as number;
        this.copySub(childParent * STRIDE + LSUB_HI, s + RSUB_HI);
        this.transplant(successor, child);
        t[s + RIGHT] = right;
        this.copySub(s + RSUB_HI, at + RSUB_HI);
        t[right * STRIDE + PARENT] = successor;
      }
      // In the node's place the successor keeps the node's maximum (`augment->copy`).
      this.transplant(slot, successor);
      t[s + LEFT] = left;
      this.copySub(s + LSUB_HI, at + LSUB_HI);
      t[left * STRIDE + PARENT] = successor;
      t[s + RED] = t[at + RED] as number;
    }
    this.nodes[slot] = undefined;
    node.slot = 0;
    this.free.push(slot);
    this.count--;
    // Restore the subtree maxima along the changed path before rotating:
    // up to the successor (always recomputed), then on up, stopping at the
    // first that comes out unchanged (`augment->propagate`).
    let up = childParent;
    if (successor !== 0) {
      while (up !== successor && this.updateSub(up)) up = t[up * STRIDE + PARENT] as number;
      up = successor;
    }
    while (up !== 0 && this.updateSub(up)) up = t[up * STRIDE + PARENT] as number;
    if (!removedRed) this.eraseFixup(child, childParent);
  }

  /** Puts `replacement` where `old` hangs from its parent (child pointers only). */
  private transplant(old: number, replacement: number): void {
    const t = this.t;
    const parent = t[old * STRIDE + PARENT] as number;
    if (parent === 0) this.root = replacement;
    else if (t[parent * STRIDE + LEFT] === old) t[parent * STRIDE + LEFT] = replacement;
    else t[parent * STRIDE + RIGHT] = replacement;
    if (replacement !== 0) t[replacement * STRIDE + PARENT] = parent;
  }

  /**
   * Recomputes a slot's subtree maximum from its own `last` and its children's
   * and stores it where it is kept (`subAt`); returns whether it changed.
   */
  private updateSub(slot: number): boolean {
    const t = this.t;
    const at = slot * STRIDE;
    let hi = t[at + LAST_HI] as number;
    let lo = t[at + LAST_LO] as number;
    if (t[at + LEFT] !== 0) {
      const h = t[at + LSUB_HI] as number;
      const l = t[at + LSUB_LO] as number;
      if (hi < h || (hi === h && lo < l)) {
        hi = h;
        lo = l;
      }
    }
    if (t[at + RIGHT] !== 0) {
      const h = t[at + RSUB_HI] as number;
      const l = t[at + RSUB_LO] as number;
      if (hi < h || (hi === h && lo < l)) {
        hi = h;
        lo = l;
      }
    }
    const sub = this.subAt(slot);
    if (t[sub] === hi && t[sub + 1] === lo) return false;
    t[sub] = hi;
    t[sub + 1] = lo;
    return true;
  }

  /**
   * Rotation at `x` (`toLeft`: its right child `y` takes its place), keeping
   * the augmented maxima as `augment_rotate` does: `y` keeps what `x` had
   * (kept by their common parent), `x` is recomputed.
   */
  private rotate(x: number, toLeft: boolean): void {
    const t = this.t;
    const near = toLeft ? RIGHT : LEFT;
    const far = toLeft ? LEFT : RIGHT;
    const nearSub = toLeft ? RSUB_HI : LSUB_HI;
    const farSub = toLeft ? LSUB_HI : RSUB_HI;
    const y = t[x * STRIDE + near] as number;
    const inner = t[y * STRIDE + far] as number;
    t[x * STRIDE + near] = inner;
    this.copySub(x * STRIDE + nearSub, y * STRIDE + farSub);
    if (inner !== 0) t[inner * STRIDE + PARENT] = x;
    this.transplant(x, y);
    t[y * STRIDE + far] = x;
    t[x * STRIDE + PARENT] = y;
    this.updateSub(x);
  }

  private child(slot: number, side: number): number {
    return this.t[slot * STRIDE + side] as number;
  }

  private isRed(slot: number): boolean {
    return slot !== 0 && this.t[slot * STRIDE + RED] === 1;
  }

  private paint(slot: number, red: boolean): void {
    this.t[slot * STRIDE + RED] = red ? 1 : 0;
  }

  private insertFixup(inserted: number): void {
    const t = this.t;
    let node = inserted;
    for (;;) {
      const parent = t[node * STRIDE + PARENT] as number;
      if (parent === 0) {
        this.paint(node, false);
        return;
      }
      if (!this.isRed(parent)) return;
      const grand = t[parent * STRIDE + PARENT] as number;
      // Mirror images: the side of the grandparent the parent is on decides.
      const parentIsLeft = this.child(grand, LEFT) === parent;
      const uncle = this.child(grand, parentIsLeft ? RIGHT : LEFT);
      if (this.isRed(uncle)) {
        this.paint(uncle, false);
        this.paint(parent, false);
        this.paint(grand, true);
        node = grand;
        continue;
      }
      let top = parent;
      if (node === this.child(parent, parentIsLeft ? RIGHT : LEFT)) {
        this.rotate(parent, parentIsLeft);
        top = node;
      }
      this.paint(top, false);
      this.paint(grand, true);
      this.rotate(grand, !parentIsLeft);
      return;
    }
  }

  private eraseFixup(start: number, startParent: number): void {
    const t = this.t;
    let node = start;
    let parent = startParent;
    while (parent !== 0 && !this.isRed(node)) {
      // Mirror images: `near` is the side `node` is on, `far` the sibling's.
      const isLeft = node === this.child(parent, LEFT);
      const near = isLeft ? LEFT : RIGHT;
      const far = isLeft ? RIGHT : LEFT;
      let sibling = this.child(parent, far);
      if (this.isRed(sibling)) {
        this.paint(sibling, false);
        this.paint(parent, true);
        this.rotate(parent, isLeft);
        sibling = this.child(parent, far);
      }
      if (!this.isRed(this.child(sibling, LEFT)) && !this.isRed(this.child(sibling, RIGHT))) {
        this.paint(sibling, true);
        node = parent;
        parent = t[node * STRIDE + PARENT] as number;
        continue;
      }
      if (!this.isRed(this.child(sibling, far))) {
        this.paint(this.child(sibling, near), false);
        this.paint(sibling, true);
        this.rotate(sibling, !isLeft);
        sibling = this.child(parent, far);
      }
      this.paint(sibling, this.isRed(parent));
      this.paint(parent, false);
      const outer = this.child(sibling, far);
      if (outer !== 0) this.paint(outer, false);
      this.rotate(parent, isLeft);
      node = this.root;
      break;
    }
    if (node !== 0) this.paint(node, false);
  }

  /**
   * Checks the red-black and augmentation invariants; returns a description of
   * the first violation, or undefined. Used by tests and the invariant checker.
   */
  validate(): string | undefined {
    const t = this.t;
    if (this.isRed(this.root)) return 'root is red';
    if (this.root !== 0 && t[this.root * STRIDE + PARENT] !== 0) return 'root has a parent';
    let seen = 0;
    const nodeAt = (slot: number): N => this.nodes[slot] as N;
    const walk = (slot: number): number | string => {
      if (slot === 0) return 1;
      seen++;
      const node = this.nodes[slot];
      if (!node || node.slot !== slot) return 'slot not owned by its node';
      const at = slot * STRIDE;
      const left = t[at + LEFT] as number;
      const right = t[at + RIGHT] as number;
      if (left !== 0 && t[left * STRIDE + PARENT] !== slot) return 'broken parent link';
      if (right !== 0 && t[right * STRIDE + PARENT] !== slot) return 'broken parent link';
      if (this.isRed(slot) && (this.isRed(left) || this.isRed(right))) return 'red node with red child';
      if (left !== 0 && nodeAt(left).start > node.start) return 'left child starts after its parent';
      if (right !== 0 && nodeAt(right).start < node.start) return 'right child starts before its parent';
      if (t[at + START_HI] !== hi32(node.start) || t[at + START_LO] !== lo32(node.start)) return 'stale start key';
      if (t[at + LAST_HI] !== hi32(node.last) || t[at + LAST_LO] !== lo32(node.last)) return 'stale last key';
      // Children first: a maximum is only checked against correct ones below it.
      const lh = walk(left);
      if (typeof lh === 'string') return lh;
      const rh = walk(right);
      if (typeof rh === 'string') return rh;
      if (this.updateSub(slot)) return 'stale subtree maximum';
      if (lh !== rh) return 'unequal black heights';
      return lh + (this.isRed(slot) ? 0 : 1);
    };
    const result = walk(this.root);
    if (typeof result === 'string') return result;
    if (seen !== this.count) return `size ${this.count} but ${seen} nodes`;
    let min = this.root;
    while (min !== 0 && t[min * STRIDE + LEFT] !== 0) min = t[min * STRIDE + LEFT] as number;
    if (min !== this.leftmost) return 'stale leftmost node';
    return undefined;
  }
}
