/**
 * The GPUVM Lens language server: connection wiring only. It declares the
 * capabilities, keeps the settings, feeds open documents to the store, and
 * registers one handler module per feature (`handlers/`). Everything it
 * reports comes from the pure analysis layer.
 *
 * Invariants: no handler can take the server down (each is wrapped by
 * `guard`, analyses by the runner); the server never exits on its own except
 * on `exit`.
 */

import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analyzer, DocumentKind } from '../analysis/document';
import { analyzerFor as defaultAnalyzerFor } from '../analysis/registry';
import { CONFIG_SECTION, DEFAULT_CONFIG, readConfig, type GpuvmLensConfig } from '../protocol/config';
import { AnalysisStatusNotification } from '../protocol/lsp-ext';
import type { Logger } from '../ide/sliced-analysis';
import { describeError, type ClientSupport, type ServerContext } from './context';
import { DocumentStore } from './documents';
import * as analyzeFile from './handlers/analyze-file';
import * as codeActions from './handlers/code-actions';
import * as codeLens from './handlers/code-lens';
import * as definition from './handlers/definition';
import * as diagnostics from './handlers/diagnostics';
import * as documentHighlight from './handlers/document-highlight';
import * as documentSymbols from './handlers/document-symbols';
import * as foldingRanges from './handlers/folding-ranges';
import * as hover from './handlers/hover';
import * as inlayHints from './handlers/inlay-hints';
import * as references from './handlers/references';
import * as vaSpace from './handlers/va-space';
import * as timeline from './handlers/timeline';
import * as findingGroups from './handlers/finding-groups';
import * as traceDatText from './handlers/trace-dat-text';
import * as commitsPatch from './handlers/commits-patch';
import { VERSION } from './version';
import { withReviewTree } from './review-tree';
import { fileURLToPath } from 'node:url';

export interface ServerOptions {
  /** The analyzer of each kind (tests inject failing ones). */
  readonly analyzerFor?: (kind: DocumentKind) => Analyzer;
  /** How long a pull waits for a running analysis before it gets the findings so far. */
  readonly partialDiagnosticsAfterMs?: number;
}

const NO_SUPPORT: ClientSupport = {
  pullDiagnostics: false,
  diagnosticRefresh: false,
  workDoneProgress: false,
  configuration: false,
  hierarchicalSymbols: false,
};

function supportOf(params: InitializeParams): ClientSupport {
  const capabilities = params.capabilities;
  return {
    pullDiagnostics: capabilities.textDocument?.diagnostic !== undefined,
    diagnosticRefresh: capabilities.workspace?.diagnostics?.refreshSupport === true,
    workDoneProgress: capabilities.window?.workDoneProgress === true,
    configuration: capabilities.workspace?.configuration === true,
    hierarchicalSymbols: capabilities.textDocument?.documentSymbol?.hierarchicalDocumentSymbolSupport === true,
  };
}

/** The workspace folders that are on disk, as paths (a client may send only the older `rootUri`). */
function foldersOf(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []);
  return uris.filter((uri) => uri.startsWith('file:')).map((uri) => fileURLToPath(uri));
}

/** Wires the server onto `connection` and starts listening. */
export function startServer(connection: Connection, options: ServerOptions = {}): void {
  let config: GpuvmLensConfig = DEFAULT_CONFIG;
  let support = NO_SUPPORT;
  let settingsGeneration = 0;
  let workspaceFolders: readonly string[] = [];
  const analyzerFor = withReviewTree(options.analyzerFor ?? defaultAnalyzerFor, {
    setting: () => config.reviewKernelTree,
    workspaceFolders: () => workspaceFolders,
  });

  // Logging must never throw, not even after the connection closed.
  const log = (write: (message: string) => void, message: string): void => {
    try {
      write(message);
    } catch {
      // Nowhere left to report to.
    }
  };
  const logger: Logger = {
    error: (message) => log((text) => connection.console.error(text), message),
    info: (message) => log((text) => connection.console.info(text), message),
  };

  const traceIndexing = options.analyzerFor === undefined;
  const store = new DocumentStore({
    analyzerFor,
    traceIndexing,
    logger,
    config: () => config,
    startProgress: async (title) => {
      if (!support.workDoneProgress) return undefined;
      const reporter = await connection.window.createWorkDoneProgress();
      reporter.begin(title, 0, undefined, true);
      let lastPercent = 0;
      return {
        report(fraction) {
          const percent = Math.floor(fraction * 100);
          if (percent !== lastPercent) reporter.report((lastPercent = percent));
        },
        done: () => reporter.done(),
        token: reporter.token,
      };
    },
    onStatus: (status) => void connection.sendNotification(AnalysisStatusNotification, status),
  });

  const ctx: ServerContext = { connection, store, logger, config: () => config, support: () => support, analyzerFor, traceIndexing };

  const documents = new TextDocuments(TextDocument);
  documents.onDidOpen((event) => store.didOpen(event.document));
  documents.onDidChangeContent((event) => store.didChange(event.document));
  documents.onDidClose((event) => {
    store.didClose(event.document.uri);
    diagnostics.clearOnClose(ctx, event.document.uri);
  });

  connection.onInitialize((params): InitializeResult => {
    support = supportOf(params);
    workspaceFolders = foldersOf(params);
    const initial = params.initializationOptions as { settings?: unknown } | undefined;
    if (initial?.settings !== undefined) config = readConfig(initial.settings);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        documentHighlightProvider: true,
        documentSymbolProvider: { label: 'GPUVM Lens' },
        foldingRangeProvider: true,
        codeLensProvider: { resolveProvider: false },
        inlayHintProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] },
        ...(support.pullDiagnostics
          ? { diagnosticProvider: { identifier: 'gpuvm-lens', interFileDependencies: false, workspaceDiagnostics: false } }
          : {}),
      },
      serverInfo: { name: 'gpuvm-lens', version: VERSION },
    };
  });

  const loadSettings = async (pushed?: unknown): Promise<void> => {
    try {
      const section =
        pushed !== undefined ? pushed : support.configuration ? await connection.workspace.getConfiguration(CONFIG_SECTION) : undefined;
      if (section === undefined || section === null) return;
      config = readConfig(section);
      settingsGeneration++;
    } catch (error) {
      logger.error(`reading the settings failed: ${describeError(error)}`);
    }
  };

  connection.onInitialized(async () => {
    if (support.configuration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: CONFIG_SECTION }).catch(() => undefined);
      await loadSettings();
      if (settingsGeneration > 0) store.reanalyzeAll();
    }
  });

  connection.onDidChangeConfiguration(async (change) => {
    const settings = change.settings as Record<string, unknown> | null | undefined;
    // Clients that push settings (Neovim's `settings`) send them here; the others want us to pull.
    await loadSettings(settings && typeof settings === 'object' && CONFIG_SECTION in settings ? settings[CONFIG_SECTION] : undefined);
    store.reanalyzeAll();
    diagnostics.refreshAll(ctx);
  });

  diagnostics.register(ctx, () => settingsGeneration, options.partialDiagnosticsAfterMs);
  hover.register(ctx);
  definition.register(ctx);
  references.register(ctx);
  documentHighlight.register(ctx);
  documentSymbols.register(ctx);
  foldingRanges.register(ctx);
  codeLens.register(ctx);
  inlayHints.register(ctx);
  codeActions.register(ctx);
  vaSpace.register(ctx);
  timeline.register(ctx);
  findingGroups.register(ctx);
  analyzeFile.register(ctx);
  traceDatText.register(ctx);
  commitsPatch.register(ctx);

  documents.listen(connection);
  connection.listen();
}
