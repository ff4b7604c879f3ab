/**
 * The fallback analyzer: input that is none of the known kinds is still
 * counted and reported once, so that nothing is dropped silently.
 */

import { unrecognizedInput } from '../rules/input-rules';
import type { AnalysisResult, Analyzer, DocumentKind } from './document';

export function unknownAnalyzer(kind: DocumentKind): Analyzer {
  return {
    kind,
    begin() {
      let lines = 0;
      let nonEmpty = false;
      return {
        line(text) {
          lines++;
          if (text.trim() !== '') nonEmpty = true;
        },
        end(): AnalysisResult {
          const finding =
            kind !== 'unknown'
              ? unrecognizedInput.report({ line: 1 }, 'unsupported', { kind })
              : nonEmpty
                ? unrecognizedInput.report({ line: 1 }, 'unknown', { lines })
                : unrecognizedInput.report({ line: 1 }, 'empty');
          return { kind, stats: { lines }, findings: [finding] };
        },
      };
    },
  };
}
