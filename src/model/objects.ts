/**
 * The objects of the drm_gpuvm model, mirroring the kernel structures
 * (docs/model.md, "Objects"): `struct drm_gpuvm`, `struct drm_gpuva`, `struct drm_gpuvm_bo` and
 * the parts of `struct drm_gem_object` that gpuvm uses.
 *
 * Ordered kernel lists (`list_add_tail` / `list_del`) are insertion-ordered
 * `Set`s: deleting and re-adding an element moves it to the tail, exactly as
 * the kernel's lists do, with O(1) membership and removal.
 *
 * Addresses, ranges and offsets are `Num64`s: all numbers in a VM on the
 * number path, all bigints otherwise (`GpuVm.numbers`); `GpuVm.widen` turns a
 * number-path VM and its VAs into bigints in place, once, when a request needs
 * the exact path (`number-path.ts`).
 */

import { add, sub, toU64, U64_MAX, type Num64, type U64 } from '../base/u64';
import { CLAMPED_END, windowOnNumbers } from './number-path';
import type { KernelEnv } from './kernel-env';
import { Lock } from './kernel-env';
import { Kref } from './kref';
import { VaTree, type IntervalNode } from './va-tree';

/** Number-path values are held as `hi * SPLIT + lo`, both halves below 2^31 (V8 small integers). */
const SPLIT = 2 ** 27;
const INV_SPLIT = 2 ** -27;

/** The high half of a number-path value (-1 for -1, the `last` of a zero-size VA at 0). */
function hiHalf(value: number): number {
  // Scaling by a power of two is exact (and cheaper than dividing).
  return Math.floor(value * INV_SPLIT);
}

function loHalf(value: number): number {
  return value - Math.floor(value * INV_SPLIT) * SPLIT;
}

/** `struct drm_gem_object` (refcount, resv, `gpuva.list`, `gpuva.lock`). */
export class GemObject {
  readonly refcount = new Kref();
  /** `obj.gpuva.list`: the VM_BOs of this object, in creation order. */
  readonly vmBos = new Set<GpuVmBo>();
  readonly gpuvaLock: Lock;
  freed = false;

  /**
   * @param label how the object is named in output (`1`, `vmresv`)
   * @param resv the reservation object: the object's own, or a VM's shared one
   */
  constructor(
    readonly label: string,
    readonly size: Num64,
    public resv: Lock,
  ) {
    this.gpuvaLock = new Lock(`bo${label}.gpuva.lock`);
  }
}

/** The exact (bigint) values of a VA off the number path. */
interface ExactValues {
  readonly addr: U64;
  readonly range: U64;
  readonly offset: U64;
  readonly end: U64;
  readonly last: U64;
}

/**
 * `struct drm_gpuva`: one mapping; also its node in the VA tree. `V` narrows
 * the representation for users that only ever build bigint VMs (traces).
 *
 * On the number path every value the split/merge walk reads is held as small
 * integers inside the object: the address, `last` and the offset each as two
 * halves below 2^31 (`hiHalf`, `loHalf`), and `addr`, `range`, `end`, `last`
 * and `offset` are computed from them (exact below 2^53, and -1 for the
 * `last` of a zero-size node at 0). A number field above
 * 2^30 would be a separate heap box in V8, one more cache miss per read and
 * one more allocation per write. Off the number path the values live in
 * `exact` as bigints.
 */
export class GpuVa<V extends Num64 = Num64> implements IntervalNode {
  /** The VA's slot in its VM's tree (`VaTree`), 0 when it is in none. */
  slot = 0;
  /** On the number path: `addr` and `last` as halves (`hiHalf`, `loHalf`). */
  startHi = 0;
  startLo = 0;
  lastHi = 0;
  lastLo = 0;
  /** The offset as halves, on the number path (see the class comment). */
  offsetHi = 0;
  offsetLo = 0;
  /** The values as bigints, off the number path; null on it. */
  exact: ExactValues | null = null;
  readonly obj: GemObject | null;

  /** Set by a successful insert and never cleared, as in the kernel. */
  vm: GpuVm | null = null;
  vmBo: GpuVmBo | null = null;
  inserted = false;
  flags = 0;
  /** True only for a VM's embedded `kernel_alloc_node`. */
  kernel = false;
  /** `gem.entry`: the VM_BO list this VA is on, and its entry there (`VaList`). */
  list: VaList | null = null;
  listIndex = -1;

  constructor(addr: V, range: V, obj: GemObject | null, offset: V) {
    this.obj = obj;
    this.set(addr, range, offset);
  }

  /** `va.va.addr`. */
  get addr(): V {
    const exact = this.exact;
    return (exact === null ? this.startHi * SPLIT + this.startLo : exact.addr) as V;
  }

  /** `va.va.range`. */
  get range(): V {
    const exact = this.exact;
    return (exact === null ? (this.lastHi - this.startHi) * SPLIT + (this.lastLo - this.startLo) + 1 : exact.range) as V;
  }

  /** `va.gem.offset`. */
  get offset(): V {
    const exact = this.exact;
    return (exact === null ? this.offsetHi * SPLIT + this.offsetLo : exact.offset) as V;
  }

  /** The start of the closed interval the tree keys by: `addr`. */
  get start(): V {
    return this.addr;
  }

  /** `addr + range - 1` wrapping: the end of the closed interval the tree keys by. */
  get last(): V {
    const exact = this.exact;
    return (exact === null ? this.lastHi * SPLIT + this.lastLo : exact.last) as V;
  }

  /** Exclusive end, `addr + range` wrapping. */
  get end(): V {
    const exact = this.exact;
    return (exact === null ? this.lastHi * SPLIT + this.lastLo + 1 : exact.end) as V;
  }

  /** Sets the values and the keys (before the VA is inserted). */
  private set(addr: V, range: V, offset: V): void {
    if (typeof addr === 'number') {
      const last = addr + (range as number) - 1;
      this.startHi = hiHalf(addr);
      this.startLo = loHalf(addr);
      this.lastHi = hiHalf(last);
      this.lastLo = loHalf(last);
      this.offsetHi = hiHalf(offset as number);
      this.offsetLo = loHalf(offset as number);
      this.exact = null;
    } else {
      const end = add(addr, range as U64);
      const last = sub(end, 1n);
      this.startHi = this.startLo = this.lastHi = this.lastLo = this.offsetHi = this.offsetLo = 0;
      this.exact = { addr, range: range as U64, offset: offset as U64, end, last };
    }
  }

  /**
   * Makes this VA a new, unlinked, uninserted one (a freed VA reused from
   * `GpuVm.vaCache`, as a slab cache hands memory out again).
   */
  reset(addr: V, range: V, obj: GemObject | null, offset: V): void {
    (this as { obj: GemObject | null }).obj = obj;
    this.set(addr, range, offset);
    this.vm = null;
    this.vmBo = null;
    this.inserted = false;
    this.flags = 0;
    this.kernel = false;
    this.list = null;
    this.listIndex = -1;
  }

  /** Turns the number values into bigints (same values; a tree keeps the keys it took). */
  widen(): void {
    if (this.exact !== null) return;
    const addr = toU64(this.addr);
    const range = toU64(this.range);
    const last = widenLast(this.last);
    this.exact = { addr, range, offset: toU64(this.offset), end: add(addr, range), last };
  }
}

/**
 * A number-path `last` as a bigint. A number VA in a tree never ends at 0
 * (`number-path.ts`), so -1 (`0 - 1` unwrapped) can only be the unused
 * `last` of a zero-size kernel node that is not in the tree.
 */
function widenLast(last: Num64): U64 {
  return last === -1 ? U64_MAX : toU64(last);
}

/**
 * `list.gpuva` of a VM_BO: its VAs in link order, as the kernel's list
 * (`list_add_tail`, `list_del`). A VA is on at most one list (`va.list`) and
 * knows its entry there (`va.listIndex`). Unlinking clears the entry and
 * touches no other VA (a linked list would write both neighbours, two cache
 * misses on VAs linked at random times); entries are appended, and the
 * cleared ones are dropped once they outnumber the live ones, when nothing
 * walks the list. The methods are the subset of `Set` the model uses, with
 * the same results.
 */
export class VaList {
  private entries: (GpuVa | null)[] = [];
  /** Walks in progress: the entries are not moved under them. */
  private walking = 0;
  size = 0;

  has(va: GpuVa): boolean {
    return va.list === this;
  }

  /** `list_add_tail`; a VA already on this list stays where it is. */
  add(va: GpuVa): this {
    if (va.list === this) return this;
    if (va.list) va.list.delete(va);
    const entries = this.entries;
    if (entries.length >= 64 && entries.length > 2 * this.size && this.walking === 0) this.compact();
    va.list = this;
    va.listIndex = this.entries.length;
    this.entries.push(va);
    this.size++;
    return this;
  }

  /** `list_del`; false when the VA is not on this list. */
  delete(va: GpuVa): boolean {
    if (va.list !== this) return false;
    this.entries[va.listIndex] = null;
    va.list = null;
    va.listIndex = -1;
    this.size--;
    return true;
  }

  /** Drops the cleared entries, keeping the order. */
  private compact(): void {
    const entries = this.entries;
    let kept = 0;
    for (let i = 0; i < entries.length; i++) {
      const va = entries[i] as GpuVa | null;
      if (va === null) continue;
      va.listIndex = kept;
      entries[kept++] = va;
    }
    entries.length = kept;
  }

  *values(): IterableIterator<GpuVa> {
    // VAs linked meanwhile are visited too, unlinked ones are not.
    this.walking++;
    try {
      const entries = this.entries;
      for (let i = 0; i < entries.length; i++) {
        const va = entries[i] as GpuVa | null;
        if (va !== null) yield va;
      }
    } finally {
      this.walking--;
    }
  }

  [Symbol.iterator](): IterableIterator<GpuVa> {
    return this.values();
  }
}

/** `struct drm_gpuvm_bo`: the unique (VM, GEM) link. */
export class GpuVmBo {
  readonly kref = new Kref();
  /** `list.gpuva`: linked VAs in link order. */
  readonly vas = new VaList();
  evicted = false;
  destroyed = false;

  constructor(
    readonly vm: GpuVm,
    readonly obj: GemObject,
  ) {}
}

export interface GpuVmFlags {
  readonly resvProtected: boolean;
  readonly immediateMode: boolean;
}

/** `struct drm_gpuvm`: the GPU VA space. */
export class GpuVm {
  readonly tree = new VaTree<GpuVa>();
  readonly kref = new Kref();
  /** `extobj.list` and `evict.list`, in list order. */
  readonly extobj = new Set<GpuVmBo>();
  readonly evict = new Set<GpuVmBo>();
  /** `bo_defer` (6.19+): zombie VM_BOs awaiting `drm_gpuvm_bo_deferred_cleanup`. */
  readonly boDefer: GpuVmBo[] = [];
  /** The embedded `kernel_alloc_node`; in the tree only when inserted. */
  readonly kernelNode: GpuVa;
  /**
   * `mm_start`, `mm_range` and `mm_start + mm_range` (wrapping), the
   * exclusive end of the window; on the number path, a window reaching past
   * 2^53 - 1 is held clamped to end at 2^53 (`number-path.ts`).
   */
  readonly mmStart: Num64;
  readonly mmRange: Num64;
  readonly mmEnd: Num64;
  /** The window as given, for `widen`. */
  private readonly window: readonly [Num64, Num64];
  /** Addresses, ranges and offsets of this VM and its VAs are numbers (see the module comment). */
  readonly numbers: boolean;
  /**
   * VAs this VM's driver freed, kept for reuse by its next insertions, or
   * null: only a driver that keeps no reference to a VA once it is removed
   * (`gpuvm-lens replay`, which prints each op before it is applied) sets it.
   */
  vaCache: GpuVa[] | null = null;
  /** `name`; null once finalised (debugfs then reports -ENODEV). */
  name: string | null;
  freed = false;

  constructor(
    readonly env: KernelEnv,
    name: string,
    readonly flags: GpuVmFlags,
    mmStart: Num64,
    mmRange: Num64,
    kernelStart: Num64,
    kernelRange: Num64,
    /** `r_obj`: the GEM whose resv is the VM's common resv. */
    readonly rObj: GemObject,
  ) {
    this.name = name;
    this.window = [mmStart, mmRange];
    this.numbers = windowOnNumbers(mmStart, mmRange, kernelStart, kernelRange);
    if (this.numbers) {
      this.mmStart = mmStart;
      // Below 2^53 the sum is exact; above, it rounds to at least 2^53.
      this.mmEnd = Math.min((mmStart as number) + Number(mmRange), CLAMPED_END);
      this.mmRange = this.mmEnd - (mmStart as number);
    } else {
      this.mmStart = toU64(mmStart);
      this.mmRange = toU64(mmRange);
      this.mmEnd = add(this.mmStart, this.mmRange);
    }
    this.immediateMode = flags.immediateMode && env.options.immediateModeSupported;
    this.resvProtected = flags.resvProtected;
    this.kernelNode = this.numbers
      ? new GpuVa(kernelStart, kernelRange, null, 0)
      : new GpuVa(toU64(kernelStart), toU64(kernelRange), null, 0n);
    this.kernelNode.kernel = true;
  }

  /**
   * Moves this VM to the bigint representation, in place: the window, the
   * kernel node and every VA in the tree (the VAs of VM_BOs are all in it).
   * The tree's shape and numeric keys do not change: the values do not.
   */
  widen(): void {
    if (!this.numbers) return;
    const self = this as { numbers: boolean; mmStart: Num64; mmRange: Num64; mmEnd: Num64 };
    self.numbers = false;
    self.mmStart = toU64(this.window[0]);
    self.mmRange = toU64(this.window[1]);
    self.mmEnd = add(self.mmStart as U64, self.mmRange as U64);
    if (!this.kernelNode.inserted) this.kernelNode.widen();
    for (const va of this.tree) va.widen();
  }

  /** `drm_gpuvm_resv(vm)`. */
  get resv(): Lock {
    return this.rObj.resv;
  }

  /** `drm_gpuvm_immediate_mode()`, honouring versions that lack the flag. */
  readonly immediateMode: boolean;
  /** `drm_gpuvm_resv_protected()`. */
  readonly resvProtected: boolean;
}
