/**
 * A replayed capture as a Chrome JSON trace (the Trace Event Format that
 * ui.perfetto.dev and Perfetto's trace processor import): one process per VM
 * instance, its mappings as complete (`X`) slices from bind to unbind on
 * lanes (a lane is a thread that carries mappings whose lifetimes do not
 * overlap), findings as instant (`i`) events on their VM's process (or on a
 * "findings" process when no VM is named), and the capture's scheduler and
 * fence events in processes of their own.
 *
 * Pure and plain: the caller hands lifetimes in seconds (as the trace stamps
 * them) and the writer gives microseconds, the format's unit. The schema of
 * what is written is test/fixtures/perfetto/trace-event.schema.json.
 */

import type { Finding } from '../rules/rule';

export interface ExportVm {
  /** Stable identity of the VM instance (a key can be reused after a free). */
  readonly id: string;
  readonly label: string;
  /** What findings name the VM by (a pointer, a process id). */
  readonly name: string;
  readonly createdTs: number | undefined;
  readonly freedTs: number | undefined;
}

export interface ExportMapping {
  readonly vm: string;
  readonly start: bigint;
  /** Exclusive. */
  readonly end: bigint;
  readonly object: string;
  readonly offset: bigint;
  readonly key: string | null;
  readonly boundTs: number;
  readonly boundLine: number;
  readonly boundEvent: string;
  readonly unboundTs: number | undefined;
  readonly unboundLine: number | undefined;
  readonly unboundEvent: string | undefined;
}

/** A scheduler or fence event of the capture, kept as it was. */
export interface ExportEvent {
  readonly group: 'GPU scheduler' | 'dma_fence';
  readonly name: string;
  readonly ts: number;
  readonly line: number;
  readonly cpu: number;
  readonly task: string;
  readonly payload: string;
}

export interface ExportInput {
  readonly source: string;
  readonly toolVersion: string;
  readonly vms: readonly ExportVm[];
  readonly mappings: readonly ExportMapping[];
  readonly findings: readonly Finding[];
  /** The timestamp of a 1-based line (for findings), undefined when it has none. */
  readonly tsOfLine: (line: number) => number | undefined;
  readonly events: readonly ExportEvent[];
  /** The capture's last timestamp: where still-live mappings end. */
  readonly endTs: number;
}

export interface TraceEvent {
  readonly name: string;
  readonly ph: 'X' | 'i' | 'M';
  readonly ts?: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly s?: 'g' | 'p' | 't';
  readonly cat?: string;
  readonly args: Record<string, string | number | boolean | null>;
}

export interface ChromeTrace {
  readonly traceEvents: readonly TraceEvent[];
  readonly displayTimeUnit: 'ns' | 'ms';
  readonly otherData: Record<string, string>;
}

/** Seconds to the format's microseconds, kept to the nanosecond. */
function micros(seconds: number): number {
  return Math.round(seconds * 1e9) / 1e3;
}

const hex = (value: bigint): string => '0x' + value.toString(16);

export function toChromeTrace(input: ExportInput): ChromeTrace {
  const events: TraceEvent[] = [];
  const pidOf = new Map<string, number>();
  let nextPid = 1;
  for (const vm of input.vms) {
    const pid = nextPid++;
    pidOf.set(vm.id, pid);
    events.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: vm.label } });
    events.push({ name: 'thread_name', ph: 'M', pid, tid: 0, args: { name: 'VM lifetime and findings' } });
    if (vm.createdTs !== undefined) {
      const end = vm.freedTs ?? input.endTs;
      events.push({
        name: `VM ${vm.name}`,
        cat: 'vm',
        ph: 'X',
        ts: micros(vm.createdTs),
        dur: Math.max(0, micros(end) - micros(vm.createdTs)),
        pid,
        tid: 0,
        args: { freed: vm.freedTs !== undefined },
      });
    }
  }

  // Lanes: the first lane free at the bind, per VM, in bind order.
  const lanes = new Map<string, number[]>();
  const laneNamed = new Set<string>();
  const ordered = [...input.mappings].sort((a, b) => a.boundTs - b.boundTs || a.boundLine - b.boundLine);
  for (const mapping of ordered) {
    const pid = pidOf.get(mapping.vm);
    if (pid === undefined) continue;
    const ends = lanes.get(mapping.vm) ?? [];
    lanes.set(mapping.vm, ends);
    const endTs = mapping.unboundTs ?? input.endTs;
    let lane = ends.findIndex((end) => end <= mapping.boundTs);
    if (lane === -1) lane = ends.push(endTs) - 1;
    else ends[lane] = endTs;
    const tid = lane + 1;
    if (!laneNamed.has(`${pid}:${tid}`)) {
      laneNamed.add(`${pid}:${tid}`);
      events.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name: `mappings ${tid}` } });
    }
    events.push({
      name: `[${hex(mapping.start)}, ${hex(mapping.end)})`,
      cat: 'mapping',
      ph: 'X',
      ts: micros(mapping.boundTs),
      dur: Math.max(0, micros(endTs) - micros(mapping.boundTs)),
      pid,
      tid,
      args: {
        start: hex(mapping.start),
        end: hex(mapping.end),
        size: hex(mapping.end - mapping.start),
        object: mapping.object,
        offset: hex(mapping.offset),
        mapping: mapping.key,
        bound_line: mapping.boundLine,
        bound_event: mapping.boundEvent,
        unbound_line: mapping.unboundLine ?? null,
        unbound_event: mapping.unboundEvent ?? null,
        live_at_end: mapping.unboundTs === undefined,
      },
    });
  }

  let findingsPid: number | undefined;
  for (const finding of input.findings) {
    const ts = input.tsOfLine(finding.line);
    if (ts === undefined) continue;
    // The instance the message names that was created last before the finding (a key can be reused).
    let vm: ExportVm | undefined;
    for (const candidate of input.vms)
      if (finding.message.includes(candidate.name) && (candidate.createdTs === undefined || candidate.createdTs <= ts)) vm = candidate;
    let pid = vm ? pidOf.get(vm.id) : undefined;
    if (pid === undefined) {
      if (findingsPid === undefined) {
        findingsPid = nextPid++;
        events.push({ name: 'process_name', ph: 'M', pid: findingsPid, tid: 0, args: { name: 'GPUVM Lens findings' } });
      }
      pid = findingsPid;
    }
    events.push({
      name: finding.rule,
      cat: 'finding',
      ph: 'i',
      s: 'p',
      ts: micros(ts),
      pid,
      tid: 0,
      args: { severity: finding.severity, message: finding.message, line: finding.line },
    });
  }

  const groupPid = new Map<string, number>();
  for (const event of input.events) {
    let pid = groupPid.get(event.group);
    if (pid === undefined) {
      pid = nextPid++;
      groupPid.set(event.group, pid);
      events.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: event.group } });
    }
    events.push({
      name: event.name,
      cat: event.group,
      ph: 'i',
      s: 't',
      ts: micros(event.ts),
      pid,
      tid: event.cpu,
      args: { line: event.line, task: event.task, payload: event.payload },
    });
  }
  return {
    traceEvents: withUniqueThreadIds(events),
    displayTimeUnit: 'ns',
    otherData: { source: input.source, tool: `gpuvm-lens ${input.toolVersion}` },
  };
}

/**
 * Perfetto's JSON importer knows a thread by its tid alone, as Linux does: the
 * same tid in two processes would be one thread moving between them. Above,
 * each process numbers its own threads (0 for the process's main thread, then
 * lanes or CPUs); here the main thread takes the pid as its tid, as on Linux,
 * and every other thread a tid above every pid.
 */
function withUniqueThreadIds(events: readonly TraceEvent[]): TraceEvent[] {
  let maxPid = 0;
  for (const event of events) maxPid = Math.max(maxPid, event.pid);
  const tids = new Map<string, number>();
  return events.map((event) => {
    if (event.tid === 0) return { ...event, tid: event.pid };
    const key = `${event.pid}:${event.tid}`;
    let tid = tids.get(key);
    if (tid === undefined) {
      tid = maxPid + 1 + tids.size;
      tids.set(key, tid);
    }
    return { ...event, tid };
  });
}
