import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../../src/cli/commands/check';
import { findingKeys, readExpectedFindings } from '../../helpers/expected-findings';
import { runCommand } from '../../helpers/run-command';

const DIR = join(__dirname, '..', '..', 'fixtures', 'kernel-logs', 'with-trace');
const log = join(DIR, 'xe-run-dmesg.log');
const trace = join(DIR, 'xe-run.trace');

interface JsonFinding {
  rule: string;
  path: string;
  line: number;
  message: string;
  related: { path: string; line: number; message: string }[];
}

describe('gpuvm-lens check <log> <trace>', () => {
  it('answers every GPU fault of the log from the trace of the same run', async () => {
    const run = await runCommand(checkCommand, [log, trace, '--format', 'json']);
    expect(run.code).toBe(1);
    const findings = (JSON.parse(run.stdout).findings as JsonFinding[]).filter((finding) => finding.path === log);
    const asFindings = findings.map((finding) => ({
      ...finding,
      severity: 'info' as const,
      column: 1,
      endLine: finding.line,
      endColumn: 1,
    }));
    expect(findingKeys(asFindings)).toEqual(readExpectedFindings(log));
    const unbound = findings.find((finding) => finding.rule === 'log-fault-history' && finding.line === 12);
    expect(unbound?.message).toContain('unmapped at trace line 28 by xe_vma_unbind, 0.089545 s before the fault');
    expect(unbound?.related).toEqual([
      { path: trace, line: 8, message: 'xe_vma_bind maps [0x00000001a0000000, 0x00000001a0200000)' },
      { path: trace, line: 28, message: 'xe_vma_unbind unmaps [0x00000001a0000000, 0x00000001a0200000)' },
    ]);
  });

  it('leaves a log checked alone without fault history', async () => {
    const run = await runCommand(checkCommand, [log, '--format', 'json']);
    const rules = (JSON.parse(run.stdout).findings as JsonFinding[]).map((finding) => finding.rule);
    expect(rules).not.toContain('log-fault-history');
    expect(rules.filter((rule) => rule === 'log-gpu-page-fault')).toHaveLength(5);
  });
});
