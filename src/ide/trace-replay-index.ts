/**
 * The trace replay the language server keeps per trace document, built in
 * the same pass that produces its findings (fed a slice or a disk chunk at a
 * time, so nothing blocks): an index of the lines touching each object and
 * state checkpoints every few thousand lines. A long trace builds only the
 * checkpoints with its findings, writing down the objects each event touches
 * (`TouchLog`), and indexes them once the findings are out (`objectsLater`,
 * `indexObjects`, `objectsReady`), without reading the trace again. It answers the editor's
 * queries — the event at a line in words, the objects it touches, every line
 * touching an object, the VMs and mappings after a line — by restoring the
 * nearest checkpoint and replaying at most a few thousand lines, read back
 * from the document (in memory or on disk).
 *
 * It sits on the analysis layer's `TraceReplayer` (the same replay `check`
 * runs) and `TraceAnalysis` (for an event in words), so the editor and the
 * CLI never disagree. Memory: the live state, the checkpoints and one line
 * number per (object, event) pair, both bounded by budgets (checkpoints are
 * thinned, the object index stops growing) so a trace of any length fits.
 */

import { lastAtOrBefore } from '../base/sorted-search';
import type { U64 } from '../base/u64';
import type { AnalysisResult } from '../analysis/document';
import { TraceAnalysis, type TraceEventInfo } from '../analysis/trace/trace-analysis';
import { TraceReplayer, type TouchSink } from '../analysis/trace/trace-replayer';
import type { StateSnapshot, TraceMapping, TraceVm } from '../analysis/trace/trace-state';
import { EMPTY_STATE_SNAPSHOT } from '../analysis/trace/trace-state';
import type { Finding } from '../rules/rule';
import type { Prescan } from '../parse/trace/prescan';
import { AnalysisCancelled, yieldToEventLoop, type CancelFlag, type ProgressiveSink } from './sliced-analysis';
import type { LineSource } from './line-source';
import { CheckpointStore, type StoredState } from './checkpoint-store';
import { KeyTable } from './key-table';
import { LoggedKeyNumbers, TouchLog, type LoggedTouch, type TouchCursor } from './touch-log';

/**
 * A checkpoint every max(512 lines, live mappings) lines: a query replays at
 * most that many lines (a few milliseconds), and the snapshots share their
 * unchanged mappings so memory grows with the changes, not the checkpoints.
 */
const CHECKPOINT_MIN_LINES = 512;

export interface TraceIndexBudgets {
  /** Mapping records kept fresh in checkpoints before they are thinned (250k: about 17 MB of typed arrays, `CheckpointStore`). */
  readonly checkpointMappings: number;
  /** (object, event) pairs indexed at most (16M: 128 MB of typed arrays, some 5M events). */
  readonly occurrences: number;
  /**
   * Touches a deferred index logs before it numbers them during the
   * findings pass after all (4M: some 24 MB for events of a VM and one of
   * its mappings, 112 MB at most; some 2M events); past it the log is
   * indexed and emptied each time it fills, so memory stays bounded and only
   * the touches of the last stretch wait for the findings to be out.
   */
  readonly loggedTouches: number;
}

export const DEFAULT_BUDGETS: TraceIndexBudgets = { checkpointMappings: 250_000, occurrences: 16_000_000, loggedTouches: 4_000_000 };

/** Logged touches indexed between two turns of the event loop: about a millisecond, so a hover waits for little. */
const INDEX_SLICE_TOUCHES = 2_000;

interface Checkpoint {
  readonly line: number;
  /** The state after `line`, null for the empty state before the first line. */
  readonly stored: StoredState | null;
}

export interface TraceQueryState {
  readonly vms: readonly TraceVm[];
  /** Object keys the event at the target line touches. */
  readonly touched: readonly string[];
}

export class TraceIndex {
  private readonly replayer: TraceReplayer;
  private readonly checkpoints: Checkpoint[] = [{ line: 0, stored: null }];
  /** The checkpoints' mappings. */
  private readonly store = new CheckpointStore();
  /** Each object key's number, in first-seen order; its last occurrence is `lastOccurrence[number]`. */
  private readonly keys = new KeyTable();
  private lastOccurrence = new Int32Array(1 << 12);
  /** Keys with an occurrence: numbers below it. */
  private notedKeys = 0;
  private occurrenceLine = new Int32Array(1 << 16);
  private occurrencePrevious = new Int32Array(1 << 16);
  private occurrences = 0;
  /** Checkpoints held (for tests and diagnostics of memory use). */
  get checkpointCount(): number {
    return this.checkpoints.length;
  }

  /** The last line whose objects are indexed, when the occurrence budget ran out. */
  indexedThrough: number | undefined;
  private lastCheckpoint = 0;
  private cached: { line: number; replayer: TraceReplayer; checkpoint: number; touched: readonly string[] } | null = null;
  /** The line whose touched objects the query replayer records, while a query runs. */
  private capture: { line: number; touched: readonly string[] } | null = null;

  /**
   * Resolves once every event's objects are indexed: at once when they are
   * indexed in the same pass as the findings, else when `objectSink()` ends.
   */
  readonly objectsReady: Promise<void>;
  private objectsDone: (() => void) | undefined;
  /** The touches of a deferred index not indexed yet (`objectsLater`); undefined once indexed or abandoned. */
  private log: TouchLog | undefined;
  private loggedNumbers: LoggedKeyNumbers | undefined;

  /**
   * `objectsLater`: the findings pass replays as `check` does and only
   * writes down the objects each event touches (`TouchLog`), without
   * numbering their keys (half the replay's own time), so
   * findings and hovers (which need only the checkpoints) are ready sooner;
   * the caller then runs `indexObjects()` for navigation, the outline and
   * the lenses.
   */
  constructor(
    private readonly budgets: TraceIndexBudgets = DEFAULT_BUDGETS,
    objectsLater = false,
  ) {
    if (objectsLater) {
      this.log = new TouchLog();
      this.loggedNumbers = new LoggedKeyNumbers(this.keys);
    }
    // Its state is only ever copied (checkpoints): removed mappings are reused.
    this.replayer = new TraceReplayer({ recycle: true, touches: this.log ?? this.touches });
    this.objectsReady = objectsLater ? new Promise((resolve) => (this.objectsDone = resolve)) : Promise.resolve();
  }

  /** Where the findings pass hands over each event's objects, as key parts, when it indexes them itself. */
  private readonly touches: TouchSink = {
    touch: (line, kind, driver, id, sub) => {
      if (!this.full(line)) this.note(line, this.keys.numberOfParts(kind, driver, id, sub));
    },
    eventDone: () => undefined,
  };

  /** Indexes one logged touch. */
  private indexLogged(touch: LoggedTouch): void {
    if (!this.full(touch.line)) this.note(touch.line, (this.loggedNumbers as LoggedKeyNumbers).numberOf(touch));
  }

  /** Whether the index has reached its budget (then navigation knows the events before `line`). */
  private full(line: number): boolean {
    if (this.occurrences < this.budgets.occurrences) return false;
    this.indexedThrough ??= line - 1;
    return true;
  }

  /**
   * The deferred object index (`objectsLater`), once the findings pass is
   * over: the logged touches, indexed a slice at a time with a turn of the
   * event loop between slices (hovers keep answering). Resolves
   * `objectsReady` when done; a cancelled run (or `endObjects()`) leaves the
   * index knowing the events before (`indexedThrough`).
   */
  async indexObjects(token: CancelFlag): Promise<void> {
    try {
      const log = this.log;
      const cursor = log?.cursor();
      for (let done = log === undefined; !done;) {
        let count = 0;
        let line = -1;
        // A slice ends where a line does, so an abandoned run has indexed whole lines.
        done = (log as TouchLog).forEach(cursor as TouchCursor, (touch) => {
          if (count >= INDEX_SLICE_TOUCHES && touch.line !== line) return false;
          count++;
          line = touch.line;
          this.indexLogged(touch);
          return true;
        });
        if (line >= 0) this.objectsThrough = line;
        if (done) break;
        await yieldToEventLoop();
        if (token.isCancellationRequested) throw new AnalysisCancelled();
        // Abandoned meanwhile (`endObjects`): the log is gone.
        if (this.log !== log) return;
      }
      this.endObjects(true);
    } finally {
      this.endObjects();
    }
  }

  /** Indexes (and forgets) every logged touch at once: the findings pass filled the log's budget. */
  private indexLog(log: TouchLog): void {
    let line = -1;
    log.forEach(log.cursor(), (touch) => {
      this.indexLogged(touch);
      line = touch.line;
      return true;
    });
    if (line >= 0) this.objectsThrough = line;
    log.clear();
  }

  /** Ends a deferred object index; one that did not reach the end leaves the index knowing the events before (`indexedThrough`). */
  endObjects(complete = false): void {
    if (!this.objectsDone) return;
    if (!complete) this.indexedThrough ??= this.objectsThrough;
    this.log?.release();
    this.log = undefined;
    this.loggedNumbers = undefined;
    this.objectsDone();
    this.objectsDone = undefined;
  }

  /** The last line whose touches are indexed. */
  private objectsThrough = 0;

  /**
   * Records that `line` touches the object numbered `number` in the key
   * table (a key the event names twice is recorded once). Occurrences are a
   * linked list in two typed arrays (line, previous occurrence of the same
   * key) plus one number per key: a small array per key would cost ~150
   * bytes each, and a trace has hundreds of thousands of VMAs. Keys are
   * numbered densely, each just before its first occurrence is noted, so a
   * number past the ones noted so far is a new key; the last occurrence is
   * a typed array indexed by that number.
   */
  private note(line: number, number: number): void {
    let last = -1;
    if (number < this.notedKeys) {
      last = this.lastOccurrence[number] as number;
      if (this.occurrenceLine[last] === line) return;
    } else {
      this.notedKeys = number + 1;
      if (number >= this.lastOccurrence.length) {
        const grown = new Int32Array(Math.max(number + 1, this.lastOccurrence.length * 2));
        grown.set(this.lastOccurrence);
        this.lastOccurrence = grown;
      }
    }
    if (this.occurrences === this.occurrenceLine.length) {
      const lines = new Int32Array(this.occurrenceLine.length * 2);
      const previous = new Int32Array(this.occurrenceLine.length * 2);
      lines.set(this.occurrenceLine);
      previous.set(this.occurrencePrevious);
      this.occurrenceLine = lines;
      this.occurrencePrevious = previous;
    }
    const index = this.occurrences++;
    this.occurrenceLine[index] = line;
    this.occurrencePrevious[index] = last;
    this.lastOccurrence[number] = index;
  }

  /** Feeds one line (1-based), as the analyzer contract does. */
  line(text: string, lineNumber: number, unterminated = false): void {
    this.replayer.line(text, lineNumber, unterminated);
    this.afterLine(lineNumber);
  }

  /** Feeds one line as bytes when the replayer takes it (`TraceReplayer.lineBytes`); false leaves it to `line`. */
  lineBytes(bytes: Uint8Array, start: number, end: number, lineNumber: number, unterminated = false, prescan?: Prescan): boolean {
    if (!this.replayer.lineBytes(bytes, start, end, lineNumber, unterminated, prescan)) return false;
    this.afterLine(lineNumber);
    return true;
  }

  private afterLine(lineNumber: number): void {
    if (this.log !== undefined && this.log.size >= this.budgets.loggedTouches) this.indexLog(this.log);
    if (lineNumber - this.lastCheckpoint >= Math.max(this.checkpointInterval, this.replayer.state.liveMappings)) {
      this.checkpoints.push({ line: lineNumber, stored: this.storedState() });
      this.lastCheckpoint = lineNumber;
      if (this.store.fresh > this.budgets.checkpointMappings) this.thinCheckpoints();
    }
  }

  /**
   * The state stored for a checkpoint, sharing the records of unchanged
   * mappings with the previous checkpoint (`CheckpointStore`): most mappings
   * outlive many checkpoints, so dense checkpoints (fast queries) cost
   * memory only for what changed.
   */
  private storedState(): StoredState {
    const stored = this.store.take(this.replayer.state, this.previousState);
    this.previousState = stored;
    return stored;
  }

  /** The state of the last checkpoint taken (whether or not thinning kept it). */
  private previousState: StoredState | undefined = undefined;

  private checkpointInterval = CHECKPOINT_MIN_LINES;
  /**
   * Keeps checkpoint memory bounded on traces of any length: past the budget,
   * every other checkpoint goes and the interval doubles, so queries replay
   * twice as many lines at most and memory is halved.
   */
  private thinCheckpoints(): void {
    const kept = this.checkpoints.filter((_, index) => index % 2 === 0);
    this.checkpoints.length = 0;
    this.checkpoints.push(...kept);
    this.checkpointInterval *= 2;
    this.store.fresh = Math.floor(this.store.fresh / 2);
    // The records only the dropped checkpoints held go (the last state taken is shared from next).
    const states = this.checkpoints.flatMap((checkpoint) => (checkpoint.stored ? [checkpoint.stored] : []));
    this.store.compact(this.previousState ? [...states, this.previousState] : states);
    this.cached = null;
  }

  /** The index as an analyzer sink (see `sliced-analysis`), with its findings so far. */
  sink(): ProgressiveSink {
    return {
      line: (text, lineNumber, unterminated) => this.line(text, lineNumber, unterminated),
      lineBytes: (bytes, start, end, lineNumber, unterminated, _startByte, prescan) =>
        this.lineBytes(bytes, start, end, lineNumber, unterminated, prescan),
      end: () => this.finish(),
      partial: () => this.partialFindings(),
    };
  }

  /** Findings reported so far (shown while a long analysis is still running). */
  partialFindings(): readonly Finding[] {
    return this.replayer.findings;
  }

  finish(): AnalysisResult {
    const findings = this.replayer.finish();
    return { kind: 'trace', stats: this.replayer.stats(), findings };
  }

  /** 1-based lines of every event touching `key`, ascending. */
  linesOf(key: string): readonly number[] {
    const lines: number[] = [];
    const number = this.keys.find(key);
    for (
      let index = number === undefined ? -1 : (this.lastOccurrence[number] as number);
      index !== -1;
      index = this.occurrencePrevious[index] as number
    ) {
      lines.push(this.occurrenceLine[index] as number);
    }
    return lines.reverse();
  }

  objectKeys(): IterableIterator<string> {
    return this.keys.values();
  }

  /** The event at a 1-based line, decoded and described in words. */
  eventAt(text: string): TraceEventInfo | undefined {
    // A one-line analysis decodes and describes exactly as the full one does.
    return new TraceAnalysis([text]).eventAt(1);
  }

  /** Live VMs after replaying through `line` (1-based, inclusive), and what that line's event touched. */
  stateAt(lines: LineSource, line: number): TraceQueryState {
    const target = Math.max(0, Math.min(line, lines.lineCount));
    // Restore from a checkpoint strictly before the target so its event is replayed and its objects captured.
    const index = this.checkpointIndex(target - 1);
    const checkpoint = this.checkpoints[index] as Checkpoint;
    let cached = this.cached;
    if (!cached || cached.checkpoint !== index || cached.line > target) {
      const snapshot = checkpoint.stored ? this.store.snapshot(checkpoint.stored) : EMPTY_STATE_SNAPSHOT;
      cached = { line: checkpoint.line, replayer: this.quietReplayer(snapshot), checkpoint: index, touched: [] };
    }
    let touched: readonly string[] = cached.line === target ? cached.touched : [];
    const capture = { line: target, touched: [] as readonly string[] };
    this.capture = capture;
    const replayer = cached.replayer;
    // A file's lines as bytes where the analysis took them so (`lineBytes`), the others as text.
    const asBytes =
      lines.forEachBytes?.(cached.line, target, (bytes, start, end, n) => {
        if (!replayer.lineBytes(bytes, start, end, n + 1)) replayer.line(lines.line(n), n + 1);
      }) ?? false;
    if (!asBytes) {
      const texts = lines.range(cached.line, target);
      for (let next = cached.line + 1; next <= target; next++) replayer.line(texts[next - 1 - cached.line] ?? '', next);
    }
    this.capture = null;
    if (cached.line !== target) touched = capture.touched;
    cached.line = target;
    cached.touched = touched;
    this.cached = cached;
    return { vms: cached.replayer.state.vmsInOrder(), touched };
  }

  private quietReplayer(snapshot: StateSnapshot): TraceReplayer {
    return new TraceReplayer(
      {
        quiet: true,
        onEvent: (info) => {
          if (this.capture && info.line === this.capture.line) this.capture.touched = [...info.touched];
        },
      },
      snapshot,
    );
  }

  private checkpointIndex(line: number): number {
    return lastAtOrBefore(this.checkpoints, line);
  }
}

/** The VM a key like `vm:xe:<key>` or `mapping:xe:<vm>/<key>` belongs to. */
export function vmKeyOf(objectKey: string): string | undefined {
  if (objectKey.startsWith('vm:')) return objectKey;
  if (!objectKey.startsWith('mapping:')) return undefined;
  const [, driver, rest] = /^mapping:([^:]+):(.*)$/.exec(objectKey) ?? [];
  if (driver === undefined || rest === undefined) return undefined;
  return `vm:${driver}:${rest.slice(0, rest.lastIndexOf('/'))}`;
}

export function vmObjectKey(vm: TraceVm): string {
  return `vm:${vm.driver}:${vm.key}`;
}

export function mappingObjectKey(vm: TraceVm, mapping: TraceMapping): string | undefined {
  return mapping.key === null ? undefined : `mapping:${vm.driver}:${vm.key}/${mapping.key}`;
}

/** Normalises a pointer or id as the trace prints it, to compare with the tail of an object key. */
export function normalizeIdentity(text: string): string {
  return text
    .toLowerCase()
    .replace(/^0x/, '')
    .replace(/^0+(?=.)/, '');
}

/** The object key among `keys` whose identity (last segment) is `token`. */
export function keyForToken(keys: readonly string[], token: string): string | undefined {
  const wanted = normalizeIdentity(token);
  return keys.find((key) => {
    const tail = key.slice(Math.max(key.lastIndexOf('/'), key.lastIndexOf(':')) + 1);
    return normalizeIdentity(tail) === wanted;
  });
}

/** The live mapping covering `addr` in any of `vms` (the event's own VM first). */
export function mappingCovering(vms: readonly TraceVm[], addr: U64, preferVm?: string): { vm: TraceVm; mapping: TraceMapping } | undefined {
  const ordered = preferVm ? [...vms].sort((a, b) => Number(vmObjectKey(b) === preferVm) - Number(vmObjectKey(a) === preferVm)) : vms;
  for (const vm of ordered) {
    const mapping = vm.mappingAt(addr);
    if (mapping) return { vm, mapping };
  }
  return undefined;
}
