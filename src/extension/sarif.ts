/**
 * SARIF 2.1.0 export of the findings the editor currently shows (the
 * Problems panel's GPUVM Lens diagnostics and the findings of files analyzed
 * from disk), in the same shape as `gpuvm-lens check --format sarif`: one
 * run, tool `gpuvm-lens`, one rule entry per rule id used, related locations.
 *
 * Pure (no `vscode`): the command converts editor diagnostics into
 * `ExportedFinding`s first, so the document built here is unit-tested.
 * Lines and columns are 1-based, as SARIF wants.
 */

export type ExportedLevel = 'error' | 'warning' | 'note';

export interface ExportedLocation {
  /** Workspace-relative path or absolute URI, as SARIF `artifactLocation.uri`. */
  readonly uri: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly message?: string;
}

export interface ExportedFinding {
  readonly rule: string;
  readonly helpUri: string | null;
  readonly level: ExportedLevel;
  readonly message: string;
  readonly location: ExportedLocation;
  readonly related: readonly ExportedLocation[];
}

function sarifLocation(at: ExportedLocation): object {
  return {
    physicalLocation: {
      artifactLocation: { uri: at.uri },
      region: { startLine: at.line, startColumn: at.column, endLine: at.endLine, endColumn: Math.max(at.endColumn, at.column) },
    },
    ...(at.message ? { message: { text: at.message } } : {}),
  };
}

function compare(a: ExportedFinding, b: ExportedFinding): number {
  const x = a.location;
  const y = b.location;
  return x.uri < y.uri ? -1 : x.uri > y.uri ? 1 : x.line - y.line || x.column - y.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

/** The SARIF log as JSON text (2-space indented, trailing newline, deterministic order). */
export function toSarif(findings: readonly ExportedFinding[], toolVersion: string): string {
  const sorted = [...findings].sort(compare);
  const ruleIds = [...new Set(sorted.map((f) => f.rule))].sort();
  const rules = ruleIds.map((id) => {
    const helpUri = sorted.find((f) => f.rule === id && f.helpUri)?.helpUri;
    return { id, ...(helpUri ? { helpUri } : {}) };
  });
  const artifacts = [...new Set(sorted.map((f) => f.location.uri))];
  const results = sorted.map((f) => ({
    ruleId: f.rule,
    ruleIndex: ruleIds.indexOf(f.rule),
    level: f.level,
    message: { text: f.message },
    locations: [sarifLocation(f.location)],
    ...(f.related.length > 0 ? { relatedLocations: f.related.map((r, i) => ({ id: i + 1, ...sarifLocation(r) })) } : {}),
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'gpuvm-lens', version: toolVersion, informationUri: 'https://gpuvm-lens.github.io/gpuvm-lens/', rules } },
        artifacts: artifacts.map((uri) => ({ location: { uri } })),
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
