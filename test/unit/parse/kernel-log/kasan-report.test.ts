import { describe, expect, it } from 'vitest';
import { parseKernelLog } from '../../../../src/parse/kernel-log/parse-kernel-log';
import type { KasanRecord } from '../../../../src/parse/kernel-log/records';

const DOUBLE_FREE = `==================================================================
BUG: KASAN: double-free in drm_gpuvm_bo_destroy+0x1a0/0x2c0 [drm_gpuvm]
Free of addr ffff888102d3a400 by task kworker/3:1/77

Call trace:
 dump_backtrace+0x0/0x1e0
 kfree+0xc4/0x3b0
 drm_gpuvm_bo_destroy+0x1a0/0x2c0 [drm_gpuvm]
 panthor_vm_cleanup_op_ctx+0x8c/0x120 [panthor]

Allocated by task 501:
 drm_gpuvm_bo_create+0x4f/0x2d0 [drm_gpuvm]
 panthor_vm_prepare_map_op_ctx+0x1c4/0x330 [panthor]

Freed by task 77:
 kfree+0xc4/0x3b0
 drm_gpuvm_bo_destroy+0x1a0/0x2c0 [drm_gpuvm]

The buggy address belongs to the object at ffff888102d3a400
 which belongs to the cache kmalloc-128 of size 128
==================================================================
[   99.000000] unrelated`;

describe('KASAN report reader', () => {
  it('reads a double free on arm64 with its stacks and object', () => {
    const log = parseKernelLog(DOUBLE_FREE);
    expect(log.records).toHaveLength(1);
    const report = log.records[0] as KasanRecord;
    expect(report.bugType).toBe('double-free');
    expect(report.where).toBe('drm_gpuvm_bo_destroy');
    expect(report.access).toEqual({ op: 'Free', address: 0xffff888102d3a400n, task: 'kworker/3:1/77', line: 3 });
    expect(report.stack.map((frame) => frame.fn)).toEqual(['dump_backtrace', 'kfree', 'drm_gpuvm_bo_destroy', 'panthor_vm_cleanup_op_ctx']);
    expect(report.allocated.map((frame) => frame.fn)).toEqual(['drm_gpuvm_bo_create', 'panthor_vm_prepare_map_op_ctx']);
    expect(report.freed.map((frame) => frame.module)).toEqual([undefined, 'drm_gpuvm']);
    expect([report.allocatedLine, report.freedLine]).toEqual([11, 15]);
    expect(report.object).toEqual({ address: 0xffff888102d3a400n, cache: 'kmalloc-128', size: 128, line: 19 });
    expect(report.endLine).toBe(21);
  });
});
