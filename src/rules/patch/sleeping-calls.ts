/**
 * Kernel functions that may sleep, as their kernel-doc and `might_sleep()`
 * annotations say: taking a mutex, a wound-wait mutex (a reservation, a
 * drm_exec or modeset lock), an rw semaphore or the mmap lock, waiting (for an event, a
 * completion, a fence, a work item, an RCU grace period), sleeping outright,
 * touching user memory, changing page attributes (`set_pages_*`,
 * `set_memory_*` flush and may take the vmap purge mutex), vmalloc-family
 * allocations, and allocations whose GFP flags allow reclaim
 * (`GFP_KERNEL`, `GFP_USER`, `GFP_NOFS`, `GFP_NOIO`, ...).
 *
 * Invariant: a call is listed only when it sleeps whatever the caller's
 * state; an allocation whose flags are a variable is not assumed to sleep
 * here. What the driver's code says about its flags is learned beside the
 * rest (`lock-facts.ts`): a macro that spells blocking flags
 * (`#define ALLOW_FAIL (GFP_KERNEL | __GFP_NOWARN)`), and a helper that hands
 * its own `gfp_t` parameter to an allocator (`pool_alloc(pv, gfp)`), which
 * sleeps when its caller passes blocking flags.
 */

const ALWAYS =
  /^(?:dma_fence_chain_alloc|mutex_lock(?:_nested|_interruptible|_killable|_io)?|ww_mutex_lock(?:_interruptible|_slow|_slow_interruptible)?|dma_resv_lock(?:_interruptible|_slow|_slow_interruptible)?|drm_exec_lock_obj|drm_exec_prepare_obj|drm_exec_prepare_array|drm_modeset_lock|mmap_read_lock|mmap_write_lock|synchronize_irq|free_irq|fsleep|cond_resched|wait_on_bit\w*|wait_var_event\w*|lock_page|get_user_pages\w*|pin_user_pages(?:_fast)?|down|down_(?:read|write)(?:_nested|_interruptible|_killable)?|down_(?:interruptible|killable)|msleep(?:_interruptible)?|ssleep|usleep_range(?:_state)?|schedule|schedule_timeout(?:_\w+)?|wait_event\w*|wait_for_completion\w*|synchronize_rcu\w*|synchronize_srcu\w*|flush_work|flush_delayed_work|flush_workqueue|drain_workqueue|destroy_workqueue|cancel_work_sync|cancel_delayed_work_sync|kthread_stop|dma_fence_wait(?:_timeout|_any_timeout)?|dma_resv_wait_timeout|might_sleep|vmalloc\w*|vzalloc\w*|vmap|vunmap|copy_from_user|copy_to_user|set_pages_(?:wb|uc|wc|array_wb|array_uc|array_wc)|set_memory_(?:wb|uc|wc|ro|rw|x|nx)|request_firmware\w*)$/;

/**
 * Allocators whose flags decide: they sleep when the flags allow direct
 * reclaim. Id allocators (`xa_alloc`, `idr_alloc`, `ida_alloc`) and
 * `xa_store` allocate tree nodes with the flags they are given.
 */
const ALLOCATOR =
  /^(?:__get_free_page|alloc_pages_node|folio_alloc|mempool_alloc|dma_pool_alloc|dma_pool_zalloc|kvmalloc_node|kvzalloc_node|kmalloc_array_node|kcalloc_node|krealloc_array|kvrealloc|radix_tree_preload|idr_preload|xa_alloc_irq|xa_alloc_bh|xa_store_irq|xa_store_bh|xa_insert_irq|xa_insert_bh|xa_alloc_cyclic_irq|kmalloc|kzalloc|kcalloc|kmalloc_array|krealloc|kmalloc_node|kzalloc_node|kmem_cache_alloc|kmem_cache_zalloc|kmem_cache_alloc_node|kvmalloc|kvzalloc|kvcalloc|kvmalloc_array|alloc_pages|alloc_page|__get_free_pages|get_zeroed_page|dma_alloc_coherent|dma_alloc_attrs|kstrdup|kmemdup|kasprintf|kvasprintf|devm_kmalloc|devm_kzalloc|devm_kcalloc|xa_alloc|xa_alloc_cyclic|xa_store|xa_insert|xa_reserve|idr_alloc|idr_alloc_u32|idr_alloc_cyclic|ida_alloc|ida_alloc_range|ida_alloc_min|ida_alloc_max|sg_alloc_table|sg_alloc_table_from_pages)$/;
export const BLOCKING_GFP = /\bGFP_(?:KERNEL|USER|HIGHUSER(?:_MOVABLE)?|NOFS|NOIO)\b/;

/** Whether `name` allocates with the GFP flags it is passed. */
export function isAllocator(name: string): boolean {
  return ALLOCATOR.test(name);
}

/** The driver's macros that spell blocking flags, by name: the `GFP_*` constant each contains. */
export type GfpMacros = ReadonlyMap<string, string>;

/** A macro's name when `arg` is nothing but one (`ALLOW_FAIL`, `(I915_GFP_ALLOW_FAIL)`). */
export function macroName(arg: string): string | undefined {
  return /^\(?\s*([A-Z_][A-Z0-9_]*)\s*\)?$/.exec(arg.trim())?.[1];
}

/**
 * Why a call of `callee` with flags `arg` may sleep in reclaim: `arg` holds a
 * blocking `GFP_*` constant, or is one of the driver's `macros` that spell
 * one (`ALLOW_FAIL`); undefined otherwise.
 */
export function reclaimReason(callee: string, arg: string, macros?: GfpMacros): string | undefined {
  const constant = BLOCKING_GFP.exec(arg)?.[0];
  if (constant !== undefined) return `${callee}(${constant}) may sleep in reclaim`;
  if (macros === undefined || macros.size === 0) return undefined;
  const name = macroName(arg);
  const spelled = name === undefined ? undefined : macros.get(name);
  if (name === undefined || spelled === undefined) return undefined;
  return `${callee}(${name}) may sleep in reclaim (${name} is ${spelled} | …)`;
}

/**
 * Why a call of `name` with these argument texts may sleep, or undefined;
 * `macros` are the driver's names for blocking flags.
 */
export function sleepingCall(name: string, args: readonly string[], macros?: GfpMacros): string | undefined {
  // `wait_event_lock_irq()` and its kin are called with the spinlock held: they drop it to sleep.
  if (ALWAYS.test(name) && !/_lock_irq/.test(name)) return `${name}() may sleep`;
  if (ALLOCATOR.test(name)) {
    for (const arg of args) {
      const reason = reclaimReason(name, arg, macros);
      if (reason !== undefined) return reason;
    }
  }
  return undefined;
}
