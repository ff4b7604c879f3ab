/**
 * Events GPUVM Lens does not know. They are kept and counted (in
 * `stats.unknownEvents`), and reported once per event name, never dropped
 * silently.
 */

import { defineRule } from '../rule';

export const traceUnknownEvent = defineRule({
  id: 'trace-unknown-event',
  summary: 'Events that GPUVM Lens does not decode, summarised per event name.',
  defaultSeverity: 'info',
  tags: ['trace', 'input'],
  messages: {
    unknown: '{count} {event} event(s), first here, are not GPU-VM events GPUVM Lens decodes; they are counted and otherwise ignored.',
  },
});
