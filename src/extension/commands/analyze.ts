/**
 * Commands that analyze whole files from disk: "Analyze Trace File…" and
 * "Review Patch", "Review Commits…" (a git checkout's commits), plus the
 * findings view's navigation.
 *
 * VS Code does not hand files over 50 MB to extensions or language servers,
 * so the client sends only a path (`gpuvmLens/analyzeFile`): the server
 * streams the file itself, reports work-done progress on a token created
 * here, and stops when the notification's Cancel button cancels the request.
 */

import * as vscode from 'vscode';
import { WorkDoneProgress, type WorkDoneProgressBegin, type WorkDoneProgressReport } from 'vscode-languageclient';
import { AnalyzeFileRequest, LANGUAGE_IDS, type AnalyzeFileResult } from '../../protocol/lsp-ext';
import { FINDINGS_VIEW_ID } from '../command-ids';
import { commitsDocumentUri } from '../commits-review';
import type { Ctx } from '../ctx';
import type { CommandGroup } from './types';
import { baseName, errorText, isCancellation, pickFile, targetUri } from './util';

const TRACE_FILTERS = { 'Traces and logs': ['trace', 'txt', 'log', 'gpuvas', 'gpuvm'] };
const PATCH_FILTERS = { Patches: ['patch', 'diff', 'mbox', 'eml'] };
const PATCH_EXTENSIONS = new Set(['.patch', '.diff', '.mbox', '.eml']);

let progressTokens = 0;

/** Runs `gpuvmLens/analyzeFile` under a cancellable progress notification; undefined when cancelled. */
export async function analyzeFile(
  ctx: Ctx,
  uri: vscode.Uri,
  options: { kind?: string; publish?: boolean } = {},
): Promise<AnalyzeFileResult | undefined> {
  const client = await ctx.client();
  const token = `gpuvm-lens-analyze-${process.pid}-${++progressTokens}`;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `GPUVM: analyzing ${baseName(uri)}`, cancellable: true },
    async (progress, cancellation) => {
      let reported = 0;
      const onProgress = (value: WorkDoneProgressBegin | WorkDoneProgressReport): void => {
        const percentage = value.percentage;
        if (percentage !== undefined && percentage > reported) {
          progress.report({ increment: percentage - reported, message: value.message });
          reported = percentage;
        } else if (value.message) {
          progress.report({ message: value.message });
        }
      };
      const subscription = client.onProgress(WorkDoneProgress.type, token, (value) => {
        if (value.kind !== 'end') onProgress(value);
      });
      try {
        return await client.sendRequest(
          AnalyzeFileRequest,
          {
            path: uri.fsPath,
            workDoneToken: token,
            ...(options.kind ? { kind: options.kind } : {}),
            ...(options.publish === false ? { publish: false } : {}),
          },
          cancellation,
        );
      } catch (error) {
        if (cancellation.isCancellationRequested || isCancellation(error)) return undefined;
        throw error;
      } finally {
        subscription.dispose();
      }
    },
  );
}

async function showResult(ctx: Ctx, result: AnalyzeFileResult): Promise<void> {
  ctx.findings.set(result);
  await vscode.commands.executeCommand(`${FINDINGS_VIEW_ID}.focus`);
  const name = baseName(vscode.Uri.parse(result.uri));
  const seconds = (result.durationMs / 1000).toFixed(1);
  const summary = `${name}: ${result.findingCount} finding${result.findingCount === 1 ? '' : 's'} in ${result.lines.toLocaleString('en-US')} lines (${result.kind}, ${seconds} s).`;
  // Not awaited: the promise of a notification resolves only when it is dismissed.
  void vscode.window.showInformationMessage(summary);
}

async function analyzeTraceFile(ctx: Ctx, arg?: unknown): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('GPUVM: Analyze Trace File reads files from disk and is disabled in an untrusted workspace.');
    return;
  }
  const uri = arg instanceof vscode.Uri ? arg : await pickFile('GPUVM: Analyze Trace File', TRACE_FILTERS);
  if (!uri) return;
  if (uri.scheme !== 'file') {
    void vscode.window.showWarningMessage(`GPUVM: ${baseName(uri)} is not on the local file system; open it in an editor instead.`);
    return;
  }
  // An open document already publishes its own diagnostics: publishing the file's too would list each finding twice.
  const open = vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString());
  try {
    const result = await analyzeFile(ctx, uri, { publish: !open });
    if (!result) {
      void vscode.window.showInformationMessage(`GPUVM: analysis of ${baseName(uri)} cancelled.`);
      return;
    }
    await showResult(ctx, result);
  } catch (error) {
    ctx.output.error(`analyzeFile ${uri.fsPath}: ${errorText(error)}`);
    void vscode.window.showErrorMessage(`GPUVM: could not analyze ${baseName(uri)}: ${errorText(error)}`);
  }
}

async function reviewPatch(ctx: Ctx, arg?: unknown): Promise<void> {
  let uri = targetUri(arg);
  if (uri && !PATCH_EXTENSIONS.has(uri.path.slice(uri.path.lastIndexOf('.')).toLowerCase())) {
    const active = vscode.window.activeTextEditor?.document;
    if (!(active && active.uri.toString() === uri.toString() && active.languageId === LANGUAGE_IDS.patch)) uri = undefined;
  }
  uri ??= await pickFile('GPUVM: Review Patch', PATCH_FILTERS);
  if (!uri) return;
  // A .patch file may have been claimed by the built-in Diff language: switch it so the server sees it.
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open && open.languageId !== LANGUAGE_IDS.patch) await vscode.languages.setTextDocumentLanguage(open, LANGUAGE_IDS.patch);
  if (uri.scheme !== 'file' || !vscode.workspace.isTrusted) {
    // Untitled or remote: the open document's diagnostics are the review.
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    return;
  }
  try {
    // An open document already publishes its diagnostics; the tree still lists them.
    const result = await analyzeFile(ctx, uri, { kind: 'patch', publish: !open });
    if (result) await showResult(ctx, result);
  } catch (error) {
    ctx.output.error(`review ${uri.fsPath}: ${errorText(error)}`);
    void vscode.window.showErrorMessage(`GPUVM: could not review ${baseName(uri)}: ${errorText(error)}`);
  }
}

/**
 * Review Commits…: asks for a revision or a range of the workspace's git
 * checkout (the one folder, or the folder picked), opens its commits as a
 * read-only patch document and shows its findings in the Problems panel.
 */
async function reviewCommits(_ctx: Ctx): Promise<void> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
  if (folders.length === 0) {
    void vscode.window.showErrorMessage('GPUVM: Review Commits… reviews the commits of a git checkout: open its folder first.');
    return;
  }
  const folder =
    folders.length === 1
      ? folders[0]
      : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'The git checkout whose commits to review' });
  if (!folder) return;
  const range = (
    await vscode.window.showInputBox({
      title: 'GPUVM: Review Commits',
      prompt: 'One revision (HEAD, a hash) for that commit, or A..B for a series, as git format-patch takes them',
      value: 'HEAD',
      validateInput: (value) => (value.trim() === '' || value.trim().startsWith('-') ? 'A revision, or a range A..B' : undefined),
    })
  )?.trim();
  if (!range) return;
  try {
    const document = await vscode.workspace.openTextDocument(commitsDocumentUri(folder.uri.fsPath, range));
    if (document.getText() === '') {
      void vscode.window.showInformationMessage(`GPUVM: ${range} holds no commit to review.`);
      return;
    }
    // The built-in Diff language claims .patch names: the server reviews documents of the patch language.
    const patch =
      document.languageId === LANGUAGE_IDS.patch ? document : await vscode.languages.setTextDocumentLanguage(document, LANGUAGE_IDS.patch);
    await vscode.window.showTextDocument(patch, { preview: false });
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  } catch (error) {
    void vscode.window.showErrorMessage(`GPUVM: could not review ${range}: ${errorText(error)}`);
  }
}

async function revealFinding(_ctx: Ctx, uri?: unknown, line?: unknown, character?: unknown): Promise<void> {
  if (typeof uri !== 'string' || typeof line !== 'number') return;
  const position = new vscode.Position(line, typeof character === 'number' ? character : 0);
  try {
    await vscode.window.showTextDocument(vscode.Uri.parse(uri), { selection: new vscode.Range(position, position), preview: true });
  } catch (error) {
    void vscode.window.showErrorMessage(`GPUVM: could not open ${uri} at line ${line + 1}: ${errorText(error)}`);
  }
}

export const analyzeCommands: CommandGroup<'analyzeTraceFile' | 'reviewPatch' | 'reviewCommits' | 'revealFinding' | 'clearFindings'> = {
  analyzeTraceFile,
  reviewPatch,
  reviewCommits,
  revealFinding,
  clearFindings: (ctx) => ctx.findings.clear(),
};
