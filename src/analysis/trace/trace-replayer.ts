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
 * counters; nothing per line is kept unless `onEvent` keeps it.
 */

import { detach } from '../../base/detach-string';
import { hasStrayBytes, withoutStrayBytes } from '../../base/stray-bytes';
import { strayBytes } from '../../rules/input-rules';
import { EventDecoder, type DecodedEvent } from '../../parse/trace/decode-event';
import { parseTraceLine, type TraceEventLine } from '../../parse/trace/trace-line';
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

export interface TraceReplayOptions {
  /** Replay only: no findings (checkpoint restores for queries). */
  readonly quiet?: boolean;
  /** Called after every event line is replayed. */
  readonly onEvent?: (info: ReplayEventInfo) => void;
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
  private readonly quiet: boolean;
  private readonly onEvent: ((info: ReplayEventInfo) => void) | undefined;

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
  /** One context, refilled for every event: no allocation per line. */
  private readonly context: EventContext;

  constructor(options: TraceReplayOptions = {}, state?: StateSnapshot) {
    this.quiet = options.quiet ?? false;
    this.onEvent = options.onEvent;
    this.state = state ? TraceState.restore(state) : new TraceState();
    this.context = new EventContext(this.state, (finding) => this.report(finding));
  }

  private report(finding: Finding): void {
    if (!this.quiet) this.findings.push(finding);
  }

  /**
   * One line (1-based number, without its line break); `unterminated` when
   * no line break follows it, i.e. the input ended inside it.
   */
  line(raw: string, lineNumber: number, unterminated = false): void {
    this.lines++;
    this.lastLineNumber = lineNumber;
    this.lastUnterminated = unterminated;
    if (raw.length > LONG_LINE && !this.longReported) {
      this.longReported = true;
      this.report(traceUnparsableLine.report({ line: lineNumber }, 'long', { length: raw.length }));
    }
    let parsed = parseTraceLine(raw);
    // A few stray bytes (NUL, not UTF-8) do not make an event line binary data:
    // read it without them (an event's payload is cleaned in replayEvent).
    if (parsed.kind !== 'event' && hasStrayBytes(raw)) {
      const clean = withoutStrayBytes(raw);
      const reparsed = clean && parseTraceLine(clean.text);
      if (clean && reparsed && reparsed.kind === 'event') {
        this.noteStray(lineNumber, clean.removed);
        parsed = reparsed;
      }
    }
    switch (parsed.kind) {
      case 'event':
        this.continuation = false;
        this.replayEvent(parsed, lineNumber);
        return;
      case 'blank':
        return;
      case 'header':
        if (parsed.count) this.noteLoss(lineNumber, 'overwritten', parsed.count, -1, false);
        return;
      case 'lost':
        this.noteLoss(lineNumber, 'lost', parsed.count ?? 0, parsed.cpu ?? -1, true);
        return;
      case 'buffer-started':
        this.noteLoss(lineNumber, 'bufferStarted', 0, parsed.cpu ?? -1, false);
        return;
      case 'damaged':
        this.report(
          traceUnparsableLine.report({ line: lineNumber }, 'datDamaged', {
            detail: parsed.detail ?? '',
            offset: `0x${(parsed.offset ?? 0).toString(16)}`,
          }),
        );
        return;
      default:
        this.otherLine(raw, lineNumber);
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

  /** The event with its payload's stray bytes removed (and noted), or itself when there are none or too many. */
  private withoutStray(event: TraceEventLine, lineNumber: number): TraceEventLine {
    const clean = withoutStrayBytes(event.payload);
    if (!clean) return event;
    this.noteStray(lineNumber, clean.removed);
    // Not a spread: the task name is a lazy getter, which a spread would drop.
    const { kind, comm, pid, tgid, cpu, ts, event: name, payloadColumn } = event;
    return { kind, comm, pid, tgid, cpu, ts, event: name, payload: clean.text, payloadColumn };
  }

  private noteStray(lineNumber: number, bytes: number): void {
    if (this.stray.lines++ === 0) this.stray.first = lineNumber;
    this.stray.bytes += bytes;
  }

  private replayEvent(event: TraceEventLine, lineNumber: number): void {
    this.events++;
    // A field with a stray byte in it decodes to a wrong value (a hex number
    // cut short, a VM that never frees), so every payload is checked, not
    // only those that fail to decode: a few percent of the time per line.
    if (hasStrayBytes(event.payload)) event = this.withoutStray(event, lineNumber);
    const result = this.decoder.decode(event.event, event.payload);
    if (result.status !== 'decoded') {
      const summaries = result.status === 'unknown' ? this.unknown : this.changed;
      const summary = summaries.get(event.event);
      if (summary) summary.count++;
      else
        summaries.set(detach(event.event), {
          count: 1,
          line: lineNumber,
          column: event.payloadColumn + 1,
          payload: detach(quote(event.payload)),
        });
      if (result.status === 'changed') this.lastProblem = { line: lineNumber, kind: 'changed', event: result.spec.name };
      this.onEvent?.({ line: lineNumber, event, decoded: undefined, touched: [] });
      return;
    }
    this.recognized++;
    this.state.currentTs = event.ts;
    const decoded = result.event;
    this.continuation = decoded.spec.multiLine;
    const ctx = this.context;
    ctx.state = this.state;
    ctx.line = lineNumber;
    ctx.event = event;
    ctx.decoded = decoded;
    ctx.confident = this.confident;
    const indexing = this.onEvent !== undefined;
    if (indexing) ctx.touched = [];
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
    if (this.onEvent) {
      const touched = ctx.touched ?? [];
      addFieldRefs(decoded, touched);
      this.onEvent({ line: lineNumber, event, decoded, touched });
    }
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
  event!: TraceEventLine;
  decoded!: DecodedEvent;
  confident = true;
  /** Collected object keys when indexing; null in `check`. */
  touched: string[] | null = null;

  constructor(
    public state: TraceState,
    private readonly sink: (finding: Finding) => void,
  ) {}

  get span(): { line: number; column: number; endColumn: number } {
    const column = this.event.payloadColumn + 1;
    return { line: this.line, column, endColumn: column + this.event.payload.length };
  }

  report(finding: Finding): void {
    this.sink(finding);
  }

  touch(kind: string, driver: string, id: string, sub?: string): void {
    const touched = this.touched;
    if (touched === null) return;
    const key = objectKey(kind, driver, id, sub);
    if (!touched.includes(key)) touched.push(key);
  }
}

/** Object references named by the event's own fields (fences, BOs, contexts). */
function addFieldRefs(decoded: DecodedEvent, touched: string[]): void {
  const refs = decoded.spec.refs;
  const driver = decoded.spec.driver;
  for (const name in refs) {
    const kind = refs[name];
    if (kind === 'vm' || kind === 'vma') continue;
    const position = decoded.layout.index[name];
    if (position === undefined) continue;
    const value = decoded.values[position];
    if (value === undefined || /^(?:0x)?0+$|^\(nil\)$/.test(value)) continue;
    const key = `${kind}:${driver}:${value
      .replace(/^0x/, '')
      .toLowerCase()
      .padStart(kind === 'pasid' ? 0 : 16, '0')}`;
    if (!touched.includes(key)) touched.push(key);
  }
  const context = decoded.layout.index['context'];
  const seqno = decoded.layout.index['seqno'];
  if (context !== undefined && seqno !== undefined) {
    touched.push(`fence:${decoded.values[context]}:${decoded.values[seqno]}`);
  }
}
