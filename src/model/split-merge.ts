/**
 * Operation generation: what `drm_gpuvm_sm_map`, `drm_gpuvm_sm_unmap`,
 * `drm_gpuvm_madvise_ops_create`, `drm_gpuvm_prefetch_ops_create` and
 * `drm_gpuvm_bo_unmap_ops_create` compute (docs/model.md, "Split and merge"). Pure: nothing here
 * changes the VM; applying the ops is the driver's job (`driver.ts`).
 *
 * The walk and its u64 comparisons follow the kernel exactly, so the
 * documented surprises fall out of the rules rather than special cases:
 * an identical re-map is UNMAP(keep) + MAP, nothing is coalesced, NULL-object
 * VAs never get `keep`, offsets move even without an object, zero-range
 * requests split the VA that straddles their address.
 */

import { add64 as add, dec64, sub64 as sub, zero64, type Num64 } from '../base/u64';
import { rangeValid, vasInRange, type Errno } from './gpuvm';
import type { GemObject, GpuVa, GpuVm, GpuVmBo } from './objects';

/** `struct drm_gpuva_op_map`: a mapping to create. */
export interface MapDesc {
  readonly addr: Num64;
  readonly range: Num64;
  readonly obj: GemObject | null;
  readonly offset: Num64;
}

/** `struct drm_gpuva_op` (MAP, REMAP, UNMAP, PREFETCH). */
export type GpuVaOp =
  | { readonly kind: 'map'; readonly map: MapDesc }
  | {
      readonly kind: 'remap';
      readonly prev: MapDesc | null;
      readonly next: MapDesc | null;
      readonly unmap: { readonly va: GpuVa; readonly keep: boolean };
    }
  | { readonly kind: 'unmap'; readonly va: GpuVa; readonly keep: boolean }
  | { readonly kind: 'prefetch'; readonly va: GpuVa };

/**
 * `__drm_gpuvm_sm_map` in list form. With `madvise`, VAs with an object are
 * skipped, no UNMAP is produced and MAPs only cover the split-off middles.
 */
export function smMapOps(vm: GpuVm, req: MapDesc, madvise = false): GpuVaOp[] | Errno {
  const reqAddr = req.addr;
  const reqRange = req.range;
  const reqEnd = add(reqAddr, reqRange);
  const reqObj = req.obj;
  const reqOffset = req.offset;
  if (!rangeValid(vm, reqAddr, reqRange)) return '-EINVAL';

  const ops: GpuVaOp[] = [];
  // The final MAP: always for sm_map; for madvise only once a VA sets it.
  let finalMap: MapDesc | null = madvise ? null : req;

  const tree = vm.tree;
  // drm_gpuvm_for_each_va_range_safe: the walk does not change the tree, so a
  // plain list walk visits the same VAs.
  for (let va = tree.iterFirst(reqAddr, dec64(reqEnd)); va !== null && va.addr < reqEnd; va = tree.next(va)) {
    const obj = va.obj;
    if (madvise && obj) continue;
    const offset = va.offset;
    const addr = va.addr;
    const range = va.range;
    const end = va.end;
    let keep = obj !== null;

    if (addr === reqAddr) {
      keep = keep && obj === reqObj && offset === reqOffset;
      if (end === reqEnd) {
        if (!madvise) ops.push({ kind: 'unmap', va, keep });
        break;
      }
      if (end < reqEnd) {
        if (!madvise) ops.push({ kind: 'unmap', va, keep });
        continue;
      }
      const next = { addr: reqEnd, range: sub(range, reqRange), obj, offset: add(offset, reqRange) };
      ops.push({ kind: 'remap', prev: null, next, unmap: { va, keep } });
      if (madvise) finalMap = req;
      break;
    }

    if (addr < reqAddr) {
      const leftRange = sub(reqAddr, addr);
      const prev = { addr, range: leftRange, obj, offset };
      keep = keep && obj === reqObj && add(offset, leftRange) === reqOffset;
      if (end === reqEnd) {
        ops.push({ kind: 'remap', prev, next: null, unmap: { va, keep } });
        if (madvise) finalMap = req;
        break;
      }
      if (end < reqEnd) {
        ops.push({ kind: 'remap', prev, next: null, unmap: { va, keep } });
        if (madvise) ops.push({ kind: 'map', map: { addr: reqAddr, range: sub(end, reqAddr), obj: null, offset: zero64(reqAddr) } });
        continue;
      }
      const next = { addr: reqEnd, range: sub(end, reqEnd), obj, offset: add(add(offset, leftRange), reqRange) };
      ops.push({ kind: 'remap', prev, next, unmap: { va, keep } });
      if (madvise) finalMap = req;
      break;
    }

    // addr > reqAddr
    keep = keep && obj === reqObj && offset === add(reqOffset, sub(addr, reqAddr));
    if (end === reqEnd) {
      if (!madvise) ops.push({ kind: 'unmap', va, keep });
      break;
    }
    if (end < reqEnd) {
      if (!madvise) ops.push({ kind: 'unmap', va, keep });
      continue;
    }
    const next = { addr: reqEnd, range: sub(end, reqEnd), obj, offset: add(offset, sub(reqEnd, addr)) };
    ops.push({ kind: 'remap', prev: null, next, unmap: { va, keep } });
    if (madvise) {
      // madvise ends the walk here with a MAP of the covered head only.
      ops.push({ kind: 'map', map: { addr, range: sub(reqEnd, addr), obj: null, offset: zero64(addr) } });
      return ops;
    }
    break;
  }

  if (finalMap) ops.push({ kind: 'map', map: finalMap });
  return ops;
}

/** `__drm_gpuvm_sm_unmap` in list form: keep is always false, no MAP. */
export function smUnmapOps(vm: GpuVm, reqAddr: Num64, reqRange: Num64): GpuVaOp[] | Errno {
  const reqEnd = add(reqAddr, reqRange);
  if (!rangeValid(vm, reqAddr, reqRange)) return '-EINVAL';
  const ops: GpuVaOp[] = [];
  const tree = vm.tree;
  for (let va = tree.iterFirst(reqAddr, dec64(reqEnd)); va !== null && va.addr < reqEnd; va = tree.next(va)) {
    const addr = va.addr;
    const end = va.end;
    const prev = addr < reqAddr ? { addr, range: sub(reqAddr, addr), obj: va.obj, offset: va.offset } : null;
    const next = end > reqEnd ? { addr: reqEnd, range: sub(end, reqEnd), obj: va.obj, offset: add(va.offset, sub(reqEnd, addr)) } : null;
    if (prev || next) ops.push({ kind: 'remap', prev, next, unmap: { va, keep: false } });
    else ops.push({ kind: 'unmap', va, keep: false });
  }
  return ops;
}

/** `drm_gpuvm_prefetch_ops_create`: no range validation; the kernel node is listed too. */
export function prefetchOps(vm: GpuVm, addr: Num64, range: Num64): GpuVaOp[] {
  const ops: GpuVaOp[] = [];
  for (const va of vasInRange(vm, addr, add(addr, range))) ops.push({ kind: 'prefetch', va });
  return ops;
}

/** `drm_gpuvm_bo_unmap_ops_create`: one UNMAP per linked VA, in link order. */
export function boUnmapOps(vmBo: GpuVmBo): GpuVaOp[] {
  const ops: GpuVaOp[] = [];
  for (const va of vmBo.vas) ops.push({ kind: 'unmap', va, keep: false });
  return ops;
}
