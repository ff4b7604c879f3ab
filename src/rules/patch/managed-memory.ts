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

/** A field expression, whole: `a->b`, `a.b.c`, `a->b.c` (one way to read each text: linear). */
const FIELD = /^[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)+$/;
const MAX_ARGUMENT = 256;
const MANAGED_CALL = /\b(?:devm|drmm)_k\w*(?=\s*\()/g;
const PLAIN_FREE_CALL = /\b(?:kv?free(?:_sensitive)?|vfree)(?=\s*\()/g;

/**
 * `x->f = (cast) devm_kzalloc(`: the field stored by the managed call at
 * `at`, read backwards from the call (no pattern over the line before it:
 * a long damaged line must not be rescanned from every character).
 */
function storedField(text: string, at: number): string | undefined {
  let i = at - 1;
  while (i >= 0 && /\s/.test(text[i] as string)) i--;
  // An optional cast: `(struct foo *)`.
  if (text[i] === ')') {
    const open = text.lastIndexOf('(', i);
    if (open < 0 || text.slice(open + 1, i).includes(')')) return undefined;
    i = open - 1;
    while (i >= 0 && /\s/.test(text[i] as string)) i--;
  }
  if (text[i] !== '=' || /[=!<>+\-*/%&|^]/.test(text[i - 1] ?? '')) return undefined;
  i--;
  while (i >= 0 && /\s/.test(text[i] as string)) i--;
  const end = i + 1;
  while (i >= 0 && /[\w.>-]/.test(text[i] as string)) i--;
  const field = text.slice(i + 1, end);
  return FIELD.test(field) ? field : undefined;
}

/** The argument of the call whose name ends at `at`, when it is a whole field expression. */
function freedField(text: string, at: number): string | undefined {
  const open = text.indexOf('(', at);
  // A field expression is short: look no further for its `)` (a line of `kfree(kfree(…` stays linear).
  const window = open < 0 ? '' : text.slice(open + 1, open + 1 + MAX_ARGUMENT);
  const close = window.indexOf(')');
  if (close < 0) return undefined;
  const arg = window.slice(0, close).replace(/\s+/g, '');
  return FIELD.test(arg) ? arg : undefined;
}

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
      for (const match of clean.matchAll(MANAGED_CALL)) {
        const allocator = match[0];
        const key = MANAGED_ALLOCATORS.has(allocator) ? storedField(clean, match.index) : undefined;
        // A line the patch adds wins: it is the code after the patch.
        if (key !== undefined && (!allocated.has(key) || entry.added)) allocated.set(key, site(allocator));
      }
      for (const match of clean.matchAll(PLAIN_FREE_CALL)) {
        const key = freedField(clean, match.index + match[0].length);
        if (key !== undefined && (!freed.has(key) || entry.added)) freed.set(key, site(match[0]));
      }
    }
  }
  return { allocated, freed };
}
