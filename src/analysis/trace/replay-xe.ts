/**
 * Replays Intel Xe events (docs/trace-formats.md, "Drivers") on the `TraceState`.
 *
 * - `xe_vm_create` / `xe_vm_free` bracket a VM's life (free runs the leak
 *   check); `xe_vm_kill` marks it; other `xe_vm_*` events use it.
 * - `xe_vma_bind` / `xe_vma_pf_bind` bind a VMA (identity: its pointer); a
 *   bind of a live VMA with the same range is a rebind (prefetch).
 * - `xe_vma_unbind` removes the VMA. REMAP is an unbind of the original VMA
 *   followed by binds of the surviving pieces; when Xe skips rewriting a
 *   piece the unbind is narrowed, so an unbind strictly inside the live VMA
 *   is partial and leaves anonymous pieces, named later by exact range.
 * - `xe_vma_userptr_invalidate` marks a userptr VMA invalidated until one of
 *   the rebind events; an access on it, or a job *submitted* on its VM
 *   (`xe_sched_job_create`, or `xe_sched_job_exec` of a job whose creation
 *   the trace did not show; batch address in the VM), before that is a
 *   finding. Xe revalidates userptrs when a job is submitted and the MMU
 *   notifier waits for jobs already submitted, so the run of an earlier job
 *   is not one. A page fault on it in a fault-mode VM is how such a VM
 *   rebinds (`xe_vma_pagefault` then `xe_vma_pf_bind`), not a use.
 * - Pre-6.12 layouts print no VM pointer in VMA events; the VM is found
 *   through the ASID its `xe_vm_create` printed.
 */

import { detach } from '../../base/detach-string';
import { pointerKey } from '../../parse/trace/payload-format';
import { field, hexField, pointerField } from '../../parse/trace/decode-event';
import { traceUseAfterFree } from '../../rules/trace/trace-use-after-free';
import { traceUserptrExecBeforeRebind } from '../../rules/trace/trace-userptr-exec-before-rebind';
import { ANONYMOUS_PIECES, bindKnownMapping, clearInvalidation, freeVm, liveVm, unbindMapping, useMapping } from './replay-common';
import { addr, addrEnd, mappingName, mappingRelated, type ReplayContext } from './replay-context';
import type { TraceMapping, TraceVm } from './trace-state';

export function replayXe(ctx: ReplayContext): void {
  switch (ctx.decoded.spec.eventClass) {
    case 'xe_vma':
      return replayVma(ctx);
    case 'xe_vm':
      return replayVm(ctx);
    case 'xe_bo':
      return replayBo(ctx);
    case 'xe_sched_job':
      return replayJob(ctx);
    default:
      return;
  }
}

/** The VM key of an event: its `vm=` pointer, else the VM its ASID belongs to. */
function vmKey(ctx: ReplayContext): string {
  const vm = pointerField(ctx.decoded, 'vm');
  if (vm !== undefined) return vm;
  const asid = field(ctx.decoded, 'asid') ?? '';
  return ctx.state.aliases.get(`xe-asid:${asid}`) ?? `asid-0x${asid}`;
}

function replayVm(ctx: ReplayContext): void {
  const key = vmKey(ctx);
  const name = ctx.decoded.spec.name;
  const asid = field(ctx.decoded, 'asid') ?? '';
  if (name === 'xe_vm_create') {
    const vm = ctx.state.createVm('xe', key, key, ctx.line, true);
    vm.asid = detach(asid);
    vm.dev = detach(field(ctx.decoded, 'dev') ?? '');
    const flags = field(ctx.decoded, 'vmFlags');
    vm.vmFlags = flags === undefined ? null : parseInt(flags, 16);
    if (/[1-9a-f]/i.test(asid)) ctx.state.aliases.set(detach(`xe-asid:${asid}`), vm.key);
    ctx.touch('vm', 'xe', key);
    return;
  }
  if (name === 'xe_vm_free') {
    freeVm(ctx, 'xe', key, key);
    return;
  }
  const vm = liveVm(ctx, 'xe', key, key);
  if (!vm) return;
  if (name === 'xe_vm_kill') vm.killedLine = ctx.line;
  vm.changedLine = ctx.line;
}

function replayVma(ctx: ReplayContext): void {
  const decoded = ctx.decoded;
  const key0 = vmKey(ctx);
  const vm = liveVm(ctx, 'xe', key0, key0);
  if (!vm) return;
  if (!vm.dev) vm.dev = detach(field(decoded, 'dev') ?? '');
  const key = pointerField(decoded, 'vma') ?? pointerKey('');
  const name = ctx.decoded.spec.name;
  const known = vm.byKey.get(key);
  if (known && isPlainUse(name)) {
    // The common case: an event on a live VMA. Its range cannot have changed
    // (Xe names a narrowed VMA only in its unbind), so skip the number parsing.
    ctx.touch('mapping', 'xe', vm.key, key);
    applyUse(ctx, vm, known, name);
    return;
  }
  const start = hexField(decoded, 'start');
  const last = hexField(decoded, 'end');
  if (name === 'xe_vma_unbind') {
    // The live VMA, else an anonymous piece of exactly this range (or containing it: a narrowed unbind).
    unbindMapping(ctx, vm, key, start, last, known ?? ctx.state.adoptPiece(vm, key, start, last, true), ANONYMOUS_PIECES);
    return;
  }
  // The offset only where a mapping is made from the event.
  const request = { key, start, last, objectKey: '', offset: hexField(decoded, 'userptr') };
  if (name === 'xe_vma_bind' || name === 'xe_vma_pf_bind') {
    bindKnownMapping(ctx, vm, request, known);
    return;
  }
  const mapping = useMapping(ctx, vm, request, known ?? ctx.state.adoptPiece(vm, key, start, last));
  if (mapping) applyUse(ctx, vm, mapping, name);
}

function isPlainUse(name: string): boolean {
  return name !== 'xe_vma_bind' && name !== 'xe_vma_pf_bind' && name !== 'xe_vma_unbind';
}

/** What a non-bind, non-unbind event does to a live VMA. */
function applyUse(ctx: ReplayContext, vm: TraceVm, mapping: TraceMapping, name: string): void {
  if (name.startsWith('xe_vma_userptr_')) mapping.userptr = true;
  switch (name) {
    case 'xe_vma_userptr_invalidate':
      mapping.invalidatedLine = ctx.line;
      vm.invalidated.add(mapping);
      ctx.state.vmsWithInvalidated.add(vm);
      changed(ctx, mapping);
      return;
    case 'xe_vma_rebind_worker':
    case 'xe_vma_rebind_exec':
    case 'xe_vma_userptr_rebind_worker':
    case 'xe_vma_userptr_rebind_exec':
      clearInvalidation(mapping);
      changed(ctx, mapping);
      return;
    case 'xe_vma_evict':
    case 'xe_vma_invalidate':
      changed(ctx, mapping);
      return;
    case 'xe_vma_pagefault':
      // Faults happen in fault-mode VMs, where they are the rebind path; only
      // a VM known not to be in fault mode makes one a use.
      if (mapping.invalidatedLine !== 0 && vm.vmFlags !== null && (vm.vmFlags & XE_VM_FLAG_FAULT_MODE) === 0) {
        reportUserptrUse(ctx, vm, mapping, 'access');
      }
      return;
    case 'xe_vma_acc':
    case 'xe_vma_flush':
      if (mapping.invalidatedLine !== 0) reportUserptrUse(ctx, vm, mapping, 'access');
      return;
    default:
      return;
  }
}

function changed(ctx: ReplayContext, mapping: TraceMapping): void {
  mapping.changedLine = ctx.line;
  mapping.changedEvent = ctx.decoded.spec.name;
}

function reportUserptrUse(ctx: ReplayContext, vm: TraceVm, mapping: TraceMapping, messageId: 'exec' | 'access'): void {
  ctx.report(
    traceUserptrExecBeforeRebind.report(
      ctx.span,
      messageId,
      {
        event: ctx.decoded.spec.name,
        vm: vm.name,
        mapping: mappingName(mapping),
        start: addr(mapping.start),
        end: addrEnd(mapping.last),
        invalidatedLine: mapping.invalidatedLine,
      },
      [...mappingRelated(mapping), { line: mapping.invalidatedLine, message: 'invalidated (MMU notifier)' }],
    ),
  );
}

function replayBo(ctx: ReplayContext): void {
  const vm = field(ctx.decoded, 'vm');
  if (vm === undefined || /^(?:0x)?0+$/.test(vm)) return;
  const key = pointerKey(vm);
  if (ctx.state.vm('xe', key)) {
    ctx.touch('vm', 'xe', key);
    return;
  }
  const freed = ctx.state.freedVm('xe', key);
  if (freed) {
    ctx.report(
      traceUseAfterFree.report(ctx.span, 'vm', { event: ctx.decoded.spec.name, vm: freed.name, freedLine: freed.freedLine }, [
        { line: freed.createdLine, message: `VM ${freed.name} created` },
        { line: freed.freedLine, message: `VM ${freed.name} freed` },
      ]),
    );
  }
}

/** Bit 4 of `vm flags` (xe_vm_types.h, every layout that prints the flags). */
const XE_VM_FLAG_FAULT_MODE = 0x10;

/** Jobs remembered as submitted before the oldest is forgotten (a capture may lack the frees). */
const SUBMITTED_JOBS_LIMIT = 65536;

/**
 * A job submitted on the VM that maps its batch buffer: invalidated userptrs
 * there must be rebound first. Judged once per job, at its submission.
 */
function replayJob(ctx: ReplayContext): void {
  const name = ctx.decoded.spec.name;
  const submitted = ctx.state.submittedJobs;
  const job = pointerField(ctx.decoded, 'fence');
  if (name === 'xe_sched_job_free') {
    if (job !== undefined) submitted.delete(job);
    return;
  }
  if (name === 'xe_sched_job_create') {
    if (job !== undefined) {
      if (submitted.size >= SUBMITTED_JOBS_LIMIT) submitted.delete(submitted.values().next().value as string);
      submitted.add(detach(job));
    }
  } else if (name !== 'xe_sched_job_exec' || (job !== undefined && submitted.has(job))) {
    return;
  }
  const pending = ctx.state.vmsWithInvalidated;
  if (pending.size === 0) return;
  const batch = hexField(ctx.decoded, 'batchAddr');
  const dev = field(ctx.decoded, 'dev');
  for (const vm of [...pending]) {
    if (vm.invalidated.size === 0 || !ctx.state.vms.has(`xe:${vm.key}`)) {
      pending.delete(vm);
      continue;
    }
    if (dev !== undefined && vm.dev !== '' && vm.dev !== dev) continue;
    if (!vm.mappingAt(batch)) continue;
    for (const mapping of [...vm.invalidated]) {
      reportUserptrUse(ctx, vm, mapping, 'exec');
      // Said once per invalidation; accesses to the mapping are still reported.
      vm.invalidated.delete(mapping);
    }
    pending.delete(vm);
  }
}
