import { describe, expect, it } from 'vitest';
import { toSarif, type ExportedFinding } from '../../../src/extension/sarif';

const at = (uri: string, line: number, message?: string) => ({ uri, line, column: 1, endLine: line, endColumn: 10, ...(message ? { message } : {}) });

const findings: ExportedFinding[] = [
  { rule: 'use-after-unbind', helpUri: 'https://example.org/use-after-unbind', level: 'error', message: 'used after unbind', location: at('b.trace', 9), related: [at('b.trace', 3, 'unbound here')] },
  { rule: 'bad-command', helpUri: null, level: 'warning', message: 'bad command', location: at('a.gpuvm', 2), related: [] },
];

describe('SARIF export', () => {
  const log = JSON.parse(toSarif(findings, '1.2.3')) as {
    version: string;
    runs: { tool: { driver: { name: string; version: string; rules: { id: string; helpUri?: string }[] } }; artifacts: unknown[]; results: Record<string, unknown>[] }[];
  };
  const run = log.runs[0]!;

  it('is a SARIF 2.1.0 log of the gpuvm-lens tool', () => {
    expect(log.version).toBe('2.1.0');
    expect(run.tool.driver).toMatchObject({ name: 'gpuvm-lens', version: '1.2.3' });
  });

  it('lists rules once, sorted, with their docs link when known', () => {
    expect(run.tool.driver.rules).toEqual([{ id: 'bad-command' }, { id: 'use-after-unbind', helpUri: 'https://example.org/use-after-unbind' }]);
  });

  it('orders results by file and line, with 1-based regions and related locations', () => {
    expect(run.results.map((r) => r.ruleId)).toEqual(['bad-command', 'use-after-unbind']);
    expect(run.results[1]).toMatchObject({
      ruleIndex: 1,
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'b.trace' }, region: { startLine: 9, startColumn: 1, endLine: 9, endColumn: 10 } } }],
      relatedLocations: [{ id: 1, message: { text: 'unbound here' }, physicalLocation: { region: { startLine: 3 } } }],
    });
    expect(run.results[0]).not.toHaveProperty('relatedLocations');
    expect(run.artifacts).toEqual([{ location: { uri: 'a.gpuvm' } }, { location: { uri: 'b.trace' } }]);
  });

  it('is deterministic', () => {
    expect(toSarif([...findings].reverse(), '1.2.3')).toBe(toSarif(findings, '1.2.3'));
  });
});
