/**
 * "GPUVM: Export Findings as SARIF…": writes every GPUVM Lens finding the
 * editor holds (open documents' diagnostics and the findings view's files
 * analyzed from disk) to a SARIF 2.1.0 file, for code-scanning dashboards
 * and review bots. Paths inside the workspace are written relative to it.
 */

import * as vscode from 'vscode';
import type { Diagnostic as LspDiagnostic } from 'vscode-languageclient';
import { exportedFromDiagnostic, severityOf, toSarif, type ExportedFinding } from '../sarif';
import type { SarifRelated, SarifSpan } from '../../report/sarif';
import type { Ctx } from '../ctx';
import type { CommandGroup } from './types';
import { errorText } from './util';

/** `source` of the server's diagnostics. */
const SOURCE = 'gpuvm-lens';

function relativePath(uri: vscode.Uri): string {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return folder ? vscode.workspace.asRelativePath(uri, false) : uri.toString();
}

interface Range0 {
  readonly start: { readonly line: number; readonly character: number };
  readonly end: { readonly line: number; readonly character: number };
}

function span(uri: vscode.Uri, range: Range0): SarifSpan {
  return {
    uri: relativePath(uri),
    line: range.start.line + 1,
    column: range.start.character + 1,
    endLine: range.end.line + 1,
    endColumn: range.end.character + 1,
  };
}

function relatedAt(uri: vscode.Uri, range: Range0, message: string): SarifRelated {
  return { uri: relativePath(uri), line: range.start.line + 1, message };
}

function codeOf(code: vscode.Diagnostic['code'] | LspDiagnostic['code']): { rule: string; helpUri: string | null } {
  if (typeof code === 'object' && code !== null && 'value' in code) return { rule: String(code.value), helpUri: code.target.toString() };
  return { rule: code === undefined ? 'unknown' : String(code), helpUri: null };
}

function fromEditor(uri: vscode.Uri, d: vscode.Diagnostic): ExportedFinding {
  const { rule, helpUri } = codeOf(d.code);
  return {
    rule,
    helpUri,
    severity: severityOf(d.severity + 1),
    message: d.message,
    location: span(uri, d.range),
    related: (d.relatedInformation ?? []).map((r) => relatedAt(r.location.uri, r.location.range, r.message)),
  };
}

function fromServer(uri: vscode.Uri, d: LspDiagnostic): ExportedFinding {
  return exportedFromDiagnostic(relativePath(uri), d, (related) => relativePath(vscode.Uri.parse(related)));
}

/** Every finding, each once (a file both open and analyzed from disk has the same findings twice). */
export function collectFindings(ctx: Ctx): ExportedFinding[] {
  const seen = new Set<string>();
  const out: ExportedFinding[] = [];
  const add = (f: ExportedFinding): void => {
    const key = `${f.location.uri}\0${f.location.line}\0${f.location.column}\0${f.rule}\0${f.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(f);
  };
  for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
    for (const d of diagnostics) if (d.source === SOURCE) add(fromEditor(uri, d));
  }
  for (const result of ctx.findings.results()) {
    const uri = vscode.Uri.parse(result.uri);
    for (const d of result.diagnostics) add(fromServer(uri, d));
  }
  return out;
}

async function exportSarif(ctx: Ctx, target?: unknown): Promise<vscode.Uri | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('GPUVM: exporting findings writes a file and is disabled in an untrusted workspace.');
    return undefined;
  }
  const findings = collectFindings(ctx);
  if (findings.length === 0) {
    void vscode.window.showInformationMessage(
      'GPUVM: there are no findings to export. Open a trace, dump, patch or script, or analyze a trace file first.',
    );
    return undefined;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri =
    target instanceof vscode.Uri
      ? target
      : await vscode.window.showSaveDialog({
          title: 'GPUVM: Export Findings as SARIF',
          filters: { SARIF: ['sarif', 'json'] },
          ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, 'gpuvm-lens.sarif') } : {}),
        });
  if (!uri) return undefined;
  try {
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(toSarif(findings, ctx.version)));
  } catch (error) {
    void vscode.window.showErrorMessage(`GPUVM: could not write ${uri.fsPath}: ${errorText(error)}`);
    return undefined;
  }
  void vscode.window.showInformationMessage(
    `GPUVM: exported ${findings.length} finding${findings.length === 1 ? '' : 's'} to ${relativePath(uri)}.`,
  );
  return uri;
}

export const exportCommands: CommandGroup<'exportSarif'> = { exportSarif };
