/**
 * Binary trace-cmd captures in the editor: a `*.dat` file whose first bytes
 * are the `trace.dat` magic opens as a read-only document holding its
 * `trace-cmd report` text (scheme `gpuvm-dat`), which the language server
 * analyzes like any text capture: diagnostics, hovers, the VA-space view.
 * The text comes from the server (`gpuvmLens/traceDatText`), which reads the
 * file with the same reader as `gpuvm-lens check`. Any other `.dat` file is
 * handed back to the editor VS Code would have used.
 */

import { closeSync, openSync, readSync } from 'node:fs';
import * as vscode from 'vscode';
import { isTraceDatHead } from '../base/detect-kind';
import { TRACE_DAT_SCHEME, TRACE_DAT_SUFFIX, TraceDatTextRequest } from '../protocol/lsp-ext';
import type { Ctx } from './ctx';

/** The custom editor's view type (package.json `contributes.customEditors`). */
export const TRACE_DAT_EDITOR = 'gpuvmLens.traceDat';

/** The read-only report document of a `trace.dat` file. */
export function reportUri(file: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: TRACE_DAT_SCHEME, path: file.path + TRACE_DAT_SUFFIX });
}

function fileOf(report: vscode.Uri): vscode.Uri {
  return vscode.Uri.file(report.path.endsWith(TRACE_DAT_SUFFIX) ? report.path.slice(0, -TRACE_DAT_SUFFIX.length) : report.path);
}

function isTraceDatFile(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(10);
    return readSync(fd, head, 0, 10, 0) === 10 && isTraceDatHead(head);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

class ReportProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly ctx: Ctx) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const client = await this.ctx.client();
    const result = await client.sendRequest(TraceDatTextRequest, { path: fileOf(uri).fsPath });
    return result.text;
  }
}

class TraceDatEditor implements vscode.CustomReadonlyEditorProvider {
  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.html = '<!DOCTYPE html><html><body><p>Opening the capture as its trace-cmd report…</p></body></html>';
    const column = panel.viewColumn ?? vscode.ViewColumn.Active;
    try {
      if (isTraceDatFile(document.uri.fsPath)) {
        const report = await vscode.workspace.openTextDocument(reportUri(document.uri));
        await vscode.window.showTextDocument(report, { preview: false, viewColumn: column });
      } else {
        await vscode.commands.executeCommand('vscode.openWith', document.uri, 'default', column);
      }
    } finally {
      panel.dispose();
    }
  }
}

export function registerTraceDatView(ctx: Ctx): vscode.Disposable[] {
  return [
    vscode.workspace.registerTextDocumentContentProvider(TRACE_DAT_SCHEME, new ReportProvider(ctx)),
    vscode.window.registerCustomEditorProvider(TRACE_DAT_EDITOR, new TraceDatEditor(), {
      supportsMultipleEditorsPerDocument: true,
    }),
  ];
}
