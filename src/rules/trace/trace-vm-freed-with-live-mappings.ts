/**
 * A VM freed while mappings or object links are still live: the kernel's
 * `drm_gpuvm_fini` warns "GPUVA tree is not empty, potentially leaking
 * memory." (and "Extobj list should be empty." for VM_BOs), and the page
 * tables, VM_BOs and GEM references of those mappings leak.
 */

import { defineRule } from '../rule';

export const traceVmFreedWithLiveMappings = defineRule({
  id: 'trace-vm-freed-with-live-mappings',
  summary: 'A VM is freed while it still has live mappings or objects ("GPUVA tree is not empty").',
  defaultSeverity: 'error',
  tags: ['trace', 'lifetime', 'leak'],
  messages: {
    leak: '{event} frees VM {vm} with {count} live mapping(s) ({objects} object(s) still linked), first {first}; the kernel warns "{warn}" and leaks them.',
  },
});
