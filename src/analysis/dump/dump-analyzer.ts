/**
 * Analyzer for `gpuvas` debugfs dumps: parses the dump line by line, turns
 * every parse error into a `dump-parse-error` finding and checks each VM
 * block against the VA-space invariants. Stats: lines, VMs and mappings.
 */

import { GpuvasDumpParser, type DumpErrorCode, type GpuvasDump } from '../../parse/dump/parse-gpuvas';
import { dumpParseError } from '../../rules/dump/dump-rules';
import { unrecognizedInput } from '../../rules/input-rules';
import type { Finding } from '../../rules/rule';
import type { AnalysisResult, Analyzer } from '../document';
import { checkSnapshot } from './check-snapshot';

const MESSAGE_FOR_CODE = {
  'malformed-header': 'malformedHeader',
  'malformed-row': 'malformedRow',
  'unexpected-line': 'unexpectedLine',
  'truncated-block': 'truncatedBlock',
  'orphan-rows': 'orphanRows',
} as const satisfies Record<DumpErrorCode, string>;

/** Findings for a parsed dump (parse errors first, then per-VM invariant violations). */
export function dumpFindings(dump: GpuvasDump): Finding[] {
  const findings: Finding[] = dump.errors.map((error) =>
    dumpParseError.report({ line: error.line }, MESSAGE_FOR_CODE[error.code], { detail: error.message }),
  );
  for (const snapshot of dump.snapshots) checkSnapshot(snapshot, findings);
  if (dump.snapshots.length === 0 && dump.errors.length === 0) {
    findings.push(unrecognizedInput.report({ line: 1 }, 'empty'));
  }
  return findings;
}

export const dumpAnalyzer: Analyzer = {
  kind: 'dump',
  begin() {
    const parser = new GpuvasDumpParser();
    return {
      line(text, lineNumber) {
        parser.line(text, lineNumber);
      },
      end(): AnalysisResult {
        const dump = parser.end();
        return {
          kind: 'dump',
          stats: {
            lines: dump.lines,
            vms: dump.snapshots.length,
            mappings: dump.snapshots.reduce((sum, snapshot) => sum + snapshot.rows.length, 0),
          },
          findings: dumpFindings(dump),
        };
      },
    };
  },
};
