/**
 * Device- and DRM-managed memory in the code under review: which field
 * expressions are filled by `devm_kzalloc()`/`drmm_kzalloc()` and their
 * family, and which are freed with a plain `kfree()`. The managed allocation
 * is freed again when the device (or the DRM device) goes away, so a plain
 * free of it is a double free at unbind; the fix is the managed free
 * (`devm_kfree()`, `drmm_kfree()`) or no free at all.
 *
 * Learned from the patch's lines and, with a tree, the files it touches.
 * Only field expressions (`xe->sriov.vfs`, `gt->ccs_mode`) are recorded, the
 * same text on both sides: a local variable means nothing outside its
 * function, and two structures may share a member name.
 */

import { withoutComments } from '../../parse/c/c-text';
import type { NullSource } from './null-beliefs';

/** Allocators whose memory is released with the device or the DRM device, and the free that matches each kind. */
export const MANAGED_ALLOCATORS: ReadonlyMap<string, string> = new Map([
  ...[
    'devm_kzalloc',
    'devm_kmalloc',
    'devm_kcalloc',
    'devm_kmalloc_array',
    'devm_krealloc',
    'devm_kstrdup',
    'devm_kmemdup',
    'devm_kasprintf',
  ].map((name) => [name, 'devm_kfree'] as const),
  ...['drmm_kzalloc', 'drmm_kmalloc', 'drmm_kcalloc', 'drmm_kmalloc_array', 'drmm_kstrdup'].map((name) => [name, 'drmm_kfree'] as const),
]);

/** Frees of plain slab or vmalloc memory. */
export const PLAIN_FREES: ReadonlySet<string> = new Set(['kfree', 'kvfree', 'kfree_sensitive', 'kvfree_sensitive', 'vfree']);

export interface ManagedSite {
  /** `path:line`, for messages. */
  readonly at: string;
  readonly text: string;
  /** The allocator or the free called there. */
  readonly call: string;
  /** A line the patch adds. */
  readonly added: boolean;
}

export interface ManagedMemory {
  /** Field expression (white space removed) → where a managed allocator fills it. */
  readonly allocated: ReadonlyMap<string, ManagedSite>;
  /** Field expression → where a plain free releases it. */
  readonly freed: ReadonlyMap<string, ManagedSite>;
}

const FIELD = String.raw`[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)+`;
const ALLOCATED = new RegExp(String.raw`(${FIELD})\s*=\s*(?:\([^()]*\)\s*)?((?:devm|drmm)_k\w+)\s*\(`);
const FREED = new RegExp(String.raw`\b(kv?free(?:_sensitive)?|vfree)\s*\(\s*(${FIELD})\s*\)`);

/**
 * `removed`: the lines the patch removes, white space removed; a tree's file
 * still holds them, but they are not the code after the patch.
 */
export function learnManagedMemory(sources: readonly NullSource[], removed: ReadonlySet<string> = new Set()): ManagedMemory {
  const allocated = new Map<string, ManagedSite>();
  const freed = new Map<string, ManagedSite>();
  for (const source of sources) {
    for (const entry of source.lines) {
      const text = entry.text;
      if (!text.includes('devm_k') && !text.includes('drmm_k') && !text.includes('free')) continue;
      if (!entry.added && removed.size > 0 && removed.has(text.replace(/\s+/g, ''))) continue;
      const clean = withoutComments(text);
      const site = (call: string): ManagedSite => ({
        at: `${source.path}:${entry.line}`,
        text: text.trim(),
        call,
        added: entry.added === true,
      });
      const alloc = ALLOCATED.exec(clean);
      if (alloc && MANAGED_ALLOCATORS.has(alloc[2] as string)) {
        const key = (alloc[1] as string).replace(/\s+/g, '');
        // A line the patch adds wins: it is the code after the patch.
        if (!allocated.has(key) || entry.added) allocated.set(key, site(alloc[2] as string));
      }
      const free = FREED.exec(clean);
      if (free) {
        const key = (free[2] as string).replace(/\s+/g, '');
        if (!freed.has(key) || entry.added) freed.set(key, site(free[1] as string));
      }
    }
  }
  return { allocated, freed };
}
