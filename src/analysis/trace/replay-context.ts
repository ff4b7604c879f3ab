/**
 * What a per-driver replay adapter sees for one decoded event: the event and
 * its line, the shared `TraceState`, and hooks to report findings and to name
 * the objects the event touches (for navigation). Adapters are plain
 * functions of this context, one module per driver.
 */

import { hex, hexEnd, type Num64 } from '../../base/u64';
import type { DecodedEvent } from '../../parse/trace/decode-event';
import type { TraceEventLine } from '../../parse/trace/trace-line';
import type { Finding, RelatedLocation } from '../../rules/rule';
import type { TraceMapping, TraceState, TraceVm } from './trace-state';

export interface ReplayContext {
  readonly state: TraceState;
  readonly line: number;
  readonly event: TraceEventLine;
  readonly decoded: DecodedEvent;
  /** False after lost events: "never bound" is then unknowable and not reported. */
  readonly confident: boolean;
  /** The finding span of this event's payload. */
  readonly span: { line: number; column: number; endColumn: number };
  report(finding: Finding): void;
  /**
   * Records that the event touches object `kind:driver:id` (or
   * `kind:driver:id/sub`), for navigation. Takes the parts rather than the key
   * so that nothing is concatenated when no index is being built (`check`).
   */
  touch(kind: string, driver: string, id: string, sub?: string): void;
}

/** `0x…` for messages: the same text for a number and for the bigint of the same value. */
export function addr(value: Num64): string {
  return hex(value);
}

/** `0x…` of the exclusive end of a range ending at `last` (`hexEnd`). */
export function addrEnd(last: Num64): string {
  return hexEnd(last);
}

/** Related locations for a mapping: where it was created and last changed. */
export function mappingRelated(mapping: TraceMapping): RelatedLocation[] {
  const related: RelatedLocation[] = [
    { line: mapping.createdLine, message: `${mapping.adopted ? 'first seen' : 'bound'} by ${mapping.createdEvent}` },
  ];
  if (mapping.changedLine !== mapping.createdLine) {
    related.push({ line: mapping.changedLine, message: `last changed by ${mapping.changedEvent}` });
  }
  return related;
}

/** Related location for a VM's creation. */
export function vmRelated(vm: TraceVm): RelatedLocation[] {
  return [{ line: vm.createdLine, message: vm.birthSeen ? `VM ${vm.name} created` : `VM ${vm.name} first seen` }];
}

/** A mapping's display name: its identity, or its range when anonymous. */
export function mappingName(mapping: TraceMapping): string {
  return mapping.key ?? `the piece [${addr(mapping.start)}, ${addrEnd(mapping.last)})`;
}

/** The navigation key of an object (see `ReplayContext.touch`). */
export function objectKey(kind: string, driver: string, id: string, sub?: string): string {
  return sub === undefined ? `${kind}:${driver}:${id}` : `${kind}:${driver}:${id}/${sub}`;
}
