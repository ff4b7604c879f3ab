/**
 * Turns kernel-log records into findings that explain them in VA-space terms:
 * which drm_gpuvm object a refcount warning or a KASAN report is about (read
 * from the call and allocation stacks), what a drm_gpuvm WARN means for the
 * VM's lifetime, and what a GPU page fault says about the faulting address.
 */

import { hex16, type U64 } from '../../base/u64';
import type {
  AmdgpuVmFailureRecord,
  GpuFaultRecord,
  GpuvmWarnRecord,
  KasanRecord,
  KernelLogRecord,
  RefcountWarnRecord,
  StackFrame,
  VaConflictRecord,
  WarnHeader,
} from '../../parse/kernel-log/records';
import {
  logAmdgpuVmFailure,
  logGpuPageFault,
  logGpuvmWarn,
  logKasanReport,
  logRefcountWarning,
  logVaConflict,
} from '../../rules/kernel-log/kernel-log-rules';
import type { Finding, RelatedLocation } from '../../rules/rule';

/** Frames that only carry the machinery (WARN, refcount, allocator, KASAN) and say nothing about the caller. */
const MACHINERY =
  /^(?:__warn|warn_slowpath|report_bug|handle_bug|exc_invalid_op|asm_exc_invalid_op|refcount_|__refcount_|kref_|dump_stack|print_report|kasan_|__kasan|____kasan|kmalloc|__kmalloc|kmem_cache_|__kmem_cache|kzalloc|kvmalloc|kvzalloc|kfree|kvfree|slab_|__slab|___slab|__do_kmalloc|kmalloc_trace|__kmalloc_cache|rcu_|__rcu|kasan_save|stack_trace|__call_rcu|call_rcu)/;

/** Functions whose presence in a stack names the object involved, most specific first. */
const OBJECT_FRAMES: readonly [RegExp, string][] = [
  [/^drm_gpuvm_bo_/, 'a VM_BO (drm_gpuvm_bo)'],
  [/^drm_gpuva_(?:ops?_|sm_|gem_unmap_ops)|^drm_gpuvm_sm_.*ops_create|_op_alloc$/, 'a drm_gpuva_op list entry'],
  [/^xe_vma_/, 'an xe_vma (an Xe mapping embedding its drm_gpuva)'],
  [/^nouveau_uvma_(?:alloc|free)/, 'a nouveau_uvma (embedding its drm_gpuva)'],
  [/^panthor_vma_|^panthor_vm_op_ctx_prealloc_vmas/, 'a panthor_vma (embedding its drm_gpuva)'],
  [/^msm_gem_vma_/, 'an msm_gem_vma (embedding its drm_gpuva)'],
  [/^drm_gpuva_/, 'a VA (drm_gpuva)'],
  [/^xe_vm_(?:create|free|put|get|close)/, 'an Xe VM (embedding its drm_gpuvm)'],
  [/^panthor_vm_(?:create|free|put|get)/, 'a panthor VM (embedding its drm_gpuvm)'],
  [/^nouveau_uvmm_(?:init|fini)/, 'a nouveau uvmm (embedding its drm_gpuvm)'],
  [/^drm_gpuvm_/, 'a VM (drm_gpuvm)'],
  [/^amdgpu_vm_bo_(?:add|del|map|unmap)/, 'an amdgpu bo_va or its mapping'],
  [/^amdgpu_vm_(?:init|fini)/, 'an amdgpu VM'],
  [/^xe_bo_|^amdgpu_bo_|^drm_gem_|_gem_(?:create|free|object)/, 'a GEM object'],
  [/^dma_fence_/, 'a dma_fence'],
];

function objectIn(frames: readonly StackFrame[]): string | undefined {
  for (const [pattern, description] of OBJECT_FRAMES) if (frames.some((frame) => pattern.test(frame.fn))) return description;
  return undefined;
}

function meaningful(frames: readonly StackFrame[]): StackFrame[] {
  return frames.filter((frame) => !frame.unreliable && !MACHINERY.test(frame.fn));
}

function at(header: WarnHeader | undefined): string {
  if (!header) return '';
  const where = header.file ? `${header.file}:${header.fileLine}` : '';
  const fn = header.fn ? `${where ? ' ' : ''}in ${header.fn}` : '';
  return where || fn ? ` (${where}${fn})` : '';
}

function frameRelated(frame: StackFrame | undefined, message: string): RelatedLocation[] {
  return frame ? [{ line: frame.line, message }] : [];
}

const GPUVM_MESSAGE = {
  'tree-not-empty': 'treeNotEmpty',
  'extobj-not-empty': 'extobjNotEmpty',
  'evict-not-empty': 'evictNotEmpty',
  'reserved-node': 'reservedNode',
  'address-limited': 'addressLimited',
  'bo-cleanup-not-empty': 'boCleanupNotEmpty',
  'gpuva-lock-set-twice': 'gpuvaLockTwice',
  other: 'other',
} as const;

function explainGpuvmWarn(record: GpuvmWarnRecord): Finding {
  const caller = meaningful(record.stack).find((frame) => frame.fn !== record.header?.fn);
  return logGpuvmWarn.report({ line: record.line }, GPUVM_MESSAGE[record.which], { at: at(record.header), text: record.text }, [
    ...(record.header && record.header.line !== record.line ? [{ line: record.header.line, message: 'the WARNING header' }] : []),
    ...frameRelated(caller, `called from ${caller?.fn}`),
  ]);
}

const REFCOUNT_MESSAGE = {
  underflow: 'underflow',
  'addition-on-0': 'additionOnZero',
  saturated: 'saturated',
  'decrement-hit-0': 'decrementHitZero',
} as const;

function explainRefcount(record: RefcountWarnRecord): Finding {
  const frames = meaningful(record.stack);
  const object = objectIn(frames.slice(0, 3)) ?? 'an object';
  const [first, second] = frames;
  const caller = first ? ` — in ${first.fn}${second ? `, called from ${second.fn}` : ''}` : '';
  return logRefcountWarning.report({ line: record.line }, REFCOUNT_MESSAGE[record.which], { at: at(record.header), object, caller }, [
    ...(record.header && record.header.line !== record.line ? [{ line: record.header.line, message: 'the WARNING header' }] : []),
    ...frameRelated(first, `the put: ${first?.fn}`),
  ]);
}

function describeVm(record: GpuFaultRecord): string {
  const vm = record.vm;
  switch (record.driver) {
    case 'amdgpu':
      return vm.pasid !== undefined
        ? `VM pasid ${vm.pasid}${vm.vmid !== undefined ? ` (vmid ${vm.vmid}${record.details.hub ? `, ${record.details.hub}` : ''})` : ''}`
        : 'an amdgpu VM';
    case 'xe':
      return vm.asid !== undefined ? `VM asid ${vm.asid}` : 'an Xe VM';
    case 'nouveau':
      return vm.name !== undefined ? `VM "${vm.name}" (channel ${record.details.channel})` : `channel ${record.details.channel ?? '?'}`;
    case 'panthor':
      return `the VM bound to address space AS${vm.addressSpace}`;
    case 'msm':
      return vm.ttbr0 !== undefined ? `the context with TTBR0 ${hex16(vm.ttbr0)}` : 'an msm context';
  }
}

const DETAIL_KEYS = [
  'MORE_FAULTS',
  'WALKER_ERROR',
  'PERMISSION_FAULTS',
  'MAPPING_ERROR',
  'FaultType',
  'FaultLevel',
  'reason',
  'type',
  'exception type',
];

function explainFault(record: GpuFaultRecord): Finding {
  const data = {
    driver: record.driver,
    vm: describeVm(record),
    access: record.access ? ` (${record.access})` : '',
    process: record.process ? `, process ${record.process}` : '',
    details: '',
  };
  const details = DETAIL_KEYS.filter((key) => record.details[key] !== undefined).map((key) => `${key} ${record.details[key]}`);
  if (details.length > 0) data.details = ` Reported: ${details.join(', ')}.`;
  const span = { line: record.line, endLine: record.endLine };
  if (record.address === undefined) return logGpuPageFault.report(span, 'noAddress', data);
  const related: RelatedLocation[] =
    record.addressLine !== undefined && record.addressLine !== record.line
      ? [{ line: record.addressLine, message: `the faulting address ${hex16(record.address)}` }]
      : [];
  return logGpuPageFault.report(span, 'fault', { ...data, address: hex16(record.address) }, related);
}

const PAGE = 12n;

function explainConflict(record: VaConflictRecord): Finding {
  const bytes = (page: U64) => hex16(page << PAGE);
  return logVaConflict.report({ line: record.line }, 'conflict', {
    start: bytes(record.requestStart),
    end: bytes(record.requestLast + 1n),
    firstPage: `0x${record.requestStart.toString(16)}`,
    lastPage: `0x${record.requestLast.toString(16)}`,
    otherStart: bytes(record.existingStart),
    otherEnd: bytes(record.existingEnd),
  });
}

/** errno names for the values these paths return. */
const ERRNO: Record<number, string> = {
  [-1]: 'EPERM',
  [-4]: 'EINTR',
  [-11]: 'EAGAIN',
  [-12]: 'ENOMEM',
  [-14]: 'EFAULT',
  [-16]: 'EBUSY',
  [-22]: 'EINVAL',
  [-28]: 'ENOSPC',
  [-512]: 'ERESTARTSYS',
};

function errnoText(errno: number | undefined): string {
  if (errno === undefined) return 'error';
  const name = ERRNO[errno];
  return name ? `-${name}` : `error ${errno}`;
}

function explainAmdgpuVmFailure(record: AmdgpuVmFailureRecord): Finding {
  const span = { line: record.line, endLine: record.endLine };
  const consequences = record.consequences.length > 0 ? ` Then: ${record.consequences.map((c) => c.text).join('; ')}.` : '';
  const related: RelatedLocation[] = record.consequences.map((c) => ({ line: c.line, message: c.text }));
  switch (record.failure) {
    case 'map-va':
      return logAmdgpuVmFailure.report(
        span,
        'mapVa',
        {
          address: record.address === undefined ? '?' : hex16(record.address),
          errno: errnoText(record.errno),
          // -EINVAL from amdgpu_vm_bo_map() is its answer to an overlap (or a range outside the VM).
          overlap:
            record.errno === -22
              ? ' -EINVAL here means the range overlaps a live mapping of the VM (or lies outside it): an earlier unmap was missed.'
              : '',
          consequences,
        },
        related,
      );
    case 'user-pages':
      return logAmdgpuVmFailure.report(
        span,
        'userPages',
        { caller: record.caller ?? 'init_user_pages', errno: errnoText(record.errno), consequences },
        related,
      );
    case 'pte-update':
      return logAmdgpuVmFailure.report(span, 'pteUpdate', { consequences }, related);
  }
}

function explainKasan(record: KasanRecord): Finding {
  const allocated = meaningful(record.allocated);
  const freed = meaningful(record.freed);
  const object = objectIn(allocated) ?? objectIn(freed) ?? objectIn(meaningful(record.stack).slice(0, 4));
  const access = record.access
    ? `${record.access.op}${record.access.size !== undefined ? ` of ${record.access.size} bytes` : ''} at ${record.access.address.toString(16)} by task ${record.access.task}`
    : 'bad access';
  const objectText = object
    ? ` to ${object}${allocated[0] ? ` allocated in ${allocated[0].fn}` : ''}`
    : allocated[0]
      ? ` to an object allocated in ${allocated[0].fn}`
      : '';
  const gpuvmInvolved =
    object !== undefined || [...record.stack, ...record.allocated, ...record.freed].some((frame) => /^drm_gpuv[am]_/.test(frame.fn));
  const useAfterFree = record.bugType.includes('use-after-free');
  const meaning = !gpuvmInvolved
    ? 'No drm_gpuvm object is involved in the stacks.'
    : useAfterFree
      ? 'A GPU VM object was used after its last reference was dropped: a reference is missing (a VA used after drm_gpuva_unlink() put its VM_BO, a VM_BO or VM put twice), or a lookup raced with the final put.'
      : "The stacks involve drm_gpuvm objects; check the object's lifetime and size assumptions.";
  const related: RelatedLocation[] = [
    ...(record.allocatedLine !== undefined
      ? [{ line: record.allocatedLine, message: `allocated${allocated[0] ? ` in ${allocated[0].fn}` : ''}` }]
      : []),
    ...(record.freedLine !== undefined ? [{ line: record.freedLine, message: `freed${freed[0] ? ` in ${freed[0].fn}` : ''}` }] : []),
  ];
  const span = { line: record.line, endLine: record.endLine };
  const data = {
    bugType: record.bugType,
    where: record.where,
    access,
    object: objectText,
    meaning,
    freedIn: freed[0]?.fn ?? 'an unknown function',
  };
  return useAfterFree && record.freed.length > 0
    ? logKasanReport.report(span, 'useAfterFree', data, related)
    : logKasanReport.report(span, 'other', data, related);
}

/** The finding for a record; undefined for records that are history, not problems (msm VM operations). */
export function explainRecord(record: KernelLogRecord): Finding | undefined {
  switch (record.kind) {
    case 'vm-op':
      return undefined;
    case 'gpuvm-warn':
      return explainGpuvmWarn(record);
    case 'refcount-warn':
      return explainRefcount(record);
    case 'gpu-fault':
      return explainFault(record);
    case 'va-conflict':
      return explainConflict(record);
    case 'amdgpu-vm-failure':
      return explainAmdgpuVmFailure(record);
    case 'kasan':
      return explainKasan(record);
  }
}
