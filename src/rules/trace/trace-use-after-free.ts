/**
 * An event on a mapping after its unbind, or on a VM after it was freed: the
 * object named by the (hashed) pointer no longer exists, so either the kernel
 * touched freed memory or the pointer was reused without a visible creation.
 */

import { defineRule } from '../rule';

export const traceUseAfterFree = defineRule({
  id: 'trace-use-after-free',
  summary: 'An event uses a mapping after it was unbound, or a VM after it was freed.',
  defaultSeverity: 'error',
  tags: ['trace', 'lifetime', 'use-after-free'],
  messages: {
    mapping: '{event} uses {mapping} [{start}, {end}) of VM {vm} after it was unbound at line {unboundLine}.',
    doubleUnbind: '{event} unbinds {mapping} [{start}, {end}) of VM {vm} again; it was already unbound at line {unboundLine}.',
    vm: '{event} uses VM {vm} after it was freed at line {freedLine}.',
    doubleFree: '{event} frees VM {vm} again; it was already freed at line {freedLine}.',
    objectFreed: '{event} frees object {object} while VM {vm} still maps it at [{start}, {end}).',
  },
});
