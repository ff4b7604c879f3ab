/**
 * Decodes an event line's payload with the layouts of `event-tables.ts`.
 *
 * Result per event: `decoded` (a layout matched), `changed` (the event is
 * known but no layout matched: its format changed or the line is damaged) or
 * `unknown` (not a GPU-VM event GPUVM Lens knows). A capture comes from one
 * kernel, so the decoder remembers which layout matched last for each event
 * and tries it first: one format match per line in the common case.
 *
 * A payload of a key=value class that no layout matches is read as a
 * key=value list: a layout is built from the keys it has (each value checked
 * with the conversion the kernel prints that key with), so a field added or
 * removed in a release the tables do not name still decodes, as long as the
 * fields every historical layout shares are there.
 *
 * Two entries, one result (producers of either kind feed the same replay and
 * rules):
 * - `decode(name, payload)`: an event of ftrace text, its payload as printed;
 * - `decodeRecord(name, get)`: an event whose fields come by name, e.g. from
 *   a binary `trace.dat` reader that reads them through the event's format
 *   file. The decoder asks `get` for each field of a layout, under the
 *   table's name (`lrcSeqno`) and then under the kernel's snake_case name
 *   (`lrc_seqno`); a number or bigint is rendered with the conversion the
 *   layout's `TP_printk` format gives it (`%x` hex digits, `%p` the 16 hex
 *   digits of a hashed pointer, `%d`/`%u` decimal), exactly as the text path
 *   would have read it, so a record and its printed line decode to the same
 *   values. The layout with the most fields, all of them there, wins (a
 *   record has every field of its kernel's format; an older layout may name
 *   a subset); none: `changed`.
 */

import type { Num64 } from '../../base/u64';
import { cachedHexKeyText, cachedPointerText, cachedUnitsText, unitsOf, unitsText, type CodeUnits } from './code-units';
import { EVENT_SPECS, layout, type EventLayout, type EventSpec, type KeyValueScheme } from './event-tables';
import { hexValue, isNullPointer, matchUnits, pointerKey, type ConversionType } from './payload-format';

export interface DecodedEvent {
  readonly spec: EventSpec;
  readonly layout: EventLayout;
  readonly values: readonly string[];
}

/**
 * An event decoded from a line's units (`EventDecoder.decodeLine`): each
 * value is a range of the line, made a string only when asked for. One
 * object per decoder, refilled line after line: it is valid while its line
 * is being handled, and must not be kept.
 */
export class LineEvent implements DecodedEvent {
  spec!: EventSpec;
  layout!: EventLayout;
  units: CodeUnits = new Uint16Array(0);
  /** The bounds `matchUnits` fills, and those a read-ahead record's are copied to. */
  ownBounds = new Int32Array(64);
  /**
   * When the line came read ahead (`prescan.ts`): value k read as lowercase
   * hex digits is `numbers[numbersAt + k]` (NaN when it is not that); null
   * otherwise.
   */
  numbers: Float64Array | null = null;
  numbersAt = 0;
  /**
   * The read-ahead record's bounds, not yet copied (`source[from + k]`
   * relative to `origin`): most events are replayed from `numbers` alone,
   * so their bounds are never needed.
   */
  private pendingCount = 0;
  private pendingFrom = 0;
  private pendingOrigin = 0;
  private texts: string[] | null = null;

  /** Value k is `units[bounds[2k], bounds[2k + 1])`. */
  get bounds(): Int32Array {
    if (this.pendingCount > 0) this.copyPending();
    return this.ownBounds;
  }

  private copyPending(): void {
    const needed = this.pendingCount;
    const source = this.numbers as Float64Array;
    const from = this.pendingFrom;
    const origin = this.pendingOrigin;
    if (this.ownBounds.length < needed) this.ownBounds = new Int32Array(needed);
    const bounds = this.ownBounds;
    for (let k = 0; k < needed; k++) bounds[k] = origin + (source[from + k] as number);
    this.pendingCount = 0;
  }

  /** Takes a read-ahead record's layout, bounds and numbers (the decoder only). */
  takeRecord(layout: EventLayout, source: Float64Array, from: number, origin: number, numbersFrom: number): void {
    this.layout = layout;
    this.numbers = source;
    this.numbersAt = numbersFrom;
    this.pendingCount = layout.compiled.types.length * 2;
    this.pendingFrom = from;
    this.pendingOrigin = origin;
  }

  /** Every value as a string (made on first use, for hovers, JSON and field references). */
  get values(): readonly string[] {
    if (this.texts === null) {
      const texts: string[] = new Array<string>(this.layout.fields.length);
      const bounds = this.bounds;
      for (let k = 0; k < texts.length; k++) texts[k] = unitsText(this.units, bounds[2 * k] as number, bounds[2 * k + 1] as number);
      this.texts = texts;
    }
    return this.texts;
  }

  /** Starts a line (the decoder only). */
  reset(spec: EventSpec, units: CodeUnits): void {
    this.spec = spec;
    this.units = units;
    this.texts = null;
    this.numbers = null;
    this.pendingCount = 0;
  }
}

/** A field of a decoded event, or undefined when its layout lacks it. */
export function field(event: DecodedEvent, name: string): string | undefined {
  const position = event.layout.index[name];
  return position === undefined ? undefined : event.values[position];
}

const C0 = 48;

/** Value `position` of a line read ahead, as lowercase hex digits (`LineEvent.numbers`); NaN when not known so. */
function readAhead(event: LineEvent, position: number): number {
  const numbers = event.numbers;
  return numbers === null ? NaN : (numbers[event.numbersAt + position] as number);
}

function hexDigit(code: number): number {
  if (code >= C0 && code <= 57) return code - C0;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** A pointer field as an identity key (`pointerKey`); undefined when the layout lacks it. */
export function pointerField(event: DecodedEvent, name: string): string | undefined {
  const position = event.layout.index[name];
  if (position === undefined) return undefined;
  if (event instanceof LineEvent) {
    // Lowercase digits, however many: `pointerKey` pads them to 16.
    const value = readAhead(event, position);
    if (value === value) return cachedPointerText(value);
    const bounds = event.bounds;
    const start = bounds[2 * position] as number;
    const end = bounds[2 * position + 1] as number;
    // `pointerKey` keeps 16 characters not starting with `(` as they are: the shared string of them.
    if (end - start === 16 && event.units[start] !== 40 /* ( */) return cachedUnitsText(event.units, start, end);
  }
  return pointerKey(event.values[position] as string);
}

/** A pointer field naming an object: its key (`pointerKey`), '' for NULL (`isNullPointer`); a field the layout lacks reads as ''. */
export function objectField(event: DecodedEvent, name: string): string {
  const position = event.layout.index[name];
  if (position === undefined) return pointerKey('');
  if (event instanceof LineEvent) {
    // Lowercase digits, however many: all zeros is NULL, anything else `pointerKey` pads to 16.
    const value = readAhead(event, position);
    if (value === value) return value === 0 ? '' : cachedPointerText(value);
    const units = event.units;
    const bounds = event.bounds;
    const start = bounds[2 * position] as number;
    const end = bounds[2 * position + 1] as number;
    const second = units[start + 1] as number;
    if (end - start === 16 && units[start] !== 40 /* ( */ && second !== 120 /* x */ && second !== 88 /* X */) {
      // NULL is all zeros here.
      let zero = start;
      while (zero < end && units[zero] === C0) zero++;
      return zero === end ? '' : cachedUnitsText(units, start, end);
    }
  }
  const value = event.values[position] as string;
  return isNullPointer(value) ? '' : pointerKey(value);
}

/**
 * A hex field's value (`hexValue`: 0 when unparsable or when the layout lacks
 * it), a number below 2^53: the common field is read from its code units
 * without creating a string or a bigint.
 */
export function hexField(event: DecodedEvent, name: string): Num64 {
  const position = event.layout.index[name];
  if (position === undefined) return 0;
  if (event instanceof LineEvent) {
    const ahead = readAhead(event, position);
    if (ahead === ahead) return ahead;
    const units = event.units;
    const bounds = event.bounds;
    const start = bounds[2 * position] as number;
    const end = bounds[2 * position + 1] as number;
    // Up to 13 significant digits fit a double exactly; most fields are that
    // short, or zero-padded to a fixed width (i915's 16-digit offsets), which
    // `hexValue` reads through a bigint to the same number.
    if (end > start && units[start + 1] !== 120 /* x */) {
      let i = start;
      while (i < end - 1 && units[i] === C0) i++;
      if (end - i <= 13) {
        let value = 0;
        for (; i < end; i++) {
          const digit = hexDigit(units[i] as number);
          if (digit < 0) break;
          value = value * 16 + digit;
        }
        if (i === end) return value;
      }
    }
  }
  return hexValue(event.values[position]);
}

/**
 * A hex field as a key: its digits without leading zeros (one kept), as
 * printed in lower case; '' when the layout lacks it. The same text for the
 * same number, whatever the field's width.
 */
export function hexKeyField(event: DecodedEvent, name: string): string {
  const position = event.layout.index[name];
  if (position === undefined) return '';
  if (event instanceof LineEvent) {
    const ahead = readAhead(event, position);
    if (ahead === ahead) return cachedHexKeyText(ahead);
    const units = event.units;
    const bounds = event.bounds;
    let start = bounds[2 * position] as number;
    const end = bounds[2 * position + 1] as number;
    while (start < end - 1 && units[start] === C0) start++;
    let upper = false;
    for (let i = start; i < end && !upper; i++) upper = (units[i] as number) >= 65 && (units[i] as number) <= 70;
    if (!upper) return cachedUnitsText(units, start, end);
  }
  return hexKeyText(event.values[position] as string);
}

/** `hexKeyField` of a string. */
export function hexKeyText(text: string): string {
  let start = 0;
  while (start < text.length - 1 && text.charCodeAt(start) === C0) start++;
  const digits = start === 0 ? text : text.slice(start);
  return /[A-F]/.test(digits) ? digits.toLowerCase() : digits;
}

export type DecodeResult =
  | { readonly status: 'decoded'; readonly event: DecodedEvent }
  | { readonly status: 'changed'; readonly spec: EventSpec }
  | { readonly status: 'unknown' };

const UNKNOWN: DecodeResult = { status: 'unknown' };

/** Key=value layouts built so far, by format; a capture has a handful. */
const keyValueLayouts = new Map<string, EventLayout>();
const KEY_VALUE_LAYOUT_LIMIT = 1024;

function camelCase(key: string): string {
  // No tracepoint field name is this long; the pattern is quadratic over a
  // long run of blanks, which damaged lines do have.
  if (key.length > 64) return key;
  return key.replace(/[ _]+([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** The layout of a key=value payload, or null when it is not one or lacks a required field. */
function keyValueLayout(spec: EventSpec, scheme: KeyValueScheme, payload: string): EventLayout | null {
  const body = payload.trimEnd();
  const trailingComma = body.endsWith(',');
  const items = (trailingComma ? body.slice(0, -1) : body).split(', ');
  const formats: string[] = [];
  const fields: string[] = [];
  for (const item of items) {
    const equals = item.indexOf('=');
    if (equals <= 0) return null;
    const key = item.slice(0, equals);
    const conversion = scheme.conversions.get(key) ?? '%s';
    formats.push(`${key}=${conversion}`);
    fields.push(scheme.fields.get(key) ?? camelCase(key));
  }
  for (const field of scheme.required) if (!fields.includes(field)) return null;
  const format = formats.join(', ') + (trailingComma ? ',' : '');
  let found = keyValueLayouts.get(format);
  if (!found) {
    found = layout(`${spec.driver} key=value`, format, fields);
    if (keyValueLayouts.size < KEY_VALUE_LAYOUT_LIMIT) keyValueLayouts.set(format, found);
  }
  return found;
}

/** A field value as a binary producer holds it. */
export type FieldValue = number | bigint | string;

/** A producer's fields of one event, by name; undefined when the event has no such field. */
export type FieldAccessor = (name: string) => FieldValue | undefined;

function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => '_' + letter.toLowerCase());
}

/** A value as `TP_printk` would print it with `type`, minus the format's literal text (`0x`). */
function renderValue(value: FieldValue, type: ConversionType): string {
  if (typeof value === 'string') return value;
  switch (type) {
    case 'hex':
      return value.toString(16);
    case 'ptr':
      return value.toString(16).padStart(16, '0');
    default:
      return value.toString();
  }
}

export class EventDecoder {
  /** Event -> the layout that matched last. */
  private readonly preferred = new Map<EventSpec, EventLayout>();
  private readonly event = new LineEvent();

  /**
   * Decodes the payload `units[start, end)` of an event of `spec`: the
   * decoder's `LineEvent`, refilled (valid while the line is handled), or
   * null when no layout matches (`changed`).
   */
  decodeLine(spec: EventSpec, units: CodeUnits, start: number, end: number): LineEvent | null {
    const event = this.event;
    event.reset(spec, units);
    const layouts = spec.layouts;
    const firstLayout = this.preferred.get(spec) ?? (layouts[0] as EventLayout);
    if (this.matches(firstLayout, units, start, end)) return event;
    for (const candidate of layouts) {
      if (candidate === firstLayout) continue;
      if (this.matches(candidate, units, start, end)) {
        this.preferred.set(spec, candidate);
        return event;
      }
    }
    const keyed = spec.keyValue && keyValueLayout(spec, spec.keyValue, unitsText(units, start, end));
    if (keyed && keyed !== firstLayout && this.matches(keyed, units, start, end)) {
      this.preferred.set(spec, keyed);
      return event;
    }
    return null;
  }

  /**
   * `decodeLine`'s result for a line another decoder matched with layout
   * `position` of `spec`, its value bounds at `source[from, …)` relative to
   * `origin`, when that layout is the one this decoder tries first: it would
   * match the same units the same way. Null otherwise (the caller decodes
   * the line itself).
   */
  acceptLine(
    spec: EventSpec,
    position: number,
    units: CodeUnits,
    source: Float64Array,
    from: number,
    origin: number,
    numbersFrom: number,
  ): LineEvent | null {
    const chosen = spec.layouts[position];
    if (chosen === undefined || chosen !== (this.preferred.get(spec) ?? spec.layouts[0])) return null;
    const event = this.event;
    event.reset(spec, units);
    event.takeRecord(chosen, source, from, origin, numbersFrom);
    return event;
  }

  private matches(candidate: EventLayout, units: CodeUnits, start: number, end: number): boolean {
    const event = this.event;
    const needed = candidate.compiled.types.length * 2;
    if (event.ownBounds.length < needed) event.ownBounds = new Int32Array(needed);
    if (!matchUnits(candidate.compiled, units, start, end, event.ownBounds)) return false;
    event.layout = candidate;
    return true;
  }

  decode(name: string, payload: string): DecodeResult {
    const spec = EVENT_SPECS.get(name);
    if (!spec) return UNKNOWN;
    const event = this.decodeLine(spec, unitsOf(payload), 0, payload.length);
    if (!event) return { status: 'changed', spec };
    // Standalone: the values are cut from the payload string, not the scratch units.
    const values: string[] = new Array<string>(event.layout.fields.length);
    for (let k = 0; k < values.length; k++) values[k] = payload.slice(event.bounds[2 * k], event.bounds[2 * k + 1]);
    return { status: 'decoded', event: { spec, layout: event.layout, values } };
  }

  /** An event whose fields come by name (see the module header). */
  decodeRecord(name: string, get: FieldAccessor): DecodeResult {
    const spec = EVENT_SPECS.get(name);
    if (!spec) return UNKNOWN;
    const preferred = this.preferred.get(spec);
    const layouts = preferred ? [preferred, ...spec.layouts.filter((candidate) => candidate !== preferred)] : spec.layouts;
    let best: EventLayout | undefined;
    let bestValues: string[] = [];
    for (const candidate of layouts) {
      if (best && candidate.fields.length <= best.fields.length) continue;
      const values: string[] = [];
      for (let k = 0; k < candidate.fields.length; k++) {
        const fieldName = candidate.fields[k] as string;
        const value = get(fieldName) ?? get(snakeCase(fieldName));
        if (value === undefined) break;
        values.push(renderValue(value, candidate.compiled.types[k] ?? 'str'));
      }
      if (values.length !== candidate.fields.length) continue;
      best = candidate;
      bestValues = values;
    }
    if (best) {
      if (best !== preferred) this.preferred.set(spec, best);
      return { status: 'decoded', event: { spec, layout: best, values: bestValues } };
    }
    return { status: 'changed', spec };
  }
}

/** Decodes one payload without layout memory (for one-off queries). */
export function decodeEvent(name: string, payload: string): DecodeResult {
  return new EventDecoder().decode(name, payload);
}
