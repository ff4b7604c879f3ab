/**
 * Tokenises one line of ftrace text output: `trace` and `trace_pipe` (with or
 * without the TGID column, 4- or 5-character flags, 5- or 7-wide PIDs,
 * nanosecond or counter clocks), the latency format, and `trace-cmd report`
 * (padded event names, no flags, optional `-l` flags glued to the CPU).
 *
 * Hot path: called once per line of multi-gigabyte traces, so the common
 * layouts are recognised by a hand scan (one `indexOf('[')`, then a walk over
 * a few dozen characters); only lines without a `[cpu]` column fall back to a
 * regular expression, and that one is bounded and anchored.
 *
 * Never throws. A line is classified, never rejected: whatever is not an
 * event, a header or a marker comes back as `other`, and the caller decides
 * whether it is a preamble, a continuation of the previous event or garbage.
 */

export type TraceLine = TraceEventLine | TraceMarkerLine;

export interface TraceEventLine {
  readonly kind: 'event';
  /** Task name as printed (may contain spaces, `-`, `/`, `:`, `<`, `>`). */
  readonly comm: string;
  readonly pid: number;
  /** TGID column value; -1 when absent or printed as `(-------)`. */
  readonly tgid: number;
  readonly cpu: number;
  /** Seconds (microseconds / 1e6 in the latency format; raw count for counter clocks). */
  readonly ts: number;
  /** Event name without system prefix (`xe_vma_bind`). */
  readonly event: string;
  /** Text after `event: ` with trace-cmd's alignment padding removed. */
  readonly payload: string;
  /** 0-based column of the payload in the line (for finding spans). */
  readonly payloadColumn: number;
}

export interface TraceMarkerLine {
  readonly kind: 'blank' | 'header' | 'lost' | 'buffer-started' | 'damaged' | 'other';
  /** `lost`: events dropped; `header` with entries-in-buffer: entries lost to overwrite. */
  readonly count?: number;
  readonly cpu?: number;
  /** `damaged`: what a binary capture's reader could not read there, and the byte offset in the file. */
  readonly detail?: string;
  readonly offset?: number;
}

/** An event line; the task name is sliced only when asked for (most lines never need it). */
class EventLine implements TraceEventLine {
  readonly kind = 'event' as const;
  private commText: string | null = null;

  constructor(
    private readonly text: string,
    private readonly commStart: number,
    private readonly commEnd: number,
    readonly pid: number,
    readonly tgid: number,
    readonly cpu: number,
    readonly ts: number,
    readonly event: string,
    readonly payload: string,
    readonly payloadColumn: number,
  ) {}

  get comm(): string {
    if (this.commText === null) this.commText = this.text.slice(this.commStart, this.commEnd);
    return this.commText;
  }
}

const BLANK: TraceMarkerLine = { kind: 'blank' };
const HEADER: TraceMarkerLine = { kind: 'header' };
const OTHER: TraceMarkerLine = { kind: 'other' };

const CODE_0 = 48;
const CODE_9 = 57;
const SPACE = 32;
const TAB = 9;

function isDigit(code: number): boolean {
  return code >= CODE_0 && code <= CODE_9;
}

// ftrace's `trace` file says `[LOST n EVENTS]`; trace-cmd report says `[n EVENTS DROPPED]` (no count when unknown).
const LOST = /^CPU:(\d+) \[(?:LOST (?:(\d+) )?EVENTS|(?:(\d+) )?EVENTS DROPPED)\]/;
const BUFFER_STARTED = /^##### CPU (\d+) buffer started ####/;
const ENTRIES = /^# entries-in-buffer\/entries-written: (\d+)\/(\d+)/;
/** What the `trace.dat` reader writes where it could not read the file (src/parse/trace-dat/index.ts). */
const DAMAGED = /^# trace\.dat: (.*) \(file offset (\d+)\)$/;
/** Latency format / `trace-cmd report -l`: no brackets around the CPU. */
const LATENCY = /^\s*(.{0,40}?)-(\d+)\s+(\d{1,4})([^\s\d][^\s]{2,5})\s+(?:(\d+)us[ +!#*@$]|(\d+(?:\.\d+)?)):? ?: ([\w.:-]+?):\s*/;

/** Classifies and tokenises one line (a trailing CR is ignored). */
export function parseTraceLine(raw: string): TraceLine {
  const text = raw.length > 0 && raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
  if (text.length === 0) return BLANK;
  const first = text.charCodeAt(0);
  if (first === 35 /* # */) {
    const started = text.startsWith('#####') ? BUFFER_STARTED.exec(text) : null;
    if (started) return { kind: 'buffer-started', cpu: Number(started[1]) };
    const entries = text.startsWith('# entries') ? ENTRIES.exec(text) : null;
    if (entries) {
      const lostToOverwrite = Number(entries[2]) - Number(entries[1]);
      return { kind: 'header', count: lostToOverwrite > 0 ? lostToOverwrite : 0 };
    }
    const damaged = text.startsWith('# trace.dat: ') ? DAMAGED.exec(text) : null;
    if (damaged) return { kind: 'damaged', detail: damaged[1] as string, offset: Number(damaged[2]) };
    return HEADER;
  }
  if (first === 67 /* C */ && text.startsWith('CPU:')) {
    const lost = LOST.exec(text);
    if (lost) return { kind: 'lost', cpu: Number(lost[1]), count: Number(lost[2] ?? lost[3] ?? 0) };
  }
  const event = scanBracketed(text);
  if (event) return event;
  if (text.length < 4096 && text.trim().length === 0) return BLANK;
  return text.length < 4096 ? scanLatency(text) : OTHER;
}

/** The common layouts: `comm-pid [(tgid)] [cpu] [flags] ts: event: payload`. */
function scanBracketed(text: string): TraceEventLine | null {
  // The CPU column is the first `[digits]` followed by a space; task names
  // are at most 16 characters plus PID and TGID columns, so look near the start.
  let open = text.indexOf('[');
  while (open !== -1 && open < 80) {
    let i = open + 1;
    let cpu = 0;
    while (i < text.length && isDigit(text.charCodeAt(i))) cpu = cpu * 10 + text.charCodeAt(i++) - CODE_0;
    if (i > open + 1 && text.charCodeAt(i) === 93 /* ] */ && text.charCodeAt(i + 1) === SPACE) {
      return scanAfterCpu(text, open, i + 1, cpu);
    }
    open = text.indexOf('[', open + 1);
  }
  return null;
}

function scanAfterCpu(text: string, open: number, close: number, cpu: number): TraceEventLine | null {
  // Before the bracket: "comm-pid" and an optional "(tgid)".
  let end = open;
  while (end > 0 && text.charCodeAt(end - 1) === SPACE) end--;
  let tgid = -1;
  if (end > 0 && text.charCodeAt(end - 1) === 41 /* ) */) {
    const paren = text.lastIndexOf('(', end - 1);
    if (paren === -1) return null;
    const inner = text.slice(paren + 1, end - 1).trim();
    tgid = /^\d+$/.test(inner) ? Number(inner) : -1;
    end = paren;
    while (end > 0 && text.charCodeAt(end - 1) === SPACE) end--;
  }
  let digitsStart = end;
  while (digitsStart > 0 && isDigit(text.charCodeAt(digitsStart - 1))) digitsStart--;
  if (digitsStart === end || digitsStart === 0 || text.charCodeAt(digitsStart - 1) !== 45 /* - */) return null;
  let pid = 0;
  for (let k = digitsStart; k < end; k++) pid = pid * 10 + text.charCodeAt(k) - CODE_0;
  let commStart = 0;
  while (commStart < digitsStart - 1 && text.charCodeAt(commStart) === SPACE) commStart++;

  // After the bracket: optional flags, then the timestamp and ':'.
  let i = close + 1;
  while (text.charCodeAt(i) === SPACE) i++;
  let tokenEnd = i;
  while (tokenEnd < text.length && text.charCodeAt(tokenEnd) !== SPACE) tokenEnd++;
  let ts = parseTimestamp(text, i, tokenEnd);
  if (Number.isNaN(ts)) {
    // Not a timestamp: a flags column (4 or 5 characters; trace-cmd may differ).
    const width = tokenEnd - i;
    if (width < 3 || width > 6) return null;
    i = tokenEnd;
    while (text.charCodeAt(i) === SPACE) i++;
    tokenEnd = i;
    while (tokenEnd < text.length && text.charCodeAt(tokenEnd) !== SPACE) tokenEnd++;
    ts = parseTimestamp(text, i, tokenEnd);
    if (Number.isNaN(ts)) return null;
  }
  // tokenEnd is just past "ts:"; the event name follows one space.
  let nameStart = tokenEnd;
  while (text.charCodeAt(nameStart) === SPACE) nameStart++;
  const colon = text.indexOf(':', nameStart);
  if (colon <= nameStart) return null;
  for (let k = nameStart; k < colon; k++) {
    const code = text.charCodeAt(k);
    if (code === SPACE || code === TAB) return null;
  }
  const event = text.slice(nameStart, colon);
  let payloadStart = colon + 1;
  while (text.charCodeAt(payloadStart) === SPACE) payloadStart++;
  return new EventLine(text, commStart, digitsStart - 1, pid, tgid, cpu, ts, event, text.slice(payloadStart), payloadStart);
}

/**
 * Parses `secs.frac:` (or a counter value `1234:`) between `start` and `end`,
 * where `end` is past the trailing colon. NaN when it is not one.
 */
function parseTimestamp(text: string, start: number, end: number): number {
  if (end - start < 2 || text.charCodeAt(end - 1) !== 58 /* : */) return NaN;
  let whole = 0;
  let i = start;
  const stop = end - 1;
  if (!isDigit(text.charCodeAt(i))) return NaN;
  while (i < stop && isDigit(text.charCodeAt(i))) whole = whole * 10 + text.charCodeAt(i++) - CODE_0;
  if (i === stop) return whole;
  if (text.charCodeAt(i) !== 46 /* . */) return NaN;
  i++;
  let frac = 0;
  let scale = 1;
  while (i < stop && isDigit(text.charCodeAt(i))) {
    frac = frac * 10 + text.charCodeAt(i++) - CODE_0;
    scale *= 10;
  }
  if (i !== stop || scale === 1) return NaN;
  return whole + frac / scale;
}

function scanLatency(text: string): TraceLine {
  const match = LATENCY.exec(text);
  if (!match) return OTHER;
  const micros = match[5];
  const seconds = match[6];
  const ts = micros !== undefined ? Number(micros) / 1e6 : Number(seconds);
  const payloadColumn = match[0].length;
  return {
    kind: 'event',
    comm: (match[1] ?? '').trim(),
    pid: Number(match[2]),
    tgid: -1,
    cpu: Number(match[3]),
    ts,
    event: match[7] ?? '',
    payload: text.slice(payloadColumn),
    payloadColumn,
  };
}
