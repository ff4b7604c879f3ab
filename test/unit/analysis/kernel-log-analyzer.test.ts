import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectKind } from '../../../src/base/detect-kind';
import { analyzeText } from '../../../src/analysis/registry';
import { findingKeys } from '../../helpers/expected-findings';

const LOGS = join(__dirname, '..', '..', 'fixtures', 'kernel-logs');
const fixtures = readdirSync(LOGS).filter((name) => name.endsWith('.log'));

async function analyze(name: string) {
  const path = join(LOGS, name);
  return analyzeText(readFileSync(path, 'utf8'), { path });
}

function finding(result: Awaited<ReturnType<typeof analyze>>, line: number) {
  const found = result.findings.find((candidate) => candidate.line === line);
  if (!found) throw new Error(`no finding on line ${line}`);
  return found;
}

describe('kernel-log analyzer', () => {
  // What each fixture reports is checked with every rule fixture (test/meta/rule-fixtures.test.ts).
  it.each(fixtures)('detects %s as a kernel log', async (name) => {
    const text = readFileSync(join(LOGS, name), 'utf8');
    expect(detectKind(text, name)).toBe('kernel-log');
    expect((await analyze(name)).kind).toBe('kernel-log');
  });

  it('reads an amdgpu fault block whose lines interleave with another GPU', async () => {
    const result = await analyze('amdgpu-faults.log');
    const first = finding(result, 3);
    expect(first.message).toContain(
      'amdgpu GPU page fault at 0x0000800100002000 in VM pasid 32781 (vmid 3, gfxhub) (write), process vkcube pid 4123',
    );
    expect(first.message).toContain('PERMISSION_FAULTS 0x3');
    expect(first.endLine).toBe(14);
    expect(first.related).toEqual([{ line: 5, message: 'the faulting address 0x0000800100002000' }]);
    expect(finding(result, 6).message).toContain('at 0x00007fffd8a40000 in VM pasid 32770 (vmid 8, mmhub0), process glxgears pid 2001');
    expect(finding(result, 17).message).toContain('at 0x0000000107800000 in VM pasid 32769 (vmid 6) (read)');
    expect(finding(result, 16).message).toContain(
      'refused VA [0x0000001907700000, 0x0000001907806000) (pages 0x1907700-0x1907805) because mapping [0x0000001907800000, 0x0000001907900000) is still there',
    );
    expect(result.stats).toEqual({ lines: 20, recognized: 4, faults: 3, warnings: 0, kasan: 0, vmOps: 0 });
  });

  it('explains drm_gpuvm WARNs with their location and names the object of a refcount underflow', async () => {
    const result = await analyze('gpuvm-warns.log');
    const tree = finding(result, 3);
    expect(tree.rule).toBe('log-gpuvm-warn');
    expect(tree.message).toContain('(drivers/gpu/drm/drm_gpuvm.c:1106 in drm_gpuvm_fini)');
    expect(tree.message).toContain('one drm_gpuvm_put() too many');
    expect(tree.related).toEqual([
      { line: 4, message: 'the WARNING header' },
      { line: 15, message: 'called from drm_gpuvm_free' },
    ]);
    const refcount = finding(result, 26);
    expect(refcount.message).toContain('a VM_BO (drm_gpuvm_bo) was put after its count reached zero');
    expect(refcount.message).toContain('in drm_gpuvm_bo_put, called from xe_vma_destroy');
    expect(finding(result, 37).message).toContain(
      'WARN inside drm_gpuvm (drivers/gpu/drm/drm_gpuvm.c:1877 in drm_gpuvm_bo_obtain_prealloc)',
    );
  });

  it('names the freed VM_BO, where it was allocated and freed, in a KASAN report', async () => {
    const result = await analyze('kasan-use-after-free.log');
    const report = finding(result, 2);
    expect(report.message).toBe(
      'KASAN slab-use-after-free in drm_gpuva_unlink: Read of 8 bytes at ffff88811d2a6e48 by task kworker/u64:6/261 to a VM_BO (drm_gpuvm_bo) allocated in drm_gpuvm_bo_create, freed in drm_gpuvm_bo_destroy and used again here. A GPU VM object was used after its last reference was dropped: a reference is missing (a VA used after drm_gpuva_unlink() put its VM_BO, a VM_BO or VM put twice), or a lookup raced with the final put.',
    );
    expect(report.related).toEqual([
      { line: 17, message: 'allocated in drm_gpuvm_bo_create' },
      { line: 25, message: 'freed in drm_gpuvm_bo_destroy' },
    ]);
    expect(report.endLine).toBe(43);
  });

  it('reads Xe, nouveau, panthor and msm faults with their VM identities', async () => {
    const result = await analyze('other-drivers-faults.log');
    expect(finding(result, 2).message).toContain('xe GPU page fault at 0x0000000200100000 in VM asid 3 (write)');
    expect(finding(result, 11).message).toContain('nouveau GPU page fault at 0x0000001000100000 in VM "vkcube[2742]" (channel 2) (write)');
    expect(finding(result, 12).message).toContain(
      'panthor GPU page fault at 0x0000000002000800 in the VM bound to address space AS1 (write)',
    );
    expect(finding(result, 18).message).toContain(
      'msm GPU page fault at 0x0000000100004000 in the context with TTBR0 0x0001000123456000 (read)',
    );
  });

  it('answers msm faults from the VM operations msm logged, with the log lines', async () => {
    const result = await analyze('msm-vm-ops.log');
    const history = (line: number) => result.findings.find((finding) => finding.rule === 'log-fault-history' && finding.line === line);
    expect(history(7)?.message).toBe(
      '0x0000000100102000 was mapped by [0x0000000100100000, 0x0000000100104000) of VM 00000000c0ffee00 (line 3, msm map) and unmapped at line 5 by msm unmap, 0.200000 s before the fault: the GPU used the address after it was unbound — a job submitted or still running with a stale address.',
    );
    expect(history(7)?.related).toEqual([
      { line: 3, message: 'msm map maps [0x0000000100100000, 0x0000000100104000)' },
      { line: 5, message: 'msm unmap unmaps [0x0000000100100000, 0x0000000100104000)' },
    ]);
    expect(history(8)?.message).toContain(
      'is inside the mapping [0x0000000100000000, 0x0000000100010000) of VM 00000000c0ffee00 (line 2, msm map)',
    );
    expect(history(9)?.message).toContain(
      'was mapped by [0x0000000100200000, 0x0000000100300000) of VM 00000000c0ffee00 (line 4, msm map) and unmapped at line 6',
    );
    expect(history(10)?.message).toContain(
      'is inside the mapping [0x0000000100250000, 0x0000000100300000) of VM 00000000c0ffee00 (line 4, msm map)',
    );
    expect(history(11)?.message).toBe(
      '0x0000000900000000 was never mapped in VM 00000000c0ffee00 in the VM operations msm logged: a wild or stale pointer, or a mapping made before the recorded history begins.',
    );
    expect(result.stats).toMatchObject({ recognized: 5, faults: 5, vmOps: 5 });
  });

  it('says so when the address line of a fault is missing', async () => {
    const result = await analyze('dmesg-x-crlf.log');
    expect(finding(result, 4).message).toContain('the line with the faulting address is missing');
  });

  it('survives garbage, a truncated report and a single huge line', async () => {
    const garbage = await analyzeText('\u0000\u0001\u00ff\n'.repeat(100), { path: 'g', kind: 'kernel-log' });
    expect(garbage.findings).toEqual([]);
    const kasan = readFileSync(join(LOGS, 'kasan-use-after-free.log'), 'utf8').split('\n').slice(0, 20).join('\n');
    const cut = await analyzeText(kasan, { path: 'k', kind: 'kernel-log' });
    expect(findingKeys(cut.findings)).toEqual(['2: log-kasan-report']);
    const huge = await analyzeText(`[ 1.0] ${'x'.repeat(1 << 20)}\n[ 2.0] refcount_t: underflow; use-after-free.\n`, {
      path: 'h',
      kind: 'kernel-log',
    });
    expect(findingKeys(huge.findings)).toEqual(['2: log-refcount-warning']);
    expect(findingKeys((await analyzeText('', { path: 'e', kind: 'kernel-log' })).findings)).toEqual(['1: unrecognized-input']);
  });
});
