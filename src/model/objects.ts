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
import { keyHi, keyLo, setKeys, SPLIT, VaTree, type IntervalNode } from './va-tree';

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

/** A bigint VA's values (`GpuVa.wide`). */
interface WideValues {
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
 * On the number path the values live only in the split keys (`va-tree.ts`):
 * `addr` is the start key, `last` the last key, `offset` a key pair of its
 * own, and `end`/`range` follow from them (all exact below 2^53). Every field
 * of such a VA is then a small integer or a pointer: a number above 2^31
 * kept in a field would be a heap number of its own, one more object per
 * value to allocate, to follow on every read and for the GC to trace, which
 * made a tree of 90k VAs with addresses above 4 GiB a third slower than one
 * below. A bigint VA keeps its exact values in `wide`.
 */
export class GpuVa<V extends Num64 = Num64> implements IntervalNode<GpuVa> {
  // Interval-tree node fields (`rb.node`, `rb.__subtree_last`) first, in the
  // order a lookup reads them (a descent reads the subtree maximum of a child
  // before anything else of it): V8 lays fields out in this order, so the
  // lookup touches the start of each node only.
  subHi = 0;
  subLo = 0;
  left: GpuVa | null = null;
  right: GpuVa | null = null;
  startHi = 0;
  startLo = 0;
  lastHi = 0;
  lastLo = 0;
  parent: GpuVa | null = null;
  red = false;
  /** `offset` as a key pair, on the number path. */
  private offsetHi = 0;
  private offsetLo = 0;
  /** The exact values of a bigint VA; null on the number path. */
  private wide: WideValues | null = null;

  /** Set by a successful insert and never cleared, as in the kernel. */
  vm: GpuVm | null = null;
  vmBo: GpuVmBo | null = null;
  inserted = false;
  flags = 0;
  /** True only for a VM's embedded `kernel_alloc_node`. */
  kernel = false;
  /** `gem.entry`: the VM_BO list this VA is on, and its neighbours there (`VaList`). */
  list: VaList | null = null;
  listPrev: GpuVa | null = null;
  listNext: GpuVa | null = null;
  readonly obj: GemObject | null;

  constructor(addr: V, range: V, obj: GemObject | null, offset: V) {
    this.obj = obj;
    this.setValues(addr, range, offset);
  }

  /** `va.addr`. */
  get addr(): V {
    const wide = this.wide;
    return (wide === null ? this.startHi * SPLIT + this.startLo : wide.addr) as V;
  }

  /** `va.range`. */
  get range(): V {
    const wide = this.wide;
    return (wide === null ? (this.lastHi - this.startHi) * SPLIT + (this.lastLo - this.startLo) + 1 : wide.range) as V;
  }

  /** `gem.offset`. */
  get offset(): V {
    const wide = this.wide;
    return (wide === null ? this.offsetHi * SPLIT + this.offsetLo : wide.offset) as V;
  }

  /** `va.addr`, the start of the closed interval the tree keys by. */
  get start(): V {
    return this.addr;
  }

  /** `addr + range - 1` wrapping: the end of the closed interval the tree keys by. */
  get last(): V {
    const wide = this.wide;
    return (wide === null ? this.lastHi * SPLIT + this.lastLo : wide.last) as V;
  }

  /** Exclusive end, `addr + range` wrapping. */
  get end(): V {
    const wide = this.wide;
    return (wide === null ? this.lastHi * SPLIT + this.lastLo + 1 : wide.end) as V;
  }

  private setValues(addr: Num64, range: Num64, offset: Num64): void {
    if (typeof addr === 'number') {
      const end = addr + (range as number);
      setKeys(this, addr, end - 1);
      this.offsetHi = keyHi(offset);
      this.offsetLo = keyLo(offset);
      this.wide = null;
    } else {
      const end = add(addr, range as U64);
      const last = sub(end, 1n);
      setKeys(this, addr, last);
      this.offsetHi = this.offsetLo = 0;
      this.wide = { addr, range: range as U64, offset: offset as U64, end, last };
    }
  }

  /**
   * Makes this VA a new, unlinked, uninserted one (a freed VA reused from
   * `GpuVm.freeVas`, as a slab cache hands memory out again).
   */
  reset(addr: V, range: V, obj: GemObject | null, offset: V): void {
    (this as { obj: GemObject | null }).obj = obj;
    this.setValues(addr, range, offset);
    this.left = this.right = this.parent = null;
    this.red = false;
    this.vm = null;
    this.vmBo = null;
    this.inserted = false;
    this.flags = 0;
    this.kernel = false;
    this.list = this.listPrev = this.listNext = null;
  }

  /**
   * Turns the number values into bigints (same values). The keys of a VA in
   * a tree do not change; one outside it gets the keys of its wrapped `last`.
   */
  widen(): void {
    if (this.wide !== null) return;
    const addr = toU64(this.addr);
    const last = widenLast(this.last);
    const end = toU64(this.end);
    this.wide = { addr, range: toU64(this.range), offset: toU64(this.offset), end, last };
    if (!this.inserted) setKeys(this, addr, last);
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
 * `list.gpuva` of a VM_BO: its VAs in link order, as the kernel's intrusive
 * list (`list_add_tail`, `list_del`): the links live in the VAs, so linking
 * and unlinking allocate nothing. A VA is on at most one list. The methods
 * are the subset of `Set` the model uses, with the same results.
 */
export class VaList {
  private head: GpuVa | null = null;
  private tail: GpuVa | null = null;
  size = 0;

  has(va: GpuVa): boolean {
    return va.list === this;
  }

  /** `list_add_tail`; a VA already on this list stays where it is. */
  add(va: GpuVa): this {
    if (va.list === this) return this;
    if (va.list) va.list.delete(va);
    va.list = this;
    va.listPrev = this.tail;
    va.listNext = null;
    if (this.tail) this.tail.listNext = va;
    else this.head = va;
    this.tail = va;
    this.size++;
    return this;
  }

  /** `list_del`; false when the VA is not on this list. */
  delete(va: GpuVa): boolean {
    if (va.list !== this) return false;
    const prev = va.listPrev;
    const next = va.listNext;
    if (prev) prev.listNext = next;
    else this.head = next;
    if (next) next.listPrev = prev;
    else this.tail = prev;
    va.list = va.listPrev = va.listNext = null;
    this.size--;
    return true;
  }

  *values(): IterableIterator<GpuVa> {
    // The next VA is read first, so the current one may be unlinked meanwhile.
    for (let va = this.head; va;) {
      const next: GpuVa | null = va.listNext;
      yield va;
      va = next;
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
   * The VAs this VM's driver freed are kept for reuse by its next insertions:
   * only a driver that keeps no reference to a VA once it is removed
   * (`gpuvm-lens replay`, which prints each op before it is applied) sets it.
   */
  reuseVas = false;
  /**
   * The freed VAs kept (`reuseVas`), linked through `listNext` (a freed VA
   * is on no VM_BO list), and how many. A chain in the VAs, not an array: an
   * array's elements kind would be set anew for every VM, and code compiled
   * for one VM's cache would be thrown away at the next VM's first pop.
   */
  freeVas: GpuVa | null = null;
  freeVaCount = 0;
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
