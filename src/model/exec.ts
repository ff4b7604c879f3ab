/**
 * `drm_exec` and the gpuvm helpers built on it (docs/model.md, "Locking helpers"): a lock set over
 * reservation objects that never contends and holds a GEM reference on every
 * object it locked until `fini`.
 *
 * Locking is per reservation: a second object that shares an already locked
 * resv (a VM-private BO, the same BO twice) is `-EALREADY`, ignored (and not
 * recorded) with "ignore duplicates". A NULL object is a NULL dereference.
 */

import type { KernelEnv, Lock } from './kernel-env';
import type { GemObject, GpuVm } from './objects';
import { assertVmResv, gemGet, gemPut, vasInRange, type Errno } from './gpuvm';
import { add64, type Num64 } from '../base/u64';

export class DrmExec {
  /** Objects in the order they were locked (`drm_exec_for_each_locked_object`). */
  readonly objects: GemObject[] = [];
  private readonly resvs = new Set<Lock>();

  constructor(
    private readonly env: KernelEnv,
    private readonly ignoreDuplicates: boolean,
  ) {}

  /** `drm_exec_lock_obj` (and `drm_exec_prepare_obj`: fence slots are not modelled). */
  lock(obj: GemObject | null, where = 'drm_exec_lock_obj'): 0 | Errno {
    if (!obj) this.env.oops(where);
    if (this.resvs.has(obj.resv)) return this.ignoreDuplicates ? 0 : '-EALREADY';
    obj.resv.held = true;
    this.resvs.add(obj.resv);
    gemGet(this.env, obj);
    this.objects.push(obj);
    return 0;
  }

  /** `drm_exec_fini`: unlock everything and drop the references. */
  fini(): void {
    for (const resv of this.resvs) resv.held = false;
    for (const obj of this.objects) gemPut(this.env, obj);
    this.resvs.clear();
    this.objects.length = 0;
  }
}

/** `drm_gpuvm_prepare_vm`. */
export function prepareVm(vm: GpuVm, exec: DrmExec): 0 | Errno {
  return exec.lock(vm.rObj);
}

/** `drm_gpuvm_prepare_objects`: every external object of the VM. */
export function prepareObjects(vm: GpuVm, exec: DrmExec): 0 | Errno {
  if (vm.resvProtected) {
    // drm_gpuvm_prepare_objects_locked: walks the list under the VM's resv.
    assertVmResv(vm, 'drm_gpuvm_prepare_objects_locked');
    for (const vmBo of vm.extobj) {
      if (vmBo.kref.value === 0) continue;
      const ret = exec.lock(vmBo.obj);
      if (ret) return ret;
      if (vmBo.evicted && !vm.evict.has(vmBo)) vm.evict.add(vmBo);
    }
    return 0;
  }
  // The lockless walk holds a temporary VM_BO reference per step; it is never
  // the last one, so only the locking order is observable.
  for (const vmBo of [...vm.extobj]) {
    const ret = exec.lock(vmBo.obj);
    if (ret) return ret;
  }
  return 0;
}

/** `drm_gpuvm_prepare_range`: the object of every VA in the range. */
export function prepareRange(vm: GpuVm, exec: DrmExec, addr: Num64, range: Num64): 0 | Errno {
  for (const va of vasInRange(vm, addr, add64(addr, range))) {
    if (!va.obj && vm.env.options.prepareRangeSkipsNullObject) continue;
    const ret = exec.lock(va.obj, 'drm_gpuvm_prepare_range');
    if (ret) return ret;
  }
  return 0;
}

/** `drm_gpuvm_exec_lock`: the VM's resv, then every external object. Caller calls fini. */
export function execLock(vm: GpuVm, exec: DrmExec): 0 | Errno {
  return prepareVm(vm, exec) || prepareObjects(vm, exec);
}

/** `drm_gpuvm_exec_lock_range`. Caller calls fini. */
export function execLockRange(vm: GpuVm, exec: DrmExec, addr: Num64, range: Num64): 0 | Errno {
  return prepareRange(vm, exec, addr, range);
}
