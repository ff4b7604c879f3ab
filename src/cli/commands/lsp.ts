/**
 * `gpuvm-lens lsp --stdio`: runs the language server for any LSP client
 * (VS Code, Neovim, Emacs, Helix). The server code lives in src/server; this
 * command only checks the transport flags and hands over.
 */

import { runLanguageServer } from '../../server/main';
import { UsageError, type CliCommand } from './command';

const TRANSPORTS = /^--(?:stdio|node-ipc|socket=\d+|pipe=.+)$/;

export const lspCommand: CliCommand = {
  name: 'lsp',
  summary: 'run the language server (for VS Code, Neovim, Emacs, Helix...)',
  usage: `usage: gpuvm-lens lsp --stdio

Runs the GPUVM Lens language server, speaking LSP over standard input and
output (--stdio; --node-ipc, --socket=PORT and --pipe=NAME also work). It
serves diagnostics, hovers, navigation, outlines, code lenses, inlay hints and
code actions for traces, gpuvas dumps, patches and GPUVM scripts.

  --stdio                 talk LSP on standard input/output
  --clientProcessId=PID   exit when that process exits
`,
  run(args) {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(this.usage);
      return Promise.resolve(0);
    }
    const transports = args.filter((arg) => TRANSPORTS.test(arg));
    const unknown = args.filter((arg) => !TRANSPORTS.test(arg) && !/^--clientProcessId=\d+$/.test(arg));
    if (unknown.length) throw new UsageError(`unknown option ${unknown[0]}`);
    if (transports.length !== 1) throw new UsageError('lsp needs exactly one transport, usually --stdio');
    runLanguageServer();
    // The server lives until the client sends `exit` (which ends the process).
    return new Promise<number>(() => undefined);
  },
};
