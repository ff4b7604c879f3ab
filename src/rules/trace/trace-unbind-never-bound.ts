/**
 * An unbind (or another event) naming a mapping that the replay never saw
 * bound, in a VM whose whole life is in the trace. Reported only when the
 * trace shows the VM's creation: a capture that starts mid-run legitimately
 * sees mappings bound before it began, and those are adopted silently.
 */

import { defineRule } from '../rule';

export const traceUnbindNeverBound = defineRule({
  id: 'trace-unbind-never-bound',
  summary: 'An unbind, or another event, names a mapping that was never bound in its VM.',
  defaultSeverity: 'warning',
  tags: ['trace', 'va-space', 'lifetime'],
  messages: {
    unbind: '{event} unbinds {mapping} [{start}, {end}) in VM {vm}, but no such mapping was ever bound in that VM since its creation.',
    event: '{event} names {mapping} [{start}, {end}) in VM {vm}, which was never bound in that VM since its creation.',
    rangeMismatch:
      '{event} unbinds {mapping} as [{start}, {end}), but it is bound as [{boundStart}, {boundEnd}); the replay removes the whole mapping.',
  },
});
