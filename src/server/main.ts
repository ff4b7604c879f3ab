/**
 * Entry point of `dist/server.js` (what the VS Code extension starts with
 * `node dist/server.js --stdio`) and of `gpuvm-lens lsp --stdio`. The
 * transport comes from the command line (`--stdio`, `--node-ipc`,
 * `--socket=N`), as vscode-languageserver reads it.
 */

import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { prestartLineReader } from '../host/threaded-line-stream';
import { startServer } from './server';
import { installTreeSitterAssets } from './tree-sitter-assets';

export function runLanguageServer(): void {
  // Patch review parses C with tree-sitter; its WASM sits next to the bundle.
  installTreeSitterAssets();
  const connection = createConnection(ProposedFeatures.all);
  startServer(connection);
  // Analyze File reads a big trace on a second thread: one waits ready, so the first batch does not wait for a thread to start.
  prestartLineReader();
}
