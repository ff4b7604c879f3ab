/**
 * The `trace-cmd record` command lines that capture, for one driver, the
 * tracepoints the replay model consumes (docs/trace-formats.md, "Drivers"): the VM
 * lifetime, every VA bind/unbind, the BO lifetime and moves, and the scheduler
 * events used to order work. Pure data and string building (no `vscode`), so
 * tests pin the exact commands users paste into a terminal.
 *
 * Events are selected by family globs (`xe:xe_vma_*`) rather than one by one:
 * tracepoints come and go between kernel releases (`xe_vma_pf_bind`, the
 * v6.17 `drm_sched_job_*` renames) and trace-cmd refuses an unknown name,
 * whereas a family glob matches whatever the running kernel has. Whole
 * systems such as `xe` are avoided: they include high-rate register and GuC
 * events that would overflow the ring buffer and lose the events that matter.
 */

export type CaptureDriver = 'xe' | 'amdgpu' | 'i915';

export interface CaptureRecipe {
  readonly driver: CaptureDriver;
  /** What the quick pick shows. */
  readonly label: string;
  readonly description: string;
  /** `system:event` names, in the order they are passed. */
  readonly events: readonly string[];
}

/** Job queue/run/done of both event generations, to order binds against GPU work. */
const SCHEDULER = 'gpu_scheduler';

export const CAPTURE_RECIPES: readonly CaptureRecipe[] = [
  {
    driver: 'xe',
    label: 'Intel Xe',
    description: 'xe_vm_*, xe_vma_*, xe_bo_* and gpu_scheduler events',
    events: ['xe:xe_vm_*', 'xe:xe_vma_*', 'xe:xe_bo_*', SCHEDULER],
  },
  {
    driver: 'amdgpu',
    label: 'AMD amdgpu',
    description: 'amdgpu_vm_bo_*, PASID lifetime, VMID grabs, BO create/move and gpu_scheduler events',
    events: [
      'amdgpu:amdgpu_vm_bo_*',
      'amdgpu:amdgpu_pasid_*',
      'amdgpu:amdgpu_vm_grab_id',
      'amdgpu:amdgpu_bo_create',
      'amdgpu:amdgpu_bo_move',
      SCHEDULER,
    ],
  },
  {
    driver: 'i915',
    label: 'Intel i915',
    description: 'PPGTT and context lifetime, VMA bind/unbind, object lifetime and evictions',
    events: [
      'i915:i915_ppgtt_*',
      'i915:i915_context_*',
      'i915:i915_gem_object_create',
      'i915:i915_gem_object_destroy',
      'i915:i915_vma_*',
      'i915:i915_gem_evict*',
    ],
  },
];

export function recipeFor(driver: CaptureDriver): CaptureRecipe {
  const recipe = CAPTURE_RECIPES.find((r) => r.driver === driver);
  if (!recipe) throw new Error(`no capture recipe for ${driver}`);
  return recipe;
}

/** Per-CPU ring buffer in KiB: a lost event breaks lifetime tracking, so capture with room to spare. */
const BUFFER_KIB = 32768;

/** Quotes a glob for POSIX shells; plain names stay bare. */
function shellWord(word: string): string {
  return /^[\w:./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `trace-cmd record` line: stop it with Ctrl-C, it writes `<output>`. */
export function recordCommand(recipe: CaptureRecipe, output = `gpuvm-${recipe.driver}.dat`): string {
  return ['trace-cmd record', `-b ${BUFFER_KIB}`, ...recipe.events.map((e) => `-e ${shellWord(e)}`), `-o ${shellWord(output)}`].join(' ');
}

/** Turns the binary capture into the text GPUVM Lens reads. */
export function reportCommand(recipe: CaptureRecipe, input = `gpuvm-${recipe.driver}.dat`): string {
  return `trace-cmd report -i ${shellWord(input)} > gpuvm-${recipe.driver}.trace`;
}
