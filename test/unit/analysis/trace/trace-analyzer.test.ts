/**
 * The trace analyzer as `check` uses it: statistics of README.md ("Traces"), and the
 * hostile inputs (CRLF, a 1 MB line) analyzed without a crash.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeText } from '../../../../src/analysis/registry';
import { detectKind } from '../../../../src/base/detect-kind';

const ROOT = join(__dirname, '..', '..', '..', 'fixtures', 'traces');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

describe('trace analyzer', () => {
  it('reports the stats of the cli spec', async () => {
    const result = await analyzeText(read('rules/unknown-and-changed.trace'), { path: 'x', kind: 'trace' });
    expect(result.kind).toBe('trace');
    expect(result.stats).toMatchObject({ lines: 11, events: 5, recognized: 1, unknownEvents: { sched_switch: 2 }, vms: 1, mappings: 1 });
  });

  it('counts VMs and mappings of a whole life', async () => {
    const result = await analyzeText(read('rules/xe-clean.trace'), { path: 'x', kind: 'trace' });
    expect(result.stats).toMatchObject({ vms: 1, liveVms: 0, liveMappings: 0 });
    expect(result.stats.mappings).toBeGreaterThanOrEqual(4);
  });

  it('detects every layout fixture as a trace', () => {
    for (const name of ['trace-v5.18', 'trace-tgid', 'trace-cmd-report', 'trace-pipe-no-irq-info', 'edge-crlf', 'spec-examples']) {
      const path = name === 'spec-examples' ? 'spec-examples.trace' : `layouts/${name}.trace`;
      expect(detectKind(read(path), path), name).toBe('trace');
    }
  });

  it('gives the same result for CRLF and LF line ends, and says once that the line ends were CRLF', async () => {
    const lf = await analyzeText(read('layouts/trace-v5.18.trace'), { path: 'x', kind: 'trace' });
    const crlf = await analyzeText(read('layouts/edge-crlf.trace'), { path: 'x', kind: 'trace' });
    expect(crlf.stats).toEqual(lf.stats);
    expect(crlf.findings.filter((finding) => finding.rule !== 'trace-crlf-line-ends')).toEqual(lf.findings);
    expect(lf.findings.filter((finding) => finding.rule === 'trace-crlf-line-ends')).toEqual([]);
    const notes = crlf.findings.filter((finding) => finding.rule === 'trace-crlf-line-ends');
    expect(notes.map((finding) => finding.line)).toEqual([1]);
    expect(notes[0]?.severity).toBe('info');
  });

  it('survives a 1 MB line between events and says so', async () => {
    const lines = read('layouts/trace-v5.18.trace').split('\n');
    lines.splice(14, 0, 'x'.repeat(1 << 20));
    const result = await analyzeText(lines.join('\n'), { path: 'x', kind: 'trace' });
    expect(result.stats.recognized).toBe(5);
    expect(result.findings.map((finding) => `${finding.line} ${finding.rule}`)).toEqual([
      '15 trace-unparsable-line',
      '15 trace-unparsable-line',
    ]);
  });

  it('survives a 1 MB event payload', async () => {
    const line = `          vkcube-4123    [003] .....  1523.406112: xe_vm_create: dev=${'9'.repeat(1 << 20)}`;
    const next = '          vkcube-4123    [003] .....  1523.406113: gpu_mem_total: gpu_id=0 pid=4123 size=1';
    const result = await analyzeText(`${line}\n${next}\n`, { path: 'x', kind: 'trace' });
    expect(result.stats.events).toBe(2);
    expect(result.findings.map((finding) => finding.rule).sort()).toEqual(['trace-format-changed', 'trace-unparsable-line']);
  });
});

describe('kind detection of trace layouts without the usual markers', () => {
  it.each([
    ['latency format', '  vkcube-4123      3d..1.   12us : gpu_mem_total: gpu_id=0 pid=4123 size=1'],
    ['trace-cmd report -l', '  vkcube-4123    3d..1  1523.407002: gpu_mem_total:        gpu_id=0 pid=4123 size=1'],
    ['counter clock', '          vkcube-4123    [003] .....  88221002331: gpu_mem_total: gpu_id=0 pid=4123 size=1'],
  ])('%s', (_name, line) => {
    expect(detectKind(`${line}\n${line}\n`, 'x')).toBe('trace');
  });

  it('still tells a kernel log from a trace', () => {
    expect(detectKind('[   12.345678] amdgpu 0000:03:00.0: amdgpu: [gfxhub] page fault\n', 'x')).toBe('kernel-log');
  });

  it('reads a head of long blank-filled lines as nothing known (once a seconds-long backtrack)', () => {
    const line = `x${' '.repeat(60_000)}y`;
    expect(detectKind(`${line}\n`.repeat(5), 'x')).toBe('unknown');
  });
});
