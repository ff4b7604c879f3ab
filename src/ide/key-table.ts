/**
 * Dense numbers for strings (object keys of a trace), in first-seen order:
 * an open-addressing table of key numbers in a typed array, hashed with
 * FNV-1a over the string's code units.
 *
 * Why not a `Map<string, number>`: the trace index looks up two freshly built
 * key strings per event in a table of a few hundred thousand keys, and a
 * `Map` that size spends most of its time growing and missing the cache
 * (about twice this table's time in a 1M-line trace). Here a lookup hashes
 * the string once, probes one `Int32Array`, and compares strings only when
 * the 32-bit hashes match.
 *
 * Invariants: `numberOf(key)` returns the same number for equal strings and
 * `keyOf(number)` gives the string back; the table is at most half full.
 */

const EMPTY = -1;

/** FNV-1a over the key's UTF-16 code units (exported for tests of colliding keys). */
export function keyHash(key: string): number {
  let hash = 0x811c9dc5 ^ key.length;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash;
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
