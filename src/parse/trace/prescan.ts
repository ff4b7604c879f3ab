/**
 * A trace line's tokenising done ahead, on the thread that reads the file,
 * and handed to the thread that replays it as numbers (a record of
 * `PRESCAN_STRIDE` slots of a `Float64Array` per line), so the replaying
 * thread skips the byte check and `scanTraceLine` for most lines.
 *
 * Invariants: a record says one of three things, each what the replaying
 * thread would find itself. `PRESCAN_NOT_BYTES`: the line is not a byte line
 * (`isByteLine`), so it goes through the text path. `PRESCAN_EVENT`: it is a
 * byte line, `scanTraceLine` reads it as an event, and `readPrescan` refills
 * a `ScannedLine` with exactly the fields that scan set (offsets relative to
 * the line's start, so the record holds wherever the bytes are), and
 * `prescannedSpec` gives the event `specOfUnits` finds for its name. Anything
 * else (markers, other lines, an event whose task name the latency scan made
 * a string): `PRESCAN_UNKNOWN`, and the line is scanned as if there were no
 * record.
 *
 * An event's record also carries its payload decoded by the reader's own
 * `EventDecoder` (the layout's position in its event's table and the
 * values' bounds), or -1 for none. Which layout a decoder picks can depend
 * on what it decoded before (it tries the last one that matched first), and
 * the replaying thread decodes lines the reader does not (text lines), so the
 * replaying side takes the reader's result only where its own decoder would
 * have tried that layout first (`EventDecoder.acceptLine`): the match is then
 * the same, on the same units, whatever the history. With the bounds, the
 * record holds each hex or pointer value read as lowercase hex digits
 * (`lowerHexUnits`: NaN when it is not that, and for values of other
 * kinds), so the replaying thread gets a pointer's or an address's number
 * without reading its digits again (`decode-event.ts`).
 */

import { isPrintableAscii, lowerHexUnits } from './code-units';
import type { EventDecoder, LineEvent } from './decode-event';
import { specAtSlot, specSlotOfUnits, type EventSpec } from './event-tables';
import { scanTraceLine, type ScannedLine } from './trace-line';

/** Byte lines longer than this go through the text path (where the long-line rules are). */
export const BYTE_LINE_LIMIT = 4096;

/**
 * Whether `bytes[start, end)` is read as bytes by the trace replay: at most
 * `BYTE_LINE_LIMIT` bytes of printable ASCII, a final CR aside.
 */
export function isByteLine(bytes: Uint8Array, start: number, end: number): boolean {
  const textEnd = end > start && bytes[end - 1] === 13 ? end - 1 : end;
  return end - start <= BYTE_LINE_LIMIT && isPrintableAscii(bytes, start, textEnd);
}

/** Values of a decoded payload a record holds at most (more: the replaying side decodes it). */
const PRESCAN_VALUES = 16;
/** Slot of the event's place in the table of event names (`specSlotOfUnits`, -1: not an event GPUVM Lens knows). */
const SPEC_SLOT = 11;
/** Slot of the layout's position (-1: not decoded); the values' bounds follow it. */
const LAYOUT_SLOT = 12;
/** First slot of the values read as hex numbers, one a value. */
const NUMBERS_SLOT = LAYOUT_SLOT + 1 + 2 * PRESCAN_VALUES;
export const PRESCAN_STRIDE = NUMBERS_SLOT + PRESCAN_VALUES;
export const PRESCAN_UNKNOWN = 0;
export const PRESCAN_EVENT = 1;
export const PRESCAN_NOT_BYTES = 2;

/** Where a line's record is: `scans[at, at + PRESCAN_STRIDE)`. */
export interface Prescan {
  readonly scans: Float64Array;
  readonly at: number;
}

/**
 * Writes the record of line `bytes[start, end)` at `out[at]`; `scanned` is
 * scratch, `decoder` the reader's own (events are decoded in line order).
 */
export function prescanTraceLine(
  bytes: Uint8Array,
  start: number,
  end: number,
  scanned: ScannedLine,
  decoder: EventDecoder,
  out: Float64Array,
  at: number,
): void {
  if (!isByteLine(bytes, start, end)) {
    out[at] = PRESCAN_NOT_BYTES;
    return;
  }
  if (scanTraceLine(bytes, start, end, scanned) !== 'event' || scanned.commText !== null) {
    out[at] = PRESCAN_UNKNOWN;
    return;
  }
  out[at] = PRESCAN_EVENT;
  out[at + 1] = scanned.end - start;
  out[at + 2] = scanned.commStart - start;
  out[at + 3] = scanned.commEnd - start;
  out[at + 4] = scanned.pid;
  out[at + 5] = scanned.tgid;
  out[at + 6] = scanned.cpu;
  out[at + 7] = scanned.ts;
  out[at + 8] = scanned.nameStart - start;
  out[at + 9] = scanned.nameEnd - start;
  out[at + 10] = scanned.payloadStart - start;
  out[at + LAYOUT_SLOT] = -1;
  const specSlot = specSlotOfUnits(bytes, scanned.nameStart, scanned.nameEnd);
  out[at + SPEC_SLOT] = specSlot;
  const spec = specAtSlot(specSlot);
  const event = spec ? decoder.decodeLine(spec, bytes, scanned.payloadStart, scanned.end) : null;
  if (!event) return;
  const position = event.spec.layouts.indexOf(event.layout);
  const values = event.layout.compiled.types.length;
  if (position < 0 || values > PRESCAN_VALUES) return;
  out[at + LAYOUT_SLOT] = position;
  const bounds = event.bounds;
  for (let k = 0; k < 2 * values; k++) out[at + LAYOUT_SLOT + 1 + k] = (bounds[k] as number) - start;
  // Only hex and pointer values: the replay reads no other kind as a number,
  // and a value it asks for that is not here is read from its bytes to the
  // same result (`decode-event.ts`), so NaN is always a correct entry.
  const types = event.layout.compiled.types;
  for (let k = 0; k < values; k++) {
    const type = types[k];
    out[at + NUMBERS_SLOT + k] =
      type === 'hex' || type === 'ptr' ? lowerHexUnits(bytes, bounds[2 * k] as number, bounds[2 * k + 1] as number) : NaN;
  }
}

/**
 * Whether line `bytes[start, end)` ends with a CR. An event's record says so
 * without reading the line (its end excludes a final CR): on the replaying
 * thread the line's bytes are otherwise mostly not read at all, and this
 * first read of them missed the cache.
 */
export function lineEndsWithCr(bytes: Uint8Array, start: number, end: number, prescan: Prescan | undefined): boolean {
  if (prescan !== undefined && prescan.scans[prescan.at] === PRESCAN_EVENT)
    return end - start - (prescan.scans[prescan.at + 1] as number) === 1;
  return end > start && bytes[end - 1] === 13;
}

/** The event a `PRESCAN_EVENT` record names: what `specOfUnits` gives for its name, undefined when GPUVM Lens does not know it. */
export function prescannedSpec(prescan: Prescan): EventSpec | undefined {
  return specAtSlot(prescan.scans[prescan.at + SPEC_SLOT] as number);
}

/**
 * The record's decoded payload through `decoder` (`EventDecoder.acceptLine`)
 * for the line starting at `start` of `units`, or null when the record holds
 * none or `decoder` would not take it.
 */
export function acceptPrescanned(
  decoder: EventDecoder,
  spec: EventSpec,
  prescan: Prescan,
  units: Uint8Array,
  start: number,
): LineEvent | null {
  const position = prescan.scans[prescan.at + LAYOUT_SLOT] as number;
  if (position < 0) return null;
  return decoder.acceptLine(spec, position, units, prescan.scans, prescan.at + LAYOUT_SLOT + 1, start, prescan.at + NUMBERS_SLOT);
}

/** Fills `out` as `scanTraceLine(units, start, …)` did for a `PRESCAN_EVENT` record. */
export function readPrescan(prescan: Prescan, units: Uint8Array, start: number, out: ScannedLine): void {
  const scans = prescan.scans;
  const at = prescan.at;
  out.kind = 'event';
  out.units = units;
  out.start = start;
  out.end = start + (scans[at + 1] as number);
  out.commStart = start + (scans[at + 2] as number);
  out.commEnd = start + (scans[at + 3] as number);
  out.commText = null;
  out.pid = scans[at + 4] as number;
  out.tgid = scans[at + 5] as number;
  out.cpu = scans[at + 6] as number;
  out.ts = scans[at + 7] as number;
  out.nameStart = start + (scans[at + 8] as number);
  out.nameEnd = start + (scans[at + 9] as number);
  out.payloadStart = start + (scans[at + 10] as number);
  out.count = -1;
  out.markerCpu = -1;
}
