/**
 * The timeline query: the life of every mapping of one VM instance over the
 * document's lines — bound where and by what, ended where and by what (or
 * live at the end), with the VM's findings as marks. Traces use
 * `traceLifetimes` (one quiet replay, memoised per document version);
 * scripts compare the VA space before and after each line that changed it.
 * Lines in the answer are 0-based, as the editor counts them. Plain data:
 * the server only carries it (src/server/handlers/timeline.ts).
 */

import { hex } from '../base/u64';
import { MAX_TIMELINE_BARS, type Timeline, type TimelineBar, type TimelineMark, type TimelineVm } from '../base/timeline-view';
import { traceLifetimes, type TraceLifetimes, type VmLifetime } from '../analysis/trace/trace-lifetimes';
import type { Finding } from '../rules/rule';
import { memo, type AnalyzedDocument } from './analyzed-document';
import { scriptOf, stateAfter, vmId, vmLabel, vmSections, type ScriptVa } from './script-queries';

/** Which VM instance to show: an instance or VA-space id, else the one live at a 0-based line. */
export interface TimelineChoice {
  readonly vm?: string;
  readonly line?: number;
}

/** A finding's severity as the editor shows it (1 error … 4 hint), or undefined when the user turned its rule off. */
export type SeverityOf = (finding: Finding) => number | undefined;

/** The lifetimes of a trace document, replayed once per version. */
export function lifetimesOf(snapshot: AnalyzedDocument): TraceLifetimes {
  return memo(snapshot, 'trace-lifetimes', () => traceLifetimes(snapshot.lines.lineCount, (index) => snapshot.lines.line(index)));
}

/** A VM instance's id: its key and creating line, since a key can be reused after a free. */
export function traceVmInstanceId(vm: VmLifetime): string {
  return `vm:${vm.driver}:${vm.key}@${vm.createdLine}`;
}

export function traceVmLabel(vm: VmLifetime): string {
  return `${vm.driver} VM ${vm.name}`;
}

/** Address order, then bind order; addresses parsed once per bar, not once per comparison (100k bars). */
function sortByAddressThenLine(bars: TimelineBar[]): void {
  const starts = new Map(bars.map((bar) => [bar, BigInt(bar.start)]));
  bars.sort((a, b) => {
    const x = starts.get(a) as bigint;
    const y = starts.get(b) as bigint;
    return x < y ? -1 : x > y ? 1 : a.boundLine - b.boundLine;
  });
}

function marksOf(snapshot: AnalyzedDocument, severityOf: SeverityOf, keep: (finding: Finding) => boolean): TimelineMark[] {
  const marks: TimelineMark[] = [];
  for (const finding of snapshot.result.findings) {
    if (!keep(finding)) continue;
    const severity = severityOf(finding);
    if (severity === undefined) continue;
    marks.push({ line: finding.line - 1, severity, rule: finding.rule, message: finding.message });
  }
  return marks.sort((a, b) => a.line - b.line);
}

function capped(bars: TimelineBar[]): { bars: TimelineBar[]; omitted: number } {
  sortByAddressThenLine(bars);
  return bars.length > MAX_TIMELINE_BARS
    ? { bars: bars.slice(0, MAX_TIMELINE_BARS), omitted: bars.length - MAX_TIMELINE_BARS }
    : { bars, omitted: 0 };
}

/**
 * The VM instance asked for: by instance id, or by the VA-space view's id
 * (then the instance live at `line`, as a key may be reused), else the one
 * live at `line`, else the first.
 */
export function pickVm(vms: readonly TimelineVm[], params: TimelineChoice): number {
  const line = params.line ?? 0;
  const wanted = params.vm ? vms.filter((vm) => vm.id === params.vm || vm.vaSpaceId === params.vm) : [];
  const candidates = wanted.length > 0 ? wanted : vms;
  const live = candidates.find((vm) => vm.line <= line && (vm.freedLine === null || vm.freedLine >= line));
  const found = live ?? candidates[0];
  return found ? vms.indexOf(found) : -1;
}

export function traceTimeline(snapshot: AnalyzedDocument, severityOf: SeverityOf, params: TimelineChoice): Timeline {
  const lives = lifetimesOf(snapshot);
  const vms: TimelineVm[] = lives.vms.map((vm) => ({
    id: traceVmInstanceId(vm),
    label: traceVmLabel(vm),
    line: vm.createdLine - 1,
    freedLine: vm.freedLine === undefined ? null : vm.freedLine - 1,
    vaSpaceId: `vm:${vm.driver}:${vm.key}`,
  }));
  const base = { uri: snapshot.uri, kind: snapshot.kind, lineCount: snapshot.lines.lineCount, vms };
  const index = pickVm(vms, params);
  const vm = vms[index];
  const life = lives.vms[index];
  if (!vm || !life)
    return { ...base, vm: null, bars: [], omitted: 0, marks: [], note: 'The trace creates or uses no VM GPUVM Lens replays.' };
  const bars: TimelineBar[] = [];
  for (const mapping of lives.mappings) {
    if (mapping.vmKey !== life.key || mapping.driver !== life.driver || mapping.vmCreatedLine !== life.createdLine) continue;
    bars.push({
      start: hex(mapping.start),
      end: hex(mapping.last + 1n),
      key: mapping.key,
      boundLine: mapping.boundLine - 1,
      boundEvent: mapping.boundEvent,
      unboundLine: mapping.unboundLine === undefined ? null : mapping.unboundLine - 1,
      unboundEvent: mapping.unboundEvent ?? null,
    });
  }
  // Findings on the lines this VM instance lived, that touch it when the index says so.
  const first = life.createdLine;
  const last = life.freedLine ?? Number.MAX_SAFE_INTEGER;
  const vmLines = snapshot.trace ? new Set(snapshot.trace.linesOf(vm.vaSpaceId)) : undefined;
  const marks = marksOf(
    snapshot,
    severityOf,
    (finding) => finding.line >= first && finding.line <= last && (!vmLines || vmLines.has(finding.line)),
  );
  return { ...base, vm, ...capped(bars), marks, ...(bars.length === 0 ? { note: 'This VM bound no mapping in the document.' } : {}) };
}

function vaIdentity(va: ScriptVa): string {
  return `${va.addr}/${va.range}/${va.bo ?? '-'}/${va.offset}`;
}

export function scriptTimeline(snapshot: AnalyzedDocument, severityOf: SeverityOf, params: TimelineChoice): Timeline {
  const script = scriptOf(snapshot);
  const sections = vmSections(snapshot);
  const vms: TimelineVm[] = sections.map((section, index) => ({
    id: vmId(section),
    label: vmLabel(section),
    line: section.index,
    // A later `vm` command replaces the VM.
    freedLine: index + 1 < sections.length ? section.lastIndex + 1 : null,
    vaSpaceId: vmId(section),
  }));
  const base = { uri: snapshot.uri, kind: snapshot.kind, lineCount: snapshot.lines.lineCount, vms };
  const index = pickVm(vms, params);
  const section = sections[index];
  const vm = vms[index];
  if (!section || !vm) return { ...base, vm: null, bars: [], omitted: 0, marks: [], note: 'The script has no `vm` command yet.' };
  const open = new Map<string, { va: ScriptVa; line: number; event: string }>();
  const bars: TimelineBar[] = [];
  const close = (entry: { va: ScriptVa; line: number; event: string }, line: number | null, event: string | null) =>
    bars.push({
      start: hex(entry.va.addr),
      end: hex(entry.va.addr + entry.va.range),
      key: null,
      boundLine: entry.line,
      boundEvent: entry.event,
      unboundLine: line,
      unboundEvent: event,
    });
  for (let at = section.index; at <= section.lastIndex; at++) {
    if (at !== section.index && (script.replay.records[at] ?? []).length === 0) continue;
    const state = stateAfter(snapshot, at);
    if (!state.valid) break;
    const now = new Map(state.vas.filter((va) => !va.kernel).map((va) => [vaIdentity(va), va]));
    const command = (script.lines[at]?.text ?? '').trim().split(/\s+/)[0] ?? '';
    for (const [id, entry] of open) {
      if (now.has(id)) continue;
      close(entry, at, command);
      open.delete(id);
    }
    for (const [id, va] of now) if (!open.has(id)) open.set(id, { va, line: at, event: command });
  }
  for (const entry of open.values()) close(entry, null, null);
  const marks = marksOf(snapshot, severityOf, (finding) => finding.line - 1 >= section.index && finding.line - 1 <= section.lastIndex);
  return { ...base, vm, ...capped(bars), marks, ...(bars.length === 0 ? { note: 'This VM has no mapping in the script.' } : {}) };
}

/** The timeline of the chosen VM of any document; documents without VMs get an empty one that says why. */
export function timelineOf(snapshot: AnalyzedDocument, severityOf: SeverityOf, choice: TimelineChoice): Timeline {
  if (snapshot.kind === 'script') return scriptTimeline(snapshot, severityOf, choice);
  if (snapshot.kind === 'trace') return traceTimeline(snapshot, severityOf, choice);
  return {
    uri: snapshot.uri,
    kind: snapshot.kind,
    lineCount: snapshot.lines.lineCount,
    vms: [],
    vm: null,
    bars: [],
    omitted: 0,
    marks: [],
    note: `No mapping timeline for documents of kind ${snapshot.kind}: open a trace or a GPUVM script.`,
  };
}
