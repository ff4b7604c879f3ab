/**
 * The ftrace line tokeniser on every layout of docs/trace-formats.md ("Line layout", "trace-cmd report"):
 * each case is a line as the kernel or trace-cmd prints it and the fields it
 * must yield.
 */

import { describe, expect, it } from 'vitest';
import { parseTraceLine } from '../../../../src/parse/trace/trace-line';

const PAYLOAD =
  'dev=0000:03:00.0, vma=00000000a1b2c3d4, vm=000000005e6f7a8b, asid=0x00001, start=0x0001a0000000, end=0x0001a01fffff, userptr=0x000000000000';

interface EventCase {
  readonly name: string;
  readonly line: string;
  readonly comm: string;
  readonly pid: number;
  readonly tgid?: number;
  readonly cpu: number;
  readonly ts: number;
  readonly event: string;
  readonly payload?: string;
}

const EVENTS: readonly EventCase[] = [
  {
    name: 'v5.13+ trace, 5 flags',
    line: `          vkcube-4123    [003] .....  1523.407002: xe_vma_bind: ${PAYLOAD}`,
    comm: 'vkcube',
    pid: 4123,
    cpu: 3,
    ts: 1523.407002,
    event: 'xe_vma_bind',
  },
  {
    name: 'record-tgid',
    line: `          vkcube-4123    (   4120) [003] .....  1523.407002: xe_vma_bind: ${PAYLOAD}`,
    comm: 'vkcube',
    pid: 4123,
    tgid: 4120,
    cpu: 3,
    ts: 1523.407002,
    event: 'xe_vma_bind',
  },
  {
    name: 'unknown tgid',
    line: `          vkcube-4123    (-------) [003] .....  1523.407002: xe_vma_bind: ${PAYLOAD}`,
    comm: 'vkcube',
    pid: 4123,
    tgid: -1,
    cpu: 3,
    ts: 1523.407002,
    event: 'xe_vma_bind',
  },
  {
    name: 'irq-info off',
    line: `          vkcube-4123    [003]   1523.407002: xe_vma_bind: ${PAYLOAD}`,
    comm: 'vkcube',
    pid: 4123,
    cpu: 3,
    ts: 1523.407002,
    event: 'xe_vma_bind',
  },
  {
    name: 'v5.10-5.12, 4 flags',
    line: `          vkcube-4123    [003] ....  1523.407002: xe_vma_bind: ${PAYLOAD}`,
    comm: 'vkcube',
    pid: 4123,
    cpu: 3,
    ts: 1523.407002,
    event: 'xe_vma_bind',
  },
  {
    name: 'pre-5.10, 5-wide pid',
    line: `          vkcube-4123  [003] ....  1523.407002: xe_vma_bind: ${PAYLOAD}`,
    comm: 'vkcube',
    pid: 4123,
    cpu: 3,
    ts: 1523.407002,
    event: 'xe_vma_bind',
  },
  {
    name: 'pre-5.10 with tgid',
    line: `          vkcube-4123  ( 4120) [003] ....  1523.407002: xe_vma_bind: ${PAYLOAD}`,
    comm: 'vkcube',
    pid: 4123,
    tgid: 4120,
    cpu: 3,
    ts: 1523.407002,
    event: 'xe_vma_bind',
  },
  {
    name: 'irq context flags',
    line: '          <idle>-0       [007] d.h2.  2210.518004: drm_sched_job_done: fence=2411:1834 signaled',
    comm: '<idle>',
    pid: 0,
    cpu: 7,
    ts: 2210.518004,
    event: 'drm_sched_job_done',
    payload: 'fence=2411:1834 signaled',
  },
  {
    name: 'comm with dash and slash',
    line: '  irq/36-panthor-181     [000] .....    88.104411: gpu_job_irq: fb000000.gpu: events=0x80000001 duration_ns=4210',
    comm: 'irq/36-panthor',
    pid: 181,
    cpu: 0,
    ts: 88.104411,
    event: 'gpu_job_irq',
  },
  {
    name: 'comm with colon',
    line: '      vkcube:cs0-5133    [002] .....  2210.516003: amdgpu_vm_bo_cs: soffs=0800100200, eoffs=0800100300, flags=70',
    comm: 'vkcube:cs0',
    pid: 5133,
    cpu: 2,
    ts: 2210.516003,
    event: 'amdgpu_vm_bo_cs',
  },
  {
    name: 'comm with space',
    line: '  Chrome_ChildIOT-7733    [001] .....   100.000001: gpu_mem_total: gpu_id=0 pid=7733 size=4096',
    comm: 'Chrome_ChildIOT',
    pid: 7733,
    cpu: 1,
    ts: 100.000001,
    event: 'gpu_mem_total',
  },
  {
    name: 'counter clock',
    line: '          vkcube-4123    [003] .....  88221002331: gpu_mem_total: gpu_id=0 pid=4123 size=50331648',
    comm: 'vkcube',
    pid: 4123,
    cpu: 3,
    ts: 88221002331,
    event: 'gpu_mem_total',
  },
  {
    name: 'latency format',
    line: `  vkcube-4123      3d..1.   12us : xe_vma_bind: ${PAYLOAD}`,
    comm: 'vkcube',
    pid: 4123,
    cpu: 3,
    ts: 0.000012,
    event: 'xe_vma_bind',
  },
  {
    name: 'latency format with delay mark',
    line: `  vkcube-4123      3d..1.  512us!: xe_vma_bind: ${PAYLOAD}`,
    comm: 'vkcube',
    pid: 4123,
    cpu: 3,
    ts: 0.000512,
    event: 'xe_vma_bind',
  },
  {
    name: 'trace-cmd report, padded name',
    line: '          vkcube-4123  [003]  1523.407002: xe_vma_bind:          dev=0000:03:00.0, vma=0xffff8881a1b2c3d4',
    comm: 'vkcube',
    pid: 4123,
    cpu: 3,
    ts: 1523.407002,
    event: 'xe_vma_bind',
    payload: 'dev=0000:03:00.0, vma=0xffff8881a1b2c3d4',
  },
  {
    name: 'trace-cmd report -t (ns)',
    line: '          vkcube-4123  [003]  1523.407002113: gpu_mem_total:        gpu_id=0 pid=4123 size=1',
    comm: 'vkcube',
    pid: 4123,
    cpu: 3,
    ts: 1523.407002113,
    event: 'gpu_mem_total',
    payload: 'gpu_id=0 pid=4123 size=1',
  },
  {
    name: 'trace-cmd report -l',
    line: '  vkcube-4123    3d..1  1523.407002: gpu_mem_total:        gpu_id=0 pid=4123 size=1',
    comm: 'vkcube',
    pid: 4123,
    cpu: 3,
    ts: 1523.407002,
    event: 'gpu_mem_total',
    payload: 'gpu_id=0 pid=4123 size=1',
  },
  {
    name: 'CRLF line end',
    line: '          vkcube-4123    [003] .....   100.000001: gpu_mem_total: gpu_id=0 pid=7733 size=4096\r',
    comm: 'vkcube',
    pid: 4123,
    cpu: 3,
    ts: 100.000001,
    event: 'gpu_mem_total',
    payload: 'gpu_id=0 pid=7733 size=4096',
  },
];

describe('parseTraceLine: event layouts', () => {
  it.each(EVENTS)('$name', (testCase) => {
    const parsed = parseTraceLine(testCase.line);
    expect(parsed.kind).toBe('event');
    if (parsed.kind !== 'event') return;
    expect(parsed.comm).toBe(testCase.comm);
    expect(parsed.pid).toBe(testCase.pid);
    expect(parsed.tgid).toBe(testCase.tgid ?? -1);
    expect(parsed.cpu).toBe(testCase.cpu);
    expect(parsed.ts).toBeCloseTo(testCase.ts, 9);
    expect(parsed.event).toBe(testCase.event);
    const marker = `${testCase.event}: `;
    expect(parsed.payload).toBe(testCase.payload ?? testCase.line.slice(testCase.line.indexOf(marker) + marker.length));
  });
});

const MARKERS: readonly { line: string; kind: string; count?: number; cpu?: number }[] = [
  { line: '', kind: 'blank' },
  { line: '# tracer: nop', kind: 'header' },
  { line: '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION', kind: 'header' },
  { line: '# entries-in-buffer/entries-written: 16/16   #P:8', kind: 'header', count: 0 },
  { line: '# entries-in-buffer/entries-written: 16/40   #P:8', kind: 'header', count: 24 },
  { line: 'CPU:3 [LOST 1542 EVENTS]', kind: 'lost', count: 1542, cpu: 3 },
  { line: '##### CPU 2 buffer started ####', kind: 'buffer-started', cpu: 2 },
  { line: '{0x3f4a600000,0x3f4a601000}', kind: 'other' },
  { line: 'cpus=8', kind: 'other' },
  { line: '\u0000\u0001\u0017\u0008Dtracing6', kind: 'other' },
  { line: 'x'.repeat(1 << 20), kind: 'other' },
];

describe('parseTraceLine: markers and other lines', () => {
  it.each(MARKERS.map((testCase) => ({ ...testCase, label: testCase.line.slice(0, 40) })))('$label', (testCase) => {
    const parsed = parseTraceLine(testCase.line);
    expect(parsed.kind).toBe(testCase.kind);
    if (parsed.kind === 'event') return;
    if (testCase.count !== undefined) expect(parsed.count).toBe(testCase.count);
    if (testCase.cpu !== undefined) expect(parsed.cpu).toBe(testCase.cpu);
  });
});
