/**
 * The `trace` analyzer: ftrace text (`trace`, `trace_pipe`, `trace-cmd
 * report`) streamed line by line through the `TraceReplayer`. Memory stays
 * proportional to the live VA state, so `gpuvm-lens check` can read traces
 * of gigabytes.
 */

import type { AnalysisResult, Analyzer } from '../document';
import { TraceReplayer } from './trace-replayer';

export const traceAnalyzer: Analyzer = {
  kind: 'trace',
  begin() {
    const replayer = new TraceReplayer();
    return {
      line(text, lineNumber) {
        replayer.line(text, lineNumber);
      },
      end(): AnalysisResult {
        const findings = replayer.finish();
        return { kind: 'trace', stats: replayer.stats(), findings };
      },
    };
  },
};
