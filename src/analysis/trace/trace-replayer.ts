/**
 * Feeds ftrace text, one line at a time, through the line tokeniser, the
 * event decoders and the per-driver replay adapters, and collects the
 * findings and statistics of the trace. Both the streaming `trace` analyzer
 * (CLI) and `TraceAnalysis` (language server queries) are built on it.
 *
 * Per line: markers (LOST, buffer started, entries overwritten) lower the
 * replay's confidence and are reported once; unknown events and events
 * whose format changed are counted and reported once per event name at the
 * end; lines that are not trace text are reported (the first ten, then a
 * count), except a preamble before the first event and the continuation
 * lines of multi-line events. A last line the input ended inside (no line
 * break after it) that is not a whole event is reported as truncation. A few
 * stray NUL or non-UTF-8 bytes in an event line are skipped (src/base/stray-bytes.ts),
 * the event still decoded and replayed, and one `stray-bytes` note says so.
 *
 * Memory: the live state plus bounded tombstones and per-event-name
 * counters; nothing per line is kept unless `onEvent` or `touches` keeps it.
 *
 * The objects an event touches reach `onEvent` as key strings, or `touches`
 * as the key's parts (kind, driver, id, sub): an index that numbers its keys
 * takes the parts as they are, so no key string is built per event.
 */

import { detach } from '../../base/detach-string';
import { hasStrayBytes, withoutStrayBytes } from '../../base/stray-bytes';
import { strayBytes } from '../../rules/input-rules';
import { ownUnits, UnitsScratch, unitsText, type CodeUnits } from '../../parse/trace/code-units';
import { EventDecoder, type DecodedEvent } from '../../parse/trace/decode-event';
import { specOfUnits } from '../../parse/trace/event-tables';
import {
  acceptPrescanned,
  isByteLine,
  PRESCAN_EVENT,
  PRESCAN_NOT_BYTES,
  prescannedSpec,
  readPrescan,
  type Prescan,
} from '../../parse/trace/prescan';
import { ScannedLine, scanTraceLine, type TraceEventLine } from '../../parse/trace/trace-line';
import type { Finding } from '../../rules/rule';
import { traceFormatChanged } from '../../rules/trace/trace-format-changed';
import { traceLostEvents } from '../../rules/trace/trace-lost-events';
import { traceUnknownEvent } from '../../rules/trace/trace-unknown-event';
import { traceUnparsableLine } from '../../rules/trace/trace-unparsable-line';
import type { DocumentStats } from '../document';
import { objectKey, type ReplayContext } from './replay-context';
import { replayAmdgpu } from './replay-amdgpu';
import { replayI915 } from './replay-i915';
import { replayXe } from './replay-xe';
import { TraceState, type StateSnapshot } from './trace-state';

export interface ReplayEventInfo {
  readonly line: number;
  readonly event: TraceEventLine;
  /** Undefined for unknown events and changed formats. */
  readonly decoded: DecodedEvent | undefined;
  /** Object keys the event touches (`vm:xe:…`, `mapping:…`, `bo:…`). */
  readonly touched: readonly string[];
}

/**
 * Receives the objects each event touches as the parts of their keys
 * (`objectKey(kind, driver, id, sub)` joins them), in the order `onEvent`'s
 * `touched` lists them; a key may come more than once for one event.
 */
export interface TouchSink {
  touch(line: number, kind: string, driver: string, id: string, sub: string | undefined): void;
  /** After every event line, once its objects are handed over. */
  eventDone(line: number): void;
}

export interface TraceReplayOptions {
  /** Replay only: no findings (checkpoint restores for queries). */
  readonly quiet?: boolean;
  /** Called after every event line is replayed. */
  readonly onEvent?: (info: ReplayEventInfo) => void;
  /** Receives the objects each event touches, without key strings (see `TouchSink`). */
  readonly touches?: TouchSink;
  /**
   * Every VM on the bigint path from its creation (`TraceState`): the
   * reference the number path is tested against; the results are the same.
   */
  readonly exact?: boolean;
  /** Reuse removed mappings (`TraceState`): only for a caller that holds no mapping across lines. */
  readonly recycle?: boolean;
}

interface EventSummary {
  count: number;
  readonly line: number;
  readonly column: number;
  readonly payload: string;
}

/** Lines a trace-cmd report or a concatenated capture may start with. */
const PREAMBLE = /^(?:version = \d+|cpus=\d+|CPU \d+ is empty|trace-cmd\b|\S+\.dat:?$|\s*$)/;
const BINARY = /[\x00-\x08\x0e-\x1a\ufffd]/;
const REPORTED_UNPARSABLE = 10;
const LONG_LINE = 1 << 16;
const QUOTE_LIMIT = 80;

function quote(text: string): string {
  const cleaned = text.replace(/[\x00-\x1f\x7f]/g, '?');
  return cleaned.length > QUOTE_LIMIT ? cleaned.slice(0, QUOTE_LIMIT) + '…' : cleaned;
}

export class TraceReplayer {
  state: TraceState;
  readonly findings: Finding[] = [];
  private readonly decoder = new EventDecoder();
  private readonly scanned = new ScannedLine();
  private readonly scratch = new UnitsScratch();
  private readonly eventLine = new ReplayedLine();
  private readonly quiet: boolean;
  private readonly onEvent: ((info: ReplayEventInfo) => void) | undefined;
  private readonly touches: TouchSink | undefined;

  lines = 0;
  events = 0;
  recognized = 0;
  private readonly unknown = new Map<string, EventSummary>();
  private readonly changed = new Map<string, EventSummary>();
  private loss: { line: number; messageId: 'lost' | 'overwritten' | 'bufferStarted'; cpu: number } | null = null;
  lostEvents = 0;
  private lostMarkers = 0;
  /** False once events were lost mid-trace. */
  confident = true;
  private unparsable = 0;
  private moreLine = 0;
  private unreported = 0;
  private binaryReported = false;
  private longReported = false;
  private continuation = false;
  private lastLineNumber = 0;
  /** Whether the last line seen had no line break after it (the input ended inside it). */
  private lastUnterminated = false;
  /** Lines decoded without their stray bytes: count, bytes, first line. */
  private stray = { lines: 0, bytes: 0, first: 0 };
  /** The last line's problem, turned into a truncation finding if it is the final line. */
  private lastProblem: { line: number; kind: 'changed'; event: string } | { line: number; kind: 'other'; index: number } | null = null;
  /** The record of the byte line being replayed, from the thread that read it (`lineBytes`). */
  private prescan: Prescan | undefined = undefined;
  /** One context, refilled for every event: no allocation per line. */
  private readonly context: EventContext;

  constructor(options: TraceReplayOptions = {}, state?: StateSnapshot) {
    this.quiet = options.quiet ?? false;
    this.onEvent = options.onEvent;
    this.touches = options.touches;
    this.state = state ? TraceState.restore(state) : new TraceState(options.exact, options.recycle);
    this.context = new EventContext(this.state, (finding) => this.report(finding), this.touches ?? null);
  }

  private report(finding: Finding): void {
    if (!this.quiet) this.findings.push(finding);
  }

  /**
   * One line (1-based number, without its line break); `unterminated` when
   * no line break follows it, i.e. the input ended inside it.
   */
  line(raw: string, lineNumber: number, unterminated = false): void {
    this.lineUnits(this.scratch.of(raw), 0, raw.length, lineNumber, unterminated, raw);
  }

  /**
   * The same for a line given as bytes (`bytes[start, end)`, read from disk),
   * replayed without making it a string, when it is printable ASCII of at
   * most `BYTE_LINE_LIMIT` bytes (a final CR aside: `isByteLine`) and returns true. Any other line is
   * left alone (false): the caller decodes it and hands it to `line`, so
   * UTF-8 and stray bytes follow the one rule of whoever reads the file.
   * `prescan`: the line's record from the thread that read it (`prescan.ts`),
   * which spares the check and the tokenising it did.
   */
  lineBytes(bytes: Uint8Array, start: number, end: number, lineNumber: number, unterminated = false, prescan?: Prescan): boolean {
    if (prescan !== undefined) {
      const known = prescan.scans[prescan.at];
      if (known === PRESCAN_NOT_BYTES) return false;
      if (known === PRESCAN_EVENT) {
        // What `lineUnits` does with a line its scan reads as an event (a byte line is never long).
        this.countLine(lineNumber, unterminated);
        readPrescan(prescan, bytes, start, this.scanned);
        this.continuation = false;
        this.prescan = prescan;
        this.replayEvent(this.scanned, lineNumber);
        this.prescan = undefined;
        return true;
      }
    }
    if (!isByteLine(bytes, start, end)) return false;
    this.lineUnits(bytes, start, end, lineNumber, unterminated, null);
    return true;
  }

  /** One line as code units; `raw` is its string when there is one (else it is made when needed). */
  /** Every line, whichever way it comes in, is counted and remembered as the last one (for truncation). */
  private countLine(lineNumber: number, unterminated: boolean): void {
    this.lines++;
    this.lastLineNumber = lineNumber;
    this.lastUnterminated = unterminated;
  }

  private lineUnits(units: CodeUnits, start: number, end: number, lineNumber: number, unterminated: boolean, raw: string | null): void {
    this.countLine(lineNumber, unterminated);
    if (end - start > LONG_LINE && !this.longReported) {
      this.longReported = true;
      this.report(traceUnparsableLine.report({ line: lineNumber }, 'long', { length: end - start }));
    }
    const scanned = this.scanned;
    let kind = scanTraceLine(units, start, end, scanned);
    // A few stray bytes (NUL, not UTF-8) do not make an event line binary data:
    // read it without them (an event's payload is cleaned in replayEvent).
    // A byte line is printable ASCII: it has none.
    if (kind !== 'event' && raw !== null && hasStrayBytes(raw)) {
      const clean = withoutStrayBytes(raw);
      if (clean) {
        if (scanTraceLine(ownUnits(clean.text), 0, clean.text.length, scanned) === 'event') {
          this.noteStray(lineNumber, clean.removed);
          kind = 'event';
        } else {
          scanTraceLine(units, start, end, scanned);
        }
      }
    }
    switch (kind) {
      case 'event':
        this.continuation = false;
        this.replayEvent(scanned, lineNumber);
        return;
      case 'blank':
        return;
      case 'header':
        if (scanned.count > 0) this.noteLoss(lineNumber, 'overwritten', scanned.count, -1, false);
        return;
      case 'lost':
        this.noteLoss(lineNumber, 'lost', scanned.count, scanned.markerCpu, true);
        return;
      case 'buffer-started':
        this.noteLoss(lineNumber, 'bufferStarted', 0, scanned.markerCpu, false);
        return;
      case 'damaged':
        this.report(
          traceUnparsableLine.report({ line: lineNumber }, 'datDamaged', {
            detail: scanned.detail,
            offset: `0x${scanned.count.toString(16)}`,
          }),
        );
        return;
      default:
        this.otherLine(raw ?? unitsText(units, start, end), lineNumber);
    }
  }

  private noteLoss(line: number, messageId: 'lost' | 'overwritten' | 'bufferStarted', count: number, cpu: number, midTrace: boolean): void {
    this.lostEvents += count;
    if (messageId === 'lost') this.lostMarkers++;
    if (midTrace && this.events > 0) this.confident = false;
    if (!this.loss) this.loss = { line, messageId, cpu };
  }

  private otherLine(raw: string, lineNumber: number): void {
    if (this.continuation && raw.charCodeAt(0) === 123 /* { */) return;
    if (this.events === 0 && raw.length < 4096 && PREAMBLE.test(raw)) return;
    this.unparsable++;
    if (this.quiet) return;
    const binary = BINARY.test(raw.length > 4096 ? raw.slice(0, 4096) : raw);
    if ((binary && this.binaryReported) || this.unparsable > REPORTED_UNPARSABLE) {
      if (this.moreLine === 0) this.moreLine = lineNumber;
      this.unreported++;
      return;
    }
    if (binary) this.binaryReported = true;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    this.lastProblem = { line: lineNumber, kind: 'other', index: this.findings.length };
    this.report(
      traceUnparsableLine.report({ line: lineNumber, column: 1, endColumn: Math.min(text.length, 4096) + 1 }, binary ? 'binary' : 'line', {
        text: quote(text),
      }),
    );
  }

  private noteStray(lineNumber: number, bytes: number): void {
    if (this.stray.lines++ === 0) this.stray.first = lineNumber;
    this.stray.bytes += bytes;
  }

  private replayEvent(scanned: ScannedLine, lineNumber: number): void {
    this.events++;
    const event = this.eventLine;
    event.fill(scanned);
    let units = scanned.units;
    let payloadStart = scanned.payloadStart;
    let payloadEnd = scanned.end;
    // A field with a stray byte in it decodes to a wrong value (a hex number
    // cut short, a VM that never frees), so every payload is checked, not
    // only those that fail to decode. Byte lines are printable ASCII and have none.
    if (!(units instanceof Uint8Array)) {
      const payload = unitsText(units, payloadStart, payloadEnd);
      const clean = hasStrayBytes(payload) ? withoutStrayBytes(payload) : undefined;
      if (clean) {
        this.noteStray(lineNumber, clean.removed);
        event.cleanPayload(clean.text);
        units = ownUnits(clean.text);
        payloadStart = 0;
        payloadEnd = clean.text.length;
      }
    }
    const prescan = this.prescan;
    // The reader thread's record names the event (the same table lookup, done there).
    const spec = prescan !== undefined ? prescannedSpec(prescan) : specOfUnits(scanned.units, scanned.nameStart, scanned.nameEnd);
    const decoded = !spec
      ? null
      : ((prescan && acceptPrescanned(this.decoder, spec, prescan, scanned.units as Uint8Array, scanned.start)) ??
        this.decoder.decodeLine(spec, units, payloadStart, payloadEnd));
    if (!decoded) {
      const name = spec ? spec.name : unitsText(scanned.units, scanned.nameStart, scanned.nameEnd);
      const summaries = spec ? this.changed : this.unknown;
      const summary = summaries.get(name);
      if (summary) summary.count++;
      else
        summaries.set(detach(name), {
          count: 1,
          line: lineNumber,
          column: event.payloadColumn + 1,
          payload: detach(quote(event.payload)),
        });
      if (spec) this.lastProblem = { line: lineNumber, kind: 'changed', event: spec.name };
      this.onEvent?.({ line: lineNumber, event, decoded: undefined, touched: [] });
      this.touches?.eventDone(lineNumber);
      return;
    }
    this.recognized++;
    this.state.beginEvent();
    this.state.currentTs = scanned.ts;
    this.continuation = decoded.spec.multiLine;
    const ctx = this.context;
    ctx.state = this.state;
    ctx.line = lineNumber;
    ctx.event = event;
    ctx.decoded = decoded;
    ctx.confident = this.confident;
    if (this.onEvent) ctx.touched = [];
    switch (decoded.spec.driver) {
      case 'xe':
        replayXe(ctx);
        break;
      case 'amdgpu':
        replayAmdgpu(ctx);
        break;
      case 'i915':
        replayI915(ctx);
        break;
      default:
        break;
    }
    if (this.state.warnings.length > 0) this.state.warnings.length = 0;
    if (this.onEvent || this.touches) addFieldRefs(decoded, ctx);
    if (this.onEvent) this.onEvent({ line: lineNumber, event, decoded, touched: ctx.touched ?? [] });
    this.touches?.eventDone(lineNumber);
  }

  /** Summaries, truncation and the no-event case; returns all findings. */
  finish(): Finding[] {
    if (this.quiet) return this.findings;
    const last = this.lastProblem;
    // Only a last line the input ended inside is cut off; one followed by its line break is complete.
    if (last && last.line === this.lastLineNumber && this.lastUnterminated) {
      if (last.kind === 'changed') {
        const summary = this.changed.get(last.event);
        if (summary) {
          summary.count--;
          if (summary.count === 0) this.changed.delete(last.event);
        }
        this.findings.push(traceUnparsableLine.report({ line: last.line }, 'truncated', { text: `${last.event}: …` }));
      } else {
        const old = this.findings[last.index];
        if (old)
          this.findings[last.index] = traceUnparsableLine.report({ line: last.line }, 'truncated', {
            text: old.message.replace(/^[^"]*"|"$/g, ''),
          });
      }
    }
    if (this.stray.lines > 0) {
      this.findings.push(strayBytes.report({ line: this.stray.first }, 'skipped', { lines: this.stray.lines, bytes: this.stray.bytes }));
    }
    if (this.moreLine !== 0) {
      this.findings.push(traceUnparsableLine.report({ line: this.moreLine }, 'more', { count: this.unreported }));
    }
    if (this.loss) {
      const { line, messageId, cpu } = this.loss;
      this.findings.push(traceLostEvents.report({ line }, messageId, { count: this.lostEvents, markers: this.lostMarkers, cpu }));
    }
    for (const [event, summary] of this.unknown) {
      this.findings.push(traceUnknownEvent.report({ line: summary.line, column: 1 }, 'unknown', { event, count: summary.count }));
    }
    for (const [event, summary] of this.changed) {
      const layouts = this.layoutsOf(event);
      this.findings.push(
        traceFormatChanged.report({ line: summary.line, column: summary.column }, 'changed', {
          event,
          count: summary.count,
          layouts,
          payload: summary.payload,
        }),
      );
    }
    if (this.events === 0) {
      this.findings.push(traceUnparsableLine.report({ line: 1 }, 'noEvents', { lines: this.lines }));
    }
    return this.findings;
  }

  private layoutsOf(event: string): string {
    const result = this.decoder.decode(event, '\u0000');
    if (result.status !== 'changed') return '';
    return result.spec.layouts.map((layout) => layout.id).join(', ');
  }

  stats(): DocumentStats {
    return {
      lines: this.lines,
      events: this.events,
      recognized: this.recognized,
      unknownEvents: Object.fromEntries([...this.unknown].map(([name, summary]) => [name, summary.count])),
      vms: this.state.vmsSeen,
      mappings: this.state.mappingsBound,
      liveVms: this.state.vms.size,
      liveMappings: this.state.liveMappings,
      lostEvents: this.lostEvents,
      formatChanged: Object.fromEntries([...this.changed].map(([name, summary]) => [name, summary.count])),
    };
  }

  snapshot(): StateSnapshot {
    return this.state.snapshot();
  }
}

/** The `ReplayContext` of the event being replayed; refilled per event. */
class EventContext implements ReplayContext {
  line = 0;
  event!: ReplayedLine;
  decoded!: DecodedEvent;
  confident = true;
  /** Collected object keys for `onEvent`; null in `check`. */
  touched: string[] | null = null;

  constructor(
    public state: TraceState,
    private readonly sink: (finding: Finding) => void,
    private readonly touches: TouchSink | null,
  ) {}

  get span(): { line: number; column: number; endColumn: number } {
    const column = this.event.payloadColumn + 1;
    return { line: this.line, column, endColumn: column + this.event.payloadLength };
  }

  report(finding: Finding): void {
    this.sink(finding);
  }

  touch(kind: string, driver: string, id: string, sub?: string): void {
    this.touches?.touch(this.line, kind, driver, id, sub);
    const touched = this.touched;
    if (touched === null) return;
    const key = objectKey(kind, driver, id, sub);
    if (!touched.includes(key)) touched.push(key);
  }

  /** A fence by its context and seqno, `fence:<context>:<seqno>` (listed even when repeated). */
  touchFence(context: string, seqno: string): void {
    this.touches?.touch(this.line, 'fence', context, seqno, undefined);
    this.touched?.push(objectKey('fence', context, seqno));
  }
}

const ZERO = 0x30;
const LOWER_X = 0x78;
const UPPER_A = 0x41;
const UPPER_Z = 0x5a;

/**
 * A pointer or id field as its object key names it: without a leading `0x`,
 * in lower case, padded to `width` digits; undefined for a null one (all
 * zeros, `(nil)`). One scan of the value, no regular expression: it runs for
 * every reference field of every event, and the usual value (`0x` and
 * sixteen lower-case digits) comes back as a slice, not a copy.
 */
function fieldIdentity(value: string, width: number): string | undefined {
  const start = value.charCodeAt(0) === ZERO && value.charCodeAt(1) === LOWER_X ? 2 : 0;
  let zeros = start < value.length;
  let lower = true;
  for (let i = start; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit !== ZERO) zeros = false;
    if ((unit >= UPPER_A && unit <= UPPER_Z) || unit > 0x7f) lower = false;
  }
  if (zeros || value === '(nil)') return undefined;
  let identity = start === 0 ? value : value.slice(start);
  if (!lower) identity = identity.toLowerCase();
  return identity.length < width ? identity.padStart(width, '0') : identity;
}

/** Object references named by the event's own fields (fences, BOs, contexts). */
function addFieldRefs(decoded: DecodedEvent, ctx: EventContext): void {
  const refs = decoded.spec.refs;
  const driver = decoded.spec.driver;
  for (const name in refs) {
    const kind = refs[name] as string;
    if (kind === 'vm' || kind === 'vma') continue;
    const position = decoded.layout.index[name];
    if (position === undefined) continue;
    const value = decoded.values[position];
    if (value === undefined) continue;
    const identity = fieldIdentity(value, kind === 'pasid' ? 0 : 16);
    if (identity !== undefined) ctx.touch(kind, driver, identity);
  }
  const context = decoded.layout.index['context'];
  const seqno = decoded.layout.index['seqno'];
  if (context !== undefined && seqno !== undefined) {
    ctx.touchFence(String(decoded.values[context]), String(decoded.values[seqno]));
  }
}

/**
 * The event line being replayed, as `TraceEventLine`: numbers copied from
 * the scan, strings (task, event name, payload) made only when asked for.
 * One per replayer, refilled per event: valid while its line is handled.
 */
class ReplayedLine implements TraceEventLine {
  readonly kind = 'event' as const;
  private scanned: ScannedLine = new ScannedLine();
  pid = 0;
  tgid = -1;
  cpu = 0;
  ts = 0;
  payloadColumn = 0;
  payloadLength = 0;
  private commText: string | null = null;
  private payloadText: string | null = null;

  fill(scanned: ScannedLine): void {
    this.scanned = scanned;
    this.pid = scanned.pid;
    this.tgid = scanned.tgid;
    this.cpu = scanned.cpu;
    this.ts = scanned.ts;
    this.payloadColumn = scanned.payloadStart - scanned.start;
    this.payloadLength = scanned.end - scanned.payloadStart;
    this.commText = null;
    this.payloadText = null;
  }

  /** The payload without its stray bytes. */
  cleanPayload(text: string): void {
    this.payloadText = text;
    this.payloadLength = text.length;
  }

  get comm(): string {
    if (this.commText === null) this.commText = this.scanned.comm;
    return this.commText;
  }

  get event(): string {
    const scanned = this.scanned;
    return (
      specOfUnits(scanned.units, scanned.nameStart, scanned.nameEnd)?.name ?? unitsText(scanned.units, scanned.nameStart, scanned.nameEnd)
    );
  }

  get payload(): string {
    if (this.payloadText === null) this.payloadText = unitsText(this.scanned.units, this.scanned.payloadStart, this.scanned.end);
    return this.payloadText;
  }
}
