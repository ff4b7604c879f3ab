/**
 * The mappings of a trace index's checkpoints (`trace-replay-index.ts`), held
 * as records in typed arrays rather than as an object per mapping: a
 * million-line trace takes thousands of checkpoints of hundreds of live
 * mappings each, and the mappings they keep (some 250k) as objects were
 * most of the server's heap, promoted by every young collection while the
 * trace was read and traced again by every full one. As records they cost
 * the collector nothing and half the memory, and a checkpoint is turned
 * back into the `StateSnapshot` a replay restores only when a query needs
 * it (a few hundred mappings, well under a millisecond).
 *
 * A checkpoint shares the records of the checkpoint before it for mappings
 * that did not change (compared field by field, in address order, as the
 * snapshots compare), so memory grows with the changes, not the
 * checkpoints; `compact` drops the records no kept checkpoint refers to.
 *
 * Invariants: `snapshot(take(state))` equals `state.snapshot()` field for
 * field (values in each VM's representation: a mapping whose values are not
 * all numbers is kept as its snapshot object, in `wide`); a pointer key (16
 * lower-case hex digits) is kept as its two 32-bit words, any other text by
 * its number in `texts`.
 */

import type { Num64 } from '../base/u64';
import {
  snapshotMapping,
  snapshotVm,
  type MappingSnapshot,
  type StateSnapshot,
  type TraceMapping,
  type TraceState,
  type TraceVm,
  type VmSnapshot,
} from '../analysis/trace/trace-state';
import { parsePointer, pointerText } from '../base/hex-words';

/** A checkpoint's state: its VMs without their mappings, and each VM's mapping records in address order. */
export interface StoredState {
  /** The state with every VM's `mappings` empty. */
  readonly state: StateSnapshot;
  /** Per VM of `state.vms`, its mappings' records (replaced by `compact`). */
  readonly records: Int32Array[];
}

const USERPTR = 1;
const ADOPTED = 2;
/** The record's mapping is `wide.get(record)`. */
const WIDE = 4;
/** How a key is kept (`keyKind`). */
const KEY_NULL = 0;
const KEY_POINTER = 1;
const KEY_TEXT = 2;

const NO_RECORDS = new Int32Array(0);
/** Records per chunk of the checkpoints' record lists (1 MB). */
const LIST_CHUNK = 1 << 18;
const NO_MAPPINGS: readonly MappingSnapshot[] = [];

export class CheckpointStore {
  private capacity = 1 << 12;
  private count = 0;
  private starts = new Float64Array(this.capacity);
  private lasts = new Float64Array(this.capacity);
  private offsets = new Float64Array(this.capacity);
  private createdTs = new Float64Array(this.capacity);
  private createdLines = new Int32Array(this.capacity);
  private changedLines = new Int32Array(this.capacity);
  private invalidatedLines = new Int32Array(this.capacity);
  private flags = new Uint8Array(this.capacity);
  private keyKinds = new Uint8Array(this.capacity);
  /** A pointer key's words, or a text key's number in `keyHighs`. */
  private keyHighs = new Int32Array(this.capacity);
  private keyLows = new Int32Array(this.capacity);
  private objectKeys = new Int32Array(this.capacity);
  private createdEvents = new Int32Array(this.capacity);
  private changedEvents = new Int32Array(this.capacity);
  /** Texts by number (object keys, event names, keys that are not pointers), each once. */
  private texts: string[] = [];
  private textNumbers = new Map<string, number>();
  /** Records of mappings whose values are not all numbers, as their snapshots. */
  private wide = new Map<number, MappingSnapshot>();
  private readonly words = new Int32Array(2);

  /** Records made by `take` that were not shared with the checkpoint before (what checkpoints cost). */
  fresh = 0;

  /** Records held (for tests). */
  get size(): number {
    return this.count;
  }

  /** Stores the state of `state`, sharing the records of `previous` (the last state taken) where a mapping is unchanged. */
  take(state: TraceState, previous: StoredState | undefined): StoredState {
    const before = new Map<string, Int32Array>();
    if (previous) {
      previous.state.vms.forEach((vm, index) => before.set(`${vm.driver}:${vm.key}`, previous.records[index] as Int32Array));
    }
    const records: Int32Array[] = [];
    const snapshot = state.snapshot((vm) => {
      records.push(this.recordsOf(vm, before.get(`${vm.driver}:${vm.key}`) ?? NO_RECORDS));
      return snapshotVm(vm, NO_MAPPINGS);
    });
    return { state: snapshot, records };
  }

  /** The `StateSnapshot` of a stored state. */
  snapshot(stored: StoredState): StateSnapshot {
    return {
      ...stored.state,
      vms: stored.state.vms.map((vm, index): VmSnapshot => {
        const records = stored.records[index] as Int32Array;
        const mappings: MappingSnapshot[] = [];
        for (let i = 0; i < records.length; i++) mappings.push(this.mapping(records[i] as number));
        return { ...vm, mappings };
      }),
    };
  }

  /**
   * Keeps only the records `kept` refer to, renumbered (each state once,
   * however often it is listed; its lists replaced), with the texts they use.
   */
  compact(kept: readonly StoredState[]): void {
    const old = this.detachColumns();
    const renumbered = new Int32Array(old.count).fill(-1);
    const textsRenumbered = new Int32Array(old.texts.length).fill(-1);
    const text = (number: number): number => {
      let now = textsRenumbered[number] as number;
      if (now < 0) textsRenumbered[number] = now = this.textNumber(old.texts[number] as string);
      return now;
    };
    // The lists move to new chunks too, so the old ones (dropped states' lists among them) go.
    this.lists = new Int32Array(0);
    this.listUsed = 0;
    for (const stored of new Set(kept)) {
      stored.records.forEach((records, index) => {
        const list = this.list(records.length);
        for (let i = 0; i < records.length; i++) {
          const record = records[i] as number;
          let now = renumbered[record] as number;
          if (now < 0) renumbered[record] = now = this.copyRecord(old, record, text);
          list[i] = now;
        }
        stored.records[index] = list;
      });
    }
  }

  /** A VM's records: its live mappings', in address order, shared with `before` (the same VM's last records) when equal. */
  private recordsOf(vm: TraceVm, before: Int32Array): Int32Array {
    const records = this.list(vm.liveCount);
    const tree = vm.gpuvm.tree;
    let at = 0;
    let n = 0;
    for (let mapping = tree.first() as TraceMapping | null; mapping; mapping = tree.next(mapping) as TraceMapping | null) {
      const start = mapping.start;
      // Mixed number and bigint starts compare by value (a VM may have moved to bigints since).
      while (at < before.length && this.startOf(before[at] as number) < start) at++;
      const old = before[at];
      if (old !== undefined && this.matches(old, mapping)) {
        records[n++] = old;
      } else {
        this.fresh++;
        records[n++] = this.add(mapping);
      }
    }
    return n === records.length ? records : records.subarray(0, n);
  }

  /**
   * Room for a list of `length` records: a view of a shared chunk, not an
   * array buffer of its own (thousands of checkpoints take one per VM).
   */
  private list(length: number): Int32Array {
    if (this.listUsed + length > this.lists.length) {
      this.lists = new Int32Array(Math.max(LIST_CHUNK, length));
      this.listUsed = 0;
    }
    const list = this.lists.subarray(this.listUsed, this.listUsed + length);
    this.listUsed += length;
    return list;
  }

  private lists = new Int32Array(0);
  private listUsed = 0;

  private startOf(record: number): Num64 {
    return (this.flags[record] as number) & WIDE ? (this.wide.get(record) as MappingSnapshot).start : (this.starts[record] as number);
  }

  /** Whether `record` holds exactly the fields `snapshotMapping(mapping)` would. */
  private matches(record: number, mapping: TraceMapping): boolean {
    const flags = this.flags[record] as number;
    if (flags & WIDE) return sameSnapshot(this.wide.get(record) as MappingSnapshot, snapshotMapping(mapping));
    return (
      this.changedLines[record] === mapping.changedLine &&
      this.starts[record] === mapping.start &&
      this.lasts[record] === mapping.last &&
      this.offsets[record] === mapping.offset &&
      this.createdLines[record] === mapping.createdLine &&
      this.createdTs[record] === mapping.createdTs &&
      this.invalidatedLines[record] === mapping.invalidatedLine &&
      ((flags & USERPTR) !== 0) === mapping.userptr &&
      ((flags & ADOPTED) !== 0) === mapping.adopted &&
      this.texts[this.changedEvents[record] as number] === mapping.changedEvent &&
      this.texts[this.createdEvents[record] as number] === mapping.createdEvent &&
      this.texts[this.objectKeys[record] as number] === mapping.objectKey &&
      this.keyMatches(record, mapping.key)
    );
  }

  private keyMatches(record: number, key: string | null): boolean {
    switch (this.keyKinds[record]) {
      case KEY_NULL:
        return key === null;
      case KEY_POINTER:
        return (
          key !== null &&
          parsePointer(key, this.words, 0) &&
          this.words[0] === this.keyHighs[record] &&
          this.words[1] === this.keyLows[record]
        );
      default:
        return this.texts[this.keyHighs[record] as number] === key;
    }
  }

  /** A new record of `mapping`. */
  private add(mapping: TraceMapping): number {
    const record = this.claim();
    const start = mapping.start;
    const last = mapping.last;
    const offset = mapping.offset;
    let flags = (mapping.userptr ? USERPTR : 0) | (mapping.adopted ? ADOPTED : 0);
    if (typeof start !== 'number' || typeof last !== 'number' || typeof offset !== 'number') {
      flags |= WIDE;
      this.wide.set(record, snapshotMapping(mapping));
    } else {
      this.starts[record] = start;
      this.lasts[record] = last;
      this.offsets[record] = offset;
    }
    this.flags[record] = flags;
    this.createdTs[record] = mapping.createdTs;
    this.createdLines[record] = mapping.createdLine;
    this.changedLines[record] = mapping.changedLine;
    this.invalidatedLines[record] = mapping.invalidatedLine;
    this.objectKeys[record] = this.textNumber(mapping.objectKey);
    this.createdEvents[record] = this.textNumber(mapping.createdEvent);
    this.changedEvents[record] = this.textNumber(mapping.changedEvent);
    const key = mapping.key;
    if (key === null) {
      this.keyKinds[record] = KEY_NULL;
    } else if (parsePointer(key, this.words, 0)) {
      this.keyKinds[record] = KEY_POINTER;
      this.keyHighs[record] = this.words[0] as number;
      this.keyLows[record] = this.words[1] as number;
    } else {
      this.keyKinds[record] = KEY_TEXT;
      this.keyHighs[record] = this.textNumber(key);
    }
    return record;
  }

  /** The snapshot a record holds, with `snapshotMapping`'s fields in its order. */
  private mapping(record: number): MappingSnapshot {
    const flags = this.flags[record] as number;
    if (flags & WIDE) return this.wide.get(record) as MappingSnapshot;
    const kind = this.keyKinds[record];
    return {
      key:
        kind === KEY_NULL
          ? null
          : kind === KEY_POINTER
            ? pointerText(this.keyHighs[record] as number, this.keyLows[record] as number)
            : (this.texts[this.keyHighs[record] as number] as string),
      start: this.starts[record] as number,
      last: this.lasts[record] as number,
      objectKey: this.texts[this.objectKeys[record] as number] as string,
      offset: this.offsets[record] as number,
      createdLine: this.createdLines[record] as number,
      createdTs: this.createdTs[record] as number,
      createdEvent: this.texts[this.createdEvents[record] as number] as string,
      changedLine: this.changedLines[record] as number,
      changedEvent: this.texts[this.changedEvents[record] as number] as string,
      userptr: (flags & USERPTR) !== 0,
      invalidatedLine: this.invalidatedLines[record] as number,
      adopted: (flags & ADOPTED) !== 0,
    };
  }

  private textNumber(text: string): number {
    // Most texts are the last one or the one before (an event name, an object key ''): no lookup.
    if (text === this.lastText) return this.lastNumber;
    if (text === this.otherText) return this.otherNumber;
    let number = this.textNumbers.get(text);
    if (number === undefined) {
      number = this.texts.push(text) - 1;
      this.textNumbers.set(text, number);
    }
    this.otherText = this.lastText;
    this.otherNumber = this.lastNumber;
    this.lastText = text;
    this.lastNumber = number;
    return number;
  }

  private lastText: string | undefined = undefined;
  private lastNumber = 0;
  private otherText: string | undefined = undefined;
  private otherNumber = 0;

  /** The next record's index, the columns grown (doubled) when full. */
  private claim(): number {
    if (this.count === this.capacity) this.resize(this.capacity * 2);
    return this.count++;
  }

  private resize(capacity: number): void {
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(column: T): T => {
      const grown = new (column.constructor as new (length: number) => T)(capacity);
      grown.set(column.subarray(0, Math.min(this.count, capacity)));
      return grown;
    };
    this.starts = grow(this.starts);
    this.lasts = grow(this.lasts);
    this.offsets = grow(this.offsets);
    this.createdTs = grow(this.createdTs);
    this.createdLines = grow(this.createdLines);
    this.changedLines = grow(this.changedLines);
    this.invalidatedLines = grow(this.invalidatedLines);
    this.flags = grow(this.flags);
    this.keyKinds = grow(this.keyKinds);
    this.keyHighs = grow(this.keyHighs);
    this.keyLows = grow(this.keyLows);
    this.objectKeys = grow(this.objectKeys);
    this.createdEvents = grow(this.createdEvents);
    this.changedEvents = grow(this.changedEvents);
    this.capacity = capacity;
  }

  /** Hands the current columns over (for `compact`) and starts empty ones of the same capacity. */
  private detachColumns(): Columns {
    const old: Columns = {
      count: this.count,
      starts: this.starts,
      lasts: this.lasts,
      offsets: this.offsets,
      createdTs: this.createdTs,
      createdLines: this.createdLines,
      changedLines: this.changedLines,
      invalidatedLines: this.invalidatedLines,
      flags: this.flags,
      keyKinds: this.keyKinds,
      keyHighs: this.keyHighs,
      keyLows: this.keyLows,
      objectKeys: this.objectKeys,
      createdEvents: this.createdEvents,
      changedEvents: this.changedEvents,
      texts: this.texts,
      wide: this.wide,
    };
    this.count = 0;
    this.texts = [];
    this.textNumbers = new Map();
    this.lastText = this.otherText = undefined;
    this.wide = new Map();
    this.resize(this.capacity);
    return old;
  }

  /** Copies record `record` of `old` as a new record; `text` renumbers a text of `old`. */
  private copyRecord(old: Columns, record: number, text: (number: number) => number): number {
    const now = this.claim();
    const flags = old.flags[record] as number;
    this.flags[now] = flags;
    if (flags & WIDE) this.wide.set(now, old.wide.get(record) as MappingSnapshot);
    this.starts[now] = old.starts[record] as number;
    this.lasts[now] = old.lasts[record] as number;
    this.offsets[now] = old.offsets[record] as number;
    this.createdTs[now] = old.createdTs[record] as number;
    this.createdLines[now] = old.createdLines[record] as number;
    this.changedLines[now] = old.changedLines[record] as number;
    this.invalidatedLines[now] = old.invalidatedLines[record] as number;
    const kind = old.keyKinds[record] as number;
    this.keyKinds[now] = kind;
    this.keyHighs[now] = kind === KEY_TEXT ? text(old.keyHighs[record] as number) : (old.keyHighs[record] as number);
    this.keyLows[now] = old.keyLows[record] as number;
    this.objectKeys[now] = text(old.objectKeys[record] as number);
    this.createdEvents[now] = text(old.createdEvents[record] as number);
    this.changedEvents[now] = text(old.changedEvents[record] as number);
    return now;
  }
}

interface Columns {
  readonly count: number;
  readonly starts: Float64Array;
  readonly lasts: Float64Array;
  readonly offsets: Float64Array;
  readonly createdTs: Float64Array;
  readonly createdLines: Int32Array;
  readonly changedLines: Int32Array;
  readonly invalidatedLines: Int32Array;
  readonly flags: Uint8Array;
  readonly keyKinds: Uint8Array;
  readonly keyHighs: Int32Array;
  readonly keyLows: Int32Array;
  readonly objectKeys: Int32Array;
  readonly createdEvents: Int32Array;
  readonly changedEvents: Int32Array;
  readonly texts: readonly string[];
  readonly wide: ReadonlyMap<number, MappingSnapshot>;
}

/** Field-by-field equality of two mapping snapshots (bigints compare by value). */
function sameSnapshot(a: MappingSnapshot, b: MappingSnapshot): boolean {
  for (const key in a) if (a[key as keyof MappingSnapshot] !== b[key as keyof MappingSnapshot]) return false;
  return true;
}
