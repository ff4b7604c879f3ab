import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGpuvasDump } from '../../../../src/parse/dump/parse-gpuvas';
import {
  renderGpuvas,
  VA_TABLE_HEADER,
  VA_TABLE_RULE,
  REGION_TABLE_HEADER,
  REGION_TABLE_RULE,
} from '../../../../src/parse/dump/render-gpuvas';
import { regionRow, vaRow, type VaSpaceSnapshot } from '../../../../src/parse/dump/snapshot';

const DUMPS = join(__dirname, '..', '..', '..', 'fixtures', 'dumps');
const read = (name: string) => readFileSync(join(DUMPS, name), 'utf8');

describe('gpuvas layout constants', () => {
  it('have the widths the kernel prints', () => {
    expect(VA_TABLE_HEADER).toHaveLength(104);
    expect(VA_TABLE_RULE).toHaveLength(109);
    expect(REGION_TABLE_HEADER).toHaveLength(76);
    expect(REGION_TABLE_HEADER.endsWith(' '.repeat(16))).toBe(true);
    expect(REGION_TABLE_RULE).toHaveLength(76);
  });
});

describe('renderGpuvas', () => {
  it('prints a row of 109 characters with 16-digit hex and an exclusive wrapping end', () => {
    const snapshot: VaSpaceSnapshot = {
      name: 'vm',
      start: 0n,
      end: 1n << 48n,
      reservedStart: 0n,
      reservedEnd: 0n,
      rows: [vaRow(0xffff_ffff_ffff_f000n, 0x2000n, 0xffff888100000000n, 0n)],
    };
    const lines = renderGpuvas([snapshot]).split('\n');
    expect(lines[5]).toBe('     | 0xfffffffffffff000 | 0x0000000000002000 | 0x0000000000001000 | 0xffff888100000000 | 0x0000000000000000');
    expect(lines[5]).toHaveLength(109);
    expect(lines[6]).toBe('');
    expect(lines).toHaveLength(7);
  });

  it('prints the nouveau region table with 13-space rows of 75 characters', () => {
    const text = renderGpuvas([
      { name: 'a[1]', start: 0n, end: 1n << 47n, reservedStart: 0n, reservedEnd: 0n, rows: [], regions: [regionRow(0x1000n, 0x1000n)] },
    ]);
    const lines = text.split('\n');
    expect(lines.slice(5, 9)).toEqual([
      '',
      REGION_TABLE_HEADER,
      REGION_TABLE_RULE,
      '             | 0x0000000000001000 | 0x0000000000001000 | 0x0000000000002000',
    ]);
  });

  it('separates blocks with one empty line only when asked, and never doubles a blank', () => {
    const block = (name: string, blankAfter?: boolean): VaSpaceSnapshot => ({
      name,
      start: 0n,
      end: 0x1000n,
      reservedStart: 0n,
      reservedEnd: 0n,
      rows: [],
      ...(blankAfter ? { blankAfter } : {}),
    });
    expect(renderGpuvas([block('a'), block('b')])).not.toContain('\n\nDRM');
    expect(renderGpuvas([block('a'), block('b')], { separateBlocks: true })).toContain('-\n\nDRM GPU VA space (b)');
    expect(renderGpuvas([block('a', true), block('b')], { separateBlocks: true })).not.toContain('\n\n\nDRM');
    expect(renderGpuvas([])).toBe('');
  });
});

describe('parseGpuvasDump', () => {
  const files = readdirSync(DUMPS).filter((name) => name.endsWith('.gpuvas') && !name.startsWith('bad-'));
  it.each(files)('round-trips %s byte for byte', (name) => {
    const text = read(name);
    const dump = parseGpuvasDump(text);
    expect(dump.errors).toEqual([]);
    expect(renderGpuvas(dump.snapshots)).toBe(text);
  });

  it('reads the nouveau example of the spec into rows and regions', () => {
    const dump = parseGpuvasDump(read('nouveau-spec-example.gpuvas'));
    expect(dump.snapshots).toHaveLength(1);
    const vm = dump.snapshots[0] as VaSpaceSnapshot;
    expect(vm.name).toBe('vkcube[2742]');
    expect([vm.start, vm.end, vm.reservedStart, vm.reservedEnd]).toEqual([0n, 0x800000000000n, 0n, 0x800000000n]);
    expect(vm.rows.map((row) => [row.addr, row.range, row.object, row.offset, row.line])).toEqual([
      [0x800000000n, 0x10000n, 0xffff9a0c4b6e1800n, 0n, 6],
      [0x800010000n, 0x200000n, 0xffff9a0c4b6e2400n, 0n, 7],
      [0x800210000n, 0x1000n, 0xffff9a0c4b6e1800n, 0x10000n, 8],
      [0x1000000000n, 0x100000n, 0n, 0n, 9],
    ]);
    expect(vm.regions?.map((region) => [region.start, region.range, region.end, region.line])).toEqual([
      [0x1000000000n, 0x100000n, 0x1000100000n, 13],
    ]);
  });

  it('marks the panthor block as followed by an empty line', () => {
    const dump = parseGpuvasDump(read('panthor-spec-example.gpuvas'));
    expect(dump.snapshots.map((vm) => [vm.name, vm.rows.length, vm.blankAfter])).toEqual([['panthor-GPU-VM', 2, true]]);
  });

  it('accepts CRLF line ends and a region header whose trailing spaces were stripped', () => {
    const text = read('nouveau-spec-example.gpuvas').replace(REGION_TABLE_HEADER, REGION_TABLE_HEADER.trimEnd()).replace(/\n/g, '\r\n');
    const dump = parseGpuvasDump(text);
    expect(dump.errors).toEqual([]);
    expect(renderGpuvas(dump.snapshots)).toBe(read('nouveau-spec-example.gpuvas'));
  });

  it('reports a malformed row and still parses the rows after it', () => {
    const lines = read('panthor-spec-example.gpuvas').split('\n');
    lines.splice(5, 0, '     | 0x0000000000800000 | 0x00000000000010 | zz | 0x0 | 0x0', '     | 0x1 | 0x2');
    const dump = parseGpuvasDump(lines.join('\n'));
    expect(dump.errors.map((error) => [error.line, error.code])).toEqual([
      [6, 'malformed-row'],
      [7, 'malformed-row'],
    ]);
    expect(dump.snapshots[0]?.rows).toHaveLength(2);
  });

  it('reports a truncated block, orphan rows and stray lines without throwing', () => {
    const panthor = read('panthor-spec-example.gpuvas').split('\n');
    const text = [...panthor.slice(5, 7), '$ cat gpuvas', ...panthor.slice(0, 2)].join('\n');
    const dump = parseGpuvasDump(text);
    expect(dump.errors.map((error) => [error.line, error.code])).toEqual([
      [1, 'orphan-rows'],
      [3, 'unexpected-line'],
      [5, 'truncated-block'],
    ]);
    expect(dump.snapshots).toHaveLength(1);
  });

  it('skips a block whose header cannot be read, up to the next block', () => {
    const panthor = read('panthor-spec-example.gpuvas');
    const dump = parseGpuvasDump(panthor.replace('[0x0000000000000000;0x0001000000000000]', '[zz]') + panthor);
    expect(dump.errors.map((error) => [error.line, error.code])).toEqual([[1, 'malformed-header']]);
    expect(dump.snapshots.map((vm) => vm.rows.length)).toEqual([2]);
  });

  it('handles empty input and binary garbage', () => {
    expect(parseGpuvasDump('')).toEqual({ snapshots: [], errors: [], lines: 0 });
    const garbage = parseGpuvasDump('\u0000\u00ff\u0001|||\n\u0007');
    expect(garbage.snapshots).toEqual([]);
    expect(garbage.errors).toEqual([
      { line: 1, code: 'unexpected-line', message: 'lines 1-2 are not part of a gpuvas dump (expected a "DRM GPU VA space" line)' },
    ]);
  });
});
