/**
 * The editor's SARIF export and `gpuvm-lens check --format sarif` share one
 * writer (src/report/sarif.ts): the same findings give the same log, with
 * rule metadata, related locations and code flows, whichever way they came.
 */

import { TextDocument } from 'vscode-languageserver-textdocument';
import { describe, expect, it } from 'vitest';
import { renderSarif } from '../../../src/cli/render';
import { exportedFromDiagnostic, toSarif, type ExportedFinding } from '../../../src/extension/sarif';
import { DEFAULT_CONFIG } from '../../../src/protocol/config';
import type { Finding } from '../../../src/rules/rule';
import { findingToDiagnostic } from '../../../src/server/convert';
import { textLineSource } from '../../../src/ide/line-source';
import { ruleDocHref } from '../../../src/server/rule-docs';

const at = (uri: string, line: number) => ({ uri, line, column: 1, endLine: line, endColumn: 10 });

const findings: ExportedFinding[] = [
  {
    rule: 'trace-use-after-free',
    helpUri: 'https://example.org/trace-use-after-free',
    severity: 'error',
    message: 'used after unbind',
    location: at('b.trace', 9),
    related: [{ uri: 'b.trace', line: 3, message: 'unbound here' }],
  },
  { rule: 'script-bad-command', helpUri: null, severity: 'warning', message: 'bad command', location: at('a.gpuvm', 2), related: [] },
];

type Log = {
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; rules: Record<string, unknown>[] } };
    artifacts: unknown[];
    results: Record<string, unknown>[];
  }[];
};

describe('SARIF export', () => {
  const log = JSON.parse(toSarif(findings, '1.2.3')) as Log;
  const run = log.runs[0]!;

  it('is a SARIF 2.1.0 log of the gpuvm-lens tool', () => {
    expect(log.version).toBe('2.1.0');
    expect(run.tool.driver).toMatchObject({ name: 'gpuvm-lens', version: '1.2.3' });
  });

  it('lists rules once, sorted, with their metadata and docs link when known', () => {
    expect(run.tool.driver.rules.map((rule) => rule.id)).toEqual(['script-bad-command', 'trace-use-after-free']);
    expect(run.tool.driver.rules[0]).not.toHaveProperty('helpUri');
    expect(run.tool.driver.rules[1]).toMatchObject({
      helpUri: 'https://example.org/trace-use-after-free',
      defaultConfiguration: { level: 'error' },
      shortDescription: { text: expect.stringMatching(/unbound/) },
    });
  });

  it('orders results by file and line, with 1-based regions, related locations and a code flow', () => {
    expect(run.results.map((r) => r.ruleId)).toEqual(['script-bad-command', 'trace-use-after-free']);
    expect(run.results[1]).toMatchObject({
      ruleIndex: 1,
      level: 'error',
      locations: [
        { physicalLocation: { artifactLocation: { uri: 'b.trace' }, region: { startLine: 9, startColumn: 1, endLine: 9, endColumn: 10 } } },
      ],
      relatedLocations: [{ id: 1, message: { text: 'unbound here' }, physicalLocation: { region: { startLine: 3 } } }],
      codeFlows: [
        {
          threadFlows: [
            { locations: [{ location: { message: { text: 'unbound here' } } }, { location: { message: { text: 'used after unbind' } } }] },
          ],
        },
      ],
    });
    expect(run.results[0]).not.toHaveProperty('relatedLocations');
    expect(run.results[0]).not.toHaveProperty('codeFlows');
    expect(run.artifacts).toEqual([{ location: { uri: 'a.gpuvm' } }, { location: { uri: 'b.trace' } }]);
  });

  it('is deterministic', () => {
    expect(toSarif([...findings].reverse(), '1.2.3')).toBe(toSarif(findings, '1.2.3'));
  });

  it('is the CLI document for the same findings, after the trip through LSP diagnostics', () => {
    const text = Array.from({ length: 12 }, (_, i) => `line ${i + 1} of the trace, long enough for a span`).join('\n');
    const domain: Finding[] = [
      {
        rule: 'trace-vm-freed-with-live-mappings',
        severity: 'error',
        message: 'VM freed with 1 live mapping',
        line: 9,
        column: 3,
        endLine: 9,
        endColumn: 20,
        related: [{ line: 4, message: 'bound here' }],
      },
      {
        rule: 'trace-unknown-event',
        severity: 'info',
        message: '2 unknown events',
        line: 2,
        column: 1,
        endLine: 2,
        endColumn: 8,
        related: [],
      },
      { rule: 'trace-lost-events', severity: 'warning', message: 'events lost', line: 5, column: 2, endLine: 6, endColumn: 4, related: [] },
    ];
    const cli = renderSarif([{ path: 'run.trace', result: { kind: 'trace', stats: { lines: 12 }, findings: domain } }]);
    const uri = 'file:///captures/run.trace';
    const lines = textLineSource(TextDocument.create(uri, 'gpuvm-trace', 1, text));
    const exported = domain.map((finding) =>
      exportedFromDiagnostic('run.trace', findingToDiagnostic(finding, uri, lines, DEFAULT_CONFIG)!, (related) =>
        related === uri ? 'run.trace' : related,
      ),
    );
    expect(exported.every((finding) => finding.helpUri === ruleDocHref(finding.rule))).toBe(true);
    expect(toSarif(exported, JSON.parse(cli).runs[0].tool.driver.version)).toBe(cli);
  });
});
