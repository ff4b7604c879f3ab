/**
 * Messages between the VS Code extension and the VA-space webview, as
 * discriminated unions on `type`, plus the state the webview persists across
 * reloads (`getState`/`setState`, restored by the panel serializer).
 *
 * Invariants: messages are plain JSON (addresses stay `0x` hex strings, as in
 * `VaSpace`); lines are 0-based, as in LSP. The webview imports this module
 * for types only, so nothing here may have a runtime dependency.
 */

import type { Timeline, VaSpace } from './lsp-ext';

/** The webview type passed to `createWebviewPanel` and `registerWebviewPanelSerializer`. */
export const VA_VIEW_TYPE = 'gpuvmLens.vaSpace';

/** A zoomed address interval [start, end), hex strings. */
export interface AddressWindow {
  readonly start: string;
  readonly end: string;
}

/** What the webview saves with `setState` and the serializer gets back after a reload. */
export interface VaViewState {
  readonly uri: string;
  readonly line: number;
  readonly vm: string | null;
  /** Null: the VM's whole window. */
  readonly zoom: AddressWindow | null;
  /** The address map at a line, or the mapping timeline over all lines (absent in states saved before: the map). */
  readonly mode?: ViewMode;
}

/** The two faces of the view: the VA space at one line, or every mapping's lifetime. */
export type ViewMode = 'map' | 'timeline';

/** Extension -> webview. */
export type ToWebview =
  | { readonly type: 'space'; readonly space: VaSpace; readonly fileName: string }
  | { readonly type: 'timeline'; readonly timeline: Timeline; readonly fileName: string }
  | { readonly type: 'loading'; readonly line: number }
  | { readonly type: 'error'; readonly message: string };

/** Webview -> extension. */
export type FromWebview =
  /** The script is running; the host answers with the current space. */
  | { readonly type: 'ready'; readonly state: VaViewState | null }
  /** The time scrubber moved: replay the document up to `line`. */
  | { readonly type: 'scrub'; readonly line: number }
  | { readonly type: 'selectVm'; readonly vm: string }
  /** Open the document at `line` (a mapping's creating event). */
  | { readonly type: 'reveal'; readonly line: number }
  /** Switch between the map and the timeline, for `vm` (either view's VM id) around `line`. */
  | { readonly type: 'mode'; readonly mode: ViewMode; readonly vm: string | null; readonly line: number }
  /** The webview saved new state (zoom, line); the host keeps the latest for its title. */
  | { readonly type: 'state'; readonly state: VaViewState };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Validates a message from the webview; anything malformed is dropped by the host. */
export function parseFromWebview(message: unknown): FromWebview | null {
  if (!isRecord(message) || typeof message.type !== 'string') return null;
  const line = message.line;
  switch (message.type) {
    case 'ready':
      return { type: 'ready', state: isVaViewState(message.state) ? message.state : null };
    case 'scrub':
    case 'reveal':
      return typeof line === 'number' && Number.isInteger(line) && line >= 0 ? { type: message.type, line } : null;
    case 'selectVm':
      return typeof message.vm === 'string' ? { type: 'selectVm', vm: message.vm } : null;
    case 'mode':
      return isMode(message.mode) &&
        (message.vm === null || typeof message.vm === 'string') &&
        typeof line === 'number' &&
        Number.isInteger(line) &&
        line >= 0
        ? { type: 'mode', mode: message.mode, vm: message.vm, line }
        : null;
    case 'state':
      return isVaViewState(message.state) ? { type: 'state', state: message.state } : null;
    default:
      return null;
  }
}

function isMode(value: unknown): value is ViewMode {
  return value === 'map' || value === 'timeline';
}

const HEX = /^0x[0-9a-f]+$/i;

/** True when `value` is a well-formed saved state (it comes back from disk after a reload). */
export function isVaViewState(value: unknown): value is VaViewState {
  if (!isRecord(value)) return false;
  const { uri, line, vm, zoom, mode } = value;
  if (typeof uri !== 'string' || typeof line !== 'number' || !Number.isInteger(line) || line < 0) return false;
  if (mode !== undefined && !isMode(mode)) return false;
  if (vm !== null && typeof vm !== 'string') return false;
  if (zoom === null) return true;
  return isRecord(zoom) && typeof zoom.start === 'string' && typeof zoom.end === 'string' && HEX.test(zoom.start) && HEX.test(zoom.end);
}
