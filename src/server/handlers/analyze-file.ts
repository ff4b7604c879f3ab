/**
 * `gpuvmLens/analyzeFile`: the server reads a file from disk itself — VS Code
 * does not hand files over 50 MB to language servers — streaming it with
 * work-done progress and honouring cancellation (the request's own and the
 * progress's cancel button). The findings are returned, published as the
 * file's diagnostics, and the file stays in the store so hovers and
 * navigation work on it afterwards. A trace's findings pass builds only the
 * checkpoints hovers need and writes down the objects each event touches;
 * they are indexed (navigation, the outline, lenses) once the findings are
 * out, without reading the file again.
 */

import { pathToFileURL } from 'node:url';
import { ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver';
import { DOCUMENT_KINDS, type DocumentKind } from '../../analysis/document';
import { detectKind, DETECT_HEAD_BYTES } from '../../base/detect-kind';
import { AnalysisStatusNotification, AnalyzeFileRequest, type AnalyzeFileParams, type AnalyzeFileResult } from '../../protocol/lsp-ext';
import { AnalysisCancelled, type CancelFlag } from '../../ide/sliced-analysis';
import { findingsToDiagnostics } from '../convert';
import { pathOfUri } from '../documents';
import { findingsWithTraces } from '../log-correlation';
import { guard, type ServerContext } from '../context';
import { readHead } from '../../host/line-stream';
import { analyzeFileFromDisk, fileSize } from '../file-analysis';
import type { LineSource } from '../../ide/line-source';
import { DEFAULT_BUDGETS, TraceIndex } from '../../ide/trace-replay-index';
import type { Finding } from '../../rules/rule';

interface Progress {
  report(fraction: number): void;
  done(): void;
  readonly token: CancelFlag | undefined;
}

async function startProgress(ctx: ServerContext, params: AnalyzeFileParams, title: string): Promise<Progress | undefined> {
  let reporter;
  let token: CancelFlag | undefined;
  if (params.workDoneToken !== undefined) {
    reporter = ctx.connection.window.attachWorkDoneProgress(params.workDoneToken);
  } else if (ctx.support().workDoneProgress) {
    const created = await ctx.connection.window.createWorkDoneProgress();
    reporter = created;
    token = created.token;
  } else {
    return undefined;
  }
  reporter.begin(title, 0, undefined, true);
  let lastPercent = 0;
  return {
    report(fraction) {
      const percent = Math.floor(fraction * 100);
      if (percent === lastPercent) return;
      lastPercent = percent;
      reporter.report(percent, `${percent}%`);
    },
    done: () => reporter.done(),
    token,
  };
}

/** How often findings found so far are re-published while a file is still being read. */
const PARTIAL_PUBLISH_MS = 1000;

/**
 * Publishes the findings found so far: the first ones as soon as they exist
 * (so the user sees something within a second or two of a multi-gigabyte
 * read), then at most once a second.
 */
function partialPublisher(ctx: ServerContext, uri: string, enabled: boolean): (findings: readonly Finding[]) => void {
  let published = 0;
  let lastAt = 0;
  return (findings) => {
    if (!enabled || findings.length === published) return;
    const now = performance.now();
    if (published > 0 && now - lastAt < PARTIAL_PUBLISH_MS) return;
    published = findings.length;
    lastAt = now;
    const lines = ctx.store.lines(uri);
    const { diagnostics } = findingsToDiagnostics(findings, uri, lines ?? EMPTY_LINES, ctx.config());
    void ctx.connection.sendDiagnostics({ uri, diagnostics });
  };
}

/** Findings of a file still being read are placed without its line texts (whole-line ranges end at column 0). */
const EMPTY_LINES: LineSource = { lineCount: Number.MAX_SAFE_INTEGER, text: undefined, line: () => '', range: () => [] };

/** The object pass running for each file (a new analysis of the file abandons the old one's). */
const objectPasses = new Map<string, { isCancellationRequested: boolean }>();

/**
 * Indexes the objects every event of an analyzed trace touches, after its
 * findings are out (`TraceIndex` with `objectsLater`): the touches the
 * findings pass logged, a slice per turn of the event loop, so hovers keep
 * answering; navigation, the outline and the lenses wait for it
 * (`DocumentStore.indexedSnapshot`).
 */
async function indexObjects(ctx: ServerContext, index: TraceIndex, path: string, uri: string): Promise<void> {
  const previous = objectPasses.get(uri);
  if (previous) previous.isCancellationRequested = true;
  const token = { isCancellationRequested: false };
  objectPasses.set(uri, token);
  try {
    await index.indexObjects(token);
  } catch (error) {
    if (!(error instanceof AnalysisCancelled))
      ctx.logger.error(
        `indexing the objects of ${path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
  } finally {
    index.endObjects();
    if (objectPasses.get(uri) === token) objectPasses.delete(uri);
  }
}

export async function answerAnalyzeFile(
  ctx: ServerContext,
  params: AnalyzeFileParams,
  requestToken: CancellationToken,
): Promise<AnalyzeFileResult> {
  const started = performance.now();
  const path = params.path.startsWith('file:') ? pathOfUri(params.path) : params.path;
  let bytes: number;
  let head: string;
  try {
    bytes = fileSize(path);
    head = readHead(path, DETECT_HEAD_BYTES);
  } catch (error) {
    throw new ResponseError(ErrorCodes.InvalidParams, `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (params.kind !== undefined && !(DOCUMENT_KINDS as readonly string[]).includes(params.kind)) {
    throw new ResponseError(ErrorCodes.InvalidParams, `unknown kind ${params.kind} (one of ${DOCUMENT_KINDS.join(', ')})`);
  }
  const kind = (params.kind as DocumentKind | undefined) ?? detectKind(head, path);
  const uri = pathToFileURL(path).toString();
  const progress = await startProgress(ctx, params, `GPUVM Lens: analyzing ${path.split('/').pop() ?? path}`);
  const token: CancelFlag = {
    get isCancellationRequested() {
      return requestToken.isCancellationRequested || (progress?.token?.isCancellationRequested ?? false);
    },
  };
  ctx.connection.sendNotification(AnalysisStatusNotification, { uri, state: 'analyzing', kind, findings: 0 });
  const index = kind === 'trace' && ctx.traceIndexing ? new TraceIndex(DEFAULT_BUDGETS, true) : undefined;
  const publishPartial = partialPublisher(ctx, uri, params.publish !== false);
  try {
    const analysis = await analyzeFileFromDisk(kind, index ? index.sink() : ctx.analyzerFor(kind), path, {
      path,
      token,
      logger: ctx.logger,
      onPartial: publishPartial,
      ...(progress ? { onProgress: (fraction: number) => progress.report(fraction) } : {}),
    });
    const snapshot = {
      uri,
      version: 0,
      kind,
      lines: analysis.lines,
      result: analysis.result,
      cache: new Map<string, unknown>(),
      onDisk: true,
      ...(index ? { trace: index } : {}),
    };
    ctx.store.addFile(snapshot);
    const { diagnostics, total } = findingsToDiagnostics(findingsWithTraces(ctx.store, snapshot), uri, analysis.lines, ctx.config());
    if (params.publish !== false) void ctx.connection.sendDiagnostics({ uri, diagnostics });
    ctx.connection.sendNotification(AnalysisStatusNotification, { uri, state: 'done', kind, findings: total });
    if (index) void indexObjects(ctx, index, path, uri);
    return {
      uri,
      kind,
      lines: analysis.lines.lineCount,
      bytes: analysis.bytes || bytes,
      findingCount: total,
      diagnostics,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    if (error instanceof AnalysisCancelled) {
      ctx.connection.sendNotification(AnalysisStatusNotification, { uri, state: 'cancelled', kind, findings: 0 });
      throw new ResponseError(LSPErrorCodes.RequestCancelled, `analysis of ${path} cancelled`);
    }
    ctx.connection.sendNotification(AnalysisStatusNotification, { uri, state: 'failed', kind, findings: 0 });
    throw error;
  } finally {
    progress?.done();
  }
}

export function register(ctx: ServerContext): void {
  ctx.connection.onRequest(
    AnalyzeFileRequest,
    guard<AnalyzeFileParams, AnalyzeFileResult>(
      ctx,
      AnalyzeFileRequest.method,
      // Unreachable in practice: failures are answered as errors below; this only types the guard.
      { uri: '', kind: 'unknown', lines: 0, bytes: 0, findingCount: 0, diagnostics: [], durationMs: 0 },
      async (params, token) => {
        try {
          return await answerAnalyzeFile(ctx, params, token);
        } catch (error) {
          if (error instanceof ResponseError) throw error;
          ctx.logger.error(
            `${AnalyzeFileRequest.method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
          throw new ResponseError(ErrorCodes.InternalError, `analysis failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    ),
  );
}
