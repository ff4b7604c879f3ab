import { describe, expect, it } from 'vitest';
import { CAPTURE_RECIPES, recipeFor, recordCommand, reportCommand } from '../../../src/extension/capture-recipe';

describe('capture recipes', () => {
  it('Xe: VM, VMA and BO families plus the scheduler, globs quoted for the shell', () => {
    expect(recordCommand(recipeFor('xe'))).toBe(
      "trace-cmd record -b 32768 -e 'xe:xe_vm_*' -e 'xe:xe_vma_*' -e 'xe:xe_bo_*' -e gpu_scheduler -o gpuvm-xe.dat",
    );
  });

  it('amdgpu: mapping events, PASID lifetime, VMID grabs, BO create/move', () => {
    const line = recordCommand(recipeFor('amdgpu'));
    for (const event of [
      "'amdgpu:amdgpu_vm_bo_*'",
      "'amdgpu:amdgpu_pasid_*'",
      'amdgpu:amdgpu_vm_grab_id',
      'amdgpu:amdgpu_bo_create',
      'amdgpu:amdgpu_bo_move',
    ]) {
      expect(line).toContain(`-e ${event}`);
    }
  });

  it('i915: PPGTT, VMA bind/unbind and evictions', () => {
    const line = recordCommand(recipeFor('i915'));
    expect(line).toContain("-e 'i915:i915_vma_*'");
    expect(line).toContain("-e 'i915:i915_ppgtt_*'");
    expect(line).toContain("-e 'i915:i915_gem_evict*'");
    expect(line).not.toContain('gpu_scheduler');
  });

  it('every event names its system (system:event or a whole low-rate system)', () => {
    for (const recipe of CAPTURE_RECIPES) {
      for (const event of recipe.events) expect(event, recipe.driver).toMatch(/^(gpu_scheduler|[a-z0-9_]+:[a-z0-9_*]+)$/);
    }
  });

  it('the report command turns the capture into a .trace file', () => {
    expect(reportCommand(recipeFor('xe'))).toBe('trace-cmd report -i gpuvm-xe.dat > gpuvm-xe.trace');
    expect(recordCommand(recipeFor('xe'), "my capture's.dat")).toMatch(/-o 'my capture'\\''s\.dat'$/);
  });
});
