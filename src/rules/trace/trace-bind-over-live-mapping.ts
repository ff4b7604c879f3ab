/**
 * A bind that lands on addresses a live mapping of the same VM still covers.
 * The kernel refuses overlapping inserts (`drm_gpuva_insert` returns -EEXIST,
 * amdgpu prints "conflict with"), so a trace showing one means an unbind was
 * lost, the driver bypassed its own checks, or two VMs were confused.
 */

import { defineRule } from '../rule';

export const traceBindOverLiveMapping = defineRule({
  id: 'trace-bind-over-live-mapping',
  summary: 'A mapping is bound over addresses that a live mapping of the same VM still covers.',
  defaultSeverity: 'error',
  tags: ['trace', 'va-space', 'lifetime'],
  messages: {
    overlap:
      '{event} binds [{start}, {end}) in VM {vm}, but {other} [{otherStart}, {otherEnd}) is still bound there; the kernel would have refused this insert (-EEXIST). An unbind is missing or was lost.',
  },
});
