/**
 * The objects each event of a trace touches, as the findings pass hands them
 * over (`TouchSink`), written down compactly so that the object index can be
 * built once the findings are out without reading, decoding or replaying the
 * trace again.
 *
 * Numbering a key is what costs (hashing and comparing its parts against a
 * table of hundreds of thousands of keys, about a third of the replay's own
 * time); writing a touch down is a few integer stores. An id or sub that is
 * a pointer as object keys print it (exactly 16 lower-case hex digits, what
 * nearly every touch of a real trace names) is kept as two 32-bit words, so
 * the log holds no strings for it; any other text is kept as a (detached)
 * string, so every key comes back exactly as the replay named it.
 *
 * Invariants: `forEach` hands back every touch in the order logged, with the
 * same line and the same key parts; a record is `RECORD_WORDS` Int32s, so
 * the log's memory is 24 bytes a touch (its owner bounds the count).
 */

import { detach } from '../base/detach-string';
import type { TouchSink } from '../analysis/trace/trace-replayer';
import { objectKey } from '../analysis/trace/replay-context';
import type { KeyTable } from './key-table';

/** line, head (prefix number and flags), id (two words or a text's number), sub (the same). */
const RECORD_WORDS = 6;
/** Records per chunk of the log (1.5 MB): the log grows by chunks, never copied. */
const CHUNK_RECORDS = 1 << 16;
const ID_TEXT = 1;
const HAS_SUB = 2;
const SUB_TEXT = 4;
const FLAG_BITS = 3;

/** A hex digit's value, or -1 (upper case is not how keys print pointers: kept as text). */
function hexDigit(unit: number): number {
  if (unit >= 0x30 && unit <= 0x39) return unit - 0x30;
  if (unit >= 0x61 && unit <= 0x66) return unit - 0x57;
  return -1;
}

/** The words of the last pointer `parsePointer` read. */
let pointerHigh = 0;
let pointerLow = 0;

/** Whether `text` is a pointer as keys print it (16 lower-case hex digits); its value is then in `pointerHigh`, `pointerLow`. */
function parsePointer(text: string): boolean {
  if (text.length !== 16) return false;
  let high = 0;
  let low = 0;
  for (let i = 0; i < 8; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return false;
    high = (high << 4) | digit;
  }
  for (let i = 8; i < 16; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return false;
    low = (low << 4) | digit;
  }
  pointerHigh = high;
  pointerLow = low;
  return true;
}

/** The 16-digit text of a pointer's two words (`parsePointer` backwards). */
export function pointerText(high: number, low: number): string {
  return (high >>> 0).toString(16).padStart(8, '0') + (low >>> 0).toString(16).padStart(8, '0');
}

/** Receives one logged touch: its key parts are either a pointer's two words or a text. */
export interface LoggedTouch {
  line: number;
  /** The number of the (kind, driver) pair in this log. */
  prefix: number;
  kind: string;
  driver: string;
  /** The id as text when it is not a pointer (else undefined: see `idHigh`, `idLow`). */
  idText: string | undefined;
  idHigh: number;
  idLow: number;
  hasSub: boolean;
  subText: string | undefined;
  subHigh: number;
  subLow: number;
}

export class TouchLog implements TouchSink {
  private chunks: Int32Array[] = [];
  private chunk: Int32Array = new Int32Array(0);
  /** Words used in `chunk`, the last of `chunks`. */
  private used = 0;
  private count = 0;
  private readonly texts: string[] = [];
  /** kind → driver → prefix number; the prefixes' parts by number. */
  private readonly prefixes = new Map<string, Map<string, number>>();
  private readonly kinds: string[] = [];
  private readonly drivers: string[] = [];
  /** The last id logged and its record words: an event's VM comes again and again. */
  private lastId = '';
  private lastIdHead = 0;
  private lastIdHigh = 0;
  private lastIdLow = 0;

  /** Touches logged. */
  get size(): number {
    return this.count;
  }

  touch(line: number, kind: string, driver: string, id: string, sub: string | undefined): void {
    if (this.used === this.chunk.length) this.addChunk();
    const words = this.chunk;
    const at = this.used;
    words[at] = line;
    if (id !== this.lastId) {
      this.lastId = id;
      if (parsePointer(id)) {
        this.lastIdHead = 0;
        this.lastIdHigh = pointerHigh;
        this.lastIdLow = pointerLow;
      } else {
        this.lastIdHead = ID_TEXT;
        this.lastIdHigh = this.texts.push(detach(id)) - 1;
        this.lastIdLow = 0;
      }
    }
    let head = (this.prefixOf(kind, driver) << FLAG_BITS) | this.lastIdHead;
    words[at + 2] = this.lastIdHigh;
    words[at + 3] = this.lastIdLow;
    if (sub !== undefined) {
      head |= HAS_SUB;
      if (parsePointer(sub)) {
        words[at + 4] = pointerHigh;
        words[at + 5] = pointerLow;
      } else {
        head |= SUB_TEXT;
        words[at + 4] = this.texts.push(detach(sub)) - 1;
      }
    }
    words[at + 1] = head;
    this.used = at + RECORD_WORDS;
    this.count++;
  }

  eventDone(): void {
    // Lines are in the records.
  }

  /**
   * Calls `onTouch` with each touch from the `from`-th on, in order, until it
   * returns false; returns the number of the touch it refused (the log's
   * size when it took them all). `touch` is one object, refilled per call.
   */
  forEach(from: number, onTouch: (touch: LoggedTouch) => boolean): number {
    const touch: LoggedTouch = {
      line: 0,
      prefix: 0,
      kind: '',
      driver: '',
      idText: undefined,
      idHigh: 0,
      idLow: 0,
      hasSub: false,
      subText: undefined,
      subHigh: 0,
      subLow: 0,
    };
    for (let number = from; number < this.count; number++) {
      const words = this.chunks[Math.floor(number / CHUNK_RECORDS)] as Int32Array;
      const at = (number % CHUNK_RECORDS) * RECORD_WORDS;
      const head = words[at + 1] as number;
      const prefix = head >> FLAG_BITS;
      touch.line = words[at] as number;
      touch.prefix = prefix;
      touch.kind = this.kinds[prefix] as string;
      touch.driver = this.drivers[prefix] as string;
      touch.idText = head & ID_TEXT ? this.texts[words[at + 2] as number] : undefined;
      touch.idHigh = words[at + 2] as number;
      touch.idLow = words[at + 3] as number;
      touch.hasSub = (head & HAS_SUB) !== 0;
      touch.subText = head & SUB_TEXT ? this.texts[words[at + 4] as number] : undefined;
      touch.subHigh = words[at + 4] as number;
      touch.subLow = words[at + 5] as number;
      if (!onTouch(touch)) return number;
    }
    return this.count;
  }

  /** Forgets every touch, keeping one chunk to fill again (the prefixes stay: a handful of strings). */
  clear(): void {
    this.chunks.length = Math.min(this.chunks.length, 1);
    this.chunk = this.chunks[0] ?? new Int32Array(0);
    this.used = 0;
    this.count = 0;
    this.texts.length = 0;
    this.lastId = '';
  }

  /** Frees the log's memory once it has been read. */
  release(): void {
    this.clear();
    this.chunks = [];
    this.chunk = new Int32Array(0);
  }

  /**
   * The number of a (kind, driver) pair: the last two pairs used are checked
   * first (an event touches its VM, then a mapping of it; kinds and drivers
   * are a few literals).
   */
  private prefixOf(kind: string, driver: string): number {
    if (kind === this.lastKind && driver === this.lastDriver) return this.lastPrefix;
    if (kind === this.otherKind && driver === this.otherDriver) return this.otherPrefix;
    let drivers = this.prefixes.get(kind);
    if (drivers === undefined) this.prefixes.set(detach(kind), (drivers = new Map()));
    let prefix = drivers.get(driver);
    if (prefix === undefined) {
      prefix = this.kinds.push(detach(kind)) - 1;
      this.drivers.push(detach(driver));
      drivers.set(detach(driver), prefix);
    }
    this.otherKind = this.lastKind;
    this.otherDriver = this.lastDriver;
    this.otherPrefix = this.lastPrefix;
    this.lastKind = kind;
    this.lastDriver = driver;
    this.lastPrefix = prefix;
    return prefix;
  }

  private lastKind = '';
  private lastDriver = '';
  private lastPrefix = 0;
  private otherKind = '';
  private otherDriver = '';
  private otherPrefix = 0;

  private addChunk(): void {
    this.chunk = new Int32Array(CHUNK_RECORDS * RECORD_WORDS);
    this.chunks.push(this.chunk);
    this.used = 0;
  }
}

const EMPTY = -1;
/** prefix and sub flag, id high and low, sub high and low, the key's number. */
const ENTRY_WORDS = 6;

/** Mixes the five words of an entry (multiply-xor steps, then MurmurHash3's finaliser: neighbouring pointers spread out). */
function entryHash(head: number, idHigh: number, idLow: number, subHigh: number, subLow: number): number {
  let hash = Math.imul(head ^ 0x9e3779b9, 0x85ebca6b);
  hash = Math.imul(hash ^ idHigh, 0xc2b2ae35);
  hash = Math.imul(hash ^ idLow, 0x85ebca6b);
  hash = Math.imul(hash ^ subHigh, 0xc2b2ae35);
  hash ^= subLow;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/**
 * The key numbers of logged touches (`TouchLog.forEach`), looked up by their
 * words: a pointer's key is found by five integers in a table of its own,
 * and its string is built only the first time it is seen (then numbered by
 * the `KeyTable`, which thereby stays the one authority on key numbers: a
 * text part goes straight to it).
 */
export class LoggedKeyNumbers {
  private slots = new Int32Array(1 << 12).fill(EMPTY);
  private entries = new Int32Array(ENTRY_WORDS << 11);
  private count = 0;

  constructor(private readonly keys: KeyTable) {}

  numberOf(touch: LoggedTouch): number {
    if (touch.idText !== undefined || touch.subText !== undefined) {
      const id = touch.idText ?? pointerText(touch.idHigh, touch.idLow);
      const sub = touch.hasSub ? (touch.subText ?? pointerText(touch.subHigh, touch.subLow)) : undefined;
      return this.keys.numberOfParts(touch.kind, touch.driver, id, sub);
    }
    const head = (touch.prefix << 1) | (touch.hasSub ? 1 : 0);
    const subHigh = touch.hasSub ? touch.subHigh : 0;
    const subLow = touch.hasSub ? touch.subLow : 0;
    const hash = entryHash(head, touch.idHigh, touch.idLow, subHigh, subLow);
    const mask = this.slots.length - 1;
    const entries = this.entries;
    let slot = hash & mask;
    for (let entry = this.slots[slot] as number; entry !== EMPTY; entry = this.slots[slot] as number) {
      const at = entry * ENTRY_WORDS;
      if (
        entries[at] === head &&
        entries[at + 1] === touch.idHigh &&
        entries[at + 2] === touch.idLow &&
        entries[at + 3] === subHigh &&
        entries[at + 4] === subLow
      )
        return entries[at + 5] as number;
      slot = (slot + 1) & mask;
    }
    const number = this.keys.numberOf(
      // Flat, and free of any text it was built from (see `detach`).
      detach(
        objectKey(
          touch.kind,
          touch.driver,
          pointerText(touch.idHigh, touch.idLow),
          touch.hasSub ? pointerText(subHigh, subLow) : undefined,
        ),
      ),
    );
    if ((this.count + 1) * ENTRY_WORDS > entries.length) {
      const grown = new Int32Array(entries.length * 2);
      grown.set(entries);
      this.entries = grown;
    }
    const at = this.count * ENTRY_WORDS;
    this.entries[at] = head;
    this.entries[at + 1] = touch.idHigh;
    this.entries[at + 2] = touch.idLow;
    this.entries[at + 3] = subHigh;
    this.entries[at + 4] = subLow;
    this.entries[at + 5] = number;
    this.slots[slot] = this.count++;
    if (this.count * 2 > this.slots.length) this.grow();
    return number;
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    const mask = slots.length - 1;
    const entries = this.entries;
    for (let entry = 0; entry < this.count; entry++) {
      const at = entry * ENTRY_WORDS;
      const hash = entryHash(
        entries[at] as number,
        entries[at + 1] as number,
        entries[at + 2] as number,
        entries[at + 3] as number,
        entries[at + 4] as number,
      );
      let slot = hash & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = entry;
    }
    this.slots = slots;
  }
}
