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

import { zero64, type Num64 } from '../base/u64';
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
 * The locks the driver holds for the requests in progress, innermost last;
 * a request releases down to where it started (`unlockTo`).
 *
 * In `exec` mode a request holds what the drm_exec loop of the example driver
 * ends up holding (the VM's resv, the request's object, the objects of every
 * VA the request splits or removes; in immediate mode also the `gpuva.lock`
 * of every object whose resv is held). It flags the resvs directly instead of
 * building a `DrmExec`: the references drm_exec holds are dropped again
 * before the request ends and never decide when anything is freed, and this
 * is the hot path of every replayed bind. Nothing here allocates.
 */
const taken: Lock[] = [];

function hold(lock: Lock): void {
  if (lock.held) return;
  lock.held = true;
  taken.push(lock);
}

/** Releases the locks taken since `mark` (what `lockRequest` returned). */
function unlockTo(mark: number): void {
  while (taken.length > mark) (taken.pop() as Lock).held = false;
}

/**
 * Takes the locks of a request whose op list is `ops` and whose own object is
 * `first` (what sm_*_exec_lock locks: the objects of the VAs it removes or
 * splits); `everything` takes every lock. Returns the mark for `unlockTo`.
 */
function lockRequest(state: DriverState, ops: readonly GpuVaOp[], first: GemObject | null, everything = false): number {
  const mark = taken.length;
  const vm = state.vm;
  if (state.lockMode === 'none') return mark;
  hold(vm.resv);
  if (state.lockMode === 'all' || everything) {
    for (const obj of state.objects) {
      hold(obj.resv);
      hold(obj.gpuvaLock);
    }
    return mark;
  }
  if (first) hold(first.resv);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as GpuVaOp;
    const obj = op.kind === 'remap' ? op.unmap.va.obj : op.kind === 'unmap' ? op.va.obj : null;
    if (obj) hold(obj.resv);
  }
  if (vm.immediateMode) {
    for (const obj of state.objects) if (obj.resv.held) hold(obj.gpuvaLock);
  }
  return mark;
}

const NO_OPS: readonly GpuVaOp[] = [];

/** A new VA for `desc`: a freed one from the VM's cache if it keeps one. */
function newVa(vm: GpuVm, desc: MapDesc): GpuVa {
  const va = vm.freeVas;
  if (va === null) return new GpuVa(desc.addr, desc.range, desc.obj, desc.offset);
  vm.freeVas = va.listNext;
  vm.freeVaCount--;
  va.reset(desc.addr, desc.range, desc.obj, desc.offset);
  return va;
}

const VA_CACHE_LIMIT = 1024;

/** The driver frees a VA it removed (the kernel's `kfree` after unmap): into the VM's cache, if it keeps one. */
function freeVa(vm: GpuVm, va: GpuVa): void {
  if (vm.reuseVas && !va.inserted && va.list === null && vm.freeVaCount < VA_CACHE_LIMIT) {
    va.listNext = vm.freeVas;
    vm.freeVas = va;
    vm.freeVaCount++;
  }
}

/** Inserts a VA the way `drm_gpuva_map`/`drm_gpuva_remap` do, reporting a failure they ignore. */
function insertPiece(vm: GpuVm, desc: MapDesc, piece: 'MAP' | 'PREV' | 'NEXT'): GpuVa | null {
  const va = newVa(vm, desc);
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
        freeVa(vm, old);
        break;
      }
      case 'unmap':
        vaUnlink(op.va);
        vaRemove(op.va);
        freeVa(vm, op.va);
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
  const mark = lockRequest(state, ops, req.obj);
  try {
    onOps(ops);
    const vmBo = req.obj ? boObtain(vm, req.obj) : null;
    if (vmBo) boExtobjAdd(vmBo);
    applyOps(vm, ops, vmBo);
    boPut(vmBo);
  } finally {
    unlockTo(mark);
  }
  return 0;
}

/**
 * Applies an op list that needs no VM_BO of its own (unmap, madvise): lock
 * what it touches, report the ops, apply them, unlock.
 */
function applyRequest(state: DriverState, ops: readonly GpuVaOp[], onOps: OpsObserver): 0 {
  const mark = lockRequest(state, ops, null);
  try {
    onOps(ops);
    applyOps(state.vm, ops, null);
  } finally {
    unlockTo(mark);
  }
  return 0;
}

/** An unmap request (`drm_gpuvm_sm_unmap_ops_create` path). */
export function driverUnmap(state: DriverState, addr: Num64, range: Num64, onOps: OpsObserver): 0 | Errno {
  const ops = smUnmapOps(state.vm, addr, range);
  return typeof ops === 'string' ? ops : applyRequest(state, ops, onOps);
}

/** A madvise request: splits NULL-object VAs at the request's edges. */
export function driverMadvise(state: DriverState, addr: Num64, range: Num64, onOps: OpsObserver): 0 | Errno {
  const ops = smMapOps(state.vm, { addr, range, obj: null, offset: zero64(addr) }, true);
  return typeof ops === 'string' ? ops : applyRequest(state, ops, onOps);
}

/** Unmaps every VA of `obj` in this VM; returns 'none' when it has no VM_BO. */
export function driverBoUnmap(state: DriverState, obj: GemObject, onOps: OpsObserver): 0 | 'none' {
  const vm = state.vm;
  const mark = lockRequest(state, NO_OPS, obj);
  try {
    const vmBo = boFind(vm, obj);
    if (!vmBo) return 'none';
    assertBoUnmapLock(vmBo);
    const ops = boUnmapOps(vmBo);
    onOps(ops);
    applyOps(vm, ops, null);
    boPut(vmBo);
  } finally {
    unlockTo(mark);
  }
  return 0;
}

/** Raw `drm_gpuva_insert`; on success the VA is linked to its VM_BO. */
export function driverInsert(state: DriverState, desc: MapDesc, onResult: (ret: 0 | Errno) => void = () => undefined): 0 | Errno {
  const vm = state.vm;
  const mark = lockRequest(state, NO_OPS, desc.obj);
  try {
    const va = newVa(vm, desc);
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
    unlockTo(mark);
  }
}

/** `drm_gpuva_find` on the exact range, then unlink and remove. */
export function driverRemove(state: DriverState, addr: Num64, range: Num64): 0 | 'none' | 'kernel' {
  const vm = state.vm;
  const va = vaFind(vm, addr, range);
  if (!va) return 'none';
  const mark = lockRequest(state, NO_OPS, va.obj);
  try {
    vaUnlink(va);
    vaRemove(va);
  } finally {
    unlockTo(mark);
  }
  return va.kernel ? 'kernel' : 0;
}

/**
 * Tears a VM down as a driver does at close: unlink and remove every VA,
 * then drop the driver's VM reference (which runs `drm_gpuvm_fini`).
 */
export function driverTeardown(state: DriverState): void {
  const vm = state.vm;
  const mark = lockRequest(state, NO_OPS, null, true);
  try {
    const vas = [...vm.tree].filter((va) => !va.kernel);
    for (const va of vas) {
      vaUnlink(va);
      vaRemove(va);
    }
  } finally {
    unlockTo(mark);
  }
  gpuvmPut(vm);
}
