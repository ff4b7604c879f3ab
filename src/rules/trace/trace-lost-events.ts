/**
 * The trace is incomplete: the ring buffer dropped (`LOST`) or overwrote
 * events. From that point the replayed state may miss binds and unbinds, so
 * every later finding is less certain. Said once per trace, with totals.
 */

import { defineRule } from '../rule';

export const traceLostEvents = defineRule({
  id: 'trace-lost-events',
  summary: 'The ring buffer lost or overwrote events; replay confidence drops from that point.',
  defaultSeverity: 'warning',
  tags: ['trace', 'input'],
  messages: {
    lost: 'The ring buffer lost {count} event(s) here ({markers} LOST marker(s) in total); the replayed state may be incomplete from this line on.',
    overwritten:
      'The ring buffer overwrote {count} older event(s) before this capture was read; objects created before the first event are adopted as they appear.',
    bufferStarted:
      'CPU {cpu} lost its oldest events (buffer started); the replayed state may be incomplete for objects created before this line.',
  },
});
