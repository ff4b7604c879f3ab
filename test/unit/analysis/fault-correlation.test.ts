import { describe, expect, it } from 'vitest';
import { kernelLogResult } from '../../../src/analysis/kernel-log/kernel-log-analyzer';
import { MappingTimeline } from '../../../src/analysis/kernel-log/mapping-timeline';
import { parseKernelLog } from '../../../src/parse/kernel-log/parse-kernel-log';

const LOG = [
  '[ 1527.100000] xe 0000:03:00.0: [drm] GT0: ',
  '[ 1527.100000] \tASID: 3',
  '[ 1527.100000] \tFaulted Address: 0x0000000200100000',
  '[ 1527.100000] \tAccessType: 0',
  '[ 1528.000000] amdgpu 0000:03:00.0: amdgpu: [gfxhub0] no-retry page fault (src_id:0 ring:24 vmid:3 pasid:32770)',
  '[ 1528.000001] amdgpu 0000:03:00.0: amdgpu:   in page starting at address 0x0000000000410000 from IH client 0x1b (UTCL2)',
  '[ 1529.000000] amdgpu 0000:03:00.0: amdgpu: [gfxhub0] no-retry page fault (src_id:0 ring:24 vmid:3 pasid:40000)',
  '[ 1529.000001] amdgpu 0000:03:00.0: amdgpu:   in page starting at address 0x0000000000410000 from IH client 0x1b (UTCL2)',
  '[ 1530.000000] amdgpu 0000:03:00.0: amdgpu: [gfxhub0] no-retry page fault (src_id:0 ring:24 vmid:3 pasid:32770)',
  '[ 1530.000001] amdgpu 0000:03:00.0: amdgpu:   in page starting at address 0x0000000000500000 from IH client 0x1b (UTCL2)',
].join('\n');

function timeline(): MappingTimeline {
  const history = new MappingTimeline('run.trace');
  history.alias('000000007a6b5c4d', 'asid:3');
  history.alias('amdgpu-32770', 'pasid:32770');
  // The Xe mapping was bound, then unbound 0.4 s before the fault, then the range was bound again after it.
  history.map({
    vm: '000000007a6b5c4d',
    start: 0x200000000n,
    end: 0x200200000n,
    createdLine: 10,
    createdEvent: 'xe_vma_bind',
    createdTimestamp: 1520,
  });
  history.unmap('000000007a6b5c4d', 0x200000000n, 40, 'xe_vma_unbind', 1526.7);
  history.map({
    vm: '000000007a6b5c4d',
    start: 0x200000000n,
    end: 0x200200000n,
    createdLine: 90,
    createdEvent: 'xe_vma_bind',
    createdTimestamp: 1600,
  });
  // The amdgpu mapping is live at the fault.
  history.map({
    vm: 'amdgpu-32770',
    start: 0x400000n,
    end: 0x420000n,
    createdLine: 55,
    createdEvent: 'amdgpu_vm_bo_map',
    createdTimestamp: 1500,
  });
  return history;
}

describe('fault correlation', () => {
  const result = kernelLogResult(parseKernelLog(LOG), timeline());
  const history = result.findings.filter((finding) => finding.rule === 'log-fault-history');

  it('finds the mapping unmapped before the fault, with the bind and unbind lines of the trace', () => {
    const xe = history.find((finding) => finding.line === 3);
    expect(xe?.message).toBe(
      '0x0000000200100000 was mapped by [0x0000000200000000, 0x0000000200200000) of VM 000000007a6b5c4d (trace line 10, xe_vma_bind) and unmapped at trace line 40 by xe_vma_unbind, 0.400000 s before the fault: the GPU used the address after it was unbound — a job submitted or still running with a stale address.',
    );
    expect(xe?.related).toEqual([
      { path: 'run.trace', line: 10, message: 'xe_vma_bind maps [0x0000000200000000, 0x0000000200200000)' },
      { path: 'run.trace', line: 40, message: 'xe_vma_unbind unmaps [0x0000000200000000, 0x0000000200200000)' },
    ]);
  });

  it('finds the mapping live at the fault', () => {
    const covered = history.find((finding) => finding.line === 6);
    expect(covered?.message).toContain(
      'is inside the mapping [0x0000000000400000, 0x0000000000420000) of VM amdgpu-32770 (trace line 55, amdgpu_vm_bo_map)',
    );
    expect(covered?.related).toEqual([
      { path: 'run.trace', line: 55, message: 'amdgpu_vm_bo_map maps [0x0000000000400000, 0x0000000000420000)' },
    ]);
  });

  it('says when the VM is not in the trace, and when the address was never mapped', () => {
    expect(history.find((finding) => finding.line === 8)?.message).toBe(
      'The trace (run.trace) has no VM matching pasid 40000; the fault at 0x0000000000410000 cannot be traced to a mapping.',
    );
    expect(history.find((finding) => finding.line === 10)?.message).toBe(
      '0x0000000000500000 was never mapped in VM amdgpu-32770 in the trace (run.trace): a wild or stale pointer, or a mapping made before the recorded history begins.',
    );
    expect(history).toHaveLength(4);
  });

  it('ignores mappings created after the fault and compares with the end of the trace when the log has no timestamps', () => {
    const late = new MappingTimeline('t');
    late.alias('vm', 'asid:3');
    late.map({ vm: 'vm', start: 0x200000000n, end: 0x200200000n, createdLine: 5, createdEvent: 'xe_vma_bind', createdTimestamp: 2000 });
    expect(late.at({ asid: 3 }, 0x200100000n, { timestamp: 1527.1 })).toEqual({ vm: 'vm' });
    expect(late.at({ asid: 3 }, 0x200100000n, {}).covering?.createdLine).toBe(5);
    expect(late.unmap('vm', 0x1000n, 9, 'xe_vma_unbind')).toBe(false);
  });

  it('answers each fault from the first of several traces that knows its VM, and follows mappings by identity', () => {
    const other = new MappingTimeline('other.trace');
    other.alias('vm-b', 'pasid:40000');
    const piece = {};
    other.map(
      { vm: 'vm-b', start: 0x400000n, end: 0x500000n, createdLine: 7, createdEvent: 'amdgpu_vm_bo_map', createdTimestamp: 1 },
      piece,
    );
    expect(other.unmapById(piece, 8, 'amdgpu_vm_bo_unmap', 2)).toBe(true);
    expect(other.unmapById(piece, 9, 'amdgpu_vm_bo_unmap', 3)).toBe(false);
    const both = kernelLogResult(parseKernelLog(LOG), [timeline(), other]).findings.filter(
      (finding) => finding.rule === 'log-fault-history',
    );
    const pasid40000 = both.find((finding) => finding.line === 8);
    expect(pasid40000?.message).toContain('unmapped at trace line 8 by amdgpu_vm_bo_unmap');
    expect(pasid40000?.related.map((related) => related.path)).toEqual(['other.trace', 'other.trace']);
    expect(both.find((finding) => finding.line === 3)?.related[0]?.path).toBe('run.trace');
  });
});
