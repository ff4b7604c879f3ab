/**
 * The language status item ("{ }" in the status bar) of GPUVM documents:
 * whether the server is still analyzing the active document, how many
 * findings it has, or that its analysis failed or was cancelled. Fed by the
 * server's `gpuvmLens/analysisStatus` notifications, kept per document so
 * switching editors shows the right one.
 */

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { AnalysisStatusNotification, LANGUAGE_IDS, type AnalysisStatus } from '../protocol/lsp-ext';

/** Statuses kept: enough for every open editor, bounded for long sessions. */
const MAX_TRACKED = 200;

export class AnalysisStatusItem implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;
  private readonly statuses = new Map<string, AnalysisStatus>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.item = vscode.languages.createLanguageStatusItem(
      'gpuvmLens.analysis',
      Object.values(LANGUAGE_IDS).map((language) => ({ language })),
    );
    this.item.name = 'GPUVM Lens analysis';
    this.item.text = 'GPUVM Lens';
    this.item.command = { command: 'workbench.actions.view.problems', title: 'Show Problems' };
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
    );
  }

  /** Listens to a (re)started client. */
  attach(client: LanguageClient): void {
    this.disposables.push(
      client.onNotification(AnalysisStatusNotification, (status) => {
        this.statuses.delete(status.uri);
        this.statuses.set(status.uri, status);
        if (this.statuses.size > MAX_TRACKED) this.statuses.delete(this.statuses.keys().next().value as string);
        this.render();
      }),
    );
  }

  private render(): void {
    const uri = vscode.window.activeTextEditor?.document.uri.toString();
    const status = uri ? this.statuses.get(uri) : undefined;
    this.item.busy = status?.state === 'analyzing';
    this.item.severity = status?.state === 'failed' ? vscode.LanguageStatusSeverity.Error : vscode.LanguageStatusSeverity.Information;
    if (!status) {
      this.item.text = 'GPUVM Lens';
      this.item.detail = undefined;
      return;
    }
    const findings = `${status.findings} finding${status.findings === 1 ? '' : 's'}`;
    switch (status.state) {
      case 'analyzing':
        this.item.text = `GPUVM: analyzing ${status.kind}…`;
        this.item.detail = undefined;
        break;
      case 'done':
        this.item.text = `GPUVM: ${findings}`;
        this.item.detail = status.kind;
        break;
      case 'cancelled':
        this.item.text = 'GPUVM: analysis cancelled';
        this.item.detail = undefined;
        break;
      case 'failed':
        this.item.text = 'GPUVM: analysis failed';
        this.item.detail = 'see the GPUVM Lens output';
        break;
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
