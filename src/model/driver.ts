/**
 * The driver policy: how a driver built on drm_gpuvm applies a bind request,
 * as the kernel's "DOC: Examples" does and as the replay vectors assume
 * (README.md, "GPUVM scripts"):
 *
 *   lock -> create the ops -> report them -> obtain the VM_BO -> apply the
 *   ops in list order (MAP: insert + link; REMAP: remove, insert pieces, link
 *   pieces to the old VA's VM_BO, unlink old; UNMAP: unlink + remove) ->
 *   put the VM_BO -> unlock.
 *
 * Lock modes: `exec` locks the VM's resv and, through the sm_*_exec_lock
 * walk, every object the request touches (and in immediate mode the
 * `gpuva.lock` of every object whose resv is held); `all` holds every lock;
 * `none` holds nothing, so every assertion fails. Trace replay drives the
 * same functions, so a trace and a script of the same binds agree.
 */

import { Lock } from './kernel-env';
import type { GemObject, GpuVm, GpuVmBo } from './objects';
import { GpuVa } from './objects';
import {
  assertBoUnmapLock,
  boExtobjAdd,
  boFind,
  boObtain,
  boPut,
  gpuvmPut,
  vaFind,
  vaInsert,
  vaLink,
  vaRemove,
  vaUnlink,
  type Errno,
} from './gpuvm';
import { boUnmapOps, smMapOps, smUnmapOps, type GpuVaOp, type MapDesc } from './split-merge';

export type LockMode = 'exec' | 'all' | 'none';

export interface DriverState {
  readonly vm: GpuVm;
  readonly lockMode: LockMode;
  /** Every GEM object the driver owns (for `all` and the immediate-mode mutexes). */
  readonly objects: Iterable<GemObject>;
}

/** Called with the op list after it is created and before it is applied. */
export type OpsObserver = (ops: readonly GpuVaOp[]) => void;

/**
 * Locks taken for one request, released together.
 *
 * In `exec` mode this is what the drm_exec loop of the example driver ends up
 * holding (the VM's resv, the request's object, the objects of every VA the
 * request splits or removes). It flags the resvs directly instead of building
 * a `DrmExec`: the references drm_exec holds are dropped again before the
 * request ends and never decide when anything is freed, and this is the hot
 * path of every replayed bind.
 */
class LockSession {
  private readonly taken: Lock[] = [];

  constructor(state: DriverState, touched: readonly (GemObject | null)[], everything: boolean) {
    const vm = state.vm;
    if (state.lockMode === 'none') return;
    if (state.lockMode === 'all' || everything) {
      this.hold(vm.resv);
      for (const obj of state.objects) {
        this.hold(obj.resv);
        this.hold(obj.gpuvaLock);
      }
      return;
    }
    this.hold(vm.resv);
    for (let i = 0; i < touched.length; i++) {
      const obj = touched[i];
      if (obj) this.hold(obj.resv);
    }
    if (vm.immediateMode) {
      for (const obj of state.objects) if (obj.resv.held) this.hold(obj.gpuvaLock);
    }
  }

  private hold(lock: Lock): void {
    if (lock.held) return;
    lock.held = true;
    this.taken.push(lock);
  }

  release(): void {
    const taken = this.taken;
    for (let i = 0; i < taken.length; i++) (taken[i] as Lock).held = false;
    taken.length = 0;
  }
}

/** Objects whose VAs an op list removes or splits (what sm_*_exec_lock locks). */
function touchedObjects(ops: readonly GpuVaOp[], first: GemObject | null = null): (GemObject | null)[] {
  const objs: (GemObject | null)[] = [first];
  for (const op of ops) {
    if (op.kind === 'remap') objs.push(op.unmap.va.obj);
    else if (op.kind === 'unmap') objs.push(op.va.obj);
  }
  return objs;
}

function newVa(desc: MapDesc): GpuVa {
  return new GpuVa(desc.addr, desc.range, desc.obj, desc.offset);
}

/** Inserts a VA the way `drm_gpuva_map`/`drm_gpuva_remap` do, reporting a failure they ignore. */
function insertPiece(vm: GpuVm, desc: MapDesc, piece: 'MAP' | 'PREV' | 'NEXT'): GpuVa | null {
  const va = newVa(desc);
  const ret = vaInsert(vm, va);
  if (ret === 0) return va;
  // What stands in the way: the VA the tree's overlap check finds.
  const blocker = ret === '-EEXIST' ? vm.tree.iterFirst(va.start, va.last) : null;
  vm.env.sink({ kind: 'apply-error', piece, va, errno: ret, blocker });
  return null;
}

/** Applies an op list in order; `vmBo` is the request's VM_BO for MAP ops. */
export function applyOps(vm: GpuVm, ops: readonly GpuVaOp[], vmBo: GpuVmBo | null): void {
  for (const op of ops) {
    switch (op.kind) {
      case 'map': {
        const va = insertPiece(vm, op.map, 'MAP');
        if (va && vmBo) vaLink(va, vmBo);
        break;
      }
      case 'remap': {
        const old = op.unmap.va;
        const oldBo = old.vmBo;
        vaRemove(old);
        const prev = op.prev ? insertPiece(vm, op.prev, 'PREV') : null;
        const next = op.next ? insertPiece(vm, op.next, 'NEXT') : null;
        // Link the pieces before unlinking the old VA, so that the VM_BO
        // cannot lose its last reference in between.
        if (oldBo) {
          if (prev) vaLink(prev, oldBo);
          if (next) vaLink(next, oldBo);
        }
        vaUnlink(old);
        break;
      }
      case 'unmap':
        vaUnlink(op.va);
        vaRemove(op.va);
        break;
      case 'prefetch':
        break;
    }
  }
}

/** A map request (`drm_gpuvm_sm_map_ops_create` path). */
export function driverMap(state: DriverState, req: MapDesc, onOps: OpsObserver): 0 | Errno {
  const vm = state.vm;
  const ops = smMapOps(vm, req);
  if (typeof ops === 'string') return ops;
  const locks = new LockSession(state, touchedObjects(ops, req.obj), false);
  try {
    onOps(ops);
    const vmBo = req.obj ? boObtain(vm, req.obj) : null;
    if (vmBo) boExtobjAdd(vmBo);
    applyOps(vm, ops, vmBo);
    boPut(vmBo);
  } finally {
    locks.release();
  }
  return 0;
}

/**
 * Applies an op list that needs no VM_BO of its own (unmap, madvise): lock
 * what it touches, report the ops, apply them, unlock.
 */
function applyRequest(state: DriverState, ops: readonly GpuVaOp[], onOps: OpsObserver): 0 {
  const locks = new LockSession(state, touchedObjects(ops), false);
  try {
    onOps(ops);
    applyOps(state.vm, ops, null);
  } finally {
    locks.release();
  }
  return 0;
}

/** An unmap request (`drm_gpuvm_sm_unmap_ops_create` path). */
export function driverUnmap(state: DriverState, addr: bigint, range: bigint, onOps: OpsObserver): 0 | Errno {
  const ops = smUnmapOps(state.vm, addr, range);
  return typeof ops === 'string' ? ops : applyRequest(state, ops, onOps);
}

/** A madvise request: splits NULL-object VAs at the request's edges. */
export function driverMadvise(state: DriverState, addr: bigint, range: bigint, onOps: OpsObserver): 0 | Errno {
  const ops = smMapOps(state.vm, { addr, range, obj: null, offset: 0n }, true);
  return typeof ops === 'string' ? ops : applyRequest(state, ops, onOps);
}

/** Unmaps every VA of `obj` in this VM; returns 'none' when it has no VM_BO. */
export function driverBoUnmap(state: DriverState, obj: GemObject, onOps: OpsObserver): 0 | 'none' {
  const vm = state.vm;
  const locks = new LockSession(state, [obj], false);
  try {
    const vmBo = boFind(vm, obj);
    if (!vmBo) return 'none';
    assertBoUnmapLock(vmBo);
    const ops = boUnmapOps(vmBo);
    onOps(ops);
    applyOps(vm, ops, null);
    boPut(vmBo);
  } finally {
    locks.release();
  }
  return 0;
}

/** Raw `drm_gpuva_insert`; on success the VA is linked to its VM_BO. */
export function driverInsert(state: DriverState, desc: MapDesc, onResult: (ret: 0 | Errno) => void = () => undefined): 0 | Errno {
  const vm = state.vm;
  const locks = new LockSession(state, [desc.obj], false);
  try {
    const va = newVa(desc);
    const ret = vaInsert(vm, va);
    // The result is reported as the kernel call returns, before the link
    // (as a map's ops are reported before they are applied).
    onResult(ret);
    if (ret !== 0 || !desc.obj) return ret;
    const vmBo = boObtain(vm, desc.obj);
    boExtobjAdd(vmBo);
    vaLink(va, vmBo);
    boPut(vmBo);
    return 0;
  } finally {
    locks.release();
  }
}

/** `drm_gpuva_find` on the exact range, then unlink and remove. */
export function driverRemove(state: DriverState, addr: bigint, range: bigint): 0 | 'none' | 'kernel' {
  const vm = state.vm;
  const va = vaFind(vm, addr, range);
  if (!va) return 'none';
  const locks = new LockSession(state, [va.obj], false);
  try {
    vaUnlink(va);
    vaRemove(va);
  } finally {
    locks.release();
  }
  return va.kernel ? 'kernel' : 0;
}

/**
 * Tears a VM down as a driver does at close: unlink and remove every VA,
 * then drop the driver's VM reference (which runs `drm_gpuvm_fini`).
 */
export function driverTeardown(state: DriverState): void {
  const vm = state.vm;
  const locks = new LockSession(state, [], true);
  try {
    const vas = [...vm.tree].filter((va) => !va.kernel);
    for (const va of vas) {
      vaUnlink(va);
      vaRemove(va);
    }
  } finally {
    locks.release();
  }
  gpuvmPut(vm);
}
