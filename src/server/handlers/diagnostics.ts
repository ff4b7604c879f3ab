/**
 * Diagnostics, pulled (`textDocument/diagnostic`, LSP 3.17) by clients that
 * support it and pushed (`textDocument/publishDiagnostics`) to the others.
 * Pull is preferred: the client asks for the documents it shows, so a huge
 * trace does not flood it, and the answer waits for the analysis of exactly
 * the version it asks about.
 *
 * Result ids are `<version>:<settings generation>`, so an unchanged document
 * answers `unchanged` and a settings change invalidates every result. A pull
 * on a long analysis (a large trace) is answered after a moment with the
 * findings so far, without a result id, and the client is asked to pull again
 * (`workspace/diagnostic/refresh`) when the analysis is complete.
 */

import type { Diagnostic, DocumentDiagnosticReport } from 'vscode-languageserver';
import { findingsToDiagnostics } from '../convert';
import type { DocumentSnapshot } from '../documents';
import { guard, type ServerContext } from '../context';
import { findingsWithTraces, generation as traceGeneration, noteAnalyzed } from '../log-correlation';

export function diagnosticsOf(ctx: ServerContext, snapshot: DocumentSnapshot): Diagnostic[] {
  return findingsToDiagnostics(findingsWithTraces(ctx.store, snapshot), snapshot.uri, snapshot.lines, ctx.config()).diagnostics;
}

/** A pull still unanswered after this long gets the findings so far, and a refresh when the rest is known. */
export const DEFAULT_PARTIAL_AFTER_MS = 1500;

export function register(ctx: ServerContext, settingsGeneration: () => number, partialAfterMs = DEFAULT_PARTIAL_AFTER_MS): void {
  const { connection, store } = ctx;
  // Documents answered with partial findings: their completion triggers a diagnostic refresh.
  const answeredPartially = new Set<string>();

  connection.languages.diagnostics.on(
    guard<{ textDocument: { uri: string }; previousResultId?: string }, DocumentDiagnosticReport>(
      ctx,
      'textDocument/diagnostic',
      { kind: 'full', items: [] },
      async (params, token) => {
        const uri = params.textDocument.uri;
        const pending = store.snapshot(uri, token);
        if (ctx.support().diagnosticRefresh) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const early = await Promise.race([
            pending,
            new Promise<'partial'>((resolve) => (timer = setTimeout(() => resolve('partial'), partialAfterMs))),
          ]);
          clearTimeout(timer);
          const partial = early === 'partial' ? store.partialFindings(uri) : undefined;
          if (partial) {
            answeredPartially.add(uri);
            const lines = store.lines(uri);
            // No result id: the next pull must get a full answer.
            return lines
              ? { kind: 'full', items: findingsToDiagnostics(partial.findings, uri, lines, ctx.config()).diagnostics }
              : { kind: 'full', items: [] };
          }
        }
        const snapshot = await pending;
        if (!snapshot) return { kind: 'full', items: [] };
        // A kernel log's findings also depend on the traces it is correlated with.
        const resultId = `${snapshot.version}:${settingsGeneration()}${snapshot.kind === 'kernel-log' ? `:${traceGeneration()}` : ''}`;
        if (params.previousResultId === resultId) return { kind: 'unchanged', resultId };
        return { kind: 'full', resultId, items: diagnosticsOf(ctx, snapshot) };
      },
    ),
  );

  // Push: every finished analysis of an open document, for clients without pull support.
  store.onDidAnalyze((snapshot) => {
    if (noteAnalyzed(snapshot)) {
      // A new trace version: kernel logs' fault histories may change.
      const logs = store.allLatest().filter((candidate) => candidate.kind === 'kernel-log');
      if (logs.length > 0) {
        if (ctx.support().pullDiagnostics && ctx.support().diagnosticRefresh) void connection.languages.diagnostics.refresh();
        for (const log of logs) {
          if (log.onDisk || !ctx.support().pullDiagnostics)
            void connection.sendDiagnostics({ uri: log.uri, diagnostics: diagnosticsOf(ctx, log) });
        }
      }
    }
    if (answeredPartially.delete(snapshot.uri)) void connection.languages.diagnostics.refresh();
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
