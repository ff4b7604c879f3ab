/**
 * Dense numbers for strings (object keys of a trace), in first-seen order:
 * an open-addressing table of key numbers in a typed array, hashed with
 * FNV-1a over the string's code units (`base/string-hash.ts`).
 *
 * Why not a `Map<string, number>`: the trace index looks up two freshly built
 * key strings per event in a table of a few hundred thousand keys, and a
 * `Map` that size spends most of its time growing and missing the cache
 * (about twice this table's time in a 1M-line trace). Here a lookup hashes
 * the string once, probes one `Int32Array`, and compares strings only when
 * the 32-bit hashes match.
 *
 * An object key of a trace replay is `kind:driver:id` or `kind:driver:id/sub`
 * (`objectKey` in the replay context). `numberOfParts` takes those parts
 * as they are and hashes and compares them in place, so the replay hands
 * over the strings it already holds and a key string is built only the
 * first time its key is seen: per event, building and then reading back a
 * concatenated key costs a flattening copy and its garbage.
 *
 * Invariants: `numberOf(key)` returns the same number for equal strings and
 * `keyOf(number)` gives the string back; `numberOfParts` gives the number
 * `numberOf` gives the joined key (same hash, same comparison); the table is
 * at most half full.
 */

import { detach } from '../base/detach-string';
import { FNV_OFFSET, FNV_PRIME, hashUnits, stringHash } from '../base/string-hash';
import { objectKey } from '../analysis/trace/replay-context';

const EMPTY = -1;

/** A key's hash (exported for tests of colliding keys). */
export const keyHash = stringHash;

const COLON = 0x3a;
const SLASH = 0x2f;

/** Whether `key` holds `part` from `at` on (in range); compared unit by unit, which the JIT inlines (a `startsWith` is a call). */
function holds(key: string, part: string, at: number): boolean {
  for (let i = 0; i < part.length; i++) if (key.charCodeAt(at + i) !== part.charCodeAt(i)) return false;
  return true;
}

/** Whether `key` is exactly `kind:driver:id` or `kind:driver:id/sub` (length already equal). */
function joins(key: string, kind: string, driver: string, id: string, sub: string | undefined): boolean {
  // The id (and sub) tell keys apart; kind and driver are a handful of literals: compared last.
  let at = kind.length + driver.length + 2;
  if (!holds(key, id, at)) return false;
  if (sub !== undefined && (key.charCodeAt(at + id.length) !== SLASH || !holds(key, sub, at + id.length + 1))) return false;
  at = kind.length;
  return (
    holds(key, kind, 0) && key.charCodeAt(at) === COLON && holds(key, driver, at + 1) && key.charCodeAt(at + 1 + driver.length) === COLON
  );
}

export class KeyTable {
  private slots = new Int32Array(1 << 12).fill(EMPTY);
  private hashes = new Int32Array(1 << 11);
  private readonly keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** The key's number; a new key gets the next one (`size` before the call). */
  numberOf(key: string): number {
    const hash = keyHash(key);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (let number = this.slots[slot] as number; number !== EMPTY; number = this.slots[slot] as number) {
      if (this.hashes[number] === hash && this.keys[number] === key) return number;
      slot = (slot + 1) & mask;
    }
    return this.insert(key, hash, slot);
  }

  /** Adds a key known to be absent at its free `slot`. */
  private insert(key: string, hash: number, slot: number): number {
    const number = this.keys.length;
    this.keys.push(key);
    if (number === this.hashes.length) {
      const grown = new Int32Array(number * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[number] = hash;
    this.slots[slot] = number;
    if (this.keys.length * 2 > this.slots.length) this.grow();
    return number;
  }

  /**
   * The number of the key `kind:driver:id` (or `kind:driver:id/sub`), as
   * `numberOf` of that string; the string is built (and copied free of the
   * parts' parent text) only when the key is new.
   */
  numberOfParts(kind: string, driver: string, id: string, sub?: string): number {
    const length = kind.length + driver.length + id.length + 2 + (sub === undefined ? 0 : sub.length + 1);
    let hash = FNV_OFFSET ^ length;
    hash = Math.imul(hashUnits(hash, kind) ^ COLON, FNV_PRIME);
    hash = Math.imul(hashUnits(hash, driver) ^ COLON, FNV_PRIME);
    hash = hashUnits(hash, id);
    if (sub !== undefined) hash = hashUnits(Math.imul(hash ^ SLASH, FNV_PRIME), sub);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (let number = this.slots[slot] as number; number !== EMPTY; number = this.slots[slot] as number) {
      if (this.hashes[number] === hash) {
        const key = this.keys[number] as string;
        if (key.length === length && joins(key, kind, driver, id, sub)) return number;
      }
      slot = (slot + 1) & mask;
    }
    const key = detach(objectKey(kind, driver, id, sub));
    return this.insert(key, hash, slot);
  }

  /** The key's number, or undefined when it was never added. */
  find(key: string): number | undefined {
    const hash = keyHash(key);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask, number = this.slots[slot] as number; number !== EMPTY; number = this.slots[slot] as number) {
      if (this.hashes[number] === hash && this.keys[number] === key) return number;
      slot = (slot + 1) & mask;
    }
    return undefined;
  }

  keyOf(number: number): string | undefined {
    return this.keys[number];
  }

  /** Keys in first-seen order. */
  values(): IterableIterator<string> {
    return this.keys.values();
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    const mask = slots.length - 1;
    for (let number = 0; number < this.keys.length; number++) {
      let slot = (this.hashes[number] as number) & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = number;
    }
    this.slots = slots;
  }
}
