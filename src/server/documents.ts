/**
 * The document store: every document the server knows, open in the editor or
 * read from disk by `gpuvmLens/analyzeFile`, with its latest analysis and a
 * per-version cache for what handlers derive from it (script states,
 * outlines, occurrence lists).
 *
 * Invariants:
 * - At most one analysis runs per document; an edit cancels the run of the
 *   previous version and schedules a new one after a quiet period, so typing
 *   in a large trace never queues analyses.
 * - `snapshot(uri)` resolves to the analysis of the document's current
 *   version (starting it at once if it was only scheduled), or to undefined
 *   when the request was cancelled or the user cancelled that analysis.
 * - Everything derived from a snapshot is cached on the snapshot itself, so a
 *   new version drops the whole cache at once.
 * - A long trace (a file read from disk, or more lines than the background
 *   threshold) is indexed by object after its findings are out;
 *   `indexedSnapshot(uri)` resolves once that index is complete too.
 */

import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analyzer, DocumentKind } from '../analysis/document';
import { detectKind, DETECT_HEAD_BYTES } from '../base/detect-kind';
import type { GpuvmLensConfig } from '../protocol/config';
import type { Finding } from '../rules/rule';
import { COMMITS_SCHEME, kindOfLanguage, type AnalysisStatus } from '../protocol/lsp-ext';
import { AnalysisCancelled, analyzeTextInSlices, type CancelFlag, type Logger } from '../ide/sliced-analysis';
import { textLineSource, type LineSource } from '../ide/line-source';
import { DEFAULT_BUDGETS, TraceIndex } from '../ide/trace-replay-index';
import { memo, type AnalyzedDocument } from '../ide/analyzed-document';

/** An analyzed document version (the store's name for `AnalyzedDocument`, see src/ide/analyzed-document.ts). */
export type DocumentSnapshot = AnalyzedDocument;
export { memo };

export interface ProgressHandle {
  report(fraction: number): void;
  done(): void;
  readonly token: CancelFlag;
}

export interface StoreDeps {
  analyzerFor(kind: DocumentKind): Analyzer;
  /** Analyze traces through a `TraceIndex` (off when tests inject analyzers). */
  readonly traceIndexing?: boolean;
  readonly logger: Logger;
  config(): GpuvmLensConfig;
  /** Starts a work-done progress in the client, when it supports them. */
  startProgress?(title: string): Promise<ProgressHandle | undefined>;
  onStatus?(status: AnalysisStatus): void;
}

/** The path an analyzer and related locations should name for a URI. */
export function pathOfUri(uri: string): string {
  if (uri.startsWith(`${COMMITS_SCHEME}:`)) {
    // A review document of commits names a `.patch` file in their checkout (`commitsUri`): the checkout is the tree to review against.
    try {
      return decodeURIComponent(new URL(uri).pathname);
    } catch {
      return uri;
    }
  }
  if (!uri.startsWith('file:')) return uri;
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}

/**
 * A document's kind: its content decides (as for the CLI); the language id
 * decides only when the content says nothing (an empty or half-written file).
 */
export function kindOfDocument(text: string, uri: string, languageId: string): DocumentKind {
  const detected = detectKind(text.slice(0, DETECT_HEAD_BYTES), pathOfUri(uri));
  if (detected !== 'unknown') return detected;
  return kindOfLanguage(languageId) ?? 'unknown';
}

interface Run {
  readonly version: number;
  readonly promise: Promise<DocumentSnapshot | undefined>;
  readonly cancel: { isCancellationRequested: boolean };
}

interface OpenEntry {
  document: TextDocument;
  snapshot: DocumentSnapshot | undefined;
  run: Run | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The version whose analysis the user cancelled from the progress UI. */
  userCancelled: number | undefined;
  /** Findings the running analysis has reported so far (traces report as they go). */
  partial: { version: number; findings: readonly Finding[] } | undefined;
}

type Listener = (snapshot: DocumentSnapshot) => void;

export class DocumentStore {
  private readonly open = new Map<string, OpenEntry>();
  private readonly files = new Map<string, DocumentSnapshot>();
  private readonly listeners: Listener[] = [];

  constructor(private readonly deps: StoreDeps) {}

  /** Called with every finished analysis of an open document or file. */
  onDidAnalyze(listener: Listener): void {
    this.listeners.push(listener);
  }

  didOpen(document: TextDocument): void {
    const entry: OpenEntry = {
      document,
      snapshot: undefined,
      run: undefined,
      timer: undefined,
      userCancelled: undefined,
      partial: undefined,
    };
    this.open.set(document.uri, entry);
    this.start(entry);
  }

  didChange(document: TextDocument): void {
    const entry = this.open.get(document.uri);
    if (!entry) return this.didOpen(document);
    // The text document manager reports an open as a change too.
    if (entry.document.version === document.version && entry.document === document) return;
    entry.document = document;
    if (entry.run) entry.run.cancel.isCancellationRequested = true;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this.start(entry), this.deps.config().analysisDebounceMs);
  }

  didClose(uri: string): void {
    const entry = this.open.get(uri);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.run) entry.run.cancel.isCancellationRequested = true;
    this.open.delete(uri);
  }

  isOpen(uri: string): boolean {
    return this.open.has(uri);
  }

  /** Records the analysis of a file read from disk. */
  addFile(snapshot: DocumentSnapshot): void {
    this.files.set(snapshot.uri, snapshot);
    this.emit(snapshot);
  }

  /** The current lines of a document, analyzed or not. */
  lines(uri: string): LineSource | undefined {
    const entry = this.open.get(uri);
    if (entry) return entry.snapshot?.version === entry.document.version ? entry.snapshot.lines : textLineSource(entry.document);
    return this.files.get(uri)?.lines;
  }

  /** The latest finished analysis, possibly of an older version. */
  latest(uri: string): DocumentSnapshot | undefined {
    const entry = this.open.get(uri);
    return entry ? entry.snapshot : this.files.get(uri);
  }

  /** Every latest snapshot (for re-publishing after a settings change). */
  allLatest(): DocumentSnapshot[] {
    const snapshots: DocumentSnapshot[] = [];
    for (const entry of this.open.values()) if (entry.snapshot) snapshots.push(entry.snapshot);
    for (const [uri, snapshot] of this.files) if (!this.open.has(uri)) snapshots.push(snapshot);
    return snapshots;
  }

  /** What the running analysis of the current version has found so far, if it is still running. */
  partialFindings(uri: string): { version: number; findings: readonly Finding[] } | undefined {
    const entry = this.open.get(uri);
    if (!entry || entry.snapshot?.version === entry.document.version) return undefined;
    return entry.partial?.version === entry.document.version ? entry.partial : undefined;
  }

  /** The analysis of the current version (see the module invariants). */
  async snapshot(uri: string, token?: CancelFlag): Promise<DocumentSnapshot | undefined> {
    for (;;) {
      const entry = this.open.get(uri);
      if (!entry) return this.files.get(uri);
      const version = entry.document.version;
      if (entry.snapshot?.version === version) return entry.snapshot;
      if (entry.userCancelled === version) return entry.snapshot;
      if (!entry.run || entry.run.version !== version || entry.run.cancel.isCancellationRequested) this.start(entry);
      const snapshot = await (entry.run as Run).promise;
      if (token?.isCancellationRequested) return undefined;
      if (snapshot && snapshot.version === entry.document.version) return snapshot;
      if (this.open.get(uri) !== entry) return undefined;
    }
  }

  /**
   * The same, once a trace's object index is complete too (a file read from
   * disk indexes its objects after its findings are out): for navigation,
   * the outline, lenses and the VA view, which ask for every line touching
   * an object. Hovers need only the checkpoints and do not wait.
   */
  async indexedSnapshot(uri: string, token?: CancelFlag): Promise<DocumentSnapshot | undefined> {
    const snapshot = await this.snapshot(uri, token);
    await snapshot?.trace?.objectsReady;
    return token?.isCancellationRequested ? undefined : snapshot;
  }

  /** Analyzes every open document again (the settings changed). */
  reanalyzeAll(): void {
    for (const entry of this.open.values()) {
      entry.snapshot = undefined;
      this.start(entry);
    }
  }

  private emit(snapshot: DocumentSnapshot): void {
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (error) {
        this.deps.logger.error(`analysis listener failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }
  }

  private start(entry: OpenEntry): void {
    if (entry.timer) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    if (entry.run) entry.run.cancel.isCancellationRequested = true;
    const document = entry.document;
    const cancel = { isCancellationRequested: false };
    const promise = this.analyze(entry, document, cancel);
    entry.run = { version: document.version, promise, cancel };
  }

  /**
   * The object index of a long trace (`TraceIndex` with `objectsLater`):
   * the touches its findings pass logged, indexed in slices, so hovers keep
   * answering while navigation, the outline and lenses wait for it
   * (`indexedSnapshot`). A new version or closing the document abandons it.
   */
  private async indexObjects(index: TraceIndex, path: string, cancel: CancelFlag): Promise<void> {
    try {
      await index.indexObjects(cancel);
    } catch (error) {
      if (!(error instanceof AnalysisCancelled))
        this.deps.logger.error(
          `indexing the objects of ${path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
    } finally {
      index.endObjects();
    }
  }

  private async analyze(
    entry: OpenEntry,
    document: TextDocument,
    cancel: { isCancellationRequested: boolean },
  ): Promise<DocumentSnapshot | undefined> {
    const lines = textLineSource(document);
    const text = lines.text ?? '';
    const uri = document.uri;
    const kind = kindOfDocument(text, uri, document.languageId);
    const config = this.deps.config();
    const path = pathOfUri(uri);
    const status = (state: AnalysisStatus['state'], findings = 0): void => this.deps.onStatus?.({ uri, state, kind, findings });
    let progress: ProgressHandle | undefined;
    if (lines.lineCount > config.backgroundThresholdLines && this.deps.startProgress) {
      progress = await this.deps.startProgress(`GPUVM Lens: analyzing ${path.split('/').pop() ?? path}`);
    }
    const token: CancelFlag = {
      get isCancellationRequested() {
        return cancel.isCancellationRequested || (progress?.token.isCancellationRequested ?? false);
      },
    };
    status('analyzing');
    try {
      if (token.isCancellationRequested) throw new AnalysisCancelled();
      // A long trace indexes its objects after its findings are out (see `indexObjects`).
      const long = lines.lineCount > config.backgroundThresholdLines;
      const index = kind === 'trace' && this.deps.traceIndexing ? new TraceIndex(DEFAULT_BUDGETS, long) : undefined;
      const result = await analyzeTextInSlices(kind, index ? index.sink() : this.deps.analyzerFor(kind), text, {
        path,
        token,
        logger: this.deps.logger,
        onPartial: (findings) => {
          entry.partial = { version: document.version, findings };
        },
        ...(progress ? { onProgress: (fraction: number) => progress?.report(fraction) } : {}),
      });
      const snapshot: DocumentSnapshot = {
        uri,
        version: document.version,
        kind,
        lines,
        result,
        cache: new Map(),
        onDisk: false,
        ...(index ? { trace: index } : {}),
      };
      if (this.open.get(uri) === entry && entry.document.version === document.version) {
        entry.snapshot = snapshot;
        status('done', result.findings.length);
        this.emit(snapshot);
      }
      if (index && long) void this.indexObjects(index, path, cancel);
      return snapshot;
    } catch (error) {
      if (error instanceof AnalysisCancelled) {
        if (progress?.token.isCancellationRequested) entry.userCancelled = document.version;
        status('cancelled');
        return undefined;
      }
      // The runner guards analyzers, so this is a bug of the runner itself.
      this.deps.logger.error(`analysis of ${uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      status('failed');
      return undefined;
    } finally {
      progress?.done();
    }
  }
}
