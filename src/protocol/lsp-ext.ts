/**
 * The GPUVM Lens extensions to LSP: custom requests and notifications named
 * `gpuvmLens/<method>`, the language ids and the client-side command ids the
 * server refers to. Shared by the server, the VS Code extension, the webview
 * (types only) and tests, so both ends of every message agree on its shape.
 *
 * Conventions: positions and lines are LSP's (0-based); addresses, ranges
 * and offsets are u64 values sent as lowercase `0x` hex strings because JSON
 * numbers cannot hold them; ranges of addresses are half-open [start, end).
 */

import type { DocumentKind } from '../base/detect-kind';
import type { Timeline } from '../base/timeline-view';
import {
  NotificationType,
  RequestType,
  type Diagnostic,
  type Position,
  type TextDocumentIdentifier,
  type WorkDoneProgressParams,
} from 'vscode-languageserver-protocol';

/** The language ids the server is registered for (package.json `contributes.languages`). */
export const LANGUAGE_IDS = {
  trace: 'gpuvm-trace',
  dump: 'gpuvm-dump',
  script: 'gpuvm-script',
  patch: 'gpuvm-patch',
  'kernel-log': 'gpuvm-log',
} as const satisfies Record<Exclude<DocumentKind, 'unknown'>, string>;

export type GpuvmLanguageId = (typeof LANGUAGE_IDS)[keyof typeof LANGUAGE_IDS];

/** The editor language of a document kind (none for an unrecognised one). */
export function languageOfKind(kind: DocumentKind): GpuvmLanguageId | undefined {
  return kind === 'unknown' ? undefined : LANGUAGE_IDS[kind];
}

/** The document kind a GPUVM language stands for, if `languageId` is one. */
export function kindOfLanguage(languageId: string): DocumentKind | undefined {
  for (const [kind, language] of Object.entries(LANGUAGE_IDS)) if (language === languageId) return kind as DocumentKind;
  return undefined;
}

/** Commands the client registers and the server's code lenses invoke. */
export const CLIENT_COMMANDS = {
  /** Opens the VA-space view; arguments: one `ShowVaSpaceArgs`. */
  showVaSpace: 'gpuvmLens.showVaSpace',
  /** Opens the mapping timeline; arguments: one `ShowVaSpaceArgs`. */
  showTimeline: 'gpuvmLens.showTimeline',
} as const;

export interface ShowVaSpaceArgs {
  readonly uri: string;
  /** 0-based line the view starts at. */
  readonly line: number;
  /** The VM to show (`VmSummary.id`). */
  readonly vm: string;
}

// ---------------------------------------------------------------------------
// gpuvmLens/vaSpace (client -> server)

export interface VaSpaceParams {
  readonly textDocument: TextDocumentIdentifier;
  /** The state is the one after this line (its `line`; the character picks nothing yet). */
  readonly position: Position;
  /** Which VM; defaults to the VM the line belongs to, else the first one. */
  readonly vm?: string;
}

// The VA-space view's data is plain (src/base/va-space-view.ts), so the query layer builds it without LSP.
export type { VaGap, VaMapping, VaObject, VaSpace, VmSummary } from '../base/va-space-view';
import type { VaSpace } from '../base/va-space-view';

export const VaSpaceRequest = new RequestType<VaSpaceParams, VaSpace | null, void>('gpuvmLens/vaSpace');

// ---------------------------------------------------------------------------
// gpuvmLens/timeline (client -> server)
//
// The life of every mapping of one VM instance over the document's lines:
// bound where, unbound where (or still live at the end), with the findings
// on the lines of that VM, for the timeline view.

export interface TimelineParams {
  readonly textDocument: TextDocumentIdentifier;
  /** A `TimelineVm.id`; defaults to the VM instance live at `line`, else the first. */
  readonly vm?: string;
  /** 0-based line that picks the VM when `vm` is absent. */
  readonly line?: number;
}

export { MAX_TIMELINE_BARS, type Timeline, type TimelineBar, type TimelineMark, type TimelineVm } from '../base/timeline-view';

export const TimelineRequest = new RequestType<TimelineParams, Timeline | null, void>('gpuvmLens/timeline');

// ---------------------------------------------------------------------------
// gpuvmLens/findingGroups (client -> server)
//
// A document's diagnostics (the same list the Problems panel gets) with the
// VM and mapping each finding is about, so the Findings view can group them.

export interface FindingOwner {
  /** The VM, as the VA-space view knows it (`VmSummary.id`); null when the finding concerns no VM. */
  readonly vm: string | null;
  readonly vmLabel: string | null;
  /** The mapping's name (Xe VMA, amdgpu page range, script address range); null when none. */
  readonly mapping: string | null;
}

export interface FindingGroupsParams {
  readonly textDocument: TextDocumentIdentifier;
}

export interface FindingGroups {
  readonly uri: string;
  readonly kind: string;
  readonly diagnostics: readonly Diagnostic[];
  /** Parallel to `diagnostics`. */
  readonly owners: readonly FindingOwner[];
}

export const FindingGroupsRequest = new RequestType<FindingGroupsParams, FindingGroups | null, void>('gpuvmLens/findingGroups');

// ---------------------------------------------------------------------------
// gpuvmLens/analyzeFile (client -> server)
//
// VS Code does not hand files over 50 MB to extensions or language servers, so
// the client sends a path and the server streams the file from disk itself,
// reporting work-done progress and honouring cancellation. The findings are
// also published as diagnostics of the file's URI (unless `publish` is false),
// so they land in the Problems panel even though the file is not open.

export interface AnalyzeFileParams extends WorkDoneProgressParams {
  /** A file system path or a `file:` URI. */
  readonly path: string;
  /** Forces the document kind (`trace`, `dump`, `patch`, `script`, `kernel-log`); detected from content otherwise. */
  readonly kind?: string;
  /** Publish the findings as diagnostics of the file (default true). */
  readonly publish?: boolean;
}

export interface AnalyzeFileResult {
  readonly uri: string;
  readonly kind: string;
  readonly lines: number;
  readonly bytes: number;
  /** All findings; `diagnostics` holds at most the configured maximum of them. */
  readonly findingCount: number;
  readonly diagnostics: readonly Diagnostic[];
  readonly durationMs: number;
}

export const AnalyzeFileRequest = new RequestType<AnalyzeFileParams, AnalyzeFileResult, void>('gpuvmLens/analyzeFile');

// ---------------------------------------------------------------------------
// gpuvmLens/traceDatText (client -> server)
//
// A binary trace-cmd `trace.dat` is shown in the editor as the text of its
// `trace-cmd report` (a read-only document of the `TRACE_DAT_SCHEME` scheme,
// whose path is the file's with `TRACE_DAT_SUFFIX` added), analyzed like any
// text capture. The server reads the file; a capture longer than `maxLines`
// is shown up to there, and Analyze Trace File… reads all of it.

export const TRACE_DAT_SCHEME = 'gpuvm-dat';
export const TRACE_DAT_SUFFIX = '.report';

export interface TraceDatTextParams {
  /** A file system path or a `file:` URI. */
  readonly path: string;
  readonly maxLines?: number;
}

export interface TraceDatTextResult {
  readonly text: string;
  /** Lines in `text`, and in the whole report. */
  readonly lines: number;
  readonly totalLines: number;
}

export const TraceDatTextRequest = new RequestType<TraceDatTextParams, TraceDatTextResult, void>('gpuvmLens/traceDatText');

// ---------------------------------------------------------------------------
// gpuvmLens/commitsPatch (client -> server)
//
// Commits of a git checkout, as the mbox `git format-patch --stdout` writes
// (what `gpuvm-lens review --commits RANGE` reviews), for Review Commits…: a
// read-only document of the `COMMITS_SCHEME` scheme, reviewed like any patch
// document and against the same kernel tree. Its URI is `commitsUri`'s.

export const COMMITS_SCHEME = 'gpuvm-commits';

export interface CommitsPatchParams {
  /** The checkout: a file system path or a `file:` URI. */
  readonly folder: string;
  /** `A..B` for a series, or one revision (`HEAD`, a hash) for that commit alone. */
  readonly range: string;
}

export interface CommitsPatchResult {
  /** The mbox; empty when the range holds no commit. */
  readonly text: string;
  readonly commits: number;
}

export const CommitsPatchRequest = new RequestType<CommitsPatchParams, CommitsPatchResult, void>('gpuvmLens/commitsPatch');

/**
 * Where a range's review document lives: its path is a `.patch` file in the
 * checkout (so the server finds the checkout around it, as for a patch file
 * saved there, and the tab says which range it is), the range itself is the
 * query. Returned as URI parts, for the extension to build its `Uri` from.
 */
export function commitsUri(folder: string, range: string): { scheme: string; path: string; query: string } {
  const name = range.replace(/[/\\]/g, '_');
  return { scheme: COMMITS_SCHEME, path: `${folder.replace(/\/+$/, '')}/${name}.patch`, query: range };
}

/** The checkout and range of a review document made by `commitsUri`, from its path and query. */
export function commitsOfUri(path: string, query: string): CommitsPatchParams {
  return { folder: path.slice(0, path.lastIndexOf('/')), range: query };
}

// ---------------------------------------------------------------------------
// gpuvmLens/analysisStatus (server -> client)

export interface AnalysisStatus {
  readonly uri: string;
  readonly state: 'analyzing' | 'done' | 'failed' | 'cancelled';
  readonly kind: string;
  readonly findings: number;
}

export const AnalysisStatusNotification = new NotificationType<AnalysisStatus>('gpuvmLens/analysisStatus');
