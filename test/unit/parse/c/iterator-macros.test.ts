import { describe, expect, it } from 'vitest';
import { iteratorCursors, iteratorElement } from '../../../../src/parse/c/iterator-macros';

describe('iteratorCursors', () => {
  it.each([
    ['list_for_each_entry', ['vma', '&vm->list', 'node'], ['vma']],
    ['list_for_each_entry_safe', ['vma', 'tmp', '&vm->list', 'node'], ['vma', 'tmp']],
    ['drm_gpuvm_for_each_va', ['va', 'gpuvm'], ['va']],
    ['xa_for_each', ['&guc->context_lookup', 'index', 'ce'], ['index', 'ce']],
    ['xa_for_each_marked', ['&xa', 'index', 'entry', 'XA_MARK_0'], ['index', 'entry']],
    ['idr_for_each_entry', ['&file->idr', 'obj', 'id'], ['obj', 'id']],
    ['hash_for_each', ['table', 'bkt', 'obj', 'node'], ['bkt', 'obj']],
    ['hash_for_each_safe', ['table', 'bkt', 'tmp', 'obj', 'node'], ['bkt', 'tmp', 'obj']],
    ['hash_for_each_possible', ['table', 'obj', 'node', 'key'], ['obj']],
    ['dma_resv_for_each_fence', ['&cursor', 'resv', 'usage', 'fence'], ['&cursor', 'fence']],
    ['dma_resv_for_each_fence_unlocked', ['&cursor', 'fence'], ['&cursor', 'fence']],
    ['for_each_available_child_of_node', ['bus', 'np'], ['np']],
    ['for_each_child_of_node_scoped', ['parent', 'child'], ['child']],
    ['device_for_each_child_node', ['dev', 'child'], ['child']],
    ['for_each_sg', ['sgl', 'sg', 'nents', 'i'], ['sg', 'i']],
    ['for_each_sgtable_dma_sg', ['sgt', 'sg', 'i'], ['sg', 'i']],
    ['drm_exec_for_each_locked_object', ['&exec', 'index', 'obj'], ['index', 'obj']],
    ['for_each_new_crtc_in_state', ['state', 'crtc', 'new_crtc_state', 'i'], ['crtc', 'new_crtc_state', 'i']],
    ['for_each_oldnew_intel_plane_in_state', ['state', 'plane', 'old', 'new', 'i'], ['plane', 'old', 'new', 'i']],
    ['for_each_intel_fbc', ['i915', 'fbc', 'fbc_id'], ['fbc', 'fbc_id']],
    ['for_each_intel_crtc', ['&i915->drm', 'crtc'], ['crtc']],
    ['for_each_intel_crtc_in_pipe_mask', ['&i915->drm', 'crtc', 'pipe_mask'], ['crtc']],
    ['for_each_intel_plane_on_crtc', ['&i915->drm', 'crtc', 'plane'], ['plane']],
    ['for_each_pipe', ['i915', 'pipe'], ['pipe']],
    ['for_each_intel_connector_iter', ['connector', '&conn_iter'], ['connector']],
    ['for_each_engine', ['engine', 'gt', 'id'], ['engine']],
    ['for_each_amdgpu_vm_pt_dfs_safe', ['adev', 'vm', 'cursor', 'entry'], ['cursor', 'entry']],
    ['for_each_amdgpu_vm_pt_dfs_safe', ['adev', 'vm', 'NULL', 'cursor', 'entry'], ['cursor', 'entry']],
    ['for_each_amdgpu_vm_pt_leaf', ['adev', 'vm', 'start', 'end', 'cursor'], ['cursor']],
  ])('%s assigns the arguments that are its cursors', (name, args, cursors) => {
    expect(iteratorCursors(name, args)).toEqual(cursors);
  });

  it('leaves out positions a damaged call lacks', () => {
    expect(iteratorCursors('xa_for_each', ['&xa'])).toEqual([]);
    expect(iteratorCursors('for_each_amdgpu_vm_pt_dfs_safe', ['adev', 'vm'])).toEqual([]);
  });
});

describe('iteratorElement', () => {
  it.each([
    ['list_for_each_entry_safe', ['vma', 'tmp', '&vm->list', 'node'], 'vma'],
    ['xa_for_each', ['&xa', 'index', 'ce'], 'ce'],
    ['idr_for_each_entry', ['&idr', 'obj', 'id'], 'obj'],
    ['hash_for_each_safe', ['table', 'bkt', 'tmp', 'obj', 'node'], 'obj'],
    ['dma_resv_for_each_fence', ['&cursor', 'resv', 'usage', 'fence'], 'fence'],
    ['for_each_child_of_node', ['parent', 'child'], 'child'],
    ['drm_exec_for_each_locked_object_reverse', ['&exec', 'index', 'obj'], 'obj'],
    ['for_each_new_connector_in_state', ['state', 'connector', 'conn_state', 'i'], 'connector'],
    ['for_each_intel_fbc', ['i915', 'fbc', 'fbc_id'], 'fbc'],
    ['for_each_intel_plane_on_crtc', ['dev', 'crtc', 'plane'], 'plane'],
    ['for_each_amdgpu_vm_pt_dfs_safe', ['adev', 'vm', 'start', 'cursor', 'entry'], 'entry'],
  ])('%s walks the element it names', (name, args, element) => {
    expect(iteratorElement(name, args)).toBe(element);
  });
});
