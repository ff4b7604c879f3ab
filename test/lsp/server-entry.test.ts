/**
 * The bundled server as the VS Code extension starts it: `node
 * dist/server.js --stdio`, a real child process. It must initialize, answer a
 * request, and exit with code 0 on shutdown + exit. Builds dist/ when the
 * bundle is missing; waits on the process's own events, bounded by a
 * deadline.
 */

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type InitializeResult } from 'vscode-languageserver-protocol/node';

const ROOT = resolve(__dirname, '..', '..');
const SERVER = join(ROOT, 'dist', 'server.js');

describe('dist/server.js --stdio', () => {
  it('initializes, serves a document and exits cleanly', async () => {
    if (!existsSync(SERVER)) expect(spawnSync('node', ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' }).status).toBe(0);
    const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    // Writes racing the process's exit are not failures of the test.
    child.stdin.on('error', () => undefined);
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const client = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    client.listen();
    try {
      const init = await client.sendRequest<InitializeResult>('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
      expect(init.serverInfo?.name).toBe('gpuvm-lens');
      expect(init.capabilities.hoverProvider).toBe(true);
      // Without pull support the server pushes diagnostics.
      expect(init.capabilities.diagnosticProvider).toBeUndefined();
      client.sendNotification('initialized', {});
      const pushed = new Promise<{ diagnostics: { code: string }[] }>((resolvePush) =>
        client.onNotification('textDocument/publishDiagnostics', (params: { diagnostics: { code: string }[] }) => resolvePush(params)),
      );
      client.sendNotification('textDocument/didOpen', {
        textDocument: { uri: 'file:///w/a.gpuvm', languageId: 'gpuvm-script', version: 1, text: 'vm 0x0 0x100000 0x0 0x0\nunmap 0x1000 0x0\n' },
      });
      expect((await pushed).diagnostics.map((d) => d.code)).toEqual(['zero-range-request']);
      await client.sendRequest('shutdown');
      await client.sendNotification('exit');
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(deadline);
      client.dispose();
    }
  }, 40_000);
});
