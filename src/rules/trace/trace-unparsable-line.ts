/**
 * Lines that are not ftrace text: garbage, binary data, a truncated last
 * line, a damaged part of a binary `trace.dat`, or a file without a single event. Each problem gets a line number;
 * long runs are summarised so binary input does not produce a finding per line.
 */

import { defineRule } from '../rule';

export const traceUnparsableLine = defineRule({
  id: 'trace-unparsable-line',
  summary: 'A line of a trace that is not an event, header or marker (garbage, binary data, truncation).',
  defaultSeverity: 'warning',
  tags: ['trace', 'input'],
  messages: {
    line: 'Not an ftrace event, header or marker; ignored: "{text}"',
    binary: 'Binary data (not ftrace text); ignored.',
    more: '{count} more unparsable line(s), from this one on, were ignored without a finding each.',
    truncated: 'The last event is cut off (truncated file?): "{text}"',
    noEvents: 'The trace has {lines} line(s) but not a single event; nothing was replayed.',
    long: 'A {length}-character line; only its start was examined.',
    datDamaged: 'trace.dat: {detail} (at byte {offset} of the file); the events there are lost, the rest of the file is analyzed.',
  },
});
