/**
 * The data of the timeline view: the life of every mapping of one VM
 * instance over a document's lines. Plain data shared by the query layer
 * that builds it (src/ide/timeline.ts), the `gpuvmLens/timeline` request
 * that carries it (src/protocol/lsp-ext.ts) and the webview that draws it.
 */

export interface TimelineVm {
  /** VM instance identity within the document (the VM's key and its creating line). */
  readonly id: string;
  readonly label: string;
  /** 0-based line that created (or first showed) the VM. */
  readonly line: number;
  /** 0-based line that freed it; null when it lives at the end of the document. */
  readonly freedLine: number | null;
  /** The id the VA-space view knows this VM by (`VmSummary.id`). */
  readonly vaSpaceId: string;
}

export interface TimelineBar {
  readonly start: string;
  /** Exclusive. */
  readonly end: string;
  /** Mapping identity as the input names it, null when anonymous. */
  readonly key: string | null;
  /** 0-based line that bound the mapping, and its event or command. */
  readonly boundLine: number;
  readonly boundEvent: string;
  /** 0-based line that ended it (unbind, split, VM free); null when live at the end. */
  readonly unboundLine: number | null;
  readonly unboundEvent: string | null;
}

export interface TimelineMark {
  /** 0-based line. */
  readonly line: number;
  /** 1 error, 2 warning, 3 information, 4 hint (LSP's `DiagnosticSeverity`). */
  readonly severity: number;
  readonly rule: string;
  readonly message: string;
}

export interface Timeline {
  readonly uri: string;
  readonly kind: string;
  readonly lineCount: number;
  readonly vms: readonly TimelineVm[];
  readonly vm: TimelineVm | null;
  /** In address order, then bind order; at most `MAX_TIMELINE_BARS`. */
  readonly bars: readonly TimelineBar[];
  /** Mappings of the VM left out beyond the cap. */
  readonly omitted: number;
  /** Findings on the VM's lines, in line order. */
  readonly marks: readonly TimelineMark[];
  /** Why the timeline is empty, in words, when it is. */
  readonly note?: string;
}

/** Bars one timeline carries at most; the view renders only the rows on screen. */
export const MAX_TIMELINE_BARS = 100_000;
