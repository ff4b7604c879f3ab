/** Rules about the input as a whole, independent of its kind. */

import { defineRule } from './rule';

export const unrecognizedInput = defineRule({
  id: 'unrecognized-input',
  summary: 'The file is not a trace, dump, patch, GPUVM script or kernel log that GPUVM Lens understands.',
  defaultSeverity: 'warning',
  tags: ['input'],
  messages: {
    unknown: 'Not recognised as a trace, gpuvas dump, patch, GPUVM script or kernel log ({lines} lines); nothing was analyzed. Use --kind to force a kind.',
    empty: 'The file is empty; nothing to analyze.',
    unsupported: 'No analyzer for documents of kind {kind} is available in this build.',
  },
});
