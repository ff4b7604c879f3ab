/**
 * Diagnostics, pulled (`textDocument/diagnostic`, LSP 3.17) by clients that
 * support it and pushed (`textDocument/publishDiagnostics`) to the others.
 * Pull is preferred: the client asks for the documents it shows, so a huge
 * trace does not flood it, and the answer waits for the analysis of exactly
 * the version it asks about.
 *
 * Result ids are `<version>:<settings generation>`, so an unchanged document
 * answers `unchanged` and a settings change invalidates every result.
 */

import type { Diagnostic, DocumentDiagnosticReport } from 'vscode-languageserver';
import { findingsToDiagnostics } from '../convert';
import type { DocumentSnapshot } from '../documents';
import { guard, type ServerContext } from '../context';

export function diagnosticsOf(ctx: ServerContext, snapshot: DocumentSnapshot): Diagnostic[] {
  return findingsToDiagnostics(snapshot.result.findings, snapshot.uri, snapshot.lines, ctx.config()).diagnostics;
}

export function register(ctx: ServerContext, settingsGeneration: () => number): void {
  const { connection, store } = ctx;

  connection.languages.diagnostics.on(
    guard<{ textDocument: { uri: string }; previousResultId?: string }, DocumentDiagnosticReport>(
      ctx,
      'textDocument/diagnostic',
      { kind: 'full', items: [] },
      async (params, token) => {
        const snapshot = await store.snapshot(params.textDocument.uri, token);
        if (!snapshot) return { kind: 'full', items: [] };
        const resultId = `${snapshot.version}:${settingsGeneration()}`;
        if (params.previousResultId === resultId) return { kind: 'unchanged', resultId };
        return { kind: 'full', resultId, items: diagnosticsOf(ctx, snapshot) };
      },
    ),
  );

  // Push: every finished analysis of an open document, for clients without pull support.
  store.onDidAnalyze((snapshot) => {
    if (snapshot.onDisk || ctx.support().pullDiagnostics) return;
    void connection.sendDiagnostics({ uri: snapshot.uri, version: snapshot.version, diagnostics: diagnosticsOf(ctx, snapshot) });
  });
}

/** Clears pushed diagnostics of a closed document (pull clients forget them on their own). */
export function clearOnClose(ctx: ServerContext, uri: string): void {
  if (!ctx.support().pullDiagnostics) void ctx.connection.sendDiagnostics({ uri, diagnostics: [] });
}

/** After a settings change: ask pull clients to pull again, re-push to the others. */
export function refreshAll(ctx: ServerContext): void {
  if (ctx.support().pullDiagnostics) {
    if (ctx.support().diagnosticRefresh) void ctx.connection.languages.diagnostics.refresh();
  }
  for (const snapshot of ctx.store.allLatest()) {
    if (snapshot.onDisk || !ctx.support().pullDiagnostics) {
      void ctx.connection.sendDiagnostics({ uri: snapshot.uri, diagnostics: diagnosticsOf(ctx, snapshot) });
    }
  }
}
