/**
 * Entry point of `dist/server.js` (what the VS Code extension starts with
 * `node dist/server.js --stdio`) and of `gpuvm-lens lsp --stdio`. The
 * transport comes from the command line (`--stdio`, `--node-ipc`,
 * `--socket=N`), as vscode-languageserver reads it.
 */

import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

export function runLanguageServer(): void {
  const connection = createConnection(ProposedFeatures.all);
  startServer(connection);
}
