/**
 * In-process language-server harness: the server and a client connection
 * joined by two in-memory Duplex streams (as vscode-languageserver-node's own
 * connection tests do). The client records every notification and answers
 * the server's requests (configuration, progress creation, registrations);
 * `waitFor` resolves when a recorded notification matches, never on a timer.
 */

import { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createConnection } from 'vscode-languageserver/node';
import {
  CancellationTokenSource,
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  WorkDoneProgress,
  type ClientCapabilities,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import type { Analyzer, DocumentKind } from '../../src/analysis/document';
import { startServer } from '../../src/server/server';

class TestStream extends Duplex {
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.emit('data', chunk);
    done();
  }
  override _read(): void {}
}

export interface Recorded {
  readonly method: string;
  readonly params: unknown;
}

export interface HarnessOptions {
  /** Pull diagnostics and work-done progress support (VS Code-like) unless false (a minimal client). */
  readonly modern?: boolean;
  readonly settings?: unknown;
  /** Settings sent in `initializationOptions.settings` (in force before any document opens). */
  readonly initialSettings?: unknown;
  readonly analyzerFor?: (kind: DocumentKind) => Analyzer;
  readonly partialDiagnosticsAfterMs?: number;
  /** Workspace folders (file-system paths) announced in `initialize`. */
  readonly workspaceFolders?: readonly string[];
}

export interface Harness {
  readonly client: ProtocolConnection;
  readonly notifications: Recorded[];
  /** Resolves with the first recorded notification (past or future) matching. */
  waitFor<T = unknown>(method: string, predicate?: (params: T) => boolean): Promise<T>;
  open(uri: string, languageId: string, text: string, version?: number): void;
  change(uri: string, text: string, version: number): void;
  request<R>(method: string, params: unknown, token?: CancellationTokenSource): Promise<R>;
  diagnosticsPushed(uri: string): Promise<PublishDiagnosticsParams>;
  /** Records `$/progress` of a client-created token as `{ token, value }` under `$/progress`. */
  watchProgress(token: string | number): void;
  dispose(): void;
}

export function fileUri(path: string): string {
  return pathToFileURL(path).toString();
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const toServer = new TestStream();
  const toClient = new TestStream();
  const serverConnection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  startServer(serverConnection, {
    ...(options.analyzerFor ? { analyzerFor: options.analyzerFor } : {}),
    ...(options.partialDiagnosticsAfterMs !== undefined ? { partialDiagnosticsAfterMs: options.partialDiagnosticsAfterMs } : {}),
  });
  const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));

  const notifications: Recorded[] = [];
  const waiters: { method: string; predicate: (params: unknown) => boolean; resolve: (params: unknown) => void }[] = [];
  const record = (method: string, params: unknown): void => {
    notifications.push({ method, params });
    for (const waiter of [...waiters]) {
      if (waiter.method === method && waiter.predicate(params)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(params);
      }
    }
  };
  client.onUnhandledNotification((message) => record(message.method, message.params));
  const watchProgress = (token: string | number): void => {
    client.onProgress(WorkDoneProgress.type, token, (value) => record('$/progress', { token, value }));
  };
  client.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
    params.items.map(() => options.settings ?? null),
  );
  client.onRequest('window/workDoneProgress/create', (params: { token: string | number }) => {
    watchProgress(params.token);
    record('window/workDoneProgress/create', params);
    return null;
  });
  client.onRequest('client/registerCapability', () => null);
  client.onRequest('workspace/diagnostic/refresh', () => {
    record('workspace/diagnostic/refresh', null);
    return null;
  });
  client.listen();

  const modern = options.modern !== false;
  const capabilities: ClientCapabilities = modern
    ? {
        textDocument: {
          diagnostic: { dynamicRegistration: false },
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
        },
        window: { workDoneProgress: true },
        workspace: { configuration: true, diagnostics: { refreshSupport: true } },
      }
    : { textDocument: { publishDiagnostics: { relatedInformation: true } } };
  await client.sendRequest('initialize', {
    processId: null,
    rootUri: null,
    capabilities,
    workspaceFolders: options.workspaceFolders ? options.workspaceFolders.map((path) => ({ uri: fileUri(path), name: path })) : null,
    ...(options.initialSettings !== undefined ? { initializationOptions: { settings: options.initialSettings } } : {}),
  });
  client.sendNotification('initialized', {});

  const waitFor = <T>(method: string, predicate: (params: T) => boolean = () => true): Promise<T> => {
    const past = notifications.find((entry) => entry.method === method && predicate(entry.params as T));
    if (past) return Promise.resolve(past.params as T);
    return new Promise<T>((resolve) =>
      waiters.push({ method, predicate: predicate as (params: unknown) => boolean, resolve: resolve as (params: unknown) => void }),
    );
  };

  return {
    client,
    notifications,
    waitFor,
    open(uri, languageId, text, version = 1) {
      client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
    },
    change(uri, text, version) {
      client.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    },
    request<R>(method: string, params: unknown, source?: CancellationTokenSource): Promise<R> {
      return source ? client.sendRequest<R>(method, params, source.token) : client.sendRequest<R>(method, params);
    },
    diagnosticsPushed(uri) {
      return waitFor<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (params) => params.uri === uri);
    },
    watchProgress,
    dispose() {
      client.dispose();
      serverConnection.dispose();
    },
  };
}
