/**
 * The bundled server as the VS Code extension starts it: `node
 * dist/server.js --stdio`, a real child process. It must initialize, answer a
 * request, review a patch (tree-sitter's WASM found next to the bundle), and
 * exit with code 0 on shutdown + exit. Builds dist/ when the
 * bundle is missing; waits on the process's own events, bounded by a
 * deadline.
 */

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type InitializeResult,
} from 'vscode-languageserver-protocol/node';

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
      type Pushed = { uri: string; diagnostics: { code: string; range: { start: { line: number } } }[] };
      const waiting = new Map<string, (params: Pushed) => void>();
      client.onNotification('textDocument/publishDiagnostics', (params: Pushed) => {
        if (params.diagnostics.length > 0) waiting.get(params.uri)?.(params);
      });
      const pushedFor = (uri: string) => new Promise<Pushed>((resolvePush) => waiting.set(uri, resolvePush));
      const script = pushedFor('file:///w/a.gpuvm');
      client.sendNotification('textDocument/didOpen', {
        textDocument: {
          uri: 'file:///w/a.gpuvm',
          languageId: 'gpuvm-script',
          version: 1,
          text: 'vm 0x0 0x100000 0x0 0x0\nunmap 0x1000 0x0\n',
        },
      });
      expect((await script).diagnostics.map((d) => d.code)).toEqual(['zero-range-request']);
      // Patch review needs tree-sitter's WASM, which the bundle finds next to itself.
      const thread = readFileSync(join(ROOT, 'test', 'fixtures', 'patches', 'corpus', 'gpuvm-obj-lock-destructor-v5-review.txt'), 'utf8');
      const patch = pushedFor('file:///w/thread.patch');
      client.sendNotification('textDocument/didOpen', {
        textDocument: { uri: 'file:///w/thread.patch', languageId: 'gpuvm-patch', version: 1, text: thread },
      });
      const review = (await patch).diagnostics.filter((d) => d.code === 'refcount-read-condition');
      expect(review.map((d) => d.range.start.line + 1)).toEqual([28, 39]);
      await client.sendRequest('shutdown');
      await client.sendNotification('exit');
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(deadline);
      client.dispose();
    }
  }, 40_000);
});
