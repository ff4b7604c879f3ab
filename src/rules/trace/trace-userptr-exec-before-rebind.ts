/**
 * A userptr mapping whose pages were invalidated (MMU notifier) and that the
 * GPU uses, by an exec on its VM or a fault/access on the mapping, before the
 * driver re-pinned and rebound it: the GPU reads or writes pages the process
 * may have freed or moved.
 */

import { defineRule } from '../rule';

export const traceUserptrExecBeforeRebind = defineRule({
  id: 'trace-userptr-exec-before-rebind',
  summary: 'A userptr mapping is invalidated and then used by an exec before it is rebound.',
  defaultSeverity: 'error',
  tags: ['trace', 'userptr', 'lifetime'],
  messages: {
    exec: '{event} runs a job on VM {vm} while userptr {mapping} [{start}, {end}) is invalidated (line {invalidatedLine}) and not rebound.',
    access: '{event} accesses userptr {mapping} [{start}, {end}) of VM {vm}, invalidated at line {invalidatedLine} and not rebound.',
  },
});
