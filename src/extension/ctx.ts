/**
 * The extension's context object: it owns the language client, the output
 * channel, the findings view and every disposable, so `activate` stays a
 * list of wiring steps and `deactivate` has one thing to stop.
 *
 * Invariants: at most one client runs at a time; commands reach the server
 * only through `client()`, which waits for a start in progress and starts a
 * stopped client again (after a manual restart or a crash-loop stop).
 */

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { createClient, MAX_RESTARTS, RESTART_WINDOW_MS } from './client';
import { FindingsTree } from './findings-tree';
import { RestartBudget } from './restart-budget';
import { AnalysisStatusItem } from './status';

export class Ctx implements vscode.Disposable {
  readonly output: vscode.LogOutputChannel;
  readonly findings: FindingsTree;
  readonly status: AnalysisStatusItem;
  /** Documents whose kind the user chose with "Analyze as…": the content detector leaves them alone. */
  readonly kindOverrides = new Set<string>();
  private readonly budget = new RestartBudget(MAX_RESTARTS, RESTART_WINDOW_MS);
  private languageClient: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('GPUVM Lens', { log: true });
    this.findings = new FindingsTree(() => this.client());
    this.status = new AnalysisStatusItem();
    this.push(this.output, this.findings, this.status);
  }

  /** Disposed with the extension, in reverse order of registration. */
  push(...disposables: vscode.Disposable[]): void {
    this.extension.subscriptions.push(...disposables);
  }

  get version(): string {
    const version: unknown = this.extension.extension.packageJSON?.version;
    return typeof version === 'string' ? version : '0.0.0';
  }

  /** The running client, started on first use. Rejects when the server cannot start. */
  client(): Promise<LanguageClient> {
    if (this.languageClient?.isRunning()) return Promise.resolve(this.languageClient);
    if (!this.starting) {
      this.starting = this.startClient().finally(() => {
        this.starting = undefined;
      });
    }
    return this.starting;
  }

  private async startClient(): Promise<LanguageClient> {
    if (!this.languageClient) {
      this.languageClient = createClient(this.extension, this.output, this.budget);
      this.status.attach(this.languageClient);
    }
    await this.languageClient.start();
    return this.languageClient;
  }

  async restart(): Promise<void> {
    this.budget.reset();
    const old = this.languageClient;
    this.languageClient = undefined;
    if (old) await old.dispose().catch((error: unknown) => this.output.warn(`stopping the server: ${String(error)}`));
    await this.client();
  }

  dispose(): void {
    void this.stop();
  }

  /** Stops the server; `deactivate` awaits this so the process does not outlive the extension host. */
  async stop(): Promise<void> {
    const client = this.languageClient;
    this.languageClient = undefined;
    if (client) await client.dispose().catch(() => undefined);
  }
}
