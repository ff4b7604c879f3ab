/**
 * SARIF 2.1.0 export of the findings the editor currently shows (the
 * Problems panel's GPUVM Lens diagnostics and the findings of files analyzed
 * from disk), written by the same writer as `gpuvm-lens check --format sarif`
 * (src/report/sarif.ts): rule metadata, related locations and code flows.
 *
 * Pure (no `vscode`): the command converts editor diagnostics into
 * `ExportedFinding`s first, so the document built here is unit-tested.
 * Lines and columns are 1-based, as SARIF wants.
 */

import { toSarif as writeSarif, type SarifFinding, type SarifSeverity } from '../report/sarif';

export interface ExportedFinding extends SarifFinding {
  /** The diagnostic's `codeDescription` link, when it has one. */
  readonly helpUri: string | null;
}

/** An LSP `DiagnosticSeverity` (1 error … 4 hint; absent: warning) as a finding severity. */
export function severityOf(lspSeverity: number | undefined): SarifSeverity {
  return lspSeverity === 1 ? 'error' : lspSeverity === 2 || lspSeverity === undefined ? 'warning' : lspSeverity === 3 ? 'info' : 'hint';
}

/** The SARIF log as JSON text; each rule's link is the one its diagnostics carry. */
export function toSarif(findings: readonly ExportedFinding[], toolVersion: string): string {
  const links = new Map<string, string>();
  for (const finding of findings) if (finding.helpUri && !links.has(finding.rule)) links.set(finding.rule, finding.helpUri);
  return writeSarif(
    findings.map(({ helpUri: _link, ...finding }) => finding),
    { toolVersion, helpUri: (id) => links.get(id) },
  );
}

interface Range0 {
  readonly start: { readonly line: number; readonly character: number };
  readonly end: { readonly line: number; readonly character: number };
}

/** The parts of an LSP diagnostic (as the server sends it) the export uses. */
export interface LspDiagnosticLike {
  readonly code?: string | number;
  readonly codeDescription?: { readonly href: string };
  readonly severity?: number;
  readonly message: string;
  readonly range: Range0;
  readonly relatedInformation?: readonly {
    readonly location: { readonly uri: string; readonly range: Range0 };
    readonly message: string;
  }[];
}

/** A server diagnostic of the document `path` as a finding; `pathOf` turns a related location's URI into the path written. */
export function exportedFromDiagnostic(path: string, d: LspDiagnosticLike, pathOf: (uri: string) => string): ExportedFinding {
  return {
    rule: d.code === undefined ? 'unknown' : String(d.code),
    helpUri: d.codeDescription?.href ?? null,
    severity: severityOf(d.severity),
    message: d.message,
    location: {
      uri: path,
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
      endLine: d.range.end.line + 1,
      endColumn: d.range.end.character + 1,
    },
    related: (d.relatedInformation ?? []).map((r) => ({
      uri: pathOf(r.location.uri),
      line: r.location.range.start.line + 1,
      message: r.message,
    })),
  };
}
