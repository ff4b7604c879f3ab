/**
 * Editor features on a trace, built from its `TraceIndex`: the hover of an
 * event line, navigation between the events touching an object, the outline
 * by VM then mappings, a code lens per VM and the VA space of a VM at a line.
 * Plain data out (markdown text, places, outline nodes, VA-space data); the
 * server's handlers pick these for trace documents and only convert them to
 * LSP. Everything is bounded (rows, places, children) so a trace of millions
 * of events answers quickly.
 */

import { hex, hexEnd, parseCNumber, toU64 } from '../base/u64';
import { DRIVER_TRACES_OBJECTS, DRIVER_WINDOW, type TraceMapping, type TraceVm } from '../analysis/trace/trace-state';
import type { VaGap, VaMapping, VaObject, VaSpace, VmSummary } from '../base/va-space-view';
import type { AnalyzedDocument } from './analyzed-document';
import { identityAt, type Occurrence } from './trace-line-words';
import { keyForToken, mappingCovering, normalizeIdentity, vmKeyOf, vmObjectKey, type TraceIndex } from './trace-replay-index';

/** A place in the document: 0-based line and character span. */
type Place = Occurrence;

const MAX_ROWS = 12;
const MAX_CHILDREN = 500;
const MAX_CHANGE_LINES = 10_000;

function code(text: string): string {
  return '`' + text.replace(/`/g, "'") + '`';
}

function span(mapping: TraceMapping): string {
  return `[${hex(mapping.start)}, ${hexEnd(mapping.last)})`;
}

function mappingName(mapping: TraceMapping): string {
  return mapping.key === null ? `piece ${span(mapping)}` : mapping.key;
}

function vmOf(vms: readonly TraceVm[], touched: readonly string[]): TraceVm | undefined {
  const vmKey = touched.map(vmKeyOf).find((key) => key !== undefined);
  return vms.find((vm) => vmObjectKey(vm) === vmKey);
}

/** Mappings of `vm` around `center` (by address order), at most MAX_ROWS. */
function neighbourhood(vm: TraceVm, center: TraceMapping | undefined): TraceMapping[] {
  const all = [...vm.mappings()];
  if (all.length <= MAX_ROWS) return all;
  const at = center ? Math.max(0, all.indexOf(center)) : 0;
  const start = Math.max(0, Math.min(at - MAX_ROWS / 2, all.length - MAX_ROWS));
  return all.slice(start, start + MAX_ROWS);
}

export function traceHover(snapshot: AnalyzedDocument, index: TraceIndex, line: number, character: number): string | undefined {
  const text = snapshot.lines.line(line);
  const info = index.eventAt(text);
  if (!info) return undefined;
  const parts = [
    `**${code(info.event)}** ${info.description.startsWith(`${info.event}: `) ? info.description.slice(info.event.length + 2) : info.description}`,
  ];
  parts.push(`${code(`${info.comm}-${info.pid}`)} on CPU ${info.cpu} at ${info.ts.toFixed(6)} s`);
  const state = index.stateAt(snapshot.lines, line + 1);
  const vm = vmOf(state.vms, state.touched);
  const touchedMapping = vm
    ? state.touched
        .map((key) => (key.startsWith('mapping:') ? vm.byKey.get(key.slice(key.lastIndexOf('/') + 1)) : undefined))
        .find((m) => m !== undefined)
    : undefined;

  const token = identityAt(text, character);
  const address = token && token.text.startsWith('0x') ? parseCNumber(token.text.toLowerCase()) : undefined;
  if (address !== undefined) {
    const covering = mappingCovering(state.vms, address, vm ? vmObjectKey(vm) : undefined);
    parts.push(
      covering
        ? `**${hex(address)}** is covered after this event by ${code(mappingName(covering.mapping))} ${span(covering.mapping)} of VM ${code(covering.vm.name)}, bound on line ${covering.mapping.createdLine} by ${code(covering.mapping.createdEvent)}.`
        : `**${hex(address)}** is not mapped in any live VM after this event.`,
    );
  }
  if (vm) {
    const rows = neighbourhood(vm, touchedMapping);
    const table = ['| mapping | range | object | offset | bound |', '|---|---|---|---|---|'];
    for (const mapping of rows) {
      const mark = mapping === touchedMapping ? '**' : '';
      table.push(
        `| ${mark}${code(mappingName(mapping))}${mark} | ${span(mapping)} | ${mapping.objectKey ? code(mapping.objectKey) : DRIVER_TRACES_OBJECTS[vm.driver] ? 'none' : 'not traced'} | ${hex(mapping.offset)} | line ${mapping.createdLine} |`,
      );
    }
    const summary = `**VM ${code(vm.name)}** (${vm.driver}) after this event: `;
    if (rows.length) {
      parts.push(
        `${summary}${vm.liveCount} live mapping${vm.liveCount === 1 ? '' : 's'}${vm.liveCount > rows.length ? `, ${rows.length} around this one shown` : ''}:`,
      );
      parts.push(table.join('\n'));
    } else {
      parts.push(`${summary}no live mappings.`);
    }
    const obj = touchedMapping?.obj;
    if (obj)
      parts.push(
        `Object ${code(touchedMapping?.objectKey ?? obj.label)}: refcount ${obj.refcount.value}, ${obj.vmBos.size} VM_BO${obj.vmBos.size === 1 ? '' : 's'}.`,
      );
  } else if (state.touched.length === 0 && info.status !== 'decoded') {
    parts.push('_GPUVM Lens does not replay this event._');
  }
  return parts.join('\n\n');
}

/** Where a line's text names `token` (by identity, whatever the padding or 0x prefix). */
function placeOf(text: string, line: number, identity: string): Place {
  for (const match of text.matchAll(/[0-9A-Za-z_]+/g)) {
    if (normalizeIdentity(match[0]) === identity) return { line, start: match.index, end: match.index + match[0].length };
  }
  return { line, start: 0, end: 0 };
}

export function traceNavigation(
  snapshot: AnalyzedDocument,
  index: TraceIndex,
  line: number,
  character: number,
  cap: number,
): { definition: Place[]; references: Place[] } | undefined {
  const token = identityAt(snapshot.lines.line(line), character);
  if (!token) return undefined;
  const state = index.stateAt(snapshot.lines, line + 1);
  const key = keyForToken(state.touched, token.text);
  if (!key) return undefined;
  const identity = normalizeIdentity(token.text);
  const references = index
    .linesOf(key)
    .slice(0, cap)
    .map((lineNumber) => placeOf(snapshot.lines.line(lineNumber - 1), lineNumber - 1, identity));
  return { definition: references.slice(0, 1), references };
}

export interface TraceOutlineVm {
  readonly key: string;
  readonly name: string;
  readonly first: number;
  readonly last: number;
  readonly mappings: { key: string; name: string; first: number; last: number }[];
  mappingCount: number;
}

/** VMs (by object key) with their mappings' keys, from the index: first and last 0-based lines of each. */
export function traceOutline(index: TraceIndex): TraceOutlineVm[] {
  const vms = new Map<string, TraceOutlineVm>();
  const vmEntry = (key: string): TraceOutlineVm => {
    let entry = vms.get(key);
    if (!entry) {
      const lines = index.linesOf(key);
      entry = {
        key,
        name: key.slice(key.indexOf(':', 3) + 1),
        first: (lines[0] ?? 1) - 1,
        last: (lines[lines.length - 1] ?? 1) - 1,
        mappings: [],
        mappingCount: 0,
      };
      vms.set(key, entry);
    }
    return entry;
  };
  for (const key of index.objectKeys()) {
    if (key.startsWith('vm:')) vmEntry(key);
    else if (key.startsWith('mapping:')) {
      const vmKey = vmKeyOf(key);
      if (!vmKey) continue;
      const entry = vmEntry(vmKey);
      entry.mappingCount++;
      if (entry.mappings.length >= MAX_CHILDREN) continue;
      const lines = index.linesOf(key);
      entry.mappings.push({
        key,
        name: key.slice(key.lastIndexOf('/') + 1),
        first: (lines[0] ?? 1) - 1,
        last: (lines[lines.length - 1] ?? 1) - 1,
      });
    }
  }
  return [...vms.values()].sort((a, b) => a.first - b.first);
}

/** Findings (1-based lines) on lines that touch the VM `key`. */
export function findingsOfVm(snapshot: AnalyzedDocument, index: TraceIndex, key: string): number {
  const lines = index.linesOf(key);
  let count = 0;
  for (const finding of snapshot.result.findings) {
    let low = 0;
    let high = lines.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const value = lines[middle] as number;
      if (value === finding.line) {
        count++;
        break;
      }
      if (value < finding.line) low = middle + 1;
      else high = middle - 1;
    }
  }
  return count;
}

function gapsOf(mappings: readonly TraceMapping[], start: bigint, end: bigint): VaGap[] {
  const gaps: VaGap[] = [];
  let cursor = start;
  for (const mapping of mappings) {
    const mappingStart = toU64(mapping.start);
    const mappingEnd = toU64(mapping.last) + 1n;
    if (mappingStart > cursor && cursor < end) gaps.push({ start: hex(cursor), end: hex(mappingStart < end ? mappingStart : end) });
    if (mappingEnd > cursor) cursor = mappingEnd;
  }
  if (cursor < end) gaps.push({ start: hex(cursor), end: hex(end) });
  return gaps;
}

function sample(lines: readonly number[], cap: number): number[] {
  if (lines.length <= cap) return lines.map((line) => line - 1);
  const step = lines.length / cap;
  const picked: number[] = [];
  for (let i = 0; i < cap; i++) picked.push((lines[Math.floor(i * step)] as number) - 1);
  return picked;
}

export function traceVaSpace(snapshot: AnalyzedDocument, index: TraceIndex, line: number, vmId: string | undefined): VaSpace {
  const state = index.stateAt(snapshot.lines, line + 1);
  const vms: VmSummary[] = state.vms.map((vm) => ({ id: vmObjectKey(vm), label: `${vm.driver} VM ${vm.name}`, line: vm.createdLine - 1 }));
  const vm =
    (vmId === undefined ? undefined : state.vms.find((candidate) => vmObjectKey(candidate) === vmId)) ??
    vmOf(state.vms, state.touched) ??
    state.vms[0];
  const base = { uri: snapshot.uri, line, lineCount: snapshot.lines.lineCount, kind: 'trace', vms };
  if (!vm)
    return {
      ...base,
      vm: null,
      window: null,
      mappings: [],
      gaps: [],
      objects: [],
      changeLines: [],
      note: 'No VM is live after this line.',
    };
  const live = [...vm.mappings()];
  const mappings: VaMapping[] = live.map((mapping) => ({
    start: hex(mapping.start),
    end: hexEnd(mapping.last),
    range: hex(toU64(mapping.last) + 1n - toU64(mapping.start)),
    object: mapping.objectKey || null,
    objectTraced: DRIVER_TRACES_OBJECTS[vm.driver],
    offset: hex(mapping.offset),
    kernelReserved: false,
    createdAtLine: mapping.createdLine - 1,
  }));
  const objects = new Map<string, { id: string; label: string; size: string | null; mappings: number; line: number | null }>();
  for (const mapping of live) {
    if (!mapping.objectKey) continue;
    const entry = objects.get(mapping.objectKey);
    if (entry) entry.mappings++;
    else
      objects.set(mapping.objectKey, {
        id: mapping.objectKey,
        label: mapping.objectKey,
        size: null,
        mappings: 1,
        line: mapping.createdLine - 1,
      });
  }
  const window = DRIVER_WINDOW[vm.driver];
  const end = window.start + window.range;
  return {
    ...base,
    vm: { id: vmObjectKey(vm), label: `${vm.driver} VM ${vm.name}`, line: vm.createdLine - 1 },
    window: { start: hex(window.start), end: hex(end) },
    mappings,
    gaps: gapsOf(live, window.start, end),
    objects: [...objects.values()] as VaObject[],
    changeLines: sample(index.linesOf(vmObjectKey(vm)), MAX_CHANGE_LINES),
  };
}
