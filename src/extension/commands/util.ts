/**
 * Small helpers shared by the command groups: picking files, naming them,
 * and telling a cancelled request from a failure.
 */

import * as vscode from 'vscode';

export function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

/** The resource a command was invoked on: an explorer/menu Uri argument, else the active editor's document. */
export function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  return vscode.window.activeTextEditor?.document.uri;
}

export async function pickFile(title: string, filters: Record<string, string[]>): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title,
    canSelectMany: false,
    canSelectFiles: true,
    canSelectFolders: false,
    filters: { ...filters, 'All files': ['*'] },
    ...(vscode.workspace.workspaceFolders?.[0] ? { defaultUri: vscode.workspace.workspaceFolders[0].uri } : {}),
  });
  return picked?.[0];
}

/** True for the errors vscode-jsonrpc raises when a request was cancelled. */
export function isCancellation(error: unknown): boolean {
  return (
    error instanceof vscode.CancellationError ||
    (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === -32800)
  );
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
