/**
 * Version-dependent behaviour is a setting of the model (src/model/options.ts):
 * the same script or call sequence, replayed as different kernel versions,
 * shows each version's documented behaviour.
 */

import { describe, expect, it } from 'vitest';
import { parseScript } from '../../../src/parse/script/parse-script';
import { renderScriptResult, runScript } from '../../../src/model/script-runner';
import { optionsFor, type KernelVersion } from '../../../src/model/options';
import { KernelEnv, Lock, type KernelEvent } from '../../../src/model/kernel-env';
import {
  boDeferredCleanup,
  boExtobjAdd,
  boObtain,
  boPutDeferred,
  gemPut,
  gpuvmInit,
  gpuvmPut,
  resvObjectAlloc,
  vaInsert,
  vaLink,
  vaRemove,
  vaUnlinkDefer,
} from '../../../src/model/gpuvm';
import { GemObject, GpuVa } from '../../../src/model/objects';
import { checkInvariants } from '../../../src/model/invariants';

function replay(version: KernelVersion, script: string): string[] {
  return renderScriptResult(runScript(parseScript(script), optionsFor(version)))
    .trimEnd()
    .split('\n');
}

describe('kernel versions', () => {
  it('accepts zero-range requests up to 6.19 and rejects them in 7.0', () => {
    const script = 'vm 0x0 0x100000 0x0 0x0\nvalid 0x1000 0x0\nunmap 0x1000 0x0';
    expect(replay('6.18', script)).toEqual(['VALID 1']);
    expect(replay('7.0', script)).toEqual(['VALID 0', 'ERR -EINVAL']);
  });

  it('crashes in drm_gpuvm_prepare_range over a sparse VA in 6.18 but skips it in 7.0', () => {
    const script =
      'vm 0x0 0x100000 0x0 0x0\nbo 1 0x1000\nmap 0x1000 0x1000 1 0x0\nmap 0x2000 0x1000 none 0x0\nexeclock_range 0x1000 0x2000';
    expect(replay('6.18', script).slice(-1)).toEqual(['CRASH SIGSEGV']);
    expect(replay('7.0', script).slice(-1)).toEqual(['LOCKED 1']);
  });

  it('guards the GEM list with gpuva.lock only from 6.18, where immediate mode exists', () => {
    const script = 'vm 0x0 0x100000 0x0 0x0 immediate\nbo 1 0x1000\nlockmode none\nmap 0x1000 0x1000 1 0x0';
    expect(replay('6.18', script)).toContain('LOCKDEP-FAIL drm_gem_gpuva_assert_lock_held(bo1.gpuva.lock) in drm_gpuva_link');
    expect(replay('6.17', script)).toContain('LOCKDEP-FAIL drm_gem_gpuva_assert_lock_held(bo1.resv) in drm_gpuva_link');
  });
});

describe('deferred VM_BO cleanup (6.19)', () => {
  function setUp(immediate: boolean) {
    const events: KernelEvent[] = [];
    const env = new KernelEnv(optionsFor('6.19'), (event) => events.push(event));
    const rObj = resvObjectAlloc();
    const vm = gpuvmInit(env, {
      flags: { immediateMode: immediate, resvProtected: true },
      start: 0n,
      range: 0x100000n,
      kernelStart: 0n,
      kernelRange: 0n,
      rObj,
    });
    gemPut(env, rObj);
    const bo = new GemObject('1', 0x1000n, new Lock('bo1.resv'));
    bo.gpuvaLock.held = true;
    vm.resv.held = true;
    const vmBo = boObtain(vm, bo);
    boExtobjAdd(vmBo);
    const va = new GpuVa(0x1000n, 0x1000n, bo, 0n);
    expect(vaInsert(vm, va)).toBe(0);
    vaLink(va, vmBo);
    return { env, vm, bo, vmBo, va, events };
  }

  it('keeps a zombie VM_BO and its references until the cleanup runs', () => {
    const { vm, bo, vmBo, va, events } = setUp(true);
    expect(boPutDeferred(vmBo)).toBe(false); // the linked VA still holds a reference
    vaUnlinkDefer(va);
    vaRemove(va);
    expect(vmBo.kref.value).toBe(0);
    expect(vm.boDefer).toEqual([vmBo]);
    expect(bo.vmBos.size).toBe(0);
    expect(bo.refcount.value).toBe(2); // the zombie still holds the GEM
    expect(vm.extobj.has(vmBo)).toBe(true); // RESV_PROTECTED: unlinked only by the cleanup
    expect(checkInvariants(vm, [bo])).toEqual([]);
    boDeferredCleanup(vm);
    expect(vm.boDefer).toEqual([]);
    expect(vm.extobj.size).toBe(0);
    expect(bo.refcount.value).toBe(1);
    expect(vmBo.destroyed).toBe(true);
    expect(events.filter((event) => event.kind === 'warn')).toEqual([]);
  });

  it('WARNs when a non-immediate VM uses the deferred functions, and at fini with zombies left', () => {
    const { vm, vmBo, va, events } = setUp(false);
    boPutDeferred(vmBo);
    vaUnlinkDefer(va);
    vaRemove(va);
    vm.extobj.clear();
    gpuvmPut(vm); // the driver's reference; the zombie keeps the VM alive
    expect(vm.freed).toBe(false);
    const warnings = events.flatMap((event) => (event.kind === 'warn' ? [event.text] : []));
    expect(warnings).toEqual(['drm_WARN_ON(!drm_gpuvm_immediate_mode(gpuvm))', 'drm_WARN_ON(!drm_gpuvm_immediate_mode(gpuvm))']);
  });
});
