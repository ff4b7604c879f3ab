/**
 * `checkInvariants`: the structural and reference-count invariants of a VM
 * between requests (docs/model.md, "Invariants of the VA space"), used by the property tests and available
 * to debug builds. Returns the violations found, empty when the state is sound.
 *
 * Checked: the tree's red-black and augmentation invariants; VAs in address
 * order and not overlapping; the VM's kref equal to its holders (the driver,
 * each inserted VA, each VM_BO); each VM_BO's kref equal to its linked VAs
 * plus `extraVmBoRefs`; each GEM's refcount equal to its holders; every VA
 * with an object linked to the VM_BO of that object, and listed on it; extobj
 * membership exactly for VM_BOs whose object has a foreign resv.
 */

import { add64, isZero64 } from '../base/u64';
import { isExtobj } from './gpuvm';
import type { GemObject, GpuVm } from './objects';

export interface InvariantContext {
  /** The driver's own references on the VM (normally 1). */
  readonly driverVmRefs?: number;
  /** References the caller holds on each GEM object besides VM_BOs (normally 1). */
  readonly ownerGemRefs?: number;
}

export function checkInvariants(vm: GpuVm, objects: Iterable<GemObject>, context: InvariantContext = {}): string[] {
  const problems: string[] = [];
  const treeProblem = vm.tree.validate();
  if (treeProblem) problems.push(`VA tree: ${treeProblem}`);

  let previous = null;
  let inserted = 0;
  for (const va of vm.tree) {
    if (!va.kernel) inserted++;
    if (!va.inserted || va.vm !== vm) problems.push(`VA ${va.addr.toString(16)} is in the tree but not marked inserted in this VM`);
    if (previous && !isZero64(va.range) && !isZero64(previous.range) && add64(previous.addr, previous.range) > va.addr) {
      problems.push(`VAs overlap: ${previous.addr.toString(16)}+${previous.range.toString(16)} and ${va.addr.toString(16)}`);
    }
    if (va.obj) {
      const vmBo = va.vmBo;
      if (!vmBo) problems.push(`VA ${va.addr.toString(16)} has an object but no VM_BO`);
      else {
        if (vmBo.obj !== va.obj) problems.push(`VA ${va.addr.toString(16)} linked to the VM_BO of another object`);
        if (!vmBo.vas.has(va)) problems.push(`VA ${va.addr.toString(16)} is not on its VM_BO's list`);
      }
    } else if (va.vmBo) {
      problems.push(`VA ${va.addr.toString(16)} without an object is linked`);
    }
    previous = va;
  }

  let vmBoCount = 0;
  for (const obj of objects) {
    let ownVmBos = 0;
    for (const vmBo of obj.vmBos) {
      if (vmBo.vm !== vm) continue;
      ownVmBos++;
      vmBoCount++;
      if (vmBo.destroyed) problems.push(`destroyed VM_BO of ${obj.label} still on the object's list`);
      if (vmBo.kref.value !== vmBo.vas.size) {
        problems.push(`VM_BO of ${obj.label}: kref ${vmBo.kref.value} but ${vmBo.vas.size} linked VAs`);
      }
      for (const va of vmBo.vas) if (!va.inserted || va.vmBo !== vmBo) problems.push(`VM_BO of ${obj.label} lists a stale VA`);
      if (vm.extobj.has(vmBo) !== isExtobj(vm, obj)) problems.push(`VM_BO of ${obj.label}: wrong extobj membership`);
    }
    const zombies = vm.boDefer.filter((vmBo) => vmBo.obj === obj).length;
    const expectedGemRefs = (context.ownerGemRefs ?? 1) + obj.vmBos.size + zombies;
    if (obj.refcount.value !== expectedGemRefs) {
      problems.push(`GEM ${obj.label}: refcount ${obj.refcount.value}, expected ${expectedGemRefs}`);
    }
    if (ownVmBos > 1) problems.push(`GEM ${obj.label} has ${ownVmBos} VM_BOs for one VM`);
  }

  // Zombies (deferred cleanup) keep their VM and GEM references until freed.
  const expectedVmRefs = (context.driverVmRefs ?? 1) + inserted + vmBoCount + vm.boDefer.length;
  if (vm.kref.value !== expectedVmRefs) problems.push(`VM kref ${vm.kref.value}, expected ${expectedVmRefs}`);
  return problems;
}
