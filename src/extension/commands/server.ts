/**
 * Server and document-mode commands: restart the language server, switch a
 * document that VS Code opened as plain text (traces are often `.txt` files)
 * to the GPUVM Trace language, and "Analyze as…", which overrides the kind
 * the content detector chose (or did not choose) for the active document.
 * The choice holds until the window is reloaded: the detector leaves that document alone.
 */

import * as vscode from 'vscode';
import type { DocumentKind } from '../../base/detect-kind';
import { kindOfLanguage, LANGUAGE_IDS } from '../../protocol/lsp-ext';
import type { Ctx } from '../ctx';
import type { CommandGroup } from './types';
import { errorText } from './util';

async function restartServer(ctx: Ctx): Promise<void> {
  try {
    await ctx.restart();
    void vscode.window.setStatusBarMessage('GPUVM Lens language server restarted', 3000);
  } catch (error) {
    void vscode.window.showErrorMessage(`GPUVM: the language server did not start: ${errorText(error)}`);
  }
}

async function setLanguageTrace(_ctx: Ctx): Promise<void> {
  const document = vscode.window.activeTextEditor?.document;
  if (document) await vscode.languages.setTextDocumentLanguage(document, LANGUAGE_IDS.trace);
}

/** The kinds a user can pick, in the words of the kernel developer's inputs. */
const KIND_CHOICES: readonly {
  readonly documentKind: Exclude<DocumentKind, 'unknown'>;
  readonly label: string;
  readonly detail: string;
}[] = [
  { documentKind: 'trace', label: 'ftrace text', detail: 'trace-cmd report, trace_pipe or /sys/kernel/tracing/trace output' },
  { documentKind: 'kernel-log', label: 'Kernel log', detail: 'dmesg, journalctl -k, a serial console capture' },
  { documentKind: 'patch', label: 'Kernel patch or review mail', detail: 'git format-patch output, an mbox, a saved mail with a diff' },
  { documentKind: 'dump', label: 'gpuvas debugfs dump', detail: 'the "DRM GPU VA space" blocks of a driver\'s gpuvas file' },
  { documentKind: 'script', label: 'GPUVM replay script', detail: 'vm / bo / map / unmap commands replayed through the model' },
];

/** Plain text: the way out when a document is no GPUVM input at all. */
const NONE = { label: 'Plain text', detail: 'no GPUVM analysis for this document' };

async function analyzeAs(ctx: Ctx, arg?: unknown): Promise<void> {
  const target = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (!target) {
    void vscode.window.showWarningMessage('GPUVM: open the document to analyze first.');
    return;
  }
  const document = await vscode.workspace.openTextDocument(target);
  const current = kindOfLanguage(document.languageId);
  const items = [
    ...KIND_CHOICES.map((choice) => ({ ...choice, description: choice.documentKind === current ? 'current' : '' })),
    { ...NONE, documentKind: undefined, description: current ? '' : 'current' },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'GPUVM: Analyze as…',
    placeHolder: `Analyze ${document.uri.path.slice(document.uri.path.lastIndexOf('/') + 1)} as`,
  });
  if (!picked) return;
  ctx.kindOverrides.add(document.uri.toString());
  await vscode.languages.setTextDocumentLanguage(document, picked.documentKind ? LANGUAGE_IDS[picked.documentKind] : 'plaintext');
}

export const serverCommands: CommandGroup<'restartServer' | 'setLanguageTrace' | 'analyzeAs'> = {
  restartServer,
  setLanguageTrace,
  analyzeAs,
};
