/**
 * A trace with CRLF line ends (copied through a Windows machine or a mail
 * client). The analysis reads it exactly as LF text; the finding only says so,
 * once, so that a user comparing byte offsets or line lengths is not puzzled.
 */

import { defineRule } from '../rule';

export const traceCrlfLineEnds = defineRule({
  id: 'trace-crlf-line-ends',
  summary: 'The trace has CRLF line ends; they are read as LF and the analysis is unaffected.',
  defaultSeverity: 'info',
  tags: ['trace', 'input'],
  messages: {
    crlf: '{count} line(s) end in CRLF, from this one on; they were read as LF (the trace was probably copied through Windows or a mail client).',
  },
});
