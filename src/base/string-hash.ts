/**
 * FNV-1a over a string's UTF-16 code units, seeded with its length: the one
 * string hash of the trace side (the editor's key table, the replay's
 * tombstone filter). Pure arithmetic on 32-bit integers, no allocation.
 *
 * Invariant: `stringHash(a + b)` equals `hashUnits(hashUnits(seed, a), b)`
 * with `seed = FNV_OFFSET ^ (a.length + b.length)`, so a caller may hash a
 * joined key from its parts without joining them.
 */

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** Continues FNV-1a over `part`'s code units. */
export function hashUnits(hash: number, part: string): number {
  for (let i = 0; i < part.length; i++) hash = Math.imul(hash ^ part.charCodeAt(i), FNV_PRIME);
  return hash;
}

/** FNV-1a over `text`'s code units, seeded with its length. */
export function stringHash(text: string): number {
  return hashUnits(FNV_OFFSET ^ text.length, text);
}
