/**
 * Decodes an event line's payload with the layouts of `event-tables.ts`.
 *
 * Result per event: `decoded` (a layout matched), `changed` (the event is
 * known but no layout matched: its format changed or the line is damaged) or
 * `unknown` (not a GPU-VM event GPUVM Lens knows). A capture comes from one
 * kernel, so the decoder remembers which layout matched last for each event
 * and tries it first: one format match per line in the common case.
 */

import { EVENT_SPECS, type EventLayout, type EventSpec } from './event-tables';
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

export class EventDecoder {
  /** Event name -> index of the layout that matched last. */
  private readonly preferred = new Map<string, number>();

  decode(name: string, payload: string): DecodeResult {
    const spec = EVENT_SPECS.get(name);
    if (!spec) return UNKNOWN;
    const layouts = spec.layouts;
    const first = this.preferred.get(name) ?? 0;
    const firstLayout = layouts[first] as EventLayout;
    const values = matchFormat(firstLayout.compiled, payload);
    if (values) return { status: 'decoded', event: { spec, layout: firstLayout, values } };
    for (let k = 0; k < layouts.length; k++) {
      if (k === first) continue;
      const candidate = layouts[k] as EventLayout;
      const other = matchFormat(candidate.compiled, payload);
      if (other) {
        // The table's own name: the argument is cut from a line (see base/detach-string).
        this.preferred.set(spec.name, k);
        return { status: 'decoded', event: { spec, layout: candidate, values: other } };
      }
    }
    return { status: 'changed', spec };
  }
}

/** Decodes one payload without layout memory (for one-off queries). */
export function decodeEvent(name: string, payload: string): DecodeResult {
  return new EventDecoder().decode(name, payload);
}
