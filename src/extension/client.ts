/**
 * Builds the LanguageClient that runs the GPUVM Lens language server
 * (`dist/server.js`, a Node module, over stdio) for the four GPUVM document
 * languages, in files and untitled buffers.
 *
 * Restarts are bounded (restart-budget.ts): a server that crashes more than
 * MAX_RESTARTS times within RESTART_WINDOW_MS stays down, and the user is told
 * how to restart it by hand.
 */

import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { COMMITS_SCHEME, LANGUAGE_IDS, TRACE_DAT_SCHEME } from '../protocol/lsp-ext';
import { CONFIG_SECTION, SERVER_HEAP_LIMIT_MB } from '../protocol/config';
import { RestartBudget } from './restart-budget';

export const CLIENT_ID = 'gpuvmLens';
export const CLIENT_NAME = 'GPUVM Lens';
/** At most this many crashes in this window are followed by a restart. */
export const MAX_RESTARTS = 4;
export const RESTART_WINDOW_MS = 3 * 60_000;

/** Restarts the server after a crash unless it crashed too often recently. */
class BoundedRestarts implements ErrorHandler {
  constructor(
    private readonly budget: RestartBudget,
    private readonly onGiveUp: (message: string) => void,
  ) {}

  error(): ErrorHandlerResult {
    // A malformed message or a write error: keep the connection, the server decides.
    return { action: ErrorAction.Continue };
  }

  closed(): CloseHandlerResult {
    if (this.budget.crashed(Date.now())) return { action: CloseAction.Restart, handled: true };
    const message = `The GPUVM Lens language server stopped ${this.budget.recent} times in ${this.budget.windowMs / 60_000} minutes and will not be restarted. Its output channel has the details; run "GPUVM: Restart Language Server" to try again.`;
    this.onGiveUp(message);
    return { action: CloseAction.DoNotRestart, message, handled: true };
  }
}

export function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel, budget: RestartBudget): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio, options: { execArgv: [`--max-old-space-size=${SERVER_HEAP_LIMIT_MB}`] } },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const documentSelector = [
    ...Object.values(LANGUAGE_IDS).flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    // A binary trace.dat shown as its report (trace-dat-view.ts).
    { scheme: TRACE_DAT_SCHEME, language: LANGUAGE_IDS.trace },
    // The commits Review Commits… shows (commits-review.ts).
    { scheme: COMMITS_SCHEME, language: LANGUAGE_IDS.patch },
  ];
  const clientOptions: LanguageClientOptions = {
    documentSelector,
    outputChannel: output,
    synchronize: { configurationSection: CONFIG_SECTION },
    errorHandler: new BoundedRestarts(budget, (message) => void vscode.window.showErrorMessage(message)),
    // The server reads large files itself (gpuvmLens/analyzeFile); nothing else to tune here.
  };
  return new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
}
