import { describe, expect, it } from 'vitest';
import { diffSnapshots } from '../../../src/analysis/dump/diff-snapshots';
import { vaRow, type VaSpaceSnapshot } from '../../../src/parse/dump/snapshot';

const vm = (name: string, rows: VaSpaceSnapshot['rows'], window: [bigint, bigint] = [0n, 1n << 48n]): VaSpaceSnapshot => ({
  name,
  start: window[0],
  end: window[1],
  reservedStart: 0n,
  reservedEnd: 0n,
  rows,
});

describe('diffSnapshots', () => {
  it('finds mappings only in a, only in b and changed ones, per VM matched by name', () => {
    const a = [
      vm('x', [vaRow(0x1000n, 0x1000n, 0xaan, 0n), vaRow(0x3000n, 0x1000n, 0xaan, 0n), vaRow(0x5000n, 0x1000n, 0xaan, 0n)]),
      vm('y', []),
    ];
    const b = [
      vm('y', []),
      vm('x', [vaRow(0x1000n, 0x1000n, 0xaan, 0n), vaRow(0x3000n, 0x2000n, 0xbbn, 0x1000n), vaRow(0x7000n, 0x1000n, 0n, 0n)]),
    ];
    const diff = diffSnapshots(a, b);
    expect(diff.equal).toBe(false);
    const x = diff.vms[0];
    expect(x?.name).toBe('x');
    expect(x?.onlyInA.map((row) => row.addr)).toEqual([0x5000n]);
    expect(x?.onlyInB.map((row) => row.addr)).toEqual([0x7000n]);
    expect(x?.changed.map((change) => [change.a.addr, change.fields])).toEqual([[0x3000n, ['range', 'object', 'offset']]]);
    expect(diff.vms[1]?.name).toBe('y');
    expect(diffSnapshots(a, a).equal).toBe(true);
  });

  it('ignores object identities when asked, and pairs VMs by order when asked', () => {
    const a = [vm('trace-vm', [vaRow(0x1000n, 0x1000n, 0x1n, 0n)])];
    const b = [vm('panthor-GPU-VM', [vaRow(0x1000n, 0x1000n, 0xffff000804a3c000n, 0n)])];
    expect(diffSnapshots(a, b).vms.map((entry) => [entry.name, !!entry.a, !!entry.b])).toEqual([
      ['trace-vm', true, false],
      ['panthor-GPU-VM', false, true],
    ]);
    expect(diffSnapshots(a, b, { byOrder: true, ignoreObject: true }).equal).toBe(true);
    expect(diffSnapshots(a, b, { byOrder: true }).equal).toBe(false);
  });

  it('compares windows only when both sides print one', () => {
    expect(diffSnapshots([vm('x', [], [0n, 0n])], [vm('x', [], [0n, 1n << 47n])]).equal).toBe(true);
    expect(diffSnapshots([vm('x', [], [0n, 1n << 48n])], [vm('x', [], [0n, 1n << 47n])]).vms[0]?.windowChanged).toBe(true);
  });

  it('pairs repeated VM names in order and repeated start addresses one to one', () => {
    const a = [vm('x', [vaRow(0x1000n, 0n, 0n, 0n), vaRow(0x1000n, 0x1000n, 0n, 0n)]), vm('x', [])];
    const b = [vm('x', [vaRow(0x1000n, 0n, 0n, 0n), vaRow(0x1000n, 0x1000n, 0n, 0n)]), vm('x', [vaRow(0x2000n, 0x1000n, 0n, 0n)])];
    const diff = diffSnapshots(a, b);
    expect(diff.vms.map((entry) => [entry.onlyInA.length, entry.onlyInB.length, entry.changed.length])).toEqual([
      [0, 0, 0],
      [0, 1, 0],
    ]);
  });
});
