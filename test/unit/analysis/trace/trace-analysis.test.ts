/**
 * The query API for the language server: events in words, object navigation,
 * state at any line (checkpoints must agree with a straight replay), the
 * mapping covering an address, and the mapping history.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace, splitLines } from '../../../../src/analysis/trace/trace-analysis';
import { TraceReplayer } from '../../../../src/analysis/trace/trace-replayer';
import { stateSnapshots } from '../../../../src/analysis/trace/trace-snapshots';
import { generateTraceText } from '../../../../bench/trace-generator';

const ROOT = join(__dirname, '..', '..', '..', 'fixtures', 'traces');
const xeClean = readFileSync(join(ROOT, 'rules', 'xe-clean.trace'), 'utf8');
// Line numbers in rules/xe-clean.trace (6 header lines first).
const CREATE = 7;
const BIND_A = 8;
const UNBIND_A = 11;
const BIND_B = 12;
const PARTIAL_UNBIND_C = 14;
const EVICT_D = 15;
const UNBIND_B = 21;

describe('TraceAnalysis on a small Xe trace', () => {
  const analysis = analyzeTrace(xeClean);

  it('has the findings and stats of check', () => {
    expect(analysis.findings).toEqual([]);
    expect(analysis.stats.events).toBe(19);
  });

  it('describes an event in words', () => {
    const event = analysis.eventAt(BIND_A);
    expect(event?.status).toBe('decoded');
    expect(event?.layout).toBe('xe v6.17');
    expect(event?.description).toContain('binds VMA 00000000a1b2c3d4 at [0x1a0000000, 0x1a0400000) in VM 000000005e6f7a8b');
    expect(analysis.eventAt(1)).toBeUndefined();
  });

  it('lists the objects an event touches and every line touching one', () => {
    expect(analysis.objectsAt(BIND_A)).toEqual(['vm:xe:000000005e6f7a8b', 'mapping:xe:000000005e6f7a8b/00000000a1b2c3d4']);
    expect(analysis.linesOf('mapping:xe:000000005e6f7a8b/00000000a1b2c3d4')).toEqual([BIND_A, 10, UNBIND_A]);
    expect(analysis.definitionOf('vm:xe:000000005e6f7a8b')).toBe(CREATE);
    expect(analysis.describeObject('mapping:xe:000000005e6f7a8b/00000000a1b2c3d4')).toBe('xe VMA 00000000a1b2c3d4 of VM 000000005e6f7a8b');
  });

  it('gives the VA space at any line', () => {
    expect(analysis.stateAt(CREATE)[0]?.mappings).toEqual([]);
    expect(analysis.stateAt(BIND_A)[0]?.mappings.map((m) => m.key)).toEqual(['00000000a1b2c3d4']);
    const afterPartial = analysis.stateAt(PARTIAL_UNBIND_C)[0]?.mappings.map((m) => [m.key, m.start.toString(16), m.last.toString(16)]);
    expect(afterPartial).toEqual([
      ['00000000b1b2c3d4', '1a0000000', '1a00fffff'],
      [null, '1a0200000', '1a027ffff'],
      ['00000000e1e2e3e4', '7f3a5c000000', '7f3a5c0fffff'],
    ]);
    // The anonymous piece is named by the next event that shows its range.
    expect(analysis.stateAt(EVICT_D)[0]?.mappings[1]?.key).toBe('00000000d1d2d3d4');
    expect(analysis.vmStateAt(BIND_A, '000000005e6f7a8b')?.mappings.length).toBe(1);
    expect(analysis.vmStateAt(BIND_A, 'nope')).toBeUndefined();
    expect(analysis.stateAt(0)).toEqual([]);
    expect(analysis.stateAt(10_000)).toEqual([]);
  });

  it('finds the mapping covering an address', () => {
    expect(analysis.mappingAt(BIND_B, 0x1a0010000n)?.key).toBe('00000000b1b2c3d4');
    expect(analysis.mappingAt(UNBIND_A, 0x1a0010000n)).toBeUndefined();
    expect(analysis.mappingAt(BIND_B, 0x1a0010000n, 'nope')).toBeUndefined();
  });

  it('answers which mapping covered an address and when it was unmapped', () => {
    const covering = analysis.history.covering(0x1a0010000n, { line: UNBIND_B + 1 });
    expect(covering?.live).toBe(false);
    expect(covering?.mapping.key).toBe('00000000b1b2c3d4');
    expect(covering?.mapping.unboundLine).toBe(UNBIND_B);
    expect(covering?.mapping.unboundEvent).toBe('xe_vma_unbind');
    const live = analysis.history.covering(0x1a0010000n, { line: BIND_A });
    expect(live?.live).toBe(true);
    expect(live?.mapping.key).toBe('00000000a1b2c3d4');
    const byTime = analysis.history.covering(0x1a0010000n, { ts: analysis.eventAt(UNBIND_A)?.ts ?? 0, vm: '000000005e6f7a8b' });
    expect(byTime?.mapping.unboundLine).toBe(UNBIND_A);
  });
});

describe('checkpoints agree with a straight replay', () => {
  it.each(['xe', 'amdgpu'] as const)('%s', (driver) => {
    const text = generateTraceText({ driver, lines: 12_000, seed: 11, vms: 8, mappingsPerVm: 64 });
    const lines = splitLines(text);
    const analysis = analyzeTrace(text);
    expect(analysis.findings).toEqual([]);
    const targets = [1, 777, 2048, 2049, 6000, 9000, 9001, 11_999, lines.length, 4000, 100];
    for (const target of targets) {
      const straight = new TraceReplayer({ quiet: true });
      for (let index = 0; index < target; index++) straight.line(lines[index] as string, index + 1);
      expect(
        analysis.stateAt(target).map((vm) => vm.snapshot),
        `line ${target}`,
      ).toEqual(stateSnapshots(straight.state));
    }
  });
});
