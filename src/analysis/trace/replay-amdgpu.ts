/**
 * Replays amdgpu events (docs/trace-formats.md, "Drivers") on the `TraceState`.
 *
 * Units: `start`/`last` of `amdgpu_vm_bo_map/unmap` are GPU page numbers
 * (4 KiB) with `last` inclusive; `soffs`/`eoffs` of the mapping class are
 * pages with `eoffs` exclusive. The model works in bytes.
 *
 * amdgpu events carry no VM identity. A VM is one per process (DRM file), so
 * the VM key is the TGID column when present, else the PID; a thread with no
 * VM of its own is given to its process by PID order and program name (see
 * `threadOwner`), and events that name a mapping find it in any amdgpu VM
 * by its identity, the first page. `amdgpu_pasid_allocated`
 * from a process marks its VM's birth; `amdgpu_pasid_freed` its end.
 *
 * A NULL-bo unmap is the clear path: clamped to the cleared range, it splits
 * the mapping and the pieces outside stay live (named by their first page).
 */

import { detach } from '../../base/detach-string';
import { MAX_EXACT, toU64, type Num64 } from '../../base/u64';
import { field, hexField, hexKeyField, objectField } from '../../parse/trace/decode-event';
import { bindMapping, freeVm, liveVm, unbindMapping, useMapping, type PieceNamer } from './replay-common';
import type { ReplayContext } from './replay-context';
import type { TraceMapping, TraceVm } from './trace-state';

const PAGE_SHIFT = 12n;
const PAGE_SIZE = 4096;

const BY_FIRST_PAGE: PieceNamer = (pieceStart) =>
  (typeof pieceStart === 'number' ? Math.floor(pieceStart / PAGE_SIZE) : pieceStart >> PAGE_SHIFT).toString(16);

export function replayAmdgpu(ctx: ReplayContext): void {
  switch (ctx.decoded.spec.name) {
    case 'amdgpu_vm_bo_map':
    case 'amdgpu_vm_bo_unmap':
      return replayMapUnmap(ctx);
    case 'amdgpu_vm_bo_update':
    case 'amdgpu_vm_bo_mapping':
    case 'amdgpu_vm_bo_cs':
      return replayMappingUse(ctx);
    case 'amdgpu_pasid_allocated':
      return replayPasid(ctx, true);
    case 'amdgpu_pasid_freed':
      return replayPasid(ctx, false);
    default:
      return;
  }
}

/** Process ids as VM keys, one string per id (every amdgpu event needs its process's). */
const idTexts = new Map<number, string>();

function idText(id: number): string {
  let text = idTexts.get(id);
  if (text === undefined) {
    if (idTexts.size >= 1 << 16) idTexts.clear();
    text = String(id);
    idTexts.set(id, text);
  }
  return text;
}

/** The process an event comes from, as the trace says it: the TGID column, else the PID. */
function ownKey(ctx: ReplayContext): string {
  return idText(ctx.event.tgid >= 0 ? ctx.event.tgid : ctx.event.pid);
}

function processKey(ctx: ReplayContext): string {
  const event = ctx.event;
  if (event.tgid >= 0) return idText(event.tgid);
  const pid = idText(event.pid);
  if (ctx.state.vm('amdgpu', pid)) return pid;
  return threadOwner(ctx) ?? pid;
}

/** A process name's program part: `vkcube` of `vkcube:cs0` or of `vkcube[5120]`. */
function program(comm: string): string {
  const end = comm.search(/[:[]/);
  return end < 0 ? comm : comm.slice(0, end);
}

/**
 * Without a TGID column, the process of a thread that has no VM of its own:
 * the live amdgpu VM whose creation the trace showed, of the same program,
 * owned by the highest PID below the thread's (Linux hands out thread ids
 * after their process's id). Remembered per thread while that VM lives.
 */
function threadOwner(ctx: ReplayContext): string | undefined {
  const state = ctx.state;
  const pid = ctx.event.pid;
  const alias = `amdgpu-thread:${pid}`;
  const name = program(ctx.event.comm);
  const remembered = state.aliases.get(alias);
  if (remembered !== undefined) {
    const vm = state.vm('amdgpu', remembered);
    if (vm && program(vm.name) === name) return remembered;
  }
  let best: TraceVm | undefined;
  let bestPid = -1;
  for (const vm of state.vms.values()) {
    if (vm.driver !== 'amdgpu' || !vm.birthSeen) continue;
    const owner = Number(vm.key);
    if (!(owner < pid) || owner <= bestPid || program(vm.name) !== name) continue;
    best = vm;
    bestPid = owner;
  }
  if (!best) return undefined;
  state.aliases.set(detach(alias), best.key);
  return best.key;
}

function processVm(ctx: ReplayContext): TraceVm | undefined {
  const key = processKey(ctx);
  // The name only when the VM is new (it costs the task name as a string).
  return liveVm(ctx, 'amdgpu', key, () => `${ctx.event.comm}[${key}]`);
}

/** Where `locate` found a mapping; one object, refilled by every call (read it before the next). */
const lastLocated: { vm: TraceVm | undefined; mapping: TraceMapping | undefined } = { vm: undefined, mapping: undefined };

function found(vm: TraceVm | undefined, mapping: TraceMapping | undefined): typeof lastLocated {
  lastLocated.vm = vm;
  lastLocated.mapping = mapping;
  return lastLocated;
}

/**
 * Where mapping `key` lives: the process's own VM, else another amdgpu VM
 * (another thread of the process when there is no TGID column), live first,
 * then as a tombstone. Falls back to the process's VM.
 */
function locate(ctx: ReplayContext, key: string): typeof lastLocated {
  const state = ctx.state;
  const own = state.vm('amdgpu', processKey(ctx));
  const mine = own?.byKey.get(key);
  if (own && mine) return found(own, mine);
  for (const other of state.vms.values()) {
    if (other === own || other.driver !== 'amdgpu') continue;
    const mapping = other.byKey.get(key);
    if (mapping) return found(other, mapping);
  }
  if (own && state.hasUnboundTombstone(own, key)) return found(own, undefined);
  for (const other of state.vms.values()) {
    if (other !== own && other.driver === 'amdgpu' && state.hasUnboundTombstone(other, key)) return found(other, undefined);
  }
  return found(own, undefined);
}

/** The pages whose last byte is at most 2^53 - 1 are those below this one. */
const MAX_BYTE_PAGE = (MAX_EXACT + 1) / PAGE_SIZE;

/**
 * Whether pages [first, lastInclusive] are bytes below 2^53, where every
 * product is exact (`firstByte` and `lastByte` give numbers then).
 */
function pagesFit(first: Num64, lastInclusive: Num64): boolean {
  return typeof first === 'number' && typeof lastInclusive === 'number' && first < MAX_BYTE_PAGE && lastInclusive < MAX_BYTE_PAGE;
}

/*
 * Pages as bytes, not wrapped (a page number past 2^52 gives bytes past
 * 2^64, as the trace says): numbers when the pages fit (`pagesFit`), else
 * bigints. Two functions rather than a pair, so a map or unmap allocates
 * nothing.
 */
function firstByte(first: Num64, fit: boolean): Num64 {
  return fit ? (first as number) * PAGE_SIZE : toU64(first) << PAGE_SHIFT;
}

function lastByte(lastInclusive: Num64, fit: boolean): Num64 {
  return fit ? ((lastInclusive as number) + 1) * PAGE_SIZE - 1 : ((toU64(lastInclusive) + 1n) << PAGE_SHIFT) - 1n;
}

function replayMapUnmap(ctx: ReplayContext): void {
  const firstPage = hexField(ctx.decoded, 'start');
  const lastPage = hexField(ctx.decoded, 'last');
  const objectKey = objectField(ctx.decoded, 'bo');
  if (objectKey) ctx.touch('bo', 'amdgpu', objectKey);
  const key = hexKeyField(ctx.decoded, 'start');
  const fit = pagesFit(firstPage, lastPage);
  const start = firstByte(firstPage, fit);
  const last = lastByte(lastPage, fit);
  const offset = hexField(ctx.decoded, 'offset');
  if (ctx.decoded.spec.name === 'amdgpu_vm_bo_map') {
    const vm = processVm(ctx);
    if (vm) bindMapping(ctx, vm, { key, start, last, objectKey, offset });
    return;
  }
  if (objectKey === '') {
    // Clear path: one unmap per overlapping mapping, clamped to the range.
    const target = findOverlappingVm(ctx, start, last) ?? processVm(ctx);
    if (!target) return;
    const covering = target.mappingAt(start);
    const found = covering && covering.start <= start && covering.last >= last ? covering : target.byKey.get(key);
    unbindMapping(ctx, target, found?.key ?? key, start, last, found, BY_FIRST_PAGE);
    return;
  }
  const located = locate(ctx, key);
  const vm = located.vm ?? processVm(ctx);
  if (vm) unbindMapping(ctx, vm, key, start, last, located.mapping, BY_FIRST_PAGE);
}

/** The process's VM if it has a mapping in [start, last], else any amdgpu VM that has one. */
function findOverlappingVm(ctx: ReplayContext, start: Num64, last: Num64): TraceVm | undefined {
  const own = ctx.state.vm('amdgpu', processKey(ctx));
  if (own && own.overlapping(start, last).length > 0) return own;
  for (const other of ctx.state.vms.values()) {
    if (other.driver === 'amdgpu' && other.overlapping(start, last).length > 0) return other;
  }
  return undefined;
}

function replayMappingUse(ctx: ReplayContext): void {
  // The key straight from the text: the common case (a live mapping) needs no numbers.
  const key = hexKeyField(ctx.decoded, 'soffs');
  const located = locate(ctx, key);
  let mapping = located.mapping;
  if (mapping) {
    ctx.touch('mapping', 'amdgpu', mapping.owner.key, key);
  } else {
    const firstPage = hexField(ctx.decoded, 'soffs');
    const endPage = hexField(ctx.decoded, 'eoffs');
    if (endPage <= firstPage) return;
    const lastPage = typeof endPage === 'number' ? endPage - 1 : endPage - 1n;
    const fit = pagesFit(firstPage, lastPage);
    const start = firstByte(firstPage, fit);
    const last = lastByte(lastPage, fit);
    const vm = located.vm ?? processVm(ctx);
    if (!vm) return;
    mapping = useMapping(ctx, vm, { key, start, last, objectKey: '', offset: 0 }, undefined);
  }
  if (mapping && ctx.decoded.spec.name === 'amdgpu_vm_bo_update') {
    mapping.changedLine = ctx.line;
    mapping.changedEvent = ctx.decoded.spec.name;
  }
}

function replayPasid(ctx: ReplayContext, allocated: boolean): void {
  const pasid = field(ctx.decoded, 'pasid') ?? '';
  ctx.touch('pasid', 'amdgpu', pasid);
  const aliases = ctx.state.aliases;
  if (allocated) {
    // The process that opens the device allocates the PASID itself: its own id is the VM's.
    const key = ownKey(ctx);
    const vm = ctx.state.vm('amdgpu', key);
    // A PASID allocated before the process's first mapping: the trace holds the VM's whole life.
    if (!vm) ctx.state.createVm('amdgpu', key, `${ctx.event.comm}[${key}]`, ctx.line, true);
    aliases.set(detach(`amdgpu-pasid:${pasid}`), detach(key));
    return;
  }
  const key = aliases.get(`amdgpu-pasid:${pasid}`);
  if (key === undefined) return;
  aliases.delete(`amdgpu-pasid:${pasid}`);
  const vm = ctx.state.vm('amdgpu', key);
  freeVm(ctx, 'amdgpu', key, vm?.name ?? key);
}
