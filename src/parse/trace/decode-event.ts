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
 */

import { EVENT_SPECS, layout, type EventLayout, type EventSpec, type KeyValueScheme } from './event-tables';
import { matchFormat } from './payload-format';

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
}

/** Decodes one payload without layout memory (for one-off queries). */
export function decodeEvent(name: string, payload: string): DecodeResult {
  return new EventDecoder().decode(name, payload);
}
