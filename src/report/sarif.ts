/**
 * The one SARIF 2.1.0 writer, shared by `gpuvm-lens check --format sarif` and
 * the editor's "Export Findings as SARIF…", so both produce the same log for
 * the same findings: one run, tool `gpuvm-lens`, one rule entry per rule used
 * (summary, default level, tags and the link to its page), results with
 * related locations and, for findings with a history (related events), a
 * `codeFlows` entry listing those events and then the finding itself; a
 * finding in one message of a series (`Finding.patch`) names it in the
 * result's `properties.patch`.
 *
 * Pure: callers turn their findings (analysis results, editor diagnostics)
 * into `SarifFinding`s. Lines and columns are 1-based. Related locations are
 * lines (their region has no columns), as the analyzers report them.
 * Output is deterministic: results in artifact order, then line, column, rule.
 */

import { ruleById } from '../rules/index';
import type { Finding, FindingPatch, Severity } from '../rules/rule';

export type SarifSeverity = Severity;

export interface SarifSpan {
  readonly uri: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

export interface SarifRelated {
  readonly uri: string;
  readonly line: number;
  readonly message: string;
}

export interface SarifFinding {
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
  readonly location: SarifSpan;
  readonly related: readonly SarifRelated[];
  /** The message of a series it is in (`Finding.patch`): the result's `properties.patch`. */
  readonly patch?: FindingPatch;
}

export interface SarifOptions {
  readonly toolVersion: string;
  /** The link to a rule's page (`helpUri`); undefined leaves it out. */
  readonly helpUri: (ruleId: string) => string | undefined;
  /** Every analyzed file in order, including those without findings; default: the findings' files, sorted. */
  readonly artifacts?: readonly string[];
}

/** A domain finding of the file `uri` as a SARIF finding. */
export function sarifFindingOf(uri: string, finding: Finding): SarifFinding {
  return {
    rule: finding.rule,
    severity: finding.severity,
    message: finding.message,
    location: { uri, line: finding.line, column: finding.column, endLine: finding.endLine, endColumn: finding.endColumn },
    related: finding.related.map((related) => ({ uri: related.path ?? uri, line: related.line, message: related.message })),
    ...(finding.patch ? { patch: finding.patch } : {}),
  };
}

function level(severity: Severity): 'error' | 'warning' | 'note' {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

function spanLocation(at: SarifSpan, message?: string): object {
  return {
    physicalLocation: {
      artifactLocation: { uri: at.uri },
      region: { startLine: at.line, startColumn: at.column, endLine: at.endLine, endColumn: Math.max(at.endColumn, at.column) },
    },
    ...(message !== undefined ? { message: { text: message } } : {}),
  };
}

function lineLocation(at: SarifRelated): object {
  return { physicalLocation: { artifactLocation: { uri: at.uri }, region: { startLine: at.line } }, message: { text: at.message } };
}

/** The SARIF log as JSON text (2-space indented, trailing newline). */
export function toSarif(findings: readonly SarifFinding[], options: SarifOptions): string {
  const artifacts = options.artifacts ?? [...new Set(findings.map((f) => f.location.uri))].sort();
  const order = new Map(artifacts.map((uri, index) => [uri, index]));
  const rank = (uri: string) => order.get(uri) ?? artifacts.length;
  const sorted = [...findings].sort(
    (a, b) =>
      rank(a.location.uri) - rank(b.location.uri) ||
      (a.location.uri < b.location.uri ? -1 : a.location.uri > b.location.uri ? 1 : 0) ||
      a.location.line - b.location.line ||
      a.location.column - b.location.column ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
  const ruleIds = [...new Set(sorted.map((f) => f.rule))].sort();
  const rules = ruleIds.map((id) => {
    const rule = ruleById(id);
    const helpUri = options.helpUri(id);
    return {
      id,
      ...(rule ? { shortDescription: { text: rule.summary } } : {}),
      ...(helpUri !== undefined ? { helpUri } : {}),
      ...(rule ? { defaultConfiguration: { level: level(rule.defaultSeverity) }, properties: { tags: [...rule.tags] } } : {}),
    };
  });
  const results = sorted.map((f) => ({
    ruleId: f.rule,
    ruleIndex: ruleIds.indexOf(f.rule),
    level: level(f.severity),
    message: { text: f.message },
    locations: [spanLocation(f.location)],
    ...(f.related.length > 0
      ? {
          relatedLocations: f.related.map((related, index) => ({ id: index + 1, ...lineLocation(related) })),
          codeFlows: [
            {
              threadFlows: [
                {
                  locations: [
                    ...f.related.map((related) => ({ location: lineLocation(related) })),
                    { location: spanLocation(f.location, f.message) },
                  ],
                },
              ],
            },
          ],
        }
      : {}),
    ...(f.patch ? { properties: { patch: f.patch } } : {}),
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'gpuvm-lens', version: options.toolVersion, rules } },
        artifacts: artifacts.map((uri) => ({ location: { uri } })),
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
