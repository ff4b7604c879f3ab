/**
 * amdgpu KFD VM failure lines, in both prefixes the kernel has used and
 * behind every log prefix: what each record carries, which follow-on lines
 * are folded in, and which similar lines are not these failures.
 */

import { describe, expect, it } from 'vitest';
import { parseKernelLog } from '../../../../src/parse/kernel-log/parse-kernel-log';
import type { AmdgpuVmFailureRecord } from '../../../../src/parse/kernel-log/records';

function failures(text: string): AmdgpuVmFailureRecord[] {
  return parseKernelLog(text).records.filter((record): record is AmdgpuVmFailureRecord => record.kind === 'amdgpu-vm-failure');
}

describe('amdgpu KFD VM failures', () => {
  it.each([
    ['[ 5120.004211] kfd2kgd: Failed to map VA 0x7f3a40000000 in vm. ret -22', { failure: 'map-va', address: 0x7f3a40000000n, errno: -22 }],
    ['<3>[ 5120.004211] amdgpu: Failed to map VA 0x1000 in vm. ret -12', { failure: 'map-va', address: 0x1000n, errno: -12 }],
    [
      'May 24 01:00:46 host kernel: amdgpu: init_user_pages: Failed to get user pages: -14',
      { failure: 'user-pages', caller: 'init_user_pages', errno: -14 },
    ],
    ['kfd2kgd: init_user_pages: Failed to get user pages: -1', { failure: 'user-pages', caller: 'init_user_pages', errno: -1 }],
    ['[64036.631333] amdgpu: amdgpu_vm_bo_update failed', { failure: 'pte-update' }],
  ])('%s', (line, expected) => {
    expect(failures(line)).toEqual([expect.objectContaining({ line: 1, consequences: [], ...expected })]);
  });

  it('folds the follow-on lines of the same failure, not those of a later one', () => {
    const [first, second] = failures(
      [
        '[1.0] amdgpu: amdgpu_vm_bo_update failed',
        '[1.1] amdgpu: update_gpuvm_pte() failed',
        '[1.2] amdgpu: Failed to map bo to gpuvm',
        '[1.3] amdgpu 0000:01:00.0: Failed to map peer:0000:01:00.0 mem_domain:4',
        '[2.0] amdgpu: amdgpu_vm_bo_update failed',
        '[2.1] amdgpu: validate_invalid_user_pages: update PTE failed',
      ].join('\n'),
    );
    expect(first).toMatchObject({ line: 1, endLine: 4 });
    expect(first!.consequences.map((c) => c.text)).toEqual([
      'update_gpuvm_pte() failed',
      'Failed to map bo to gpuvm',
      'Failed to map peer:0000:01:00.0 mem_domain:4',
    ]);
    expect(second).toMatchObject({
      line: 5,
      endLine: 6,
      consequences: [{ line: 6, text: 'validate_invalid_user_pages: update PTE failed' }],
    });
  });

  it('ignores look-alikes and follow-on lines without a failure', () => {
    expect(
      failures(
        [
          'amdgpu: Failed to map bo to gpuvm',
          'amdgpu 0000:03:00.0: amdgpu: Failed to map the MES doorbell',
          'amdgpu: Failed 4 to get user pages',
          'drm: amdgpu_vm_bo_update failed to reserve',
        ].join('\n'),
      ),
    ).toEqual([]);
  });
});
