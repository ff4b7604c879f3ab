/**
 * Acquire/release pairs as data: which calls take a reference, a lock, a PM
 * reference, a device-unplug section, pinned pages, memory or an atomic
 * section (RCU read side, preemption or interrupts off, an atomic kmap),
 * and which calls give it back. The path rules follow these through every path of a function.
 *
 * A pair names the argument (or the assigned result) that identifies the
 * resource, and how the acquire reports failure, because a failed acquire
 * holds nothing:
 *   - `always`: cannot fail (kref_get, mutex_lock, pm_runtime_get_sync — the
 *     last one holds its reference even when it returns an error);
 *   - `bool`: returns true on success (trylocks, drm_dev_enter, get_unless_zero);
 *   - `errno`: returns 0 on success, a negative error otherwise;
 *   - `pointer`: returns the object, NULL or an ERR_PTR on failure.
 *
 * Users extend the table with a settings file (`extendResourcePairs`), e.g.
 * for their driver's own VM get/put.
 */

export type ResourceKind = 'reference' | 'lock' | 'pm' | 'drm-dev' | 'pin' | 'memory' | 'fence-signalling' | 'atomic';

export type AcquireStyle = 'always' | 'bool' | 'errno' | 'pointer';

/** Where the resource's identity is: argument index, or the assigned result. */
export type ResourceSlot = number | 'result';

export interface ResourcePair {
  /** Short name used in messages, e.g. `GEM object reference`. */
  readonly what: string;
  readonly kind: ResourceKind;
  readonly acquire: readonly string[];
  readonly release: readonly string[];
  readonly style: AcquireStyle;
  /** Identity of the resource at the acquire; default 0. */
  readonly acquireSlot?: ResourceSlot;
  /** Identity at the release; default 0. */
  readonly releaseSlot?: number;
  /**
   * The release takes the object the resource is a field of: a driver's `foo_unlock(q)` whose
   * body is `mutex_unlock(&q->lock)` releases `q->lock`, so its key is the argument's with this
   * path (`->lock`) appended.
   */
  readonly releasePath?: string;
  /**
   * The acquire takes the object the resource is a field of: a driver's `foo_lock(q)` whose body
   * is `mutex_lock(&q->lock)` takes `q->lock`, so its key is the argument's with this path
   * appended (`function-summaries.ts`).
   */
  readonly acquirePath?: string;
  /**
   * The release takes ownership rather than freeing outright: the callee frees
   * the argument when it fails and keeps it when it succeeds. The caller is
   * done with it either way, but a later use is not a use after free.
   */
  readonly handsOver?: boolean;
  /**
   * The release undoes a step done to the object (`foo_fini()` after
   * `foo_init()`, `_unpin`, `_end`, `_exit`), not the object's life: the
   * object is still there after it, so a later use is no use after release.
   */
  readonly objectLivesOn?: boolean;
  /**
   * When the release names another argument of the acquire than the resource
   * (`xe_validation_ctx_init(&ctx, val, &exec, flags)` / `xe_validation_ctx_fini(&ctx)`):
   * the acquire's argument the release is called with.
   */
  readonly releaseKeySlot?: number;
  /**
   * An argument, beside the object, that both the acquire and the release
   * pass and that tells one resource of the object from another
   * (`intel_dmc_wl_get(i915, reg)` / `intel_dmc_wl_put(i915, reg)`: a wake
   * lock per register): the key is the object's with it, `i915 (reg)`.
   */
  readonly qualifierSlot?: number;
  /**
   * The resource is the CPU's own state, not an object an argument names:
   * `rcu_read_lock()` and `preempt_disable()` take no argument, so every
   * call of the pair names this key.
   */
  readonly fixedKey?: string;
}

/**
 * Whether a resource of this kind is held over a stretch of code, as a lock
 * is, rather than owned: an atomic section is too (a function may leave one
 * and enter it again around a sleep for its caller, or return inside one
 * as a lock function returns with its lock held).
 */
export function heldLikeALock(kind: ResourceKind): boolean {
  return kind === 'lock' || kind === 'atomic';
}

const REF = 'reference' as const;

export const DEFAULT_RESOURCE_PAIRS: readonly ResourcePair[] = [
  { what: 'kref', kind: REF, acquire: ['kref_get'], release: ['kref_put', 'kref_put_mutex', 'kref_put_lock'], style: 'always' },
  { what: 'kref', kind: REF, acquire: ['kref_get_unless_zero'], release: ['kref_put', 'kref_put_mutex', 'kref_put_lock'], style: 'bool' },
  {
    what: 'GEM object reference',
    kind: REF,
    acquire: ['drm_gem_object_get'],
    release: ['drm_gem_object_put', 'drm_gem_object_put_locked'],
    style: 'always',
  },
  {
    what: 'GEM object reference',
    kind: REF,
    acquire: ['drm_gem_object_lookup'],
    release: ['drm_gem_object_put'],
    style: 'pointer',
    acquireSlot: 'result',
  },
  { what: 'GPUVM reference', kind: REF, acquire: ['drm_gpuvm_get'], release: ['drm_gpuvm_put'], style: 'always' },
  {
    what: 'VM_BO reference',
    kind: REF,
    acquire: ['drm_gpuvm_bo_get'],
    release: ['drm_gpuvm_bo_put', 'drm_gpuvm_bo_put_deferred'],
    style: 'always',
  },
  {
    what: 'VM_BO reference',
    kind: REF,
    acquire: [
      'drm_gpuvm_bo_obtain',
      'drm_gpuvm_bo_obtain_locked',
      'drm_gpuvm_bo_find',
      'drm_gpuvm_bo_obtain_prealloc',
      'drm_gpuvm_bo_create',
    ],
    release: ['drm_gpuvm_bo_put', 'drm_gpuvm_bo_put_deferred'],
    style: 'pointer',
    acquireSlot: 'result',
  },
  { what: 'fence reference', kind: REF, acquire: ['dma_fence_get'], release: ['dma_fence_put'], style: 'always' },
  // The fence of a sync_file fd, and a fence read under RCU that may already be gone: NULL or a reference.
  {
    what: 'fence reference',
    kind: REF,
    acquire: ['sync_file_get_fence', 'dma_fence_get_rcu', 'dma_fence_get_rcu_safe'],
    release: ['dma_fence_put'],
    style: 'pointer',
    acquireSlot: 'result',
  },
  {
    what: 'fence reference',
    kind: REF,
    acquire: ['drm_syncobj_find_fence'],
    release: ['dma_fence_put'],
    style: 'errno',
    // drm_syncobj_find_fence(file, handle, point, flags, &fence): the reference comes back in *fence.
    acquireSlot: 4,
  },
  {
    what: 'fence reference',
    kind: REF,
    acquire: ['drm_syncobj_fence_get'],
    release: ['dma_fence_put'],
    style: 'pointer',
    acquireSlot: 'result',
  },
  { what: 'Xe VM reference', kind: REF, acquire: ['xe_vm_get'], release: ['xe_vm_put'], style: 'always' },
  { what: 'Xe VM reference', kind: REF, acquire: ['xe_vm_lookup'], release: ['xe_vm_put'], style: 'pointer', acquireSlot: 'result' },
  { what: 'Xe BO reference', kind: REF, acquire: ['xe_bo_get'], release: ['xe_bo_put'], style: 'always' },
  {
    what: 'Xe exec queue reference',
    kind: REF,
    acquire: ['xe_exec_queue_lookup'],
    release: ['xe_exec_queue_put'],
    style: 'pointer',
    acquireSlot: 'result',
  },
  { what: 'amdgpu BO reference', kind: REF, acquire: ['amdgpu_bo_ref'], release: ['amdgpu_bo_unref'], style: 'always' },
  { what: 'nouveau uvmm reference', kind: REF, acquire: ['nouveau_uvmm_get'], release: ['nouveau_uvmm_put'], style: 'always' },
  { what: 'panthor VM reference', kind: REF, acquire: ['panthor_vm_get'], release: ['panthor_vm_put'], style: 'always' },
  { what: 'msm GEM VM reference', kind: REF, acquire: ['msm_gem_vm_get'], release: ['msm_gem_vm_put'], style: 'always' },
  { what: 'TTM BO reference', kind: REF, acquire: ['ttm_bo_get'], release: ['ttm_bo_put'], style: 'always' },
  { what: 'TTM BO reference', kind: REF, acquire: ['ttm_bo_get_unless_zero'], release: ['ttm_bo_put'], style: 'bool' },
  { what: 'Xe exec queue reference', kind: REF, acquire: ['xe_exec_queue_get'], release: ['xe_exec_queue_put'], style: 'always' },
  {
    // A resv-only GEM object (drm_gpuvm's dummy object for a shared reservation).
    what: 'GEM object reference',
    kind: REF,
    acquire: ['drm_gpuvm_resv_object_alloc'],
    release: ['drm_gem_object_put'],
    style: 'pointer',
    acquireSlot: 'result',
  },
  { what: 'dma-buf reference', kind: REF, acquire: ['dma_buf_get'], release: ['dma_buf_put'], style: 'pointer', acquireSlot: 'result' },
  { what: 'task reference', kind: REF, acquire: ['get_task_struct'], release: ['put_task_struct'], style: 'always' },
  // The DRM core's mode objects and handles, each counted by the kernel's own get/put (drm_framebuffer.c,
  // drm_connector.c, drm_property.c, drm_syncobj.c, drm_drv.c); a lookup returns its object with a reference.
  {
    what: 'framebuffer reference',
    kind: REF,
    acquire: ['drm_framebuffer_lookup'],
    release: ['drm_framebuffer_put'],
    style: 'pointer',
    acquireSlot: 'result',
  },
  { what: 'framebuffer reference', kind: REF, acquire: ['drm_framebuffer_get'], release: ['drm_framebuffer_put'], style: 'always' },
  {
    what: 'connector reference',
    kind: REF,
    acquire: ['drm_connector_lookup'],
    release: ['drm_connector_put'],
    style: 'pointer',
    acquireSlot: 'result',
  },
  { what: 'connector reference', kind: REF, acquire: ['drm_connector_get'], release: ['drm_connector_put'], style: 'always' },
  {
    what: 'property blob reference',
    kind: REF,
    acquire: ['drm_property_lookup_blob'],
    release: ['drm_property_blob_put'],
    style: 'pointer',
    acquireSlot: 'result',
  },
  {
    what: 'syncobj reference',
    kind: REF,
    acquire: ['drm_syncobj_find'],
    release: ['drm_syncobj_put'],
    style: 'pointer',
    acquireSlot: 'result',
  },
  { what: 'syncobj reference', kind: REF, acquire: ['drm_syncobj_get'], release: ['drm_syncobj_put'], style: 'always' },
  { what: 'DRM device reference', kind: REF, acquire: ['drm_dev_get'], release: ['drm_dev_put'], style: 'always' },
  {
    what: 'PCI device reference',
    kind: REF,
    acquire: ['pci_get_domain_bus_and_slot', 'pci_get_device', 'pci_get_slot', 'pci_get_class', 'pci_get_subsys'],
    release: ['pci_dev_put'],
    style: 'pointer',
    acquireSlot: 'result',
  },
  { what: 'PCI device reference', kind: REF, acquire: ['pci_dev_get'], release: ['pci_dev_put'], style: 'always' },
  { what: 'pid reference', kind: REF, acquire: ['get_pid'], release: ['put_pid'], style: 'always' },
  { what: 'mm reference', kind: REF, acquire: ['mmget_not_zero'], release: ['mmput', 'mmput_async'], style: 'bool' },
  { what: 'mm_struct pin', kind: REF, acquire: ['mmgrab'], release: ['mmdrop'], style: 'always' },
  {
    what: 'runtime-PM reference',
    kind: 'pm',
    acquire: ['pm_runtime_get_sync', 'pm_runtime_get', 'pm_runtime_get_noresume'],
    release: [
      'pm_runtime_put',
      'pm_runtime_put_sync',
      'pm_runtime_put_autosuspend',
      'pm_runtime_put_noidle',
      'pm_runtime_put_sync_autosuspend',
    ],
    style: 'always',
  },
  {
    what: 'runtime-PM reference',
    kind: 'pm',
    acquire: ['pm_runtime_resume_and_get'],
    release: [
      'pm_runtime_put',
      'pm_runtime_put_sync',
      'pm_runtime_put_autosuspend',
      'pm_runtime_put_noidle',
      'pm_runtime_put_sync_autosuspend',
    ],
    style: 'errno',
  },
  {
    what: 'runtime-PM reference',
    kind: 'pm',
    acquire: ['xe_pm_runtime_get', 'xe_pm_runtime_get_noresume'],
    release: ['xe_pm_runtime_put'],
    style: 'always',
  },
  {
    what: 'runtime-PM reference',
    kind: 'pm',
    acquire: ['xe_pm_runtime_get_if_active', 'xe_pm_runtime_get_if_in_use', 'xe_pm_runtime_get_ioctl'],
    release: ['xe_pm_runtime_put'],
    style: 'bool',
  },
  // Each lock's lockdep annotations (`_nested`, `_nest_lock`) take it as the plain call does; `lock-facts` leaves
  // them out of lock order, as lockdep does.
  {
    what: 'mutex',
    kind: 'lock',
    acquire: ['mutex_lock', 'mutex_lock_nested', 'mutex_lock_nest_lock', 'mutex_lock_io'],
    release: ['mutex_unlock'],
    style: 'always',
  },
  {
    what: 'mutex',
    kind: 'lock',
    acquire: ['mutex_lock_interruptible', 'mutex_lock_killable', 'mutex_lock_interruptible_nested', 'mutex_lock_killable_nested'],
    release: ['mutex_unlock'],
    style: 'errno',
  },
  { what: 'mutex', kind: 'lock', acquire: ['mutex_trylock'], release: ['mutex_unlock'], style: 'bool' },
  // The legacy modeset "big lock": drm_modeset_lock_all(dev) takes dev->mode_config.mutex, then every
  // modeset lock under an acquire context of its own, until drm_modeset_unlock_all(dev) (drm_modeset_lock.c).
  // Its first lock is its lock class: it orders against a plain mutex_lock(&dev->mode_config.mutex) too.
  {
    what: 'modeset lock (drm_modeset_lock_all)',
    kind: 'lock',
    acquire: ['drm_modeset_lock_all'],
    release: ['drm_modeset_unlock_all'],
    style: 'always',
    acquirePath: '->mode_config.mutex',
    releasePath: '->mode_config.mutex',
  },
  {
    what: 'reservation lock',
    kind: 'lock',
    acquire: ['dma_resv_lock', 'dma_resv_lock_interruptible'],
    release: ['dma_resv_unlock'],
    style: 'errno',
  },
  { what: 'reservation lock', kind: 'lock', acquire: ['dma_resv_trylock'], release: ['dma_resv_unlock'], style: 'bool' },
  // The slow path after -EDEADLK waits until it holds the lock (or, interruptible, fails with an errno).
  { what: 'reservation lock', kind: 'lock', acquire: ['dma_resv_lock_slow'], release: ['dma_resv_unlock'], style: 'always' },
  { what: 'reservation lock', kind: 'lock', acquire: ['dma_resv_lock_slow_interruptible'], release: ['dma_resv_unlock'], style: 'errno' },
  // A TTM fault handler's reservation: ttm_bo_vm_reserve(bo, vmf) locks bo->base.resv and returns 0, or a
  // VM_FAULT_* code without it (ttm_bo_vm.c); the handler unlocks it with dma_resv_unlock(bo->base.resv).
  {
    what: 'reservation lock',
    kind: 'lock',
    acquire: ['ttm_bo_vm_reserve'],
    release: ['dma_resv_unlock'],
    style: 'errno',
    acquirePath: '->base.resv',
  },
  // BO and VM reservation wrappers: an errno result, 0 when the lock is taken.
  { what: 'TTM BO reservation', kind: 'lock', acquire: ['ttm_bo_reserve'], release: ['ttm_bo_unreserve'], style: 'errno' },
  { what: 'amdgpu BO reservation', kind: 'lock', acquire: ['amdgpu_bo_reserve'], release: ['amdgpu_bo_unreserve'], style: 'errno' },
  {
    // amdgpu_bo_create_reserved(adev, size, align, domain, &bo, &gpu_addr, &cpu_addr) returns 0 with *bo
    // created (or found) and reserved: the caller unreserves it when done filling it in.
    what: 'amdgpu BO reservation',
    kind: 'lock',
    acquire: ['amdgpu_bo_create_reserved'],
    release: ['amdgpu_bo_unreserve'],
    style: 'errno',
    acquireSlot: 4,
  },
  { what: 'Xe VM lock', kind: 'lock', acquire: ['xe_vm_lock'], release: ['xe_vm_unlock'], style: 'errno' },
  { what: 'Xe BO lock', kind: 'lock', acquire: ['xe_bo_lock'], release: ['xe_bo_unlock'], style: 'errno' },
  {
    what: 'wound-wait mutex',
    kind: 'lock',
    acquire: ['ww_mutex_lock', 'ww_mutex_lock_interruptible'],
    release: ['ww_mutex_unlock'],
    style: 'errno',
  },
  { what: 'wound-wait mutex', kind: 'lock', acquire: ['ww_mutex_trylock'], release: ['ww_mutex_unlock'], style: 'bool' },
  { what: 'wound-wait mutex', kind: 'lock', acquire: ['ww_mutex_lock_slow'], release: ['ww_mutex_unlock'], style: 'always' },
  { what: 'wound-wait mutex', kind: 'lock', acquire: ['ww_mutex_lock_slow_interruptible'], release: ['ww_mutex_unlock'], style: 'errno' },
  {
    what: 'mmap lock',
    kind: 'lock',
    acquire: ['mmap_read_lock', 'mmap_write_lock'],
    release: ['mmap_read_unlock', 'mmap_write_unlock'],
    style: 'always',
  },
  { what: 'GEM gpuva lock', kind: 'lock', acquire: ['drm_gem_gpuva_lock'], release: ['drm_gem_gpuva_unlock'], style: 'always' },
  {
    what: 'spinlock',
    kind: 'lock',
    acquire: ['spin_lock', 'spin_lock_irq', 'spin_lock_bh', 'spin_lock_nested', 'spin_lock_bh_nested', 'spin_lock_nest_lock'],
    release: ['spin_unlock', 'spin_unlock_irq', 'spin_unlock_bh'],
    style: 'always',
  },
  {
    what: 'spinlock',
    kind: 'lock',
    acquire: ['spin_lock_irqsave', 'spin_lock_irqsave_nested'],
    release: ['spin_unlock_irqrestore'],
    style: 'always',
  },
  { what: 'spinlock', kind: 'lock', acquire: ['spin_trylock'], release: ['spin_unlock'], style: 'bool' },
  // Raw spinlocks, reader/writer spinlocks and an xarray's own spinlock are spinlocks too: nothing may sleep under them.
  {
    what: 'spinlock',
    kind: 'lock',
    acquire: ['raw_spin_lock', 'raw_spin_lock_irq', 'raw_spin_lock_bh', 'raw_spin_lock_nested'],
    release: ['raw_spin_unlock', 'raw_spin_unlock_irq', 'raw_spin_unlock_bh'],
    style: 'always',
  },
  {
    what: 'spinlock',
    kind: 'lock',
    acquire: ['raw_spin_lock_irqsave', 'raw_spin_lock_irqsave_nested'],
    release: ['raw_spin_unlock_irqrestore'],
    style: 'always',
  },
  {
    what: 'spinlock',
    kind: 'lock',
    acquire: ['read_lock', 'read_lock_irq', 'read_lock_bh', 'write_lock', 'write_lock_irq', 'write_lock_bh'],
    release: ['read_unlock', 'read_unlock_irq', 'read_unlock_bh', 'write_unlock', 'write_unlock_irq', 'write_unlock_bh'],
    style: 'always',
  },
  {
    what: 'spinlock',
    kind: 'lock',
    acquire: ['read_lock_irqsave', 'write_lock_irqsave'],
    release: ['read_unlock_irqrestore', 'write_unlock_irqrestore'],
    style: 'always',
  },
  {
    what: 'spinlock',
    kind: 'lock',
    acquire: ['xa_lock', 'xa_lock_irq', 'xa_lock_bh'],
    release: ['xa_unlock', 'xa_unlock_irq', 'xa_unlock_bh'],
    style: 'always',
  },
  { what: 'spinlock', kind: 'lock', acquire: ['xa_lock_irqsave'], release: ['xa_unlock_irqrestore'], style: 'always' },
  // The FreeBSD port of the drm drivers (drm-kmod) locks the VM object behind a mapping in its fault paths.
  { what: 'VM object lock', kind: 'lock', acquire: ['VM_OBJECT_WLOCK'], release: ['VM_OBJECT_WUNLOCK'], style: 'always' },
  { what: 'VM object lock', kind: 'lock', acquire: ['VM_OBJECT_RLOCK'], release: ['VM_OBJECT_RUNLOCK'], style: 'always' },
  {
    what: 'rw semaphore',
    kind: 'lock',
    acquire: ['down_read', 'down_write', 'down_read_nested', 'down_write_nested', 'down_write_nest_lock'],
    release: ['up_read', 'up_write'],
    style: 'always',
  },
  {
    what: 'rw semaphore',
    kind: 'lock',
    acquire: ['down_read_interruptible', 'down_write_killable', 'down_read_killable'],
    release: ['up_read', 'up_write'],
    style: 'errno',
  },
  {
    what: 'rw semaphore',
    kind: 'lock',
    acquire: ['down_read_trylock', 'down_write_trylock'],
    release: ['up_read', 'up_write'],
    style: 'bool',
  },
  { what: 'drm_exec transaction', kind: 'lock', acquire: ['drm_exec_init'], release: ['drm_exec_fini'], style: 'always' },
  {
    // xe's validation context initialises the drm_exec it is given and finishes it in its fini.
    what: 'drm_exec transaction',
    kind: 'lock',
    acquire: ['xe_validation_ctx_init'],
    release: ['xe_validation_ctx_fini'],
    style: 'always',
    acquireSlot: 2,
    releaseKeySlot: 0,
  },
  {
    what: 'device unplug section',
    kind: 'drm-dev',
    acquire: ['drm_dev_enter'],
    release: ['drm_dev_exit'],
    style: 'bool',
    acquireSlot: 1,
    releaseSlot: 0,
  },
  {
    what: 'fence-signalling section',
    kind: 'fence-signalling',
    acquire: ['dma_fence_begin_signalling'],
    release: ['dma_fence_end_signalling'],
    style: 'always',
    acquireSlot: 'result',
  },
  // Atomic sections: code inside them must not sleep (`sleep-in-atomic-section`). Each nests, so a
  // second entry is no double acquire; an exit too many is a double release.
  {
    what: 'RCU read-side section',
    kind: 'atomic',
    acquire: ['rcu_read_lock', 'rcu_read_lock_bh', 'rcu_read_lock_sched'],
    release: ['rcu_read_unlock', 'rcu_read_unlock_bh', 'rcu_read_unlock_sched'],
    style: 'always',
    fixedKey: 'rcu_read_lock()',
  },
  {
    what: 'preemption-disabled section',
    kind: 'atomic',
    acquire: ['preempt_disable'],
    release: ['preempt_enable', 'preempt_enable_no_resched'],
    style: 'always',
    fixedKey: 'preempt_disable()',
  },
  {
    what: 'interrupts-disabled section',
    kind: 'atomic',
    acquire: ['local_irq_disable'],
    release: ['local_irq_enable'],
    style: 'always',
    fixedKey: 'local_irq_disable()',
  },
  { what: 'interrupts-disabled section', kind: 'atomic', acquire: ['local_irq_save'], release: ['local_irq_restore'], style: 'always' },
  {
    what: 'bottom-halves-disabled section',
    kind: 'atomic',
    acquire: ['local_bh_disable'],
    release: ['local_bh_enable'],
    style: 'always',
    fixedKey: 'local_bh_disable()',
  },
  // An atomic kmap disables preemption until it is unmapped, by the address it returned.
  {
    what: 'atomic kmap',
    kind: 'atomic',
    acquire: ['kmap_atomic', 'io_mapping_map_atomic_wc'],
    release: ['kunmap_atomic', 'io_mapping_unmap_atomic'],
    style: 'always',
    acquireSlot: 'result',
  },
  {
    what: 'pinned user pages',
    kind: 'pin',
    acquire: ['pin_user_pages', 'pin_user_pages_fast'],
    release: ['unpin_user_pages', 'unpin_user_pages_dirty_lock'],
    style: 'always',
    acquireSlot: 3,
  },
  {
    what: 'pinned user pages',
    kind: 'pin',
    acquire: ['pin_user_pages_unlocked'],
    release: ['unpin_user_pages', 'unpin_user_pages_dirty_lock'],
    style: 'always',
    acquireSlot: 2,
  },
  {
    what: 'pinned user pages',
    kind: 'pin',
    acquire: ['pin_user_pages_remote'],
    release: ['unpin_user_pages', 'unpin_user_pages_dirty_lock'],
    style: 'always',
    acquireSlot: 4,
  },
  {
    what: 'memory',
    kind: 'memory',
    acquire: [
      'kmalloc',
      'kzalloc',
      'kcalloc',
      'kmalloc_array',
      'kmalloc_node',
      'kzalloc_node',
      'kvmalloc',
      'kvzalloc',
      'kvcalloc',
      'kvmalloc_array',
      'kvmalloc_node',
      'kvzalloc_node',
      'kmemdup',
      'kstrdup',
      'kstrndup',
      'kasprintf',
      // Copies of an ioctl's user array: an ERR_PTR on failure, so `pointer` style.
      'memdup_user',
      'vmemdup_user',
      'memdup_array_user',
      'vmemdup_array_user',
    ],
    release: ['kfree', 'kvfree'],
    style: 'pointer',
    acquireSlot: 'result',
  },
  { what: 'vmalloc memory', kind: 'memory', acquire: ['vmalloc', 'vzalloc'], release: ['vfree'], style: 'pointer', acquireSlot: 'result' },
  {
    what: 'slab object',
    kind: 'memory',
    acquire: ['kmem_cache_alloc', 'kmem_cache_zalloc'],
    release: ['kmem_cache_free'],
    style: 'pointer',
    acquireSlot: 'result',
    releaseSlot: 1,
  },
  // Steps done to an object that outlives them: a failure path after the step must undo it.
  {
    // drm_gem_object_init(dev, obj, size): the shmem file behind obj, given back by drm_gem_object_release(obj).
    what: 'GEM object initialisation',
    kind: REF,
    acquire: ['drm_gem_object_init'],
    release: ['drm_gem_object_release'],
    style: 'errno',
    acquireSlot: 1,
    objectLivesOn: true,
  },
  {
    // drm_mm_insert_node*(mm, node, ...) and drm_mm_reserve_node(mm, node): the range, given back by drm_mm_remove_node(node).
    what: 'drm_mm range',
    kind: REF,
    acquire: ['drm_mm_insert_node', 'drm_mm_insert_node_generic', 'drm_mm_insert_node_in_range', 'drm_mm_reserve_node'],
    release: ['drm_mm_remove_node'],
    style: 'errno',
    acquireSlot: 1,
    objectLivesOn: true,
  },
  {
    what: 'scatterlist table',
    kind: REF,
    acquire: ['sg_alloc_table', 'sg_alloc_table_from_pages', 'sg_alloc_table_from_pages_segment'],
    release: ['sg_free_table'],
    style: 'errno',
    objectLivesOn: true,
  },
  {
    // dma_map_sgtable(dev, sgt, dir, attrs) / dma_unmap_sgtable(dev, sgt, dir, attrs).
    what: 'DMA mapping',
    kind: REF,
    acquire: ['dma_map_sgtable'],
    release: ['dma_unmap_sgtable'],
    style: 'errno',
    acquireSlot: 1,
    releaseSlot: 1,
    objectLivesOn: true,
  },
  {
    // ttm_bo_kmap(bo, start_page, num_pages, &map) / ttm_bo_kunmap(&map).
    what: 'TTM kmap',
    kind: REF,
    acquire: ['ttm_bo_kmap'],
    release: ['ttm_bo_kunmap'],
    style: 'errno',
    acquireSlot: 3,
    objectLivesOn: true,
  },
  {
    // dma_buf_vmap(dmabuf, &map) / dma_buf_vunmap(dmabuf, &map), and the GEM object's own.
    what: 'kernel mapping',
    kind: REF,
    acquire: ['dma_buf_vmap', 'dma_buf_vmap_unlocked', 'drm_gem_vmap', 'drm_gem_vmap_unlocked'],
    release: ['dma_buf_vunmap', 'dma_buf_vunmap_unlocked', 'drm_gem_vunmap', 'drm_gem_vunmap_unlocked'],
    style: 'errno',
    objectLivesOn: true,
  },
  {
    what: 'kernel mapping',
    kind: REF,
    acquire: ['vmap'],
    release: ['vunmap'],
    style: 'pointer',
    acquireSlot: 'result',
    objectLivesOn: true,
  },
  { what: 'page kmap', kind: REF, acquire: ['kmap'], release: ['kunmap'], style: 'always', objectLivesOn: true },
  {
    what: 'page kmap',
    kind: REF,
    acquire: ['kmap_local_page'],
    release: ['kunmap_local'],
    style: 'always',
    acquireSlot: 'result',
    objectLivesOn: true,
  },
  // request_irq(irq, handler, flags, name, dev) / free_irq(irq, dev).
  {
    what: 'IRQ handler',
    kind: REF,
    acquire: ['request_irq', 'request_threaded_irq'],
    release: ['free_irq'],
    style: 'errno',
    objectLivesOn: true,
  },
  {
    what: 'wound-wait acquire context',
    kind: REF,
    acquire: ['ww_acquire_init'],
    release: ['ww_acquire_fini'],
    style: 'always',
    objectLivesOn: true,
  },
  // BO pins: the BO cannot move or be evicted until unpinned.
  { what: 'amdgpu BO pin', kind: 'pin', acquire: ['amdgpu_bo_pin'], release: ['amdgpu_bo_unpin'], style: 'errno' },
  { what: 'Xe BO pin', kind: 'pin', acquire: ['xe_bo_pin'], release: ['xe_bo_unpin'], style: 'errno' },
  { what: 'TTM BO pin', kind: 'pin', acquire: ['ttm_bo_pin'], release: ['ttm_bo_unpin'], style: 'always' },
];

/**
 * The lock classes of the kernel's scope-based guards (`guard(mutex)(&l)`, `scoped_guard(spinlock_irqsave, &l)`,
 * defined with DEFINE_GUARD/DEFINE_LOCK_GUARD in the kernel's cleanup and lock headers), each by the acquire
 * it stands for, so a guarded section holds the same pair as the explicit lock would.
 */
const GUARD_ACQUIRES: Readonly<Record<string, string>> = {
  mutex: 'mutex_lock',
  spinlock: 'spin_lock',
  spinlock_irq: 'spin_lock_irq',
  spinlock_irqsave: 'spin_lock_irqsave',
  spinlock_bh: 'spin_lock_bh',
  raw_spinlock: 'raw_spin_lock',
  raw_spinlock_irq: 'raw_spin_lock_irq',
  raw_spinlock_irqsave: 'raw_spin_lock_irqsave',
  read_lock: 'read_lock',
  read_lock_irq: 'read_lock_irq',
  read_lock_irqsave: 'read_lock_irqsave',
  write_lock: 'write_lock',
  write_lock_irq: 'write_lock_irq',
  write_lock_irqsave: 'write_lock_irqsave',
  rwsem_read: 'down_read',
  rwsem_write: 'down_write',
};

/** The acquire a guard class stands for: `guard(mutex)` → `mutex_lock`; `undefined` for a class it does not know. */
export function guardAcquire(call: {
  readonly name: string;
  readonly args: readonly string[];
}): { acquire: string; lock: string } | undefined {
  const plain = /^guard\((\w+)\)$/.exec(call.name);
  const cls = plain ? plain[1] : call.name === 'scoped_guard' ? call.args[0] : undefined;
  const lock = plain ? call.args[0] : call.args[1];
  const acquire = cls !== undefined && Object.hasOwn(GUARD_ACQUIRES, cls) ? GUARD_ACQUIRES[cls] : undefined;
  return acquire && lock ? { acquire, lock } : undefined;
}

/** The index of every pair by function name, for the hot path. */
export interface PairIndex {
  readonly acquires: ReadonlyMap<string, ResourcePair>;
  readonly releases: ReadonlyMap<string, ResourcePair[]>;
  readonly pairs: readonly ResourcePair[];
}

export function indexPairs(pairs: readonly ResourcePair[]): PairIndex {
  const acquires = new Map<string, ResourcePair>();
  const releases = new Map<string, ResourcePair[]>();
  for (const pair of pairs) {
    for (const name of pair.acquire) acquires.set(name, pair);
    for (const name of pair.release) {
      const list = releases.get(name) ?? [];
      list.push(pair);
      releases.set(name, list);
    }
  }
  return { acquires, releases, pairs };
}

export interface PairsProblem {
  readonly index: number;
  readonly message: string;
}

/**
 * Validates user pairs from a settings file (already parsed from JSON):
 * `{ "resourcePairs": [{ "what", "kind", "acquire": [], "release": [], "style" }] }`
 * or the bare array. Invalid entries are reported and skipped.
 */
export function extendResourcePairs(base: readonly ResourcePair[], settings: unknown): { pairs: ResourcePair[]; problems: PairsProblem[] } {
  const list = Array.isArray(settings) ? settings : (settings as { resourcePairs?: unknown } | null)?.resourcePairs;
  const pairs = [...base];
  const problems: PairsProblem[] = [];
  if (!Array.isArray(list))
    return { pairs, problems: [{ index: -1, message: 'expected an array of pairs or { "resourcePairs": [...] }' }] };
  const kinds: readonly string[] = ['reference', 'lock', 'pm', 'drm-dev', 'pin', 'memory', 'fence-signalling', 'atomic'];
  const styles: readonly string[] = ['always', 'bool', 'errno', 'pointer'];
  list.forEach((entry: unknown, index) => {
    const pair = entry as Partial<Record<keyof ResourcePair, unknown>>;
    const names = (value: unknown) =>
      Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && /^\w+$/.test(v));
    if (typeof pair !== 'object' || pair === null) problems.push({ index, message: 'not an object' });
    else if (!names(pair.acquire) || !names(pair.release))
      problems.push({ index, message: 'acquire and release must be non-empty arrays of function names' });
    else if (pair.kind !== undefined && !kinds.includes(String(pair.kind)))
      problems.push({ index, message: `kind must be one of ${kinds.join(', ')}` });
    else if (pair.style !== undefined && !styles.includes(String(pair.style)))
      problems.push({ index, message: `style must be one of ${styles.join(', ')}` });
    else {
      pairs.push({
        what: typeof pair.what === 'string' ? pair.what : `${(pair.acquire as string[])[0]} reference`,
        kind: (pair.kind as ResourceKind | undefined) ?? 'reference',
        acquire: pair.acquire as string[],
        release: pair.release as string[],
        style: (pair.style as AcquireStyle | undefined) ?? 'always',
        ...(pair.acquireSlot === 'result' || typeof pair.acquireSlot === 'number' ? { acquireSlot: pair.acquireSlot as ResourceSlot } : {}),
        ...(typeof pair.releaseSlot === 'number' ? { releaseSlot: pair.releaseSlot } : {}),
      });
    }
  });
  return { pairs, problems };
}
