/** Rules about the input as a whole, independent of its kind. */

import { defineRule } from './rule';

export const unrecognizedInput = defineRule({
  id: 'unrecognized-input',
  summary: 'The file is not a trace, dump, patch, GPUVM script or kernel log that GPUVM Lens understands.',
  defaultSeverity: 'warning',
  tags: ['input'],
  messages: {
    unknown:
      'Not recognised as a trace, gpuvas dump, patch, GPUVM script or kernel log ({lines} lines); nothing was analyzed. Use --kind to force a kind.',
    empty: 'The file is empty; nothing to analyze.',
    unsupported: 'No analyzer for documents of kind {kind} is available in this build.',
  },
});

/**
 * Not a property of the input: GPUVM Lens itself failed while analyzing it.
 * The language server reports it once per document instead of going down.
 */
export const internalError = defineRule({
  id: 'internal-error',
  summary: 'GPUVM Lens failed while analyzing this document; the rest of the analysis still ran.',
  defaultSeverity: 'error',
  tags: ['input'],
  messages: { failed: 'GPUVM Lens failed while analyzing this document: {detail}. Please report it with the input.' },
});

/**
 * Lines that held a few NUL or non-UTF-8 bytes (src/base/stray-bytes.ts):
 * they were read without them, so nothing was dropped; reported once per
 * file with the totals, so a capture full of them is one finding.
 */
export const strayBytes = defineRule({
  id: 'stray-bytes',
  summary: 'Some lines hold a few NUL or non-UTF-8 bytes; they are skipped and the lines are still analyzed.',
  defaultSeverity: 'info',
  tags: ['input'],
  messages: {
    skipped:
      '{lines} line(s) could only be read without the {bytes} NUL, control or non-UTF-8 byte(s) they held, the first this one; the bytes were skipped and the lines analyzed without them.',
  },
});
