/**
 * Replay steps shared by the driver adapters: bind with overlap detection,
 * unbind by identity with the never-bound / double-unbind judgements, use of
 * a mapping after its unbind, VM free with the leak check. Each step applies
 * the change to the `TraceState` and reports what the rules say about it.
 */

import { toU64, type Num64 } from '../../base/u64';
import { WARN_TREE_NOT_EMPTY } from '../../model/gpuvm';
import { traceBindOverLiveMapping } from '../../rules/trace/trace-bind-over-live-mapping';
import { traceUnbindNeverBound } from '../../rules/trace/trace-unbind-never-bound';
import { traceUseAfterFree } from '../../rules/trace/trace-use-after-free';
import { traceVmFreedWithLiveMappings } from '../../rules/trace/trace-vm-freed-with-live-mappings';
import { addr, addrEnd, mappingName, mappingRelated, vmRelated, type ReplayContext } from './replay-context';
import type { TraceMapping, TraceVm, VmDriver } from './trace-state';

/** Values as decoded: numbers below 2^53, else bigints (`admitted` fits them to the VM). */
export interface MappingRequest {
  readonly key: string;
  readonly start: Num64;
  /** Inclusive. */
  readonly last: Num64;
  readonly objectKey: string;
  readonly offset: Num64;
}

/**
 * `request` in `vm`'s representation (`TraceVm.admit`): the same object on
 * the number path, so the common case allocates nothing.
 */
function admitted(vm: TraceVm, request: MappingRequest): MappingRequest {
  vm.admit(request.start, request.last, request.offset);
  if (vm.gpuvm.numbers) return request;
  return { ...request, start: toU64(request.start), last: toU64(request.last), offset: toU64(request.offset) };
}

/** Names pieces left by a partial unbind: anonymous (Xe) or by start (amdgpu). */
export type PieceNamer = (pieceStart: Num64, old: TraceMapping) => string | null;

export const ANONYMOUS_PIECES: PieceNamer = () => null;

/** The live VM for an event, or undefined after reporting a use of a freed VM; `name` names a VM first seen here. */
export function liveVm(ctx: ReplayContext, driver: VmDriver, key: string, name: string | (() => string)): TraceVm | undefined {
  const state = ctx.state;
  const vm = state.vm(driver, key);
  ctx.touch('vm', driver, key);
  if (vm) return vm;
  const freed = state.freedVm(driver, key);
  if (freed) {
    ctx.report(
      traceUseAfterFree.report(ctx.span, 'vm', { event: ctx.decoded.spec.name, vm: freed.name, freedLine: freed.freedLine }, [
        { line: freed.createdLine, message: `VM ${freed.name} created` },
        { line: freed.freedLine, message: `VM ${freed.name} freed` },
      ]),
    );
    return undefined;
  }
  return state.createVm(driver, key, typeof name === 'string' ? name : name(), ctx.line, false);
}

/** A bind: a new mapping, or a rebind of the same one. Overlaps are reported and replaced. */
export function bindMapping(ctx: ReplayContext, vm: TraceVm, asDecoded: MappingRequest): TraceMapping {
  return bindKnownMapping(ctx, vm, asDecoded, vm.byKey.get(asDecoded.key));
}

/** `bindMapping` for a caller that looked the key up already: `live` is `vm.byKey.get(key)`. */
export function bindKnownMapping(ctx: ReplayContext, vm: TraceVm, asDecoded: MappingRequest, live: TraceMapping | undefined): TraceMapping {
  const state = ctx.state;
  const request = admitted(vm, asDecoded);
  const name = ctx.decoded.spec.name;
  ctx.touch('mapping', vm.driver, vm.key, request.key);
  // A bind naming exactly the range of a piece that a narrowed unbind kept
  // mapped is that piece getting its identity (a rebind or prefetch of it),
  // not a second mapping over it.
  const existing = live ?? state.adoptPiece(vm, request.key, request.start, request.last);
  if (existing) {
    if (existing.start === request.start && existing.last === request.last && existing.objectKey === request.objectKey) {
      existing.changedLine = ctx.line;
      existing.changedEvent = name;
      clearInvalidation(existing);
      return existing;
    }
    // The identity was reused while the replay still had it live: its unbind
    // was not in the trace. Replace it without a finding of its own.
    state.removeMapping(existing, ctx.line, name, false);
  }
  const overlaps = vm.gpuvm.tree.iterFirst(request.start, request.last) === null ? NONE : vm.overlapping(request.start, request.last);
  for (const other of overlaps) {
    ctx.report(
      traceBindOverLiveMapping.report(
        ctx.span,
        'overlap',
        {
          event: name,
          start: addr(request.start),
          end: addrEnd(request.last),
          vm: vm.name,
          other: mappingName(other),
          otherStart: addr(other.start),
          otherEnd: addrEnd(other.last),
        },
        mappingRelated(other),
      ),
    );
    // Already reported here: a later unbind of the replaced mapping stays quiet.
    state.removeMapping(other, ctx.line, REPLACED);
  }
  return state.insertMapping(vm, request.key, request.start, request.last, request.objectKey, request.offset, ctx.line, ctx.event.ts, name);
}

const NONE: readonly TraceMapping[] = [];

/** The tombstone event of a mapping replaced by an overlapping bind. */
const REPLACED = '(replaced by an overlapping bind)';

/** A finding's data about an unbind; built only when a finding needs it (most unbinds are clean). */
function unbindData(event: string, mapping: string, start: Num64, last: Num64, vm: TraceVm) {
  return { event, mapping, start: addr(start), end: addrEnd(last), vm: vm.name };
}

/** An unbind of [start, last] naming mapping `key`. */
export function unbindMapping(
  ctx: ReplayContext,
  vm: TraceVm,
  key: string,
  decodedStart: Num64,
  decodedLast: Num64,
  found: TraceMapping | undefined,
  pieces: PieceNamer,
): void {
  const state = ctx.state;
  const name = ctx.decoded.spec.name;
  ctx.touch('mapping', vm.driver, vm.key, key);
  vm.admit(decodedStart, decodedLast, 0);
  const start = vm.value(decodedStart);
  const last = vm.value(decodedLast);
  if (found) {
    if (found.start === start && found.last === last) {
      state.removeMapping(found, ctx.line, name);
      return;
    }
    if (start >= found.start && last <= found.last) {
      // A partial unbind (Xe REMAP with a skipped piece, amdgpu clear): the
      // parts outside the range stay mapped as new mappings.
      state.unmapRange(vm, start, last, ctx.line, ctx.event.ts, name, pieces);
      return;
    }
    ctx.report(
      traceUnbindNeverBound.report(
        ctx.span,
        'rangeMismatch',
        { ...unbindData(name, key, start, last, vm), boundStart: addr(found.start), boundEnd: addrEnd(found.last) },
        mappingRelated(found),
      ),
    );
    state.removeMapping(found, ctx.line, name);
    state.unmapRange(vm, start, last, ctx.line, ctx.event.ts, name, pieces);
    return;
  }
  const tombstone = state.unboundTombstone(vm, key);
  if (tombstone?.unboundEvent === REPLACED) {
    // Reported as an overlapping bind already.
  } else if (tombstone) {
    ctx.report(
      traceUseAfterFree.report(
        ctx.span,
        'doubleUnbind',
        { ...unbindData(name, key, start, last, vm), unboundLine: tombstone.unboundLine },
        [
          { line: tombstone.createdLine, message: `${key} bound` },
          { line: tombstone.unboundLine, message: `${key} unbound by ${tombstone.unboundEvent}` },
        ],
      ),
    );
  } else if (vm.birthSeen && ctx.confident) {
    ctx.report(traceUnbindNeverBound.report(ctx.span, 'unbind', unbindData(name, key, start, last, vm), vmRelated(vm)));
  }
  // Whatever the replay holds in that range is gone now, as the trace says.
  state.unmapRange(vm, start, last, ctx.line, ctx.event.ts, name, pieces);
}

/**
 * An event that uses mapping `key` (flush, fault, CS, update...). Returns the
 * live mapping, adopting a pre-existing one; undefined after reporting a use
 * after unbind.
 */
export function useMapping(
  ctx: ReplayContext,
  vm: TraceVm,
  asDecoded: MappingRequest,
  found: TraceMapping | undefined,
): TraceMapping | undefined {
  ctx.touch('mapping', vm.driver, vm.key, asDecoded.key);
  if (found) return found;
  const request = admitted(vm, asDecoded);
  const state = ctx.state;
  const name = ctx.decoded.spec.name;
  const data = () => ({ event: name, mapping: request.key, start: addr(request.start), end: addrEnd(request.last), vm: vm.name });
  const tombstone = state.unboundTombstone(vm, request.key);
  if (tombstone && tombstone.unboundEvent !== REPLACED && vm.overlapping(request.start, request.last).length === 0) {
    ctx.report(
      traceUseAfterFree.report(ctx.span, 'mapping', { ...data(), unboundLine: tombstone.unboundLine }, [
        { line: tombstone.createdLine, message: `${request.key} bound` },
        { line: tombstone.unboundLine, message: `${request.key} unbound by ${tombstone.unboundEvent}` },
      ]),
    );
    return undefined;
  }
  if (!tombstone && vm.birthSeen && ctx.confident) {
    ctx.report(traceUnbindNeverBound.report(ctx.span, 'event', data(), vmRelated(vm)));
  }
  // Adopt: the mapping existed before the trace (or its bind was not traced).
  for (const other of vm.overlapping(request.start, request.last)) state.removeMapping(other, ctx.line, name, false);
  const mapping = state.insertMapping(
    vm,
    request.key,
    request.start,
    request.last,
    request.objectKey,
    request.offset,
    ctx.line,
    ctx.event.ts,
    name,
  );
  mapping.adopted = true;
  return mapping;
}

export function clearInvalidation(mapping: TraceMapping): void {
  mapping.invalidatedLine = 0;
  mapping.owner.invalidated.delete(mapping);
}

/** Frees a VM after the leak check ("GPUVA tree is not empty"). */
export function freeVm(ctx: ReplayContext, driver: VmDriver, key: string, name: string): void {
  const state = ctx.state;
  ctx.touch('vm', driver, key);
  const vm = state.vm(driver, key);
  if (!vm) {
    const freed = state.freedVm(driver, key);
    if (freed) {
      ctx.report(
        traceUseAfterFree.report(ctx.span, 'doubleFree', { event: ctx.decoded.spec.name, vm: freed.name, freedLine: freed.freedLine }, [
          { line: freed.createdLine, message: `VM ${freed.name} created` },
          { line: freed.freedLine, message: `VM ${freed.name} freed` },
        ]),
      );
      return;
    }
    state.freeVm(state.createVm(driver, key, name, ctx.line, false), ctx.line);
    return;
  }
  if (vm.liveCount > 0) {
    const first = vm.mappings().next().value as TraceMapping;
    ctx.report(
      traceVmFreedWithLiveMappings.report(
        ctx.span,
        'leak',
        {
          event: ctx.decoded.spec.name,
          vm: vm.name,
          count: vm.liveCount,
          objects: vm.objectCount,
          first: `${mappingName(first)} at [${addr(first.start)}, ${addrEnd(first.last)})`,
          warn: WARN_TREE_NOT_EMPTY,
        },
        [...vmRelated(vm), ...mappingRelated(first)],
      ),
    );
  }
  state.freeVm(vm, ctx.line);
}

export function touchVm(ctx: ReplayContext, vm: TraceVm): void {
  ctx.touch('vm', vm.driver, vm.key);
}
