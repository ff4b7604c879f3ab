/**
 * Rules for kernel logs: each turns a recognised report into a finding that
 * says what it means for the GPU VA space (which object, which reference,
 * which mapping), so that a developer reading a bug report's dmesg knows
 * where to look. The last rule answers, for a GPU fault, which mapping of a
 * trace of the same run covered the faulting address.
 */

import { defineRule } from '../rule';

export const logGpuvmWarn = defineRule({
  id: 'log-gpuvm-warn',
  summary: 'The kernel log shows a WARN from drm_gpuvm: a VM torn down with live state, or an API contract broken.',
  defaultSeverity: 'warning',
  tags: ['kernel-log', 'lifetime'],
  messages: {
    treeNotEmpty:
      'drm_gpuvm WARN{at}: "GPUVA tree is not empty, potentially leaking memory." — the VM was freed while VAs were still inserted. Since v6.8 every inserted VA holds a VM reference, so this means one drm_gpuvm_put() too many (or, in v6.6/6.7, an explicit destroy before unmapping); the VAs, their page tables and their GEM references leak.',
    extobjNotEmpty:
      'drm_gpuvm WARN{at}: "Extobj list should be empty." — the VM was freed while VM_BOs of external (shared) objects were still on its extobj list. Each VM_BO holds a VM reference, so the VM was over-put, or VM_BOs were freed without drm_gpuvm_bo_put(); those VM_BOs and their GEM references leak.',
    evictNotEmpty:
      'drm_gpuvm WARN{at}: "Evict list should be empty." — the VM was freed while VM_BOs were still marked evicted. Each VM_BO holds a VM reference, so the VM was over-put, or a VM_BO was freed without drm_gpuvm_bo_put().',
    reservedNode:
      'drm_gpuvm WARN{at}: "Can\'t destroy kernel reserved node." — drm_gpuva_remove() was called on the VM\'s kernel-reserved node (a driver walking the VA list without skipping it); the call does nothing.',
    addressLimited:
      'drm_gpuvm WARN{at}: "{text}" — a VM window or reserved node whose start + range overflows 64 bits. Since v6.8 an overflowing reserved node is not inserted, and drm_gpuvm_fini() will later remove it anyway (a NULL dereference).',
    boCleanupNotEmpty:
      'drm_gpuvm WARN{at}: "VM BO cleanup list should be empty." — the VM was freed with VM_BOs still waiting on its deferred-cleanup list: drm_gpuvm_bo_deferred_cleanup() was not called before the last put, so those VM_BOs and their GEM references leak.',
    gpuvaLockTwice:
      'drm_gpuvm WARN{at}: "GEM GPUVA lock should be set only once." — drm_gem_gpuva_set_lock() was called twice for one GEM object (v6.6–v6.17).',
    other:
      'WARN inside drm_gpuvm{at}: a contract of the drm_gpuvm API was broken (lock not held, VM_BO of another object, immediate-mode misuse, …); the call trace shows the caller.',
  },
});

export const logRefcountWarning = defineRule({
  id: 'log-refcount-warning',
  summary: 'The kernel log shows a refcount_t warning: a reference put once too often (use after free) or leaked.',
  defaultSeverity: 'error',
  tags: ['kernel-log', 'refcount'],
  messages: {
    underflow:
      'refcount_t underflow{at}: {object} was put after its count reached zero — it was already freed, so this put (and whoever still used it) is a use after free. Look for a second put of the same reference{caller}.',
    additionOnZero:
      'refcount_t addition on 0{at}: a reference was taken on {object} after its count reached zero — the object is being freed (or already was); a lookup returned it without kref_get_unless_zero(){caller}.',
    saturated:
      'refcount_t saturated{at}: {object} reached the counter limit and is now pinned forever — references are taken in a loop without being put (a leak){caller}.',
    decrementHitZero:
      'refcount_t decrement hit 0{at}: {object} dropped to zero through a plain decrement, so its release never ran — the object leaks{caller}.',
  },
});

export const logGpuPageFault = defineRule({
  id: 'log-gpu-page-fault',
  summary: 'The kernel log shows a GPU page fault: the GPU accessed a virtual address with no valid mapping.',
  defaultSeverity: 'error',
  tags: ['kernel-log', 'va-space', 'fault'],
  messages: {
    fault:
      '{driver} GPU page fault at {address} in {vm}{access}{process}: the GPU used an address its page tables do not map — it was never bound, already unbound, or its backing object was evicted or invalidated while a job still used it.{details}',
    noAddress:
      '{driver} GPU page fault in {vm}{process}, but the line with the faulting address is missing from the log (cut or rate-limited).',
  },
});

export const logVaConflict = defineRule({
  id: 'log-va-conflict',
  summary: 'amdgpu refused to map a range that overlaps an existing mapping of the same VM.',
  defaultSeverity: 'warning',
  tags: ['kernel-log', 'va-space'],
  messages: {
    conflict:
      'amdgpu_vm_bo_map() refused VA [{start}, {end}) (pages {firstPage}-{lastPage}) because mapping [{otherStart}, {otherEnd}) is still there: the map ioctl returned -EINVAL. Userspace reused the range before unmapping it, or an earlier unmap failed; the old mapping stays in place.',
  },
});

export const logKasanReport = defineRule({
  id: 'log-kasan-report',
  summary: 'The kernel log shows a KASAN report (use after free, out-of-bounds or invalid free).',
  defaultSeverity: 'error',
  tags: ['kernel-log', 'lifetime'],
  messages: {
    useAfterFree: 'KASAN {bugType} in {where}: {access}{object}, freed in {freedIn} and used again here. {meaning}',
    other: 'KASAN {bugType} in {where}: {access}{object}. {meaning}',
  },
});

export const logFaultHistory = defineRule({
  id: 'log-fault-history',
  summary: 'For a GPU page fault, which mapping of the traced VM covered the faulting address, and when and by what it was unmapped.',
  defaultSeverity: 'info',
  tags: ['kernel-log', 'trace', 'fault'],
  messages: {
    unmapped:
      '{address} was mapped by [{start}, {end}) of VM {vm} ({lineWord} {createdLine}, {createdEvent}) and unmapped at {lineWord} {unmappedLine} by {unmappedEvent}{ago}: the GPU used the address after it was unbound — a job submitted or still running with a stale address.',
    covered:
      '{address} is inside the mapping [{start}, {end}) of VM {vm} ({lineWord} {createdLine}, {createdEvent}) at the time of the fault: the VA is bound in software, so look for its page-table update, an invalidation or an eviction that was not waited for.',
    never:
      '{address} was never mapped in VM {vm} in {source}: a wild or stale pointer, or a mapping made before the recorded history begins.',
    unknownVm: '{source} has no VM matching {vm}; the fault at {address} cannot be traced to a mapping.',
  },
});

export const logAmdgpuVmFailure = defineRule({
  id: 'log-amdgpu-vm-failure',
  summary: "amdgpu's KFD GPU VM code failed to map a VA, obtain a userptr's pages, or update the page tables of a mapping.",
  defaultSeverity: 'warning',
  tags: ['kernel-log', 'va-space', 'amdgpu'],
  messages: {
    mapVa:
      'amdgpu_vm_bo_map() refused to map VA {address} for a KFD allocation ({errno}): the map-to-GPU ioctl failed and nothing is mapped there.{overlap}{consequences}',
    userPages:
      '{caller}() could not get the pages of a userptr allocation ({errno}): the range is not (or no longer) valid user memory, so the BO has no backing and any GPU mapping of it would fault.{consequences}',
    pteUpdate:
      'amdgpu_vm_bo_update() failed: the page tables of a mapping were not written, so the GPU does not see it (or sees a stale one) although the VA is reserved; GPU accesses there fault or reach old pages.{consequences}',
  },
});

export const KERNEL_LOG_RULES = [
  logGpuvmWarn,
  logRefcountWarning,
  logGpuPageFault,
  logVaConflict,
  logAmdgpuVmFailure,
  logKasanReport,
  logFaultHistory,
] as const;
