/**
 * Server and document-mode commands: restart the language server, and
 * switch a document that VS Code opened as plain text (traces are often
 * `.txt` files) to the GPUVM Trace language.
 */

import * as vscode from 'vscode';
import { LANGUAGE_IDS } from '../../protocol/lsp-ext';
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

export const serverCommands: CommandGroup<'restartServer' | 'setLanguageTrace'> = { restartServer, setLanguageTrace };
