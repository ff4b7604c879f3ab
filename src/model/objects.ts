/**
 * The objects of the drm_gpuvm model, mirroring the kernel structures
 * (docs/model.md, "Objects"): `struct drm_gpuvm`, `struct drm_gpuva`, `struct drm_gpuvm_bo` and
 * the parts of `struct drm_gem_object` that gpuvm uses.
 *
 * Ordered kernel lists (`list_add_tail` / `list_del`) are insertion-ordered
 * `Set`s: deleting and re-adding an element moves it to the tail, exactly as
 * the kernel's lists do, with O(1) membership and removal.
 */

import { add, sub, type U64 } from '../base/u64';
import type { KernelEnv } from './kernel-env';
import { Lock } from './kernel-env';
import { Kref } from './kref';
import type { IntervalNode } from './va-tree';
import { VaTree } from './va-tree';

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
    readonly size: U64,
    public resv: Lock,
  ) {
    this.gpuvaLock = new Lock(`bo${label}.gpuva.lock`);
  }
}

/** `struct drm_gpuva`: one mapping; also its node in the VA tree. */
export class GpuVa implements IntervalNode<GpuVa> {
  // Interval-tree node fields (`rb.node`, `rb.__subtree_last`).
  start: U64;
  last: U64;
  subLast: U64;
  startKey: number;
  lastKey: number;
  subLastKey: number;
  left: GpuVa | null = null;
  right: GpuVa | null = null;
  parent: GpuVa | null = null;
  red = false;

  /** Set by a successful insert and never cleared, as in the kernel. */
  vm: GpuVm | null = null;
  vmBo: GpuVmBo | null = null;
  inserted = false;
  flags = 0;
  /** True only for a VM's embedded `kernel_alloc_node`. */
  kernel = false;

  /** Exclusive end, `addr + range` wrapping. */
  readonly end: U64;

  constructor(
    readonly addr: U64,
    readonly range: U64,
    readonly obj: GemObject | null,
    readonly offset: U64,
  ) {
    this.start = addr;
    this.end = add(addr, range);
    this.last = sub(this.end, 1n);
    this.subLast = this.last;
    this.startKey = Number(addr);
    this.lastKey = Number(this.last);
    this.subLastKey = this.lastKey;
  }

}

/** `struct drm_gpuvm_bo`: the unique (VM, GEM) link. */
export class GpuVmBo {
  readonly kref = new Kref();
  /** `list.gpuva`: linked VAs in link order. */
  readonly vas = new Set<GpuVa>();
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
  /** `mm_start + mm_range` (wrapping), the exclusive end of the window. */
  readonly mmEnd: U64;
  /** `name`; null once finalised (debugfs then reports -ENODEV). */
  name: string | null;
  freed = false;

  constructor(
    readonly env: KernelEnv,
    name: string,
    readonly flags: GpuVmFlags,
    readonly mmStart: U64,
    readonly mmRange: U64,
    kernelStart: U64,
    kernelRange: U64,
    /** `r_obj`: the GEM whose resv is the VM's common resv. */
    readonly rObj: GemObject,
  ) {
    this.name = name;
    this.mmEnd = add(mmStart, mmRange);
    this.immediateMode = flags.immediateMode && env.options.immediateModeSupported;
    this.resvProtected = flags.resvProtected;
    this.kernelNode = new GpuVa(kernelStart, kernelRange, null, 0n);
    this.kernelNode.kernel = true;
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
