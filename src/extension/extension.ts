/**
 * Entry point of the GPUVM Lens extension: builds the context, registers the
 * command table, the findings view, the VA-space view's serializer and the
 * plain-text detector, then starts the language server. Everything it
 * creates is owned by the context and disposed with the extension.
 */

import * as vscode from 'vscode';
import { VA_VIEW_TYPE } from '../protocol/webview';
import { FINDINGS_VIEW_ID } from './command-ids';
import { registerCommands } from './commands';
import { Ctx } from './ctx';
import { DETECT_HEAD_BYTES, detectKind } from '../base/detect-kind';
import { LANGUAGE_IDS, languageOfKind } from '../protocol/lsp-ext';
import { analyzeSiblingTraces } from './sibling-traces';
import { VaSpacePanel } from './va-panel';
import { registerTraceDatView } from './trace-dat-view';
import { registerCommitsReview } from './commits-review';

let active: Ctx | undefined;

/** Languages VS Code gives files that may well be GPUVM inputs saved under another name. */
const GENERIC_LANGUAGES = new Set(['plaintext', 'log', 'diff', 'email']);

/**
 * Switches a generically typed document (a review mail saved as `.txt`, a
 * `dmesg.log`, a capture without an extension) to the GPUVM language its
 * content shows, with the same detector as the CLI and the server.
 */
async function detect(ctx: Ctx, document: vscode.TextDocument): Promise<void> {
  if (!GENERIC_LANGUAGES.has(document.languageId) || ctx.kindOverrides.has(document.uri.toString())) return;
  const head = document.getText(new vscode.Range(0, 0, Math.min(document.lineCount, 400), 0)).slice(0, DETECT_HEAD_BYTES);
  const language = languageOfKind(detectKind(head, document.fileName));
  if (language) await vscode.languages.setTextDocumentLanguage(document, language);
}

/** A kernel log (by extension or by content) brings the traces of its folder along, for its fault correlation. */
function onOpen(ctx: Ctx, document: vscode.TextDocument): void {
  void detect(ctx, document).then(() => {
    if (document.languageId === LANGUAGE_IDS['kernel-log']) return analyzeSiblingTraces(ctx, document);
    return undefined;
  });
}

export function activate(context: vscode.ExtensionContext): void {
  const ctx = new Ctx(context);
  active = ctx;
  registerCommands(ctx);
  ctx.push(
    vscode.window.registerTreeDataProvider(FINDINGS_VIEW_ID, ctx.findings),
    vscode.window.registerWebviewPanelSerializer(VA_VIEW_TYPE, VaSpacePanel.serializer(ctx)),
    vscode.workspace.onDidOpenTextDocument((document) => onOpen(ctx, document)),
    ...registerTraceDatView(ctx),
    ...registerCommitsReview(ctx),
  );
  for (const document of vscode.workspace.textDocuments) onOpen(ctx, document);
  // Not awaited: activation stays fast, and a server that fails to start must not fail activation.
  ctx.client().catch((error: unknown) => {
    ctx.output.error(`the language server did not start: ${String(error)}`);
    void vscode.window.showErrorMessage('GPUVM Lens: the language server did not start; see the "GPUVM Lens" output channel.');
  });
}

export async function deactivate(): Promise<void> {
  await active?.stop();
  active = undefined;
}
