/**
 * The `trace` analyzer: ftrace text (`trace`, `trace_pipe`, `trace-cmd
 * report`) streamed line by line through the `TraceReplayer`. Memory stays
 * proportional to the live VA state, so `gpuvm-lens check` can read traces
 * of gigabytes; lines read from disk are taken as bytes (`lineBytes`).
 */

import { lineEndsWithCr, type Prescan } from '../../parse/trace/prescan';
import { traceCrlfLineEnds } from '../../rules/trace/trace-crlf-line-ends';
import type { AnalysisResult, Analyzer } from '../document';
import { TraceReplayer } from './trace-replayer';

export const traceAnalyzer: Analyzer = {
  kind: 'trace',
  begin() {
    // Nothing here holds a mapping across lines: removed ones are reused.
    const replayer = new TraceReplayer({ recycle: true });
    let crlfLines = 0;
    let firstCrlfLine = 0;
    return {
      line(text, lineNumber, unterminated) {
        if (text.length > 0 && text.charCodeAt(text.length - 1) === 13 && crlfLines++ === 0) firstCrlfLine = lineNumber;
        replayer.line(text, lineNumber, unterminated);
      },
      // A reader thread's record of the line comes after the line's first byte in the file (`MixedLineSink`).
      lineBytes(
        bytes: Uint8Array,
        start: number,
        end: number,
        lineNumber: number,
        unterminated: boolean,
        _startByte?: number,
        prescan?: Prescan,
      ) {
        if (!replayer.lineBytes(bytes, start, end, lineNumber, unterminated, prescan)) return false;
        if (lineEndsWithCr(bytes, start, end, prescan) && crlfLines++ === 0) firstCrlfLine = lineNumber;
        return true;
      },
      end(): AnalysisResult {
        const findings = replayer.finish();
        if (crlfLines > 0) findings.push(traceCrlfLineEnds.report({ line: firstCrlfLine }, 'crlf', { count: crlfLines }));
        return { kind: 'trace', stats: replayer.stats(), findings };
      },
    };
  },
};
