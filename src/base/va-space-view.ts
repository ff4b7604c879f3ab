/**
 * The data of the VA-space view: a VM's mappings, gaps and objects at a line
 * of a document, with addresses as hex strings (exact u64). Plain data shared
 * by the query layer that builds it (src/ide), the `gpuvmLens/vaSpace`
 * request that carries it (src/protocol/lsp-ext.ts) and the webview that
 * draws it.
 */

export interface VmSummary {
  /** Stable identity within the document (a trace's VM pointer, a script's `vm` line number). */
  readonly id: string;
  readonly label: string;
  /** 0-based line that created the VM. */
  readonly line: number;
}

export interface VaMapping {
  readonly start: string;
  /** Exclusive. */
  readonly end: string;
  readonly range: string;
  /** The backing object's identity (`VaObject.id`), null for a sparse (NULL-object) mapping or one whose object the input does not name. */
  readonly object: string | null;
  /** False when the input does not say which object backs the mapping (Xe VMA events name none). */
  readonly objectTraced: boolean;
  readonly offset: string;
  /** The kernel-reserved node of the VM. */
  readonly kernelReserved: boolean;
  /** 0-based line of the event or command that created this mapping, when known. */
  readonly createdAtLine: number | null;
}

export interface VaGap {
  readonly start: string;
  readonly end: string;
}

export interface VaObject {
  readonly id: string;
  readonly label: string;
  /** Size in bytes, when known. */
  readonly size: string | null;
  /** Live mappings of this object in the VM. */
  readonly mappings: number;
  /** 0-based line that created the object, when known. */
  readonly line: number | null;
}

export interface VaSpace {
  readonly uri: string;
  /** 0-based line the state was replayed to (inclusive). */
  readonly line: number;
  readonly lineCount: number;
  /** Document kind: `script`, `trace`, `dump`. */
  readonly kind: string;
  readonly vms: readonly VmSummary[];
  readonly vm: VmSummary | null;
  /** The VM's address window, when known. */
  readonly window: VaGap | null;
  readonly mappings: readonly VaMapping[];
  /** Unmapped stretches of the window between mappings (empty when the window is unknown). */
  readonly gaps: readonly VaGap[];
  readonly objects: readonly VaObject[];
  /** 0-based lines where this VM's VA space changed, for the time scrubber (ascending, capped). */
  readonly changeLines: readonly number[];
  /** Why the state is partial or empty, in words, when it is. */
  readonly note?: string;
}
