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

import { EVENT_SPECS, layout, type EventLayout, type EventSpec, type KeyValueScheme } from './event-tables';
import { matchFormat, type ConversionType } from './payload-format';

export interface DecodedEvent {
  readonly spec: EventSpec;
  readonly layout: EventLayout;
  readonly values: readonly string[];
}

export type DecodeResult =
  | { readonly status: 'decoded'; readonly event: DecodedEvent }
  | { readonly status: 'changed'; readonly spec: EventSpec }
  | { readonly status: 'unknown' };

const UNKNOWN: DecodeResult = { status: 'unknown' };

/** A field of a decoded event, or undefined when its layout lacks it. */
export function field(event: DecodedEvent, name: string): string | undefined {
  const position = event.layout.index[name];
  return position === undefined ? undefined : event.values[position];
}

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
  /** Event name -> the layout that matched last. */
  private readonly preferred = new Map<string, EventLayout>();

  decode(name: string, payload: string): DecodeResult {
    const spec = EVENT_SPECS.get(name);
    if (!spec) return UNKNOWN;
    const layouts = spec.layouts;
    const firstLayout = this.preferred.get(name) ?? (layouts[0] as EventLayout);
    const values = matchFormat(firstLayout.compiled, payload);
    if (values) return { status: 'decoded', event: { spec, layout: firstLayout, values } };
    for (const candidate of layouts) {
      if (candidate === firstLayout) continue;
      const other = matchFormat(candidate.compiled, payload);
      if (other) {
        // The table's own name: the argument is cut from a line (see base/detach-string).
        this.preferred.set(spec.name, candidate);
        return { status: 'decoded', event: { spec, layout: candidate, values: other } };
      }
    }
    const keyed = spec.keyValue && keyValueLayout(spec, spec.keyValue, payload);
    if (keyed && keyed !== firstLayout) {
      const other = matchFormat(keyed.compiled, payload);
      if (other) {
        this.preferred.set(spec.name, keyed);
        return { status: 'decoded', event: { spec, layout: keyed, values: other } };
      }
    }
    return { status: 'changed', spec };
  }

  /** An event whose fields come by name (see the module header). */
  decodeRecord(name: string, get: FieldAccessor): DecodeResult {
    const spec = EVENT_SPECS.get(name);
    if (!spec) return UNKNOWN;
    const preferred = this.preferred.get(name);
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
      if (best !== preferred) this.preferred.set(spec.name, best);
      return { status: 'decoded', event: { spec, layout: best, values: bestValues } };
    }
    return { status: 'changed', spec };
  }
}

/** Decodes one payload without layout memory (for one-off queries). */
export function decodeEvent(name: string, payload: string): DecodeResult {
  return new EventDecoder().decode(name, payload);
}
