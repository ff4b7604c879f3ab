/**
 * "GPUVM: Show VA Space at Cursor": opens the VA-space view for the VM of the
 * cursor's line, replayed up to that line; "GPUVM: Show Mapping Timeline"
 * opens the same panel on the lifetimes of that VM's mappings. The server's
 * code lenses invoke both with explicit `ShowVaSpaceArgs` (document, line, VM).
 */

import * as vscode from 'vscode';
import { LANGUAGE_IDS, type ShowVaSpaceArgs } from '../../protocol/lsp-ext';
import type { ViewMode } from '../../protocol/webview';
import type { Ctx } from '../ctx';
import { VaSpacePanel } from '../va-panel';
import type { CommandGroup } from './types';

const REPLAYABLE: Record<ViewMode, ReadonlySet<string>> = {
  map: new Set([LANGUAGE_IDS.trace, LANGUAGE_IDS.script, LANGUAGE_IDS.dump]),
  // A dump is one instant: it has no lifetimes.
  timeline: new Set([LANGUAGE_IDS.trace, LANGUAGE_IDS.script]),
};

function isShowArgs(value: unknown): value is ShowVaSpaceArgs {
  if (typeof value !== 'object' || value === null) return false;
  const { uri, line, vm } = value as Record<string, unknown>;
  return typeof uri === 'string' && typeof line === 'number' && (vm === undefined || typeof vm === 'string');
}

function show(ctx: Ctx, mode: ViewMode, arg: unknown): void {
  if (isShowArgs(arg)) {
    VaSpacePanel.show(ctx, { uri: arg.uri, line: arg.line, vm: arg.vm ?? '' }, mode);
    return;
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor || !REPLAYABLE[mode].has(editor.document.languageId)) {
    void vscode.window.showWarningMessage(
      mode === 'map'
        ? 'GPUVM: put the cursor in a trace, a gpuvas dump or a GPUVM script to see its VA space.'
        : 'GPUVM: put the cursor in a trace or a GPUVM script to see its mapping timeline.',
    );
    return;
  }
  VaSpacePanel.show(ctx, { uri: editor.document.uri.toString(), line: editor.selection.active.line, vm: '' }, mode);
}

export const vaSpaceCommands: CommandGroup<'showVaSpace' | 'showTimeline'> = {
  showVaSpace: (ctx, arg) => show(ctx, 'map', arg),
  showTimeline: (ctx, arg) => show(ctx, 'timeline', arg),
};
