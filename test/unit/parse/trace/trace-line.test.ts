/**
 * The ftrace line tokeniser on every layout of docs/trace-formats.md ("Line layout", "trace-cmd report"):
 * each case is a line as the kernel or trace-cmd prints it and the fields it
 * must yield.
 */

import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src/base/seeded-random';
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

/** The latency format's definition (docs/trace-formats.md): what the hand scan must read as. */
const LATENCY = /^\s*(.{0,40}?)-(\d+)\s+(\d{1,4})([^\s\d][^\s]{2,5})\s+(?:(\d+)us[ +!#*@$]|(\d+(?:\.\d+)?)):? ?: ([\w.:-]+?):\s*/;

function latencyReference(line: string) {
  const match = LATENCY.exec(line);
  if (!match) return { kind: 'other' };
  const payloadColumn = match[0].length;
  const ts = match[5] !== undefined ? Number(match[5]) / 1e6 : Number(match[6]);
  const [comm, pid, cpu, event] = [(match[1] ?? '').trim(), Number(match[2]), Number(match[3]), match[7]];
  return { kind: 'event', comm, pid, cpu, ts, event, payload: line.slice(payloadColumn), payloadColumn };
}

/** Near-misses of the latency layout: every piece usually as the format prints it, sometimes varied around what it allows. */
function latencyLike(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const run = (alphabet: string, min: number, max: number): string =>
    Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  const usually = (valid: () => string, variant: () => string): string => (random() < 0.85 ? valid() : variant());
  return [
    run(' ', 0, 3),
    usually(
      // Task names with dashes too (`gnome-shell`): the expression tries each dash in turn.
      () => run('abcvk:/<>0123-', 1, 16),
      () => run('abcvk:/<>- 0123', 0, 44),
    ),
    usually(
      () => '-',
      () => pick(['', '--', '- ']),
    ),
    usually(
      () => run('0123456789', 1, 6),
      () => pick(['', 'x', '12x']),
    ),
    usually(
      () => run(' ', 1, 4),
      () => '',
    ),
    usually(
      () => run('0123456789', 1, 3),
      () => run('0123456789', 0, 6),
    ),
    usually(
      () => pick(['d..1.', 'd.h2.', 'dNs1.', '...1', 'x!0']),
      () => run('d.h1Ns!0x', 0, 8),
    ),
    usually(
      () => run(' ', 1, 2),
      () => '',
    ),
    usually(
      () => pick([`${run('0123456789', 1, 12)}us`, `${run('0123456789', 1, 5)}.${run('0123456789', 1, 7)}`]),
      () => pick([run('0123456789', 0, 17), `${run('0123456789', 16, 18)}us`, `${run('0123456789', 1, 5)}.`]),
    ),
    usually(
      () => pick([' ', '!', '+', '#', '*', '@', '$']),
      () => pick(['', 'x', '  ']),
    ),
    usually(
      () => pick([': ', ' : ', ':: ', ': : ']),
      () => pick([':', ' ', '::', ' :: ', ': :: ']),
    ),
    usually(
      () => run('abcdef_xe.-', 1, 14),
      () => run('abcdef_xe.-:0 ', 0, 14),
    ),
    usually(
      () => ': ',
      () => pick([':', '::', ' : ', '', ':   ']),
    ),
    pick(['vm=0000000012345678', 'soffs=0001101280, eoffs=0001101300, flags=70', '', ': x', ' y']),
  ].join('');
}

describe('parseTraceLine: the latency format by hand equals its regular expression', () => {
  it('on 50,000 near-miss lines', () => {
    const random = mulberry32(17);
    let events = 0;
    for (let n = 0; n < 50_000; n++) {
      const line = latencyLike(random);
      if (line.includes('[') || line.trim() === '' || line.startsWith('#') || line.startsWith('CPU:')) continue;
      const expected = latencyReference(line);
      const parsed = parseTraceLine(line);
      const actual =
        parsed.kind === 'event'
          ? {
              kind: parsed.kind,
              comm: parsed.comm,
              pid: parsed.pid,
              cpu: parsed.cpu,
              ts: parsed.ts,
              event: parsed.event,
              payload: parsed.payload,
              payloadColumn: parsed.payloadColumn,
            }
          : { kind: parsed.kind };
      expect(actual, JSON.stringify(line)).toEqual(expected);
      if (parsed.kind === 'event') events++;
    }
    // The generator must reach both outcomes often.
    expect(events).toBeGreaterThan(2_000);
    expect(events).toBeLessThan(48_000);
  });
});
