/**
 * A known event whose payload matches none of its known layouts: the kernel's
 * format changed (or the line is damaged). Summarised per event name, with
 * the layouts that were tried, so the replay's blind spot is visible.
 */

import { defineRule } from '../rule';

export const traceFormatChanged = defineRule({
  id: 'trace-format-changed',
  summary: 'A known event whose fields match no known layout (its format changed), summarised per event name.',
  defaultSeverity: 'warning',
  tags: ['trace', 'input'],
  messages: {
    changed:
      '{count} {event} event(s), first here, match none of the known layouts ({layouts}); they were not replayed. Payload: "{payload}"',
  },
});
