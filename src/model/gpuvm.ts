/**
 * The drm_gpuvm API: VM lifecycle, the VA tree, VA <-> VM_BO links and VM_BO
 * reference management, each function mirroring the kernel function named in
 * its comment (docs/model.md), including every lockdep assertion and
 * WARN the kernel evaluates, in the same order.
 *
 * Invariants kept here (checked by `invariants.ts`):
 * - an inserted VA other than the kernel node holds one VM reference;
 * - a linked VA holds one VM_BO reference; a VM_BO holds one VM and one GEM
 *   reference;
 * - a VA is on its VM_BO's list iff `va.vmBo` is set.
 */

import { add64, addOverflows64, dec64, inc64, isZero64, U64_MAX, type Num64 } from '../base/u64';
import { KernelEnv, Lock } from './kernel-env';
import { GemObject, GpuVa, GpuVm, GpuVmBo, type GpuVmFlags } from './objects';

export type Errno = '-EINVAL' | '-EEXIST' | '-ENOMEM' | '-EALREADY' | '-ENOENT';

export const WARN_ADDRESS_LIMIT = 'GPUVA address limited to 8 bytes.';
export const WARN_KERNEL_NODE = "Can't destroy kernel reserved node.";
export const WARN_TREE_NOT_EMPTY = 'GPUVA tree is not empty, potentially leaking memory.';
export const WARN_EXTOBJ_NOT_EMPTY = 'Extobj list should be empty.';
export const WARN_EVICT_NOT_EMPTY = 'Evict list should be empty.';
export const WARN_BO_DEFER_NOT_EMPTY = 'VM BO cleanup list should be empty.';
const WARN_NOT_IMMEDIATE = 'drm_WARN_ON(!drm_gpuvm_immediate_mode(gpuvm))';

// ---------------------------------------------------------------------------
// GEM objects

/** `drm_gem_object_get`. */
export function gemGet(env: KernelEnv, obj: GemObject): void {
  obj.refcount.get(env);
}

/** `drm_gem_object_put`: the object is freed when its last reference goes. */
export function gemPut(env: KernelEnv, obj: GemObject): void {
  if (obj.refcount.put(env)) obj.freed = true;
}

/**
 * `drm_gpuvm_resv_object_alloc`: a dummy GEM whose reservation becomes the
 * VM's common resv (named `vm.resv` in lock reports).
 */
export function resvObjectAlloc(): GemObject {
  return new GemObject('vmresv', 0n, new Lock('vm.resv'));
}

// ---------------------------------------------------------------------------
// VM lifecycle

export interface GpuVmInit {
  name?: string;
  flags: GpuVmFlags;
  start: Num64;
  range: Num64;
  kernelStart: Num64;
  kernelRange: Num64;
  rObj: GemObject;
}

/**
 * `drm_gpuvm_init`: cannot fail; WARNs on overflowing windows. The VM is on
 * the number path when its windows qualify (`number-path.ts`), else every
 * value is taken as a bigint.
 */
export function gpuvmInit(env: KernelEnv, init: GpuVmInit): GpuVm {
  const vm = new GpuVm(env, init.name ?? 'unknown', init.flags, init.start, init.range, init.kernelStart, init.kernelRange, init.rObj);
  gemGet(env, init.rObj);
  if (addOverflows64(vm.mmStart, vm.mmRange)) env.warn(WARN_ADDRESS_LIMIT);
  const kernel = vm.kernelNode;
  if (!isZero64(kernel.range)) {
    // An overflowing reserved window WARNs and is not inserted, but its bounds
    // stay set and keep being consulted by the range checks.
    if (addOverflows64(kernel.addr, kernel.range)) env.warn(WARN_ADDRESS_LIMIT);
    else treeInsert(vm, kernel);
  }
  return vm;
}

/** `drm_gpuvm_get`. */
export function gpuvmGet(vm: GpuVm): GpuVm {
  vm.kref.get(vm.env);
  return vm;
}

/** `drm_gpuvm_put`: at zero, `drm_gpuvm_fini` then the driver's `vm_free`. */
export function gpuvmPut(vm: GpuVm | null): void {
  if (!vm) return;
  if (!vm.kref.put(vm.env)) return;
  gpuvmFini(vm);
  vm.freed = true;
}

/** `drm_gpuvm_fini`. */
function gpuvmFini(vm: GpuVm): void {
  const env = vm.env;
  vm.name = null;
  if (!isZero64(vm.kernelNode.range)) {
    // The kernel removes the node unconditionally; one that was never inserted
    // (overflowing window) has no VM pointer and the removal dereferences NULL.
    if (!vm.kernelNode.inserted) env.oops('drm_gpuvm_fini');
    treeRemove(vm, vm.kernelNode);
  }
  if (vm.tree.size !== 0) env.warn(WARN_TREE_NOT_EMPTY);
  if (vm.extobj.size !== 0) env.warn(WARN_EXTOBJ_NOT_EMPTY);
  if (vm.evict.size !== 0) env.warn(WARN_EVICT_NOT_EMPTY);
  if (env.options.deferredCleanup && vm.boDefer.length !== 0) env.warn(WARN_BO_DEFER_NOT_EMPTY);
  gemPut(env, vm.rObj);
}

// ---------------------------------------------------------------------------
// Range checks

/** `drm_gpuvm_range_valid` (docs/model.md, "Range validation"), wrapping arithmetic included. */
export function rangeValid(vm: GpuVm, addr: Num64, range: Num64): boolean {
  if (isZero64(range) && vm.env.options.rejectZeroRange) return false;
  let end: Num64;
  if (typeof addr === 'number') {
    end = addr + (range as number);
  } else {
    end = addr + (range as bigint);
    // check_add_overflow: the unwrapped sum must fit in u64 (numbers on the
    // number path never overflow).
    if (end > U64_MAX) return false;
  }
  if (!(addr >= vm.mmStart && end <= vm.mmEnd)) return false;
  const kernel = vm.kernelNode;
  return isZero64(kernel.range) || !(addr < kernel.end && kernel.addr < end);
}

// ---------------------------------------------------------------------------
// The VA tree

function treeInsert(vm: GpuVm, va: GpuVa): Errno | 0 {
  if (!vm.tree.insertIfFree(va)) return '-EEXIST';
  va.vm = vm;
  va.inserted = true;
  vm.env.onInsert?.(va);
  return 0;
}

function treeRemove(vm: GpuVm, va: GpuVa): void {
  vm.tree.remove(va);
  va.inserted = false;
}

/** `drm_gpuva_insert`: validates, rejects overlaps, takes a VM reference. */
export function vaInsert(vm: GpuVm, va: GpuVa): Errno | 0 {
  if (!rangeValid(vm, va.addr, va.range)) return '-EINVAL';
  const ret = treeInsert(vm, va);
  if (ret === 0) gpuvmGet(vm);
  return ret;
}

/** `drm_gpuva_remove`: refuses (WARN) the kernel node; drops the VM reference. */
export function vaRemove(va: GpuVa): void {
  const vm = va.vm;
  // A VA that was never inserted has no VM: the kernel dereferences NULL.
  if (!vm) throw new Error('model bug: removing a VA that was never inserted');
  if (va.kernel) {
    vm.env.warn(WARN_KERNEL_NODE);
    return;
  }
  treeRemove(vm, va);
  gpuvmPut(vm);
}

/** `drm_gpuva_find_first`: the lowest VA meeting [addr, addr + range - 1]. */
export function vaFindFirst(vm: GpuVm, addr: Num64, range: Num64): GpuVa | null {
  return vm.tree.iterFirst(addr, dec64(add64(addr, range)));
}

/** `drm_gpuva_find`: only an exact (addr, range) match. */
export function vaFind(vm: GpuVm, addr: Num64, range: Num64): GpuVa | null {
  const va = vaFindFirst(vm, addr, range);
  return va && va.addr === addr && va.range === range ? va : null;
}

/** `drm_gpuva_find_prev`: searches the window [start - 1, start] (docs/model.md, "VA tree lookups"). */
export function vaFindPrev(vm: GpuVm, start: Num64): GpuVa | null {
  const before = dec64(start);
  if (!rangeValid(vm, before, typeof before === 'number' ? 1 : 1n)) return null;
  return vm.tree.iterFirst(before, start);
}

/** `drm_gpuva_find_next`: searches the window [end, end + 1]. */
export function vaFindNext(vm: GpuVm, end: Num64): GpuVa | null {
  if (!rangeValid(vm, end, typeof end === 'number' ? 1 : 1n)) return null;
  return vm.tree.iterFirst(end, inc64(end));
}

/** `drm_gpuvm_interval_empty`: the kernel node counts as occupied. */
export function intervalEmpty(vm: GpuVm, addr: Num64, range: Num64): boolean {
  return vaFindFirst(vm, addr, range) === null;
}

/**
 * `drm_gpuvm_for_each_va_range`: the VAs from `find_first(start, end - start)`
 * along the list while `va.addr < end`, collected up front (the callers'
 * "safe" iteration: the list may change while they are processed).
 */
export function vasInRange(vm: GpuVm, start: Num64, end: Num64): GpuVa[] {
  const vas: GpuVa[] = [];
  const tree = vm.tree;
  for (let va = tree.iterFirst(start, dec64(end)); va !== null && va.addr < end; va = tree.next(va)) vas.push(va);
  return vas;
}

// ---------------------------------------------------------------------------
// Locks

/** The GEM-list lock of `obj` for `vm`: `gpuva.lock` in immediate mode, else the resv. */
export function gemListLock(vm: GpuVm, obj: GemObject): Lock {
  return vm.immediateMode ? obj.gpuvaLock : obj.resv;
}

/** `drm_gem_gpuva_assert_lock_held(vm, obj)`. */
function assertGemLock(vm: GpuVm, obj: GemObject, fn: string): void {
  vm.env.assertHeld('drm_gem_gpuva_assert_lock_held', gemListLock(vm, obj), fn);
}

/** `drm_gpuvm_resv_assert_held(vm)`. */
export function assertVmResv(vm: GpuVm, fn: string): void {
  vm.env.assertHeld('dma_resv_assert_held', vm.resv, fn);
}

/** `drm_gpuvm_is_extobj`. */
export function isExtobj(vm: GpuVm, obj: GemObject): boolean {
  return obj.resv !== vm.resv;
}

// ---------------------------------------------------------------------------
// VA <-> VM_BO links

/** `drm_gpuva_link`: a VA without an object is not linked. */
export function vaLink(va: GpuVa, vmBo: GpuVmBo): void {
  const obj = va.obj;
  if (!obj) return;
  const vm = va.vm;
  if (!vm) vmBo.vm.env.oops('drm_gpuva_link');
  if (obj !== vmBo.obj) vm.env.warn('drm_WARN_ON(obj != vm_bo->obj)');
  boGet(vmBo);
  va.vmBo = vmBo;
  assertGemLock(vm, obj, 'drm_gpuva_link');
  vmBo.vas.add(va);
}

/** `drm_gpuva_unlink`: drops the VA's VM_BO reference (possibly the last). */
export function vaUnlink(va: GpuVa): void {
  const obj = va.obj;
  if (!obj) return;
  const vmBo = va.vmBo;
  const vm = va.vm;
  if (!vm) throw new Error('model bug: unlinking a VA that was never inserted');
  assertGemLock(vm, obj, 'drm_gpuva_unlink');
  if (vmBo) vmBo.vas.delete(va);
  va.vmBo = null;
  // The kernel passes a NULL vm_bo to drm_gpuvm_bo_put, which ignores it.
  if (vmBo) boPut(vmBo);
}

// ---------------------------------------------------------------------------
// VM_BOs

/** `drm_gpuvm_bo_create`: takes a VM and a GEM reference; on no list yet. */
export function boCreate(vm: GpuVm, obj: GemObject): GpuVmBo {
  const vmBo = new GpuVmBo(gpuvmGet(vm), obj);
  gemGet(vm.env, obj);
  return vmBo;
}

/** `__drm_gpuvm_bo_find`: no reference taken. */
function boLookup(vm: GpuVm, obj: GemObject): GpuVmBo | null {
  assertGemLock(vm, obj, '__drm_gpuvm_bo_find');
  for (const vmBo of obj.vmBos) if (vmBo.vm === vm) return vmBo;
  return null;
}

/** `drm_gpuvm_bo_find`: returns the VM_BO with a new reference, or null. */
export function boFind(vm: GpuVm, obj: GemObject): GpuVmBo | null {
  const vmBo = boLookup(vm, obj);
  if (vmBo) boGet(vmBo);
  return vmBo;
}

/** `drm_gpuvm_bo_obtain`: find, or create and add to the GEM's list. */
export function boObtain(vm: GpuVm, obj: GemObject): GpuVmBo {
  if (vm.env.options.obtainWarnsInImmediateMode && vm.immediateMode) {
    vm.env.warn('drm_WARN_ON(drm_gpuvm_immediate_mode(gpuvm))');
  }
  const found = boFind(vm, obj);
  if (found) return found;
  const vmBo = boCreate(vm, obj);
  assertGemLock(vm, obj, 'drm_gpuvm_bo_obtain');
  obj.vmBos.add(vmBo);
  return vmBo;
}

/** `drm_gpuvm_bo_get`. */
export function boGet(vmBo: GpuVmBo): GpuVmBo {
  vmBo.kref.get(vmBo.vm.env);
  return vmBo;
}

/** `drm_gpuvm_bo_put`: returns true when the VM_BO was destroyed. */
export function boPut(vmBo: GpuVmBo | null): boolean {
  if (!vmBo) return false;
  if (!vmBo.kref.put(vmBo.vm.env)) return false;
  boDestroy(vmBo);
  return true;
}

/** `drm_gpuvm_bo_destroy`: the kref release of a VM_BO. */
function boDestroy(vmBo: GpuVmBo): void {
  const vm = vmBo.vm;
  const obj = vmBo.obj;
  if (vm.resvProtected) assertVmResv(vm, 'drm_gpuvm_bo_destroy');
  vm.extobj.delete(vmBo);
  vm.evict.delete(vmBo);
  assertGemLock(vm, obj, 'drm_gpuvm_bo_destroy');
  obj.vmBos.delete(vmBo);
  vmBo.destroyed = true;
  gpuvmPut(vm);
  gemPut(vm.env, obj);
}

// ---------------------------------------------------------------------------
// Deferred VM_BO cleanup (6.19+): what immediate-mode drivers call from the
// fence-signalling path, where the final put may not take the resv or free.

/** Removes a VM_BO whose count reached zero from the GEM (and lists), keeping its references: a zombie. */
function boZombify(vmBo: GpuVmBo): void {
  const vm = vmBo.vm;
  if (!vm.resvProtected) {
    vm.extobj.delete(vmBo);
    vm.evict.delete(vmBo);
  }
  vmBo.obj.vmBos.delete(vmBo);
}

/**
 * `drm_gpuvm_bo_put_deferred`: the decrement to zero happens under the GEM's
 * `gpuva.lock`; the VM_BO then waits on `bo_defer`, still holding its VM and
 * GEM references, until `drm_gpuvm_bo_deferred_cleanup`.
 */
export function boPutDeferred(vmBo: GpuVmBo | null): boolean {
  if (!vmBo) return false;
  const vm = vmBo.vm;
  if (!vm.immediateMode) vm.env.warn(WARN_NOT_IMMEDIATE);
  const lock = vmBo.obj.gpuvaLock;
  const wasHeld = lock.held;
  if (vmBo.kref.value === 1) lock.held = true;
  const zero = vmBo.kref.put(vm.env);
  if (zero) boZombify(vmBo);
  lock.held = wasHeld;
  if (zero) vm.boDefer.push(vmBo);
  return zero;
}

/** `drm_gpuva_unlink_defer`: unlink under the GEM's `gpuva.lock`, deferring a final put. */
export function vaUnlinkDefer(va: GpuVa): void {
  const obj = va.obj;
  if (!obj) return;
  const vmBo = va.vmBo;
  const vm = va.vm;
  if (!vm) throw new Error('model bug: unlinking a VA that was never inserted');
  if (!vm.immediateMode) vm.env.warn(WARN_NOT_IMMEDIATE);
  const wasHeld = obj.gpuvaLock.held;
  obj.gpuvaLock.held = true;
  let zombie = false;
  if (vmBo) {
    vmBo.vas.delete(va);
    zombie = vmBo.kref.put(vm.env);
    if (zombie) boZombify(vmBo);
  }
  obj.gpuvaLock.held = wasHeld;
  if (vmBo && zombie) vm.boDefer.push(vmBo);
  va.vmBo = null;
}

/** `drm_gpuvm_bo_deferred_cleanup`: frees every zombie (VM put, then GEM put, each). */
export function boDeferredCleanup(vm: GpuVm): void {
  const zombies = vm.boDefer.splice(0);
  if (zombies.length === 0) return;
  if (vm.resvProtected) {
    const wasHeld = vm.resv.held;
    vm.resv.held = true;
    for (const vmBo of zombies) {
      vm.extobj.delete(vmBo);
      vm.evict.delete(vmBo);
    }
    vm.resv.held = wasHeld;
  }
  for (const vmBo of zombies) {
    vmBo.destroyed = true;
    gpuvmPut(vm);
    gemPut(vm.env, vmBo.obj);
  }
}

/** `drm_gpuvm_bo_extobj_add`: idempotent; only objects with a foreign resv. */
export function boExtobjAdd(vmBo: GpuVmBo): void {
  const vm = vmBo.vm;
  if (vm.resvProtected) assertVmResv(vm, 'drm_gpuvm_bo_extobj_add');
  if (isExtobj(vm, vmBo.obj) && !vm.extobj.has(vmBo)) vm.extobj.add(vmBo);
}

/** `drm_gpuvm_bo_evict`. */
export function boEvict(vmBo: GpuVmBo, evict: boolean): void {
  const vm = vmBo.vm;
  vm.env.assertHeld('dma_resv_assert_held', vmBo.obj.resv, 'drm_gpuvm_bo_evict');
  vmBo.evicted = evict;
  // With RESV_PROTECTED an external object's list membership waits for
  // prepare_objects, which runs under the VM's resv.
  if (isExtobj(vm, vmBo.obj) && vm.resvProtected) return;
  if (evict) {
    if (!vm.evict.has(vmBo)) vm.evict.add(vmBo);
  } else {
    vm.evict.delete(vmBo);
  }
}

/** For `drm_gpuvm_bo_unmap_ops_create`, which asserts the GEM-list lock first. */
export function assertBoUnmapLock(vmBo: GpuVmBo): void {
  assertGemLock(vmBo.vm, vmBo.obj, 'drm_gpuvm_bo_unmap_ops_create');
}
