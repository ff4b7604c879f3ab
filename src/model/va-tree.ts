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
 * Layout: the tree is kept in typed arrays, not in the nodes. Each inserted
 * node gets a slot (its `slot`, 0 when it is in no tree; slot 0 stands for
 * NULL); `keys` holds, per slot, the subtree's maximum `last`, `start`, `last`
 * (each a u64 as two u32 halves, compared high half first, which orders
 * exactly like the u64, bigint or number) and the left and right child: the
 * 32 bytes a descent reads, in one place, with no pointer to follow and no
 * heap number or bigint to read. Parents and colours, which only rebalancing
 * reads, are apart. A lookup allocates nothing, and 90k mappings take 3 MB of
 * tree, so it stays in cache far better than the nodes themselves would.
 *
 * Invariants: the subtree maximum of every slot is the maximum `last` of its
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

const TWO_32 = 2 ** 32;
const MASK_32 = 0xffffffffn;

/** Words per slot in `keys`, and where each field is. */
const STRIDE = 8;
const SUB_HI = 0;
const SUB_LO = 1;
const START_HI = 2;
const START_LO = 3;
const LAST_HI = 4;
const LAST_LO = 5;
const LEFT = 6;
const RIGHT = 7;

/** The high u32 of a u64 key (a number below 2^53, or -1 standing for 2^64 - 1, or a bigint). */
function hi32(k: Num64): number {
  if (typeof k === 'bigint') return Number(k >> 32n);
  return k < 0 ? 0xffffffff : Math.floor(k / TWO_32);
}

function lo32(k: Num64): number {
  if (typeof k === 'bigint') return Number(k & MASK_32);
  return k < 0 ? 0xffffffff : k >>> 0;
}

export class VaTree<N extends IntervalNode> {
  private keys = new Uint32Array(STRIDE * 64);
  private parents = new Uint32Array(64);
  private reds = new Uint8Array(64);
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
    const keys = this.keys;
    const hi = keys[at * STRIDE + START_HI] as number;
    const endHi = hi32(end);
    if (hi < endHi || (hi === endHi && (keys[at * STRIDE + START_LO] as number) < lo32(end))) return this.nodes[at] as N;
    return null;
  }

  /** The node before `node` in address order, or null at the head. */
  prev(node: N): N | null {
    const keys = this.keys;
    const parents = this.parents;
    const slot = node.slot;
    let cur = keys[slot * STRIDE + LEFT] as number;
    if (cur !== 0) {
      for (let right = keys[cur * STRIDE + RIGHT] as number; right !== 0; right = keys[cur * STRIDE + RIGHT] as number) cur = right;
      return this.nodes[cur] as N;
    }
    let child = slot;
    let parent = parents[slot] as number;
    while (parent !== 0 && child === keys[parent * STRIDE + LEFT]) {
      child = parent;
      parent = parents[parent] as number;
    }
    return parent === 0 ? null : (this.nodes[parent] as N);
  }

  private nextSlot(slot: number): number {
    const keys = this.keys;
    let cur = keys[slot * STRIDE + RIGHT] as number;
    if (cur !== 0) {
      for (let left = keys[cur * STRIDE + LEFT] as number; left !== 0; left = keys[cur * STRIDE + LEFT] as number) cur = left;
      return cur;
    }
    const parents = this.parents;
    let child = slot;
    let parent = parents[slot] as number;
    while (parent !== 0 && child === keys[parent * STRIDE + RIGHT]) {
      child = parent;
      parent = parents[parent] as number;
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
    const keys = this.keys;
    const sHi = hi32(start);
    const sLo = lo32(start);
    const lHi = hi32(last);
    const lLo = lo32(last);
    // root.sub < start: nothing ends at or after start.
    let hi = keys[root * STRIDE + SUB_HI] as number;
    if (hi < sHi || (hi === sHi && (keys[root * STRIDE + SUB_LO] as number) < sLo)) return null;
    // last < leftmost.start: nothing starts at or before last.
    const lm = this.leftmost * STRIDE;
    hi = keys[lm + START_HI] as number;
    if (lHi < hi || (lHi === hi && lLo < (keys[lm + START_LO] as number))) return null;
    let node = root;
    for (;;) {
      const at = node * STRIDE;
      const left = keys[at + LEFT] as number;
      // start <= left.sub: the answer, if any, is on the left.
      if (left !== 0) {
        hi = keys[left * STRIDE + SUB_HI] as number;
        if (sHi < hi || (sHi === hi && sLo <= (keys[left * STRIDE + SUB_LO] as number))) {
          node = left;
          continue;
        }
      }
      // node.start <= last
      hi = keys[at + START_HI] as number;
      if (hi < lHi || (hi === lHi && (keys[at + START_LO] as number) <= lLo)) {
        // start <= node.last
        hi = keys[at + LAST_HI] as number;
        if (sHi < hi || (sHi === hi && sLo <= (keys[at + LAST_LO] as number))) return this.nodes[node] as N;
        const right = keys[at + RIGHT] as number;
        if (right !== 0) {
          node = right;
          hi = keys[right * STRIDE + SUB_HI] as number;
          if (sHi < hi || (sHi === hi && sLo <= (keys[right * STRIDE + SUB_LO] as number))) continue;
        }
      }
      return null;
    }
  }

  /** A free slot, growing the arrays when there is none. */
  private allocSlot(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    const slot = this.nodes.length;
    this.nodes.push(undefined);
    if (slot >= this.parents.length) {
      const capacity = this.parents.length * 2;
      const keys = new Uint32Array(capacity * STRIDE);
      keys.set(this.keys);
      this.keys = keys;
      const parents = new Uint32Array(capacity);
      parents.set(this.parents);
      this.parents = parents;
      const reds = new Uint8Array(capacity);
      reds.set(this.reds);
      this.reds = reds;
    }
    return slot;
  }

  /** Inserts `node`, which must be in no tree; no overlap check here. */
  insert(node: N): void {
    const slot = this.allocSlot();
    this.nodes[slot] = node;
    node.slot = slot;
    const keys = this.keys;
    const startHi = hi32(node.start);
    const startLo = lo32(node.start);
    const lastHi = hi32(node.last);
    const lastLo = lo32(node.last);
    const at = slot * STRIDE;
    keys[at + START_HI] = startHi;
    keys[at + START_LO] = startLo;
    keys[at + LAST_HI] = lastHi;
    keys[at + LAST_LO] = lastLo;
    keys[at + SUB_HI] = lastHi;
    keys[at + SUB_LO] = lastLo;
    keys[at + LEFT] = 0;
    keys[at + RIGHT] = 0;
    let parent = 0;
    let cur = this.root;
    let isLeftmost = true;
    let goLeft = false;
    while (cur !== 0) {
      parent = cur;
      const c = cur * STRIDE;
      const subHi = keys[c + SUB_HI] as number;
      if (subHi < lastHi || (subHi === lastHi && (keys[c + SUB_LO] as number) < lastLo)) {
        keys[c + SUB_HI] = lastHi;
        keys[c + SUB_LO] = lastLo;
      }
      const curHi = keys[c + START_HI] as number;
      if (startHi < curHi || (startHi === curHi && startLo < (keys[c + START_LO] as number))) {
        cur = keys[c + LEFT] as number;
        goLeft = true;
      } else {
        cur = keys[c + RIGHT] as number;
        goLeft = false;
        isLeftmost = false;
      }
    }
    this.parents[slot] = parent;
    this.reds[slot] = 1;
    if (parent === 0) this.root = slot;
    else keys[parent * STRIDE + (goLeft ? LEFT : RIGHT)] = slot;
    if (isLeftmost) this.leftmost = slot;
    this.count++;
    this.insertFixup(slot);
  }

  /** Removes `node`, which must be in this tree. */
  remove(node: N): void {
    const keys = this.keys;
    const parents = this.parents;
    const reds = this.reds;
    const slot = node.slot;
    const at = slot * STRIDE;
    if (this.leftmost === slot) this.leftmost = this.nextSlot(slot);
    let removedRed = reds[slot] === 1;
    let child: number;
    let childParent: number;
    // The successor that takes the node's place, when it has two children.
    let successor = 0;
    const left = keys[at + LEFT] as number;
    const right = keys[at + RIGHT] as number;
    if (left === 0) {
      child = right;
      childParent = parents[slot] as number;
      this.transplant(slot, child);
    } else if (right === 0) {
      child = left;
      childParent = parents[slot] as number;
      this.transplant(slot, child);
    } else {
      successor = right;
      for (let l = keys[successor * STRIDE + LEFT] as number; l !== 0; l = keys[successor * STRIDE + LEFT] as number) successor = l;
      removedRed = reds[successor] === 1;
      child = keys[successor * STRIDE + RIGHT] as number;
      if (parents[successor] === slot) {
        childParent = successor;
      } else {
        childParent = parents[successor] as number;
        this.transplant(successor, child);
        keys[successor * STRIDE + RIGHT] = right;
        parents[right] = successor;
      }
      this.transplant(slot, successor);
      keys[successor * STRIDE + LEFT] = left;
      parents[left] = successor;
      reds[successor] = reds[slot] as number;
      // It takes over the node's subtree maximum too (`augment->copy`).
      keys[successor * STRIDE + SUB_HI] = keys[at + SUB_HI] as number;
      keys[successor * STRIDE + SUB_LO] = keys[at + SUB_LO] as number;
    }
    this.nodes[slot] = undefined;
    node.slot = 0;
    this.free.push(slot);
    this.count--;
    // Restore the subtree maxima along the changed path before rotating, as
    // `__rb_erase_augmented` does: up to the successor (always recomputed),
    // then on up; a maximum that comes out unchanged leaves every one above
    // it unchanged too, so the walk stops there (`augment->propagate`).
    let up = childParent;
    if (successor !== 0) {
      while (up !== successor && this.updateSub(up)) up = parents[up] as number;
      up = successor;
    }
    while (up !== 0 && this.updateSub(up)) up = parents[up] as number;
    if (!removedRed) this.eraseFixup(child, childParent);
  }

  private transplant(old: number, replacement: number): void {
    const parent = this.parents[old] as number;
    if (parent === 0) this.root = replacement;
    else if (this.keys[parent * STRIDE + LEFT] === old) this.keys[parent * STRIDE + LEFT] = replacement;
    else this.keys[parent * STRIDE + RIGHT] = replacement;
    if (replacement !== 0) this.parents[replacement] = parent;
  }

  /** Recomputes a slot's subtree maximum from its own `last` and its children's; returns whether it changed. */
  private updateSub(slot: number): boolean {
    const keys = this.keys;
    const at = slot * STRIDE;
    let hi = keys[at + LAST_HI] as number;
    let lo = keys[at + LAST_LO] as number;
    const left = keys[at + LEFT] as number;
    if (left !== 0) {
      const h = keys[left * STRIDE + SUB_HI] as number;
      const l = keys[left * STRIDE + SUB_LO] as number;
      if (hi < h || (hi === h && lo < l)) {
        hi = h;
        lo = l;
      }
    }
    const right = keys[at + RIGHT] as number;
    if (right !== 0) {
      const h = keys[right * STRIDE + SUB_HI] as number;
      const l = keys[right * STRIDE + SUB_LO] as number;
      if (hi < h || (hi === h && lo < l)) {
        hi = h;
        lo = l;
      }
    }
    if (keys[at + SUB_HI] === hi && keys[at + SUB_LO] === lo) return false;
    keys[at + SUB_HI] = hi;
    keys[at + SUB_LO] = lo;
    return true;
  }

  /**
   * Rotation at `x` (`toLeft`: its right child `y` takes its place), keeping
   * the augmented maxima as `augment_rotate` does.
   */
  private rotate(x: number, toLeft: boolean): void {
    const keys = this.keys;
    const near = toLeft ? RIGHT : LEFT;
    const far = toLeft ? LEFT : RIGHT;
    const y = keys[x * STRIDE + near] as number;
    const inner = keys[y * STRIDE + far] as number;
    keys[x * STRIDE + near] = inner;
    if (inner !== 0) this.parents[inner] = x;
    this.transplant(x, y);
    keys[y * STRIDE + far] = x;
    this.parents[x] = y;
    keys[y * STRIDE + SUB_HI] = keys[x * STRIDE + SUB_HI] as number;
    keys[y * STRIDE + SUB_LO] = keys[x * STRIDE + SUB_LO] as number;
    this.updateSub(x);
  }

  private child(slot: number, side: number): number {
    return this.keys[slot * STRIDE + side] as number;
  }

  private isBlack(slot: number): boolean {
    return slot === 0 || this.reds[slot] === 0;
  }

  private insertFixup(inserted: number): void {
    const parents = this.parents;
    const reds = this.reds;
    let node = inserted;
    for (;;) {
      const parent = parents[node] as number;
      if (parent === 0) {
        reds[node] = 0;
        return;
      }
      if (reds[parent] === 0) return;
      const grand = parents[parent] as number;
      // Mirror images: `side` is the side of the grandparent the parent is on.
      const parentIsLeft = this.child(grand, LEFT) === parent;
      const uncle = this.child(grand, parentIsLeft ? RIGHT : LEFT);
      if (uncle !== 0 && reds[uncle] === 1) {
        reds[uncle] = 0;
        reds[parent] = 0;
        reds[grand] = 1;
        node = grand;
        continue;
      }
      let top = parent;
      if (node === this.child(parent, parentIsLeft ? RIGHT : LEFT)) {
        this.rotate(parent, parentIsLeft);
        top = node;
      }
      reds[top] = 0;
      reds[grand] = 1;
      this.rotate(grand, !parentIsLeft);
      return;
    }
  }

  private eraseFixup(start: number, startParent: number): void {
    const parents = this.parents;
    const reds = this.reds;
    let node = start;
    let parent = startParent;
    while (parent !== 0 && (node === 0 || reds[node] === 0)) {
      // Mirror images: `near` is the side `node` is on, `far` the sibling's.
      const isLeft = node === this.child(parent, LEFT);
      const near = isLeft ? LEFT : RIGHT;
      const far = isLeft ? RIGHT : LEFT;
      let sibling = this.child(parent, far);
      if (reds[sibling] === 1) {
        reds[sibling] = 0;
        reds[parent] = 1;
        this.rotate(parent, isLeft);
        sibling = this.child(parent, far);
      }
      if (this.isBlack(this.child(sibling, LEFT)) && this.isBlack(this.child(sibling, RIGHT))) {
        reds[sibling] = 1;
        node = parent;
        parent = parents[node] as number;
        continue;
      }
      if (this.isBlack(this.child(sibling, far))) {
        reds[this.child(sibling, near)] = 0;
        reds[sibling] = 1;
        this.rotate(sibling, !isLeft);
        sibling = this.child(parent, far);
      }
      reds[sibling] = reds[parent] as number;
      reds[parent] = 0;
      const outer = this.child(sibling, far);
      if (outer !== 0) reds[outer] = 0;
      this.rotate(parent, isLeft);
      node = this.root;
      break;
    }
    if (node !== 0) reds[node] = 0;
  }

  /**
   * Checks the red-black and augmentation invariants; returns a description of
   * the first violation, or undefined. Used by tests and the invariant checker.
   */
  validate(): string | undefined {
    const keys = this.keys;
    const reds = this.reds;
    if (this.root !== 0 && reds[this.root] === 1) return 'root is red';
    if (this.root !== 0 && this.parents[this.root] !== 0) return 'root has a parent';
    let seen = 0;
    const nodeAt = (slot: number): N => this.nodes[slot] as N;
    const walk = (slot: number): number | string => {
      if (slot === 0) return 1;
      seen++;
      const node = this.nodes[slot];
      if (!node || node.slot !== slot) return 'slot not owned by its node';
      const at = slot * STRIDE;
      const left = keys[at + LEFT] as number;
      const right = keys[at + RIGHT] as number;
      if (left !== 0 && this.parents[left] !== slot) return 'broken parent link';
      if (right !== 0 && this.parents[right] !== slot) return 'broken parent link';
      if (reds[slot] === 1 && (reds[left] === 1 || reds[right] === 1)) return 'red node with red child';
      if (left !== 0 && nodeAt(left).start > node.start) return 'left child starts after its parent';
      if (right !== 0 && nodeAt(right).start < node.start) return 'right child starts before its parent';
      if (keys[at + START_HI] !== hi32(node.start) || keys[at + START_LO] !== lo32(node.start)) return 'stale start key';
      if (keys[at + LAST_HI] !== hi32(node.last) || keys[at + LAST_LO] !== lo32(node.last)) return 'stale last key';
      // Children first: a parent's maximum is only checked against correct ones.
      const lh = walk(left);
      if (typeof lh === 'string') return lh;
      const rh = walk(right);
      if (typeof rh === 'string') return rh;
      if (this.updateSub(slot)) return 'stale subtree maximum';
      if (lh !== rh) return 'unequal black heights';
      return lh + (reds[slot] === 1 ? 0 : 1);
    };
    const result = walk(this.root);
    if (typeof result === 'string') return result;
    if (seen !== this.count) return `size ${this.count} but ${seen} nodes`;
    let min = this.root;
    while (min !== 0 && keys[min * STRIDE + LEFT] !== 0) min = keys[min * STRIDE + LEFT] as number;
    if (min !== this.leftmost) return 'stale leftmost node';
    return undefined;
  }
}
