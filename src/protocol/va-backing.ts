/**
 * How a VA-space mapping's backing is named, the same in the VA-space view,
 * its mapping table and the plain-text listing: its object, the
 * kernel-reserved node, "object not traced" (the input does not say which
 * object backs it, as for Xe VMA events) or sparse (a NULL-object mapping).
 * Types only from the protocol, so the webview can bundle it.
 */

import type { VaMapping } from './lsp-ext';

/** How a mapping's backing is shown: its object, the reserved node, "object not traced", or sparse. */
export function mappingBacking(mapping: VaMapping, objectLabel: string | null = mapping.object): string {
  if (mapping.kernelReserved) return 'kernel-reserved node';
  if (objectLabel !== null) return `object ${objectLabel}`;
  return mapping.objectTraced ? 'sparse (no object)' : 'object not traced';
}
