/**
 * A capture analyzed from `trace.dat` gives what the same capture gives as
 * text: GPU events written into a version 6 file by the test writer
 * (test/support/trace-dat-writer.ts) are shown exactly as the real
 * `trace-cmd report` shows them (its output for these files is committed in
 * test/fixtures/trace-dat/gpu/), and the replay finds the same problems and
 * the same VMs and mappings as from the text fixture they came from.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeText } from '../../../../src/analysis/registry';
import { bytesSource, traceDatTextLines } from '../../../../src/parse/trace-dat/index';
import { eventsOfText, writeTraceDat } from '../../../support/trace-dat-writer';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures');
const CAPTURES = ['xe-use-after-free', 'xe-bind-over-live', 'amdgpu-findings', 'i915'];
/** Rules about the text itself (lines not written into the binary file). */
const TEXT_ONLY = new Set(['trace-unknown-event', 'trace-format-changed', 'trace-unparsable-line', 'trace-lost-events']);

function datOf(name: string): { text: string; report: string[] } {
  const text = readFileSync(join(FIXTURES, 'traces', 'rules', `${name}.trace`), 'utf8');
  const dat = writeTraceDat(eventsOfText(text));
  return { text, report: [...traceDatTextLines(bytesSource(dat))].map((line) => line.text) };
}

/** A finding without its line numbers (the report's lines are not the text's). */
const comparable = (finding: { rule: string; severity: string; message: string }) =>
  `${finding.rule} ${finding.severity} ${finding.message.replace(/\bline \d+/g, 'line N')}`;

describe('GPU events through trace.dat', () => {
  it.each(CAPTURES)('%s reads as trace-cmd report prints it', (name) => {
    const expected = readFileSync(join(FIXTURES, 'trace-dat', 'gpu', `${name}.trace-cmd-report.txt`), 'utf8')
      .replace(/\n$/, '')
      .split('\n');
    expect(datOf(name).report).toEqual(expected);
  });

  it.each(CAPTURES)('%s gives the findings and stats of its text', async (name) => {
    const { text, report } = datOf(name);
    const fromText = await analyzeText(text, { path: `${name}.trace`, kind: 'trace' });
    const fromDat = await analyzeText(report.join('\n') + '\n', { path: `${name}.dat`, kind: 'trace' });
    const stats = (result: typeof fromText) => {
      const { recognized, vms, mappings, liveVms, liveMappings } = result.stats as Record<string, unknown>;
      return { recognized, vms, mappings, liveVms, liveMappings };
    };
    expect(stats(fromDat)).toEqual(stats(fromText));
    const findings = (result: typeof fromText) => result.findings.filter((finding) => !TEXT_ONLY.has(finding.rule)).map(comparable);
    expect(findings(fromText).length).toBeGreaterThan(0);
    expect(findings(fromDat)).toEqual(findings(fromText));
  });
});
