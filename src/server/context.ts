/**
 * What every handler gets: the connection, the document store, the current
 * settings, a logger, the client's capabilities, and `guard`, which makes a
 * handler that throws answer its fallback (and log) instead of failing the
 * request or, worse, the server.
 */

import { ResponseError, type CancellationToken, type Connection } from 'vscode-languageserver';
import type { Analyzer, DocumentKind } from '../analysis/document';
import type { GpuvmLensConfig } from '../protocol/config';
import type { Logger } from '../ide/sliced-analysis';
import type { DocumentStore } from './documents';

export interface ClientSupport {
  /** `textDocument/diagnostic` (LSP 3.17 pull diagnostics). */
  readonly pullDiagnostics: boolean;
  readonly diagnosticRefresh: boolean;
  /** Server-initiated `window/workDoneProgress/create`. */
  readonly workDoneProgress: boolean;
  readonly configuration: boolean;
  readonly hierarchicalSymbols: boolean;
}

export interface ServerContext {
  readonly connection: Connection;
  readonly store: DocumentStore;
  readonly logger: Logger;
  config(): GpuvmLensConfig;
  support(): ClientSupport;
  analyzerFor(kind: DocumentKind): Analyzer;
  /** Traces are analyzed through a `TraceIndex` (the default analyzers are in use). */
  readonly traceIndexing: boolean;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * Wraps a request handler: a throw is logged with the handler's name and the
 * request answers `fallback`. Errors meant for the client (`ResponseError`,
 * such as a cancellation) pass through.
 */
export function guard<P, R>(
  ctx: Pick<ServerContext, 'logger'>,
  name: string,
  fallback: R,
  handler: (params: P, token: CancellationToken) => R | Promise<R>,
): (params: P, token: CancellationToken) => Promise<R> {
  return async (params, token) => {
    try {
      return await handler(params, token);
    } catch (error) {
      if (error instanceof ResponseError) throw error;
      ctx.logger.error(`${name} failed: ${describeError(error)}`);
      return fallback;
    }
  };
}
