/**
 * The objects each event of a trace touches, as the findings pass hands them
 * over (`TouchSink`), written down compactly so that the object index can be
 * built once the findings are out without reading, decoding or replaying the
 * trace again.
 *
 * Numbering a key is what costs (hashing and comparing its parts against a
 * table of hundreds of thousands of keys: on a 1M-line trace some 1.2 s of
 * main-thread CPU, half the replay's own); writing a touch down is a few
 * integer stores. An id or sub that is a pointer as object keys print it
 * (exactly 16 lower-case hex digits, what nearly every touch of a real
 * trace names) is kept as two 32-bit words, so the log holds no strings for
 * it, and an id that is one of the last few such ids (a VM, nearly always)
 * as their slot number in the record's head; any other text is kept as a
 * (detached) string, so every key comes back exactly as the replay named it.
 *
 * Invariants: `forEach` hands back every touch in the order logged, with the
 * same line and the same key parts; a record is at most `MAX_RECORD_WORDS`
 * Int32s (8 to 12 bytes an event of a recent VM and one of its mappings), so the log's
 * memory is bounded by the touches its owner lets it hold.
 */

import { detach } from '../base/detach-string';
import { parsePointer, pointerText } from '../base/hex-words';
import type { TouchSink } from '../analysis/trace/trace-replayer';
import { objectKey } from '../analysis/trace/replay-context';
import type { KeyTable } from './key-table';

/**
 * A record: a head word (the flags below and, unless too big, the
 * (kind, driver) pair's number), then the pair's number when too big, then
 * the line unless it is the previous record's or the one after it, then
 * the id unless it is the previous record's or a recent one (two words for
 * a pointer, one for a text's number), then the sub if any (two words for a
 * pointer, one when its high word is the last one's, one for a text's
 * number). An event on the next line touching a recent VM and one mapping
 * of it thus costs 2 or 3 words.
 */
const LINE = 1;
const ID_SAME = 2;
const ID_TEXT = 4;
const HAS_SUB = 8;
const SUB_TEXT = 16;
/** The id is the pointer in the recent ids' slot given by the `RECENT_BITS` bits above this flag (no id words). */
const ID_RECENT = 32;
const RECENT_SHIFT = 6;
const RECENT_BITS = 3;
/** The line is the previous record's plus one (no line word): a trace is mostly one event a line. */
const LINE_NEXT = 1 << 9;
/** The sub's high word is that of the last sub logged as words (only its low word follows): kernel pointers share their top half. */
const SUB_HIGH_SAME = 1 << 10;
/** The (kind, driver) pair's number is the word after the head (too big for the head's bits). */
const PREFIX_WORD = 1 << 11;
const FLAG_BITS = 12;
/** Pair numbers the head holds: `head >>> FLAG_BITS` reads back 32 - FLAG_BITS bits. */
const HEAD_PREFIXES = 1 << (32 - FLAG_BITS);
/** The longest record. */
const MAX_RECORD_WORDS = 7;
/** Pointer ids remembered (`recentSlot`), by the writer and each reader alike. */
const RECENT_IDS = 1 << RECENT_BITS;
/** Words per chunk of the log (1 MB): the log grows by chunks, never copied. */
const CHUNK_WORDS = 1 << 18;

/** One logged touch: its key parts are either a pointer's two words or a text. */
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

/** Where a reading of the log is, and the touch it decodes records into (a record may leave the line and id as they were). */
export class TouchCursor {
  chunk = 0;
  at = 0;
  /** The line of the last touch taken (`TouchLog.lastLine` as it was when that touch was logged). */
  line = -1;
  /** The words of the last pointer ids read as words: the log's recent ids (`TouchLog.recentSlot`), replayed. */
  readonly recentWords = new Int32Array(2 * RECENT_IDS);
  private recentNext = 0;

  remember(high: number, low: number): void {
    const k = this.recentNext;
    this.recentNext = (k + 1) & (RECENT_IDS - 1);
    this.recentWords[2 * k] = high;
    this.recentWords[2 * k + 1] = low;
  }

  readonly touch: LoggedTouch = {
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
}

export class TouchLog implements TouchSink {
  private chunks: Int32Array[] = [];
  /** Words used in each chunk but the last (`used`). */
  private readonly ends: number[] = [];
  private chunk: Int32Array = new Int32Array(0);
  private used = 0;
  private count = 0;
  private readonly texts: string[] = [];
  /** kind → driver → prefix number; the prefixes' parts by number. */
  private readonly prefixes = new Map<string, Map<string, number>>();
  private readonly kinds: string[] = [];
  private readonly drivers: string[] = [];
  /** The last line logged; -1 as `TouchCursor.line` starts. */
  private lastLine = -1;
  /** The high word of the last sub logged as words; 0 as a cursor's touch starts. */
  private lastSubHigh = 0;
  /** The last id logged: an event names its VM again and again. */
  private lastId: string | undefined = undefined;

  /** Touches logged. */
  get size(): number {
    return this.count;
  }

  touch(line: number, kind: string, driver: string, id: string, sub: string | undefined): void {
    if (this.used + MAX_RECORD_WORDS > this.chunk.length) this.addChunk();
    const words = this.chunk;
    const headAt = this.used;
    let at = headAt + 1;
    const prefix = this.prefixOf(kind, driver);
    let head = prefix < HEAD_PREFIXES ? prefix << FLAG_BITS : PREFIX_WORD;
    if (head === PREFIX_WORD) words[at++] = prefix;
    if (line !== this.lastLine) {
      if (line === this.lastLine + 1) {
        head |= LINE_NEXT;
      } else {
        head |= LINE;
        words[at++] = line;
      }
      this.lastLine = line;
    }
    if (id === this.lastId) {
      head |= ID_SAME;
    } else {
      const recent = this.recentSlot(id);
      if (recent >= 0) {
        head |= ID_RECENT | (recent << RECENT_SHIFT);
      } else if (parsePointer(id, words, at)) {
        this.remember(id);
        at += 2;
      } else {
        head |= ID_TEXT;
        words[at++] = this.texts.push(detach(id)) - 1;
      }
      this.lastId = id;
    }
    if (sub !== undefined) {
      head |= HAS_SUB;
      if (parsePointer(sub, words, at)) {
        const high = words[at] as number;
        if (high === this.lastSubHigh) {
          head |= SUB_HIGH_SAME;
          words[at] = words[at + 1] as number;
          at += 1;
        } else {
          this.lastSubHigh = high;
          at += 2;
        }
      } else {
        head |= SUB_TEXT;
        words[at++] = this.texts.push(detach(sub)) - 1;
      }
    }
    words[headAt] = head;
    this.used = at;
    this.count++;
  }

  /**
   * The slot of `id` among the last few pointer ids logged as words, or -1:
   * an id is nearly always a VM, and a trace interleaves the events of a
   * few, so most ids are logged as a slot number in the head word rather
   * than parsed and written as two words. Comparing with a string the
   * replay looked up in a map fails on its hash unless the text is the
   * same, so a miss costs a few integer compares.
   */
  private recentSlot(id: string): number {
    const ids = this.recentIds;
    for (let k = 0; k < RECENT_IDS; k++) if (ids[k] === id) return k;
    return -1;
  }

  /** Remembers a pointer id logged as words in the oldest slot (`TouchCursor.remember` does the same on reading). */
  private remember(id: string): void {
    const k = this.recentNext;
    this.recentNext = (k + 1) & (RECENT_IDS - 1);
    this.recentIds[k] = id;
  }

  /** The last pointer ids logged as words, oldest replaced first. */
  private readonly recentIds: (string | undefined)[] = new Array<string | undefined>(RECENT_IDS).fill(undefined);
  private recentNext = 0;

  eventDone(): void {
    // Lines are in the records.
  }

  /** A reading from the first touch logged. */
  cursor(): TouchCursor {
    return new TouchCursor();
  }

  /**
   * Calls `onTouch` with each touch from the cursor on, in order, until it
   * returns false (the cursor then stays before the touch it refused);
   * returns whether the cursor reached the end of the log. The touch is the
   * cursor's one object, refilled per call.
   */
  forEach(cursor: TouchCursor, onTouch: (touch: LoggedTouch) => boolean): boolean {
    const touch = cursor.touch;
    for (;;) {
      const words = this.chunks[cursor.chunk];
      if (words === undefined) return true;
      const end = cursor.chunk === this.chunks.length - 1 ? this.used : (this.ends[cursor.chunk] as number);
      if (cursor.at >= end) {
        if (cursor.chunk === this.chunks.length - 1) return true;
        cursor.chunk++;
        cursor.at = 0;
        continue;
      }
      let at = cursor.at;
      // A pointer id read as words, remembered once the touch is taken (a refused one is read again).
      let fresh = false;
      const head = words[at++] as number;
      const prefix = head & PREFIX_WORD ? (words[at++] as number) : head >>> FLAG_BITS;
      touch.prefix = prefix;
      touch.kind = this.kinds[prefix] as string;
      touch.driver = this.drivers[prefix] as string;
      // From the line of the last touch taken: a refused touch is read again.
      touch.line = head & LINE ? (words[at++] as number) : head & LINE_NEXT ? cursor.line + 1 : cursor.line;
      if (head & ID_TEXT) {
        touch.idText = this.texts[words[at++] as number];
      } else if (head & ID_RECENT) {
        const k = (head >>> RECENT_SHIFT) & (RECENT_IDS - 1);
        touch.idText = undefined;
        touch.idHigh = cursor.recentWords[2 * k] as number;
        touch.idLow = cursor.recentWords[2 * k + 1] as number;
      } else if (!(head & ID_SAME)) {
        touch.idText = undefined;
        touch.idHigh = words[at++] as number;
        touch.idLow = words[at++] as number;
        fresh = true;
      }
      touch.hasSub = (head & HAS_SUB) !== 0;
      touch.subText = undefined;
      if (head & SUB_TEXT) {
        touch.subText = this.texts[words[at++] as number];
      } else if (head & SUB_HIGH_SAME) {
        // The high word of the last sub read as words, which `touch` still holds.
        touch.subLow = words[at++] as number;
      } else if (touch.hasSub) {
        touch.subHigh = words[at++] as number;
        touch.subLow = words[at++] as number;
      }
      if (!onTouch(touch)) return false;
      if (fresh) cursor.remember(touch.idHigh, touch.idLow);
      cursor.line = touch.line;
      cursor.at = at;
    }
  }

  /** Forgets every touch, keeping one chunk to fill again (the prefixes stay: a handful of strings). */
  clear(): void {
    this.chunks.length = Math.min(this.chunks.length, 1);
    this.ends.length = 0;
    this.chunk = this.chunks[0] ?? new Int32Array(0);
    this.used = 0;
    this.count = 0;
    this.texts.length = 0;
    this.lastLine = -1;
    this.lastSubHigh = 0;
    this.lastId = undefined;
    // A reading of what is logged next starts with no recent ids.
    this.recentIds.fill(undefined);
    this.recentNext = 0;
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
    if (this.chunks.length > 0 && this.chunk.length > 0) this.ends.push(this.used);
    this.chunk = new Int32Array(CHUNK_WORDS);
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
