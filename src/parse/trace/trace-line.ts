/**
 * Tokenises one line of ftrace text output: `trace` and `trace_pipe` (with or
 * without the TGID column, 4- or 5-character flags, 5- or 7-wide PIDs,
 * nanosecond or counter clocks), the latency format, and `trace-cmd report`
 * (padded event names, no flags, optional `-l` flags glued to the CPU).
 *
 * Hot path: called once per line of multi-gigabyte traces, so it reads the
 * line's code units (`code-units.ts`: the bytes as read from disk for a
 * printable ASCII line) and makes no string: `scanTraceLine` fills a reused
 * `ScannedLine` with offsets and numbers. The common layouts are recognised
 * by a hand scan (find the `[cpu]` column, then walk a few dozen units); the
 * latency format too, when the line is printable ASCII and the scan follows
 * the first choice of the regular expression that defines it; anything else
 * falls back to that expression, which is bounded and anchored.
 * `parseTraceLine(text)` is the same scan for a string, with the fields as
 * strings.
 *
 * Never throws. A line is classified, never rejected: whatever is not an
 * event, a header or a marker comes back as `other`, and the caller decides
 * whether it is a preamble, a continuation of the previous event or garbage.
 */

import { unitsOf, unitsText, type CodeUnits } from './code-units';

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

export type LineKind = 'event' | 'blank' | 'header' | 'lost' | 'buffer-started' | 'damaged' | 'other';

export interface TraceMarkerLine {
  readonly kind: Exclude<LineKind, 'event'>;
  /** `lost`: events dropped; `header` with entries-in-buffer: entries lost to overwrite. */
  readonly count?: number;
  readonly cpu?: number;
  /** `damaged`: what a binary capture's reader could not read there, and the byte offset in the file. */
  readonly detail?: string;
  readonly offset?: number;
}

/**
 * One line as `scanTraceLine` read it: offsets into its units (absolute, like
 * `start`/`end`) and the numbers of the prefix. Reused line after line.
 */
export class ScannedLine {
  kind: LineKind = 'other';
  units: CodeUnits = new Uint8Array(0);
  /** The line's first unit. */
  start = 0;
  /** Past the line's last unit, a final CR excluded. */
  end = 0;
  commStart = 0;
  commEnd = 0;
  /** The task name, when the latency expression read it (else it is `units[commStart, commEnd)`). */
  commText: string | null = null;
  pid = 0;
  tgid = -1;
  cpu = 0;
  ts = 0;
  nameStart = 0;
  nameEnd = 0;
  payloadStart = 0;
  /** Markers: `count` and `cpu` as in `TraceMarkerLine` (-1 when not printed). */
  count = -1;
  markerCpu = -1;
  /** `damaged`: what the binary capture's reader could not read (`count` holds the byte offset). */
  detail = '';

  get comm(): string {
    return this.commText ?? unitsText(this.units, this.commStart, this.commEnd);
  }

  /** The line as a string, without a final CR. */
  text(): string {
    return unitsText(this.units, this.start, this.end);
  }
}

const CODE_0 = 48;
const CODE_9 = 57;
const SPACE = 32;
const TAB = 9;
/** The longest run of digits summed digit by digit (exact below 2^53); longer ones go through `Number`. */
const EXACT_DIGITS = 15;

function isDigit(code: number): boolean {
  return code >= CODE_0 && code <= CODE_9;
}

/** The characters `String.prototype.trim` removes. */
function isTrimmed(code: number): boolean {
  return (
    code === SPACE ||
    (code >= 9 && code <= 13) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

// ftrace's `trace` file says `[LOST n EVENTS]`; trace-cmd report says `[n EVENTS DROPPED]` (no count when unknown).
const LOST = /^CPU:(\d+) \[(?:LOST (?:(\d+) )?EVENTS|(?:(\d+) )?EVENTS DROPPED)\]/;
/** What the `trace.dat` reader writes where it could not read the file (src/parse/trace-dat/index.ts). */
const DAMAGED = /^# trace\.dat: (.*) \(file offset (\d+)\)$/;
const BUFFER_STARTED = /^##### CPU (\d+) buffer started ####/;
const ENTRIES = /^# entries-in-buffer\/entries-written: (\d+)\/(\d+)/;
/** Latency format / `trace-cmd report -l`: no brackets around the CPU. */
const LATENCY = /^\s*(.{0,40}?)-(\d+)\s+(\d{1,4})([^\s\d][^\s]{2,5})\s+(?:(\d+)us[ +!#*@$]|(\d+(?:\.\d+)?)):? ?: ([\w.:-]+?):\s*/;
/** Lines longer than this are never white space only nor in the latency format (bounds the expressions). */
const SHORT_LINE = 4096;

/** Classifies and tokenises `units[start, end)` (a final CR is ignored) into `out`; returns its kind. */
export function scanTraceLine(units: CodeUnits, start: number, end: number, out: ScannedLine): LineKind {
  if (end > start && units[end - 1] === 13) end--;
  out.units = units;
  out.start = start;
  out.end = end;
  out.commText = null;
  out.count = -1;
  out.markerCpu = -1;
  if (end === start) return (out.kind = 'blank');
  const first = units[start] as number;
  if (first === 35 /* # */ || (first === 67 /* C */ && units[start + 1] === 80 && units[start + 2] === 85 && units[start + 3] === 58)) {
    const marker = scanMarker(out.text(), out);
    if (marker !== null) return (out.kind = marker);
  }
  if (scanBracketed(units, start, end, out)) return (out.kind = 'event');
  const length = end - start;
  if (length < SHORT_LINE) {
    let blank = true;
    for (let i = start; i < end && blank; i++) blank = isTrimmed(units[i] as number);
    if (blank) return (out.kind = 'blank');
    const fast = units instanceof Uint8Array ? scanLatencyAscii(units, start, end, out) : null;
    if (fast !== null) return (out.kind = fast ? 'event' : 'other');
    return (out.kind = scanLatencyText(out.text(), out) ? 'event' : 'other');
  }
  return (out.kind = 'other');
}

/** Header and `CPU:` lines; null when the line is not a marker after all (a `CPU:` line may be an event). */
function scanMarker(text: string, out: ScannedLine): LineKind | null {
  if (text.charCodeAt(0) === 35) {
    const started = text.startsWith('#####') ? BUFFER_STARTED.exec(text) : null;
    if (started) {
      out.markerCpu = Number(started[1]);
      return 'buffer-started';
    }
    const entries = text.startsWith('# entries') ? ENTRIES.exec(text) : null;
    if (entries) {
      const lostToOverwrite = Number(entries[2]) - Number(entries[1]);
      out.count = lostToOverwrite > 0 ? lostToOverwrite : 0;
    }
    const damaged = text.startsWith('# trace.dat: ') ? DAMAGED.exec(text) : null;
    if (damaged) {
      out.detail = damaged[1] as string;
      out.count = Number(damaged[2]);
      return 'damaged';
    }
    return 'header';
  }
  const lost = LOST.exec(text);
  if (!lost) return null;
  out.markerCpu = Number(lost[1]);
  out.count = Number(lost[2] ?? lost[3] ?? 0);
  return 'lost';
}

/** The common layouts: `comm-pid [(tgid)] [cpu] [flags] ts: event: payload`. */
function scanBracketed(units: CodeUnits, start: number, end: number, out: ScannedLine): boolean {
  // The CPU column is the first `[digits]` followed by a space; task names
  // are at most 16 characters plus PID and TGID columns, so look near the start.
  const limit = Math.min(end, start + 80);
  for (let open = start; open < limit; open++) {
    if (units[open] !== 91 /* [ */) continue;
    let i = open + 1;
    let cpu = 0;
    while (i < end && isDigit(units[i] as number)) cpu = cpu * 10 + (units[i++] as number) - CODE_0;
    if (i > open + 1 && units[i] === 93 /* ] */ && i + 1 < end && units[i + 1] === SPACE) {
      return scanAfterCpu(units, start, end, open, i + 1, cpu, out);
    }
  }
  return false;
}

function scanAfterCpu(units: CodeUnits, start: number, end: number, open: number, close: number, cpu: number, out: ScannedLine): boolean {
  // Before the bracket: "comm-pid" and an optional "(tgid)".
  let before = open;
  while (before > start && units[before - 1] === SPACE) before--;
  let tgid = -1;
  if (before > start && units[before - 1] === 41 /* ) */) {
    let paren = before - 2;
    while (paren >= start && units[paren] !== 40 /* ( */) paren--;
    if (paren < start) return false;
    let innerStart = paren + 1;
    let innerEnd = before - 1;
    while (innerStart < innerEnd && isTrimmed(units[innerStart] as number)) innerStart++;
    while (innerEnd > innerStart && isTrimmed(units[innerEnd - 1] as number)) innerEnd--;
    let digits = innerEnd > innerStart;
    for (let k = innerStart; k < innerEnd && digits; k++) digits = isDigit(units[k] as number);
    tgid = digits ? digitsValue(units, innerStart, innerEnd) : -1;
    before = paren;
    while (before > start && units[before - 1] === SPACE) before--;
  }
  let digitsStart = before;
  while (digitsStart > start && isDigit(units[digitsStart - 1] as number)) digitsStart--;
  if (digitsStart === before || digitsStart === start || units[digitsStart - 1] !== 45 /* - */) return false;
  let pid = 0;
  for (let k = digitsStart; k < before; k++) pid = pid * 10 + (units[k] as number) - CODE_0;
  let commStart = start;
  while (commStart < digitsStart - 1 && units[commStart] === SPACE) commStart++;

  // After the bracket: optional flags, then the timestamp and ':'.
  let i = close + 1;
  while (i < end && units[i] === SPACE) i++;
  let tokenEnd = i;
  while (tokenEnd < end && units[tokenEnd] !== SPACE) tokenEnd++;
  let ts = parseTimestamp(units, i, tokenEnd);
  if (Number.isNaN(ts)) {
    // Not a timestamp: a flags column (4 or 5 characters; trace-cmd may differ).
    const width = tokenEnd - i;
    if (width < 3 || width > 6) return false;
    i = tokenEnd;
    while (i < end && units[i] === SPACE) i++;
    tokenEnd = i;
    while (tokenEnd < end && units[tokenEnd] !== SPACE) tokenEnd++;
    ts = parseTimestamp(units, i, tokenEnd);
    if (Number.isNaN(ts)) return false;
  }
  // tokenEnd is just past "ts:"; the event name follows one space.
  let nameStart = tokenEnd;
  while (nameStart < end && units[nameStart] === SPACE) nameStart++;
  let colon = nameStart;
  while (colon < end && units[colon] !== 58 /* : */) {
    const code = units[colon] as number;
    if (code === SPACE || code === TAB) return false;
    colon++;
  }
  if (colon >= end || colon === nameStart) return false;
  let payloadStart = colon + 1;
  while (payloadStart < end && units[payloadStart] === SPACE) payloadStart++;
  out.commStart = commStart;
  out.commEnd = digitsStart - 1;
  out.pid = pid;
  out.tgid = tgid;
  out.cpu = cpu;
  out.ts = ts;
  out.nameStart = nameStart;
  out.nameEnd = colon;
  out.payloadStart = payloadStart;
  return true;
}

/** The value of a run of ASCII digits, as `Number` reads it. */
function digitsValue(units: CodeUnits, start: number, end: number): number {
  if (end - start > EXACT_DIGITS) return Number(unitsText(units, start, end));
  let value = 0;
  for (let k = start; k < end; k++) value = value * 10 + (units[k] as number) - CODE_0;
  return value;
}

/**
 * Parses `secs.frac:` (or a counter value `1234:`) between `start` and `end`,
 * where `end` is past the trailing colon. NaN when it is not one.
 */
function parseTimestamp(units: CodeUnits, start: number, end: number): number {
  if (end - start < 2 || units[end - 1] !== 58 /* : */) return NaN;
  let whole = 0;
  let i = start;
  const stop = end - 1;
  if (!isDigit(units[i] as number)) return NaN;
  while (i < stop && isDigit(units[i] as number)) whole = whole * 10 + (units[i++] as number) - CODE_0;
  if (i === stop) return whole;
  if (units[i] !== 46 /* . */) return NaN;
  i++;
  let frac = 0;
  let scale = 1;
  while (i < stop && isDigit(units[i] as number)) {
    frac = frac * 10 + (units[i++] as number) - CODE_0;
    scale *= 10;
  }
  if (i !== stop || scale === 1) return NaN;
  return whole + frac / scale;
}

/** The latency format by its regular expression (`LATENCY`). */
function scanLatencyText(text: string, out: ScannedLine): boolean {
  const match = LATENCY.exec(text);
  if (!match) return false;
  const micros = match[5];
  const seconds = match[6];
  const event = match[7] ?? '';
  const payloadColumn = match[0].length;
  out.commText = (match[1] ?? '').trim();
  out.pid = Number(match[2]);
  out.tgid = -1;
  out.cpu = Number(match[3]);
  out.ts = micros !== undefined ? Number(micros) / 1e6 : Number(seconds);
  // The name ends at the colon that ends the match's name group.
  out.nameEnd = out.start + text.lastIndexOf(':', payloadColumn - 1);
  out.nameStart = out.nameEnd - event.length;
  out.payloadStart = out.start + payloadColumn;
  return true;
}

/** `[\w.:-]`. */
function isNameUnit(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || isDigit(code) || code === 95 || code === 46 || code === 58 || code === 45
  );
}

function runEnd(units: CodeUnits, i: number, end: number, test: (code: number) => boolean): number {
  while (i < end && test(units[i] as number)) i++;
  return i;
}

const isSpace = (code: number): boolean => code === SPACE;
const isNotSpace = (code: number): boolean => code !== SPACE;

/**
 * The latency format on a printable ASCII line (where `\s` is a space and `.`
 * any unit), following the expression's first choice at every step: the
 * first `-` within 40 units, greedy digit and flag runs, the `us` clock
 * before the seconds one, then the four ways of `:? ?: ` in the expression's
 * order. True or false when that decides the line as the expression would;
 * null when it would need to backtrack further (the caller runs the
 * expression then).
 */
function scanLatencyAscii(units: Uint8Array, start: number, end: number, out: ScannedLine): boolean | null {
  const commStart = runEnd(units, start, end, isSpace);
  // The first dash within 40 units followed by a digit: the lazy task name
  // stops at each dash in turn, and one without a digit after it fails the
  // match right there (`gnome-shell-3033`), so the expression goes on to the
  // next dash as this loop does (giving back leading blanks only shortens
  // the reach). Past that dash the scan follows the expression's first
  // choices only: a failure there would be the expression's next try.
  let dash = commStart;
  for (;;) {
    while (dash < end && dash <= commStart + 40 && units[dash] !== 45) dash++;
    if (dash >= end || dash > commStart + 40) return false;
    if (dash + 1 < end && isDigit(units[dash + 1] as number)) break;
    dash++;
  }
  const pidEnd = runEnd(units, dash + 1, end, isDigit);
  const cpuStart = runEnd(units, pidEnd, end, isSpace);
  if (cpuStart === pidEnd) return null;
  const cpuEnd = runEnd(units, cpuStart, end, isDigit);
  if (cpuEnd === cpuStart || cpuEnd - cpuStart > 4) return null;
  const flagsEnd = runEnd(units, cpuEnd, end, isNotSpace);
  if (flagsEnd - cpuEnd < 3 || flagsEnd - cpuEnd > 6) return null;
  const tsStart = runEnd(units, flagsEnd, end, isSpace);
  if (tsStart === flagsEnd) return null;
  const tsDigitsEnd = runEnd(units, tsStart, end, isDigit);
  if (tsDigitsEnd === tsStart) return null;
  let after: number;
  let ts: number;
  const setUnit = units[tsDigitsEnd + 2] as number;
  if (
    units[tsDigitsEnd] === 117 /* u */ &&
    units[tsDigitsEnd + 1] === 115 /* s */ &&
    tsDigitsEnd + 2 < end &&
    (setUnit === SPACE || setUnit === 43 || setUnit === 33 || setUnit === 35 || setUnit === 42 || setUnit === 64 || setUnit === 36)
  ) {
    after = tsDigitsEnd + 3;
    ts = digitsValue(units, tsStart, tsDigitsEnd) / 1e6;
  } else {
    // The seconds clock (the expression reaches it only when the `us` one fails).
    after = tsDigitsEnd;
    if (units[after] === 46 /* . */ && isDigit(units[after + 1] as number)) after = runEnd(units, after + 1, end, isDigit);
    ts = Number(unitsText(units, tsStart, after));
  }
  const nameStart = colonSpace(units, after, end);
  if (nameStart < 0) return null;
  const nameEnd = runEnd(units, nameStart, end, (code) => code !== 58 && isNameUnit(code));
  if (nameEnd === nameStart || nameEnd >= end || units[nameEnd] !== 58) return null;
  let commEnd = dash;
  while (commEnd > commStart && units[commEnd - 1] === SPACE) commEnd--;
  out.commStart = commStart;
  out.commEnd = commEnd;
  out.pid = digitsValue(units, dash + 1, pidEnd);
  out.tgid = -1;
  out.cpu = digitsValue(units, cpuStart, cpuEnd);
  out.ts = ts;
  out.nameStart = nameStart;
  out.nameEnd = nameEnd;
  out.payloadStart = runEnd(units, nameEnd + 1, end, isSpace);
  return true;
}

/**
 * `:? ?: ` followed by a name unit, tried in the expression's order (colon
 * and space taken, colon only, space only, neither); where the name starts,
 * or -1.
 */
function colonSpace(units: Uint8Array, at: number, end: number): number {
  const colon = units[at] === 58;
  for (const [takeColon, takeSpace] of COLON_SPACE_ORDER) {
    if (takeColon && !colon) continue;
    let i = at + (takeColon ? 1 : 0);
    if (takeSpace) {
      if (units[i] !== SPACE) continue;
      i++;
    }
    if (i + 2 < end && units[i] === 58 && units[i + 1] === SPACE && isNameUnit(units[i + 2] as number) && units[i + 2] !== 58) return i + 2;
    if (i + 2 < end && units[i] === 58 && units[i + 1] === SPACE) return -1;
  }
  return -1;
}

const COLON_SPACE_ORDER: readonly (readonly [boolean, boolean])[] = [
  [true, true],
  [true, false],
  [false, true],
  [false, false],
];

/** An event line; the task name is sliced only when asked for (most lines never need it). */
class EventLine implements TraceEventLine {
  readonly kind = 'event' as const;
  private commText: string | null;

  constructor(
    private readonly text: string,
    private readonly commStart: number,
    private readonly commEnd: number,
    comm: string | null,
    readonly pid: number,
    readonly tgid: number,
    readonly cpu: number,
    readonly ts: number,
    readonly event: string,
    readonly payload: string,
    readonly payloadColumn: number,
  ) {
    this.commText = comm;
  }

  get comm(): string {
    if (this.commText === null) this.commText = this.text.slice(this.commStart, this.commEnd);
    return this.commText;
  }
}

const BLANK: TraceMarkerLine = { kind: 'blank' };
const HEADER: TraceMarkerLine = { kind: 'header' };
const OTHER: TraceMarkerLine = { kind: 'other' };
const scratch = new ScannedLine();

/** Classifies and tokenises one line given as a string (a trailing CR is ignored). */
export function parseTraceLine(raw: string): TraceLine {
  const line = scratch;
  const kind = scanTraceLine(unitsOf(raw), 0, raw.length, line);
  switch (kind) {
    case 'event': {
      const text = line.end === raw.length ? raw : raw.slice(0, line.end);
      return new EventLine(
        text,
        line.commStart,
        line.commEnd,
        line.commText,
        line.pid,
        line.tgid,
        line.cpu,
        line.ts,
        text.slice(line.nameStart, line.nameEnd),
        text.slice(line.payloadStart),
        line.payloadStart,
      );
    }
    case 'blank':
      return BLANK;
    case 'header':
      return line.count >= 0 ? { kind: 'header', count: line.count } : HEADER;
    case 'lost':
      return { kind: 'lost', cpu: line.markerCpu, count: line.count };
    case 'buffer-started':
      return { kind: 'buffer-started', cpu: line.markerCpu };
    case 'damaged':
      return { kind: 'damaged', detail: line.detail, offset: line.count };
    default:
      return OTHER;
  }
}
