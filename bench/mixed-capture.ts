/**
 * A mixed capture for `npm run bench:trace`: Xe and amdgpu workloads from the
 * seeded generator (trace-generator.ts), i915 binds, gpu_scheduler and
 * dma_fence traffic, with the line prefix rewritten block by block into every
 * layout the decoder reads (trace/trace_pipe of today and of v5.10 with four
 * flags, the TGID column, trace-cmd report, the latency format), so the
 * benchmark pays for every tokeniser path and every event table, not only
 * the most common one.
 *
 * Deterministic for a line count; written through a callback in chunks.
 */

import { generateTrace } from './trace-generator';

type Layout = (comm: string, pid: string, cpu: string, flags: string, ts: string, rest: string) => string;

const LAYOUTS: readonly Layout[] = [
  (comm, pid, cpu, flags, ts, rest) => `${comm.padStart(16)}-${pid.padEnd(7)} [${cpu}] ${flags} ${ts.padStart(12)}: ${rest}`,
  (comm, pid, cpu, flags, ts, rest) =>
    `${comm.padStart(16)}-${pid.padEnd(7)} (${pid.padStart(7)}) [${cpu}] ${flags} ${ts.padStart(12)}: ${rest}`,
  (comm, pid, cpu, flags, ts, rest) => `${comm.padStart(16)}-${pid.padEnd(5)} [${cpu}] ${flags.slice(1)} ${ts.padStart(12)}: ${rest}`,
  (comm, pid, cpu, _flags, ts, rest) => `${comm.padStart(16)}-${pid.padEnd(5)} [${cpu}] ${ts.padStart(12)}: ${rest}`,
  (comm, pid, cpu, _flags, ts, rest) =>
    `${comm.padStart(10)}-${pid.padEnd(7)} ${Number(cpu)}d..1. ${Math.round(Number(ts) * 1e6)}us : ${rest}`,
];

const PREFIX = /^\s*(.+?)-(\d+)\s+\[(\d{3})\] (\S{5})\s+(\d+\.\d+): (.*)$/;

/** Rewrites each line of a chunk (whole lines) into `layout`. */
function relayout(chunk: string, layout: Layout): string {
  const lines = chunk.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = PREFIX.exec(lines[i] as string);
    if (match)
      lines[i] = layout(
        match[1] as string,
        match[2] as string,
        match[3] as string,
        match[4] as string,
        match[5] as string,
        match[6] as string,
      );
  }
  return lines.join('\n');
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

/** i915 VMAs bound and unbound, with scheduler jobs and their fences between them. */
function otherDrivers(lines: number, write: (chunk: string) => void): void {
  const out: string[] = [];
  let ts = 3000;
  let block = 0;
  for (let n = 0; n < lines; n += 6) {
    const vm = hex(0x20000000 + (n % 4096), 16);
    const obj = hex(0x30000000 + n, 16);
    const offset = hex(0x100000 + ((n / 6) % 8192) * 0x10000, 5);
    const seqno = n / 6 + 1;
    const stamp = (): string => (ts += 0.000007).toFixed(6);
    out.push(
      `          i915-3100    [002] .....  ${stamp()}: i915_vma_bind: obj=${obj}, offset=0x${offset} size=0x10000 vm=${vm}`,
      `   kworker/2:1-88      [002] .....  ${stamp()}: drm_sched_job_queue: dev=0000:00:02.0, fence=7:${seqno}, ring=rcs0, job count:1, hw job count:0, client_id:3`,
      `   kworker/2:1-88      [002] .....  ${stamp()}: dma_fence_emit: driver=i915 timeline=rcs0 context=7 seqno=${seqno}`,
      `        <idle>-0       [002] d.h1.  ${stamp()}: dma_fence_signaled: driver=i915 timeline=rcs0 context=7 seqno=${seqno}`,
      `   kworker/2:1-88      [002] .....  ${stamp()}: drm_sched_job_done: fence=7:${seqno} signaled`,
      `          i915-3100    [002] .....  ${stamp()}: i915_vma_unbind: obj=${obj}, offset=0x${offset} size=0x10000 vm=${vm}`,
    );
    if (out.length >= 6000) write(relayout(out.splice(0).join('\n') + '\n', LAYOUTS[block++ % LAYOUTS.length] as Layout));
  }
  if (out.length > 0) write(out.join('\n') + '\n');
}

/** Writes a mixed capture of about `lines` lines: 45 % Xe, 45 % amdgpu, 10 % i915 with scheduler and fences. */
export function writeMixedCapture(lines: number, write: (chunk: string) => void): void {
  let block = 0;
  const relayoutInto = (chunk: string): void => write(relayout(chunk, LAYOUTS[block++ % LAYOUTS.length] as Layout));
  generateTrace({ driver: 'xe', lines: Math.round(lines * 0.45), seed: lines + 1, vms: 64, mappingsPerVm: 80 }, relayoutInto);
  generateTrace({ driver: 'amdgpu', lines: Math.round(lines * 0.45), seed: lines + 2, vms: 64, mappingsPerVm: 80 }, relayoutInto);
  otherDrivers(lines - 2 * Math.round(lines * 0.45), write);
}
