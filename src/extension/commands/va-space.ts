/**
 * "GPUVM: Show VA Space at Cursor": opens the VA-space view for the VM of the
 * cursor's line, replayed up to that line. The server's code lenses invoke
 * the same command with explicit `ShowVaSpaceArgs` (document, line, VM).
 */

import * as vscode from 'vscode';
import { LANGUAGE_IDS, type ShowVaSpaceArgs } from '../../protocol/lsp-ext';
import type { Ctx } from '../ctx';
import { VaSpacePanel } from '../va-panel';
import type { CommandGroup } from './types';

const REPLAYABLE = new Set<string>([LANGUAGE_IDS.trace, LANGUAGE_IDS.script, LANGUAGE_IDS.dump]);

function isShowArgs(value: unknown): value is ShowVaSpaceArgs {
  if (typeof value !== 'object' || value === null) return false;
  const { uri, line, vm } = value as Record<string, unknown>;
  return typeof uri === 'string' && typeof line === 'number' && (vm === undefined || typeof vm === 'string');
}

function showVaSpace(ctx: Ctx, arg?: unknown): void {
  if (isShowArgs(arg)) {
    VaSpacePanel.show(ctx, { uri: arg.uri, line: arg.line, vm: arg.vm ?? '' });
    return;
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor || !REPLAYABLE.has(editor.document.languageId)) {
    void vscode.window.showWarningMessage('GPUVM: put the cursor in a trace, a gpuvas dump or a GPUVM script to see its VA space.');
    return;
  }
  VaSpacePanel.show(ctx, { uri: editor.document.uri.toString(), line: editor.selection.active.line, vm: '' });
}

export const vaSpaceCommands: CommandGroup<'showVaSpace'> = { showVaSpace };
