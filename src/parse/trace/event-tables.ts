/**
 * The GPU-VM tracepoints GPUVM Lens knows, as data: for every event name, the
 * driver it belongs to and every historical payload layout, each written as
 * the kernel's `TP_printk` format string (docs/trace-formats.md) with a
 * name for each conversion. Layouts are tried newest first; the first that
 * matches decodes the event. An event listed here whose payload matches none
 * of its layouts is a changed format, reported, never dropped.
 *
 * Field names are the kernel's keys (`vm flags` becomes `vmFlags`; unlabelled
 * values get descriptive names). `refs` names the fields that identify
 * objects (VM, VMA, BO, fence, ...), for navigation between events.
 */

import type { CodeUnits } from './code-units';
import { compileFormat, type CompiledFormat } from './payload-format';

export type TraceDriver = 'xe' | 'amdgpu' | 'i915' | 'gpu_scheduler' | 'dma_fence' | 'gpu_mem' | 'msm' | 'panthor' | 'pvr';

export type ObjectKind = 'vm' | 'vma' | 'bo' | 'fence' | 'job' | 'entity' | 'ctx' | 'pasid';

export interface EventLayout {
  /** Kernel era of the layout, shown in findings (`xe v6.17`). */
  readonly id: string;
  readonly compiled: CompiledFormat;
  readonly fields: readonly string[];
  /** Field name -> index into the decoded values. */
  readonly index: Readonly<Record<string, number>>;
}

export interface EventSpec {
  readonly name: string;
  readonly driver: TraceDriver;
  /** The tracepoint class (events of a class share layouts). */
  readonly eventClass: string;
  readonly layouts: readonly EventLayout[];
  /** Field -> kind of object it identifies. */
  readonly refs: Readonly<Record<string, ObjectKind>>;
  /** The payload continues on the following lines (amdgpu_vm_update_ptes). */
  readonly multiLine: boolean;
  /**
   * For a class whose every layout is a `key=value, key=value` list: how to
   * read a payload whose keys were added or removed in a release no layout
   * names (trace-formats notes: parse such payloads as key=value lists).
   */
  readonly keyValue: KeyValueScheme | null;
}

export interface KeyValueScheme {
  /** Key as printed -> the conversion the kernel prints its value with (`0x%012llx`). */
  readonly conversions: ReadonlyMap<string, string>;
  /** Key as printed -> field name (`vm flags` -> `vmFlags`). */
  readonly fields: ReadonlyMap<string, string>;
  /** Fields every historical layout has: a payload without them is not this event. */
  readonly required: readonly string[];
}

export function layout(id: string, format: string, fields: readonly string[]): EventLayout {
  const index: Record<string, number> = {};
  fields.forEach((field, position) => (index[field] = position));
  return { id, compiled: compileFormat(format), fields, index };
}

interface ClassDef {
  readonly driver: TraceDriver;
  readonly eventClass: string;
  readonly events: readonly string[];
  readonly layouts: readonly EventLayout[];
  readonly refs?: Readonly<Record<string, ObjectKind>>;
  readonly multiLine?: boolean;
}

const XE_VMA_FIELDS = ['dev', 'vma', 'vm', 'asid', 'start', 'end', 'userptr'];
const XE_JOB_FIELDS = ['dev', 'fence', 'seqno', 'lrcSeqno', 'gucId', 'batchAddr', 'gucState', 'flags', 'error'];
const XE_QUEUE_FIELDS = ['dev', 'engineClass', 'logicalMask', 'gt', 'width', 'gucId', 'gucState', 'flags'];
const XE_TLB_EVENTS = ['create', 'work_func', 'cb', 'send', 'recv', 'signal', 'timeout'];

const CLASSES: readonly ClassDef[] = [
  // ---- Intel xe ------------------------------------------------------
  {
    driver: 'xe',
    eventClass: 'xe_vma',
    events: [
      'xe_vma_flush',
      'xe_vma_pagefault',
      'xe_vma_acc',
      'xe_vma_fail',
      'xe_vma_bind',
      'xe_vma_pf_bind',
      'xe_vma_unbind',
      'xe_vma_userptr_rebind_worker',
      'xe_vma_userptr_rebind_exec',
      'xe_vma_rebind_worker',
      'xe_vma_rebind_exec',
      'xe_vma_userptr_invalidate',
      'xe_vma_invalidate',
      'xe_vma_evict',
      'xe_vma_userptr_invalidate_complete',
    ],
    layouts: [
      layout('xe v6.17', 'dev=%s, vma=%p, vm=%p, asid=0x%05x, start=0x%012llx, end=0x%012llx, userptr=0x%012llx', XE_VMA_FIELDS),
      layout('xe v6.12', 'dev=%s, vma=%p, asid=0x%05x, start=0x%012llx, end=0x%012llx, userptr=0x%012llx', [
        'dev',
        'vma',
        'asid',
        'start',
        'end',
        'userptr',
      ]),
      layout('xe v6.11', 'dev=%s, vma=%p, asid=0x%05x, start=0x%012llx, end=0x%012llx, userptr=0x%012llx,', [
        'dev',
        'vma',
        'asid',
        'start',
        'end',
        'userptr',
      ]),
      layout('xe v6.8', 'vma=%p, asid=0x%05x, start=0x%012llx, end=0x%012llx, userptr=0x%012llx,', [
        'vma',
        'asid',
        'start',
        'end',
        'userptr',
      ]),
    ],
    refs: { vma: 'vma', vm: 'vm' },
  },
  {
    driver: 'xe',
    eventClass: 'xe_vm',
    events: [
      'xe_vm_kill',
      'xe_vm_create',
      'xe_vm_free',
      'xe_vm_cpu_bind',
      'xe_vm_restart',
      'xe_vm_rebind_worker_enter',
      'xe_vm_rebind_worker_retry',
      'xe_vm_rebind_worker_exit',
      'xe_vm_ops_fail',
    ],
    layouts: [
      layout('xe v6.17', 'dev=%s, vm=%p, asid=0x%05x, vm flags=0x%05x', ['dev', 'vm', 'asid', 'vmFlags']),
      layout('xe v6.12', 'dev=%s, vm=%p, asid=0x%05x', ['dev', 'vm', 'asid']),
      layout('xe v6.8', 'vm=%p, asid=0x%05x', ['vm', 'asid']),
    ],
    refs: { vm: 'vm' },
  },
  {
    driver: 'xe',
    eventClass: 'xe_bo',
    events: ['xe_bo_cpu_fault', 'xe_bo_validate', 'xe_bo_create'],
    layouts: [
      layout('xe v6.12+', 'dev=%s, size=%zu, flags=0x%02x, vm=%p', ['dev', 'size', 'flags', 'vm']),
      layout('xe v6.8', 'size=%zu, flags=0x%02x, vm=%p', ['size', 'flags', 'vm']),
    ],
    refs: { vm: 'vm' },
  },
  {
    driver: 'xe',
    eventClass: 'xe_bo_move',
    events: ['xe_bo_move'],
    layouts: [
      layout('xe', 'move_lacks_source:%s, migrate object %p [size %zu] from %s to %s device_id:%s', [
        'moveLacksSource',
        'bo',
        'size',
        'from',
        'to',
        'dev',
      ]),
    ],
    refs: { bo: 'bo' },
  },
  {
    driver: 'xe',
    eventClass: 'xe_tlb_inval_fence',
    events: [
      ...XE_TLB_EVENTS.map((suffix) => `xe_gt_tlb_invalidation_fence_${suffix}`),
      ...XE_TLB_EVENTS.map((suffix) => `xe_tlb_inval_fence_${suffix}`),
    ],
    layouts: [
      layout('xe v6.12+', 'dev=%s, fence=%p, seqno=%d', ['dev', 'fence', 'seqno']),
      layout('xe v6.8', 'fence=%p, seqno=%d', ['fence', 'seqno']),
    ],
    refs: { fence: 'fence' },
  },
  {
    driver: 'xe',
    eventClass: 'xe_sched_job',
    events: ['create', 'exec', 'run', 'free', 'timedout', 'set_error', 'ban'].map((suffix) => `xe_sched_job_${suffix}`),
    layouts: [
      layout(
        'xe v6.12+',
        'dev=%s, fence=%p, seqno=%u, lrc_seqno=%u, guc_id=%d, batch_addr=0x%012llx, guc_state=0x%x, flags=0x%x, error=%d',
        XE_JOB_FIELDS,
      ),
      layout(
        'xe v6.8',
        'fence=%p, seqno=%u, lrc_seqno=%u, guc_id=%d, batch_addr=0x%012llx, guc_state=0x%x, flags=0x%x, error=%d',
        XE_JOB_FIELDS.slice(1),
      ),
    ],
    refs: { fence: 'fence' },
  },
  {
    driver: 'xe',
    eventClass: 'xe_exec_queue',
    events: [
      'create',
      'supress_resume',
      'submit',
      'scheduling_enable',
      'scheduling_disable',
      'scheduling_done',
      'register',
      'deregister',
      'deregister_done',
      'close',
      'kill',
      'cleanup_entity',
      'destroy',
      'reset',
      'memory_cat_error',
      'stop',
      'resubmit',
      'lr_cleanup',
    ].map((suffix) => `xe_exec_queue_${suffix}`),
    layouts: [
      layout('xe v6.12+', 'dev=%s, %d:0x%x, gt=%d, width=%d, guc_id=%d, guc_state=0x%x, flags=0x%x', XE_QUEUE_FIELDS),
      layout('xe v6.8', '%d:0x%x, gt=%d, width=%d, guc_id=%d, guc_state=0x%x, flags=0x%x', XE_QUEUE_FIELDS.slice(1)),
    ],
  },
  {
    driver: 'xe',
    eventClass: 'xe_hw_fence',
    events: ['xe_hw_fence_create', 'xe_hw_fence_signal', 'xe_hw_fence_try_signal'],
    layouts: [
      layout('xe v6.12+', 'dev=%s, ctx=0x%016llx, fence=%p, seqno=%u', ['dev', 'ctx', 'fence', 'seqno']),
      layout('xe v6.8', 'ctx=0x%016llx, fence=%p, seqno=%u', ['ctx', 'fence', 'seqno']),
    ],
    refs: { fence: 'fence' },
  },
  {
    driver: 'xe',
    eventClass: 'xe_guc_ctb',
    events: ['xe_guc_ctb_h2g', 'xe_guc_ctb_g2h'],
    layouts: [layout('xe', '%s CTB: action=0x%x, len=%d, tail=%d, head=%d', ['gtDirection', 'action', 'len', 'tail', 'head'])],
  },

  // ---- amdgpu ---------------------------------------------------------
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_vm_mapping_va',
    events: ['amdgpu_vm_bo_map', 'amdgpu_vm_bo_unmap'],
    layouts: [layout('amdgpu', 'bo=%p, start=%lx, last=%lx, offset=%010llx, flags=%llx', ['bo', 'start', 'last', 'offset', 'flags'])],
    refs: { bo: 'bo' },
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_vm_mapping',
    events: ['amdgpu_vm_bo_update', 'amdgpu_vm_bo_mapping', 'amdgpu_vm_bo_cs'],
    layouts: [layout('amdgpu', 'soffs=%010llx, eoffs=%010llx, flags=%llx', ['soffs', 'eoffs', 'flags'])],
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_vm_update_ptes',
    events: ['amdgpu_vm_update_ptes'],
    layouts: [
      layout('amdgpu v5.10+', 'pid:%u vm_ctx:0x%llx start:0x%010llx end:0x%010llx, flags:0x%llx, incr:%llu, dst:', [
        'pid',
        'vmCtx',
        'start',
        'end',
        'flags',
        'incr',
      ]),
    ],
    multiLine: true,
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_vm_set_ptes',
    events: ['amdgpu_vm_set_ptes'],
    layouts: [
      layout('amdgpu', 'pe=%010Lx, addr=%010Lx, incr=%u, flags=%llx, count=%u, immediate=%d', [
        'pe',
        'addr',
        'incr',
        'flags',
        'count',
        'immediate',
      ]),
      layout('amdgpu v4.x', 'pe=%010Lx, addr=%010Lx, incr=%u, flags=%08x, count=%u', ['pe', 'addr', 'incr', 'flags', 'count']),
    ],
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_vm_copy_ptes',
    events: ['amdgpu_vm_copy_ptes'],
    layouts: [
      layout('amdgpu', 'pe=%010Lx, src=%010Lx, count=%u, immediate=%d', ['pe', 'src', 'count', 'immediate']),
      layout('amdgpu v4.x', 'pe=%010Lx, src=%010Lx, count=%u', ['pe', 'src', 'count']),
    ],
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_vm_grab_id',
    events: ['amdgpu_vm_grab_id'],
    layouts: [
      layout('amdgpu v6.x', 'pasid=%d, ring=%s, id=%u, hub=%u, pd_addr=%010Lx needs_flush=%u', [
        'pasid',
        'ring',
        'id',
        'hub',
        'pdAddr',
        'needsFlush',
      ]),
      layout('amdgpu v4.x', 'vm=%p, ring=%u, id=%u, pd_addr=%010Lx needs_flush=%u', ['vm', 'ring', 'id', 'pdAddr', 'needsFlush']),
    ],
    refs: { pasid: 'pasid', vm: 'vm' },
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_vm_flush',
    events: ['amdgpu_vm_flush'],
    layouts: [
      layout('amdgpu v6.x', 'ring=%s, id=%u, hub=%u, pd_addr=%010Lx', ['ring', 'id', 'hub', 'pdAddr']),
      layout('amdgpu v4.x', 'ring=%u, id=%u, pd_addr=%010Lx', ['ring', 'id', 'pdAddr']),
    ],
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_pasid',
    events: ['amdgpu_pasid_allocated', 'amdgpu_pasid_freed'],
    layouts: [layout('amdgpu', 'pasid=%u', ['pasid'])],
    refs: { pasid: 'pasid' },
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_bo_create',
    events: ['amdgpu_bo_create'],
    layouts: [
      layout('amdgpu', 'bo=%p, pages=%u, type=%d, preferred=%d, allowed=%d, visible=%d', [
        'bo',
        'pages',
        'type',
        'preferred',
        'allowed',
        'visible',
      ]),
      layout('amdgpu v4.x', 'bo=%p, pages=%u, type=%d, prefered=%d, allowed=%d, visible=%d', [
        'bo',
        'pages',
        'type',
        'preferred',
        'allowed',
        'visible',
      ]),
    ],
    refs: { bo: 'bo' },
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_bo_move',
    events: ['amdgpu_bo_move', 'amdgpu_ttm_bo_move'],
    layouts: [layout('amdgpu', 'bo=%p, from=%d, to=%d, size=%Ld', ['bo', 'from', 'to', 'size'])],
    refs: { bo: 'bo' },
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_bo_list_set',
    events: ['amdgpu_bo_list_set'],
    layouts: [layout('amdgpu', 'list=%p, bo=%p, bo_size=%Ld', ['list', 'bo', 'boSize'])],
    refs: { bo: 'bo' },
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_cs_bo_status',
    events: ['amdgpu_cs_bo_status'],
    layouts: [layout('amdgpu', 'total_bo_size=%Ld, total_bo_count=%Ld', ['totalBoSize', 'totalBoCount'])],
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_job',
    events: ['amdgpu_cs_ioctl', 'amdgpu_sched_run_job'],
    layouts: [
      layout('amdgpu v6.17+', 'timeline=%s, fence=%llu:%llu, ring_name=%s, num_ibs=%u', [
        'timeline',
        'context',
        'seqno',
        'ringName',
        'numIbs',
      ]),
      layout('amdgpu ≤v6.16', 'sched_job=%llu, timeline=%s, context=%u, seqno=%u, ring_name=%s, num_ibs=%u', [
        'schedJob',
        'timeline',
        'context',
        'seqno',
        'ringName',
        'numIbs',
      ]),
    ],
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_cs',
    events: ['amdgpu_cs'],
    layouts: [layout('amdgpu', 'bo_list=%p, ring=%u, dw=%u, fences=%u', ['boList', 'ring', 'dw', 'fences'])],
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_ib_pipe_sync',
    events: ['amdgpu_ib_pipe_sync'],
    layouts: [
      layout('amdgpu v6.17+', 'job ring=%s need pipe sync to fence=%llu:%llu', ['ring', 'context', 'seqno']),
      layout('amdgpu ≤v6.16', 'job ring=%s, id=%llu, need pipe sync to fence=%p, context=%llu, seq=%u', [
        'ring',
        'id',
        'fence',
        'context',
        'seqno',
      ]),
    ],
  },
  {
    driver: 'amdgpu',
    eventClass: 'amdgpu_iv',
    events: ['amdgpu_iv'],
    layouts: [
      layout('amdgpu', 'ih:%u client_id:%u src_id:%u ring:%u vmid:%u timestamp: %llu pasid:%u src_data: %08x %08x %08x %08x', [
        'ih',
        'clientId',
        'srcId',
        'ring',
        'vmid',
        'timestamp',
        'pasid',
        'src0',
        'src1',
        'src2',
        'src3',
      ]),
      layout('amdgpu v4.x', 'client_id:%u src_id:%u ring:%u vm_id:%u timestamp: %llu pas_id:%u src_data: %08x %08x %08x %08x', [
        'clientId',
        'srcId',
        'ring',
        'vmid',
        'timestamp',
        'pasid',
        'src0',
        'src1',
        'src2',
        'src3',
      ]),
    ],
    refs: { pasid: 'pasid' },
  },

  // ---- i915 -----------------------------------------------------------
  {
    driver: 'i915',
    eventClass: 'i915_vma_bind',
    events: ['i915_vma_bind'],
    layouts: [
      layout('i915 v5.x+', 'obj=%p, offset=0x%016llx size=0x%llx%s vm=%p', ['obj', 'offset', 'size', 'mappable', 'vm']),
      layout('i915 v4.x', 'obj=%p, offset=%016llx size=%x%s vm=%p', ['obj', 'offset', 'size', 'mappable', 'vm']),
    ],
    refs: { obj: 'bo', vm: 'vm' },
  },
  {
    driver: 'i915',
    eventClass: 'i915_vma_unbind',
    events: ['i915_vma_unbind'],
    layouts: [
      layout('i915 v5.x+', 'obj=%p, offset=0x%016llx size=0x%llx vm=%p', ['obj', 'offset', 'size', 'vm']),
      layout('i915 v4.x', 'obj=%p, offset=%016llx size=%x vm=%p', ['obj', 'offset', 'size', 'vm']),
    ],
    refs: { obj: 'bo', vm: 'vm' },
  },
  {
    driver: 'i915',
    eventClass: 'i915_ppgtt',
    events: ['i915_ppgtt_create', 'i915_ppgtt_release'],
    layouts: [layout('i915', 'dev=%u, vm=%p', ['dev', 'vm'])],
    refs: { vm: 'vm' },
  },
  {
    driver: 'i915',
    eventClass: 'i915_context',
    events: ['i915_context_create', 'i915_context_free'],
    layouts: [layout('i915', 'dev=%u, ctx=%p, ctx_vm=%p', ['dev', 'ctx', 'vm'])],
    refs: { ctx: 'ctx', vm: 'vm' },
  },
  {
    driver: 'i915',
    eventClass: 'i915_gem_evict',
    events: ['i915_gem_evict'],
    layouts: [
      layout('i915 v5.x+', 'dev=%d, vm=%p, size=0x%llx, align=0x%llx%s', ['dev', 'vm', 'size', 'align', 'mappable']),
      layout('i915 v4.x', 'dev=%d, vm=%p, size=%d, align=%d%s', ['dev', 'vm', 'size', 'align', 'mappable']),
    ],
    refs: { vm: 'vm' },
  },
  {
    driver: 'i915',
    eventClass: 'i915_gem_evict_node',
    events: ['i915_gem_evict_node'],
    layouts: [
      layout('i915', 'dev=%d, vm=%p, start=0x%llx size=0x%llx, color=0x%lx, flags=%x', ['dev', 'vm', 'start', 'size', 'color', 'flags']),
    ],
    refs: { vm: 'vm' },
  },
  {
    driver: 'i915',
    eventClass: 'i915_gem_evict_vm',
    events: ['i915_gem_evict_vm'],
    layouts: [layout('i915', 'dev=%d, vm=%p', ['dev', 'vm'])],
    refs: { vm: 'vm' },
  },
  {
    driver: 'i915',
    eventClass: 'i915_gem_object_create',
    events: ['i915_gem_object_create'],
    layouts: [layout('i915 v5.x+', 'obj=%p, size=0x%llx', ['obj', 'size']), layout('i915 v4.x', 'obj=%p, size=%u', ['obj', 'size'])],
    refs: { obj: 'bo' },
  },
  {
    driver: 'i915',
    eventClass: 'i915_gem_object',
    events: ['i915_gem_object_destroy'],
    layouts: [layout('i915', 'obj=%p', ['obj'])],
    refs: { obj: 'bo' },
  },

  // ---- generic lifetime events ---------------------------------------------
  {
    driver: 'gpu_scheduler',
    eventClass: 'drm_sched_job',
    events: ['drm_sched_job_queue', 'drm_sched_job_run'],
    layouts: [
      layout('gpu_scheduler v6.17+', 'dev=%s, fence=%llu:%llu, ring=%s, job count:%u, hw job count:%d, client_id:%llu', [
        'dev',
        'context',
        'seqno',
        'ring',
        'jobCount',
        'hwJobCount',
        'clientId',
      ]),
    ],
  },
  {
    driver: 'gpu_scheduler',
    eventClass: 'drm_sched_job_done',
    events: ['drm_sched_job_done'],
    layouts: [layout('gpu_scheduler v6.17+', 'fence=%llu:%llu signaled', ['context', 'seqno'])],
  },
  {
    driver: 'gpu_scheduler',
    eventClass: 'drm_sched_job_add_dep',
    events: ['drm_sched_job_add_dep'],
    layouts: [layout('gpu_scheduler v6.17+', 'fence=%llu:%llu depends on fence=%llu:%llu', ['context', 'seqno', 'depContext', 'depSeqno'])],
  },
  {
    driver: 'gpu_scheduler',
    eventClass: 'drm_sched_job_unschedulable',
    events: ['drm_sched_job_unschedulable'],
    layouts: [
      layout('gpu_scheduler v6.17+', 'fence=%llu:%llu depends on unsignalled fence=%llu:%llu', [
        'context',
        'seqno',
        'depContext',
        'depSeqno',
      ]),
    ],
  },
  {
    driver: 'gpu_scheduler',
    eventClass: 'drm_sched_job_old',
    events: ['drm_sched_job', 'drm_run_job'],
    layouts: [
      layout('gpu_scheduler ≤v6.16', 'entity=%p, id=%llu, fence=%p, ring=%s, job count:%u, hw job count:%d', [
        'entity',
        'id',
        'fence',
        'ring',
        'jobCount',
        'hwJobCount',
      ]),
    ],
    refs: { entity: 'entity', fence: 'fence' },
  },
  {
    driver: 'gpu_scheduler',
    eventClass: 'drm_sched_process_job',
    events: ['drm_sched_process_job'],
    layouts: [layout('gpu_scheduler ≤v6.16', 'fence=%p signaled', ['fence'])],
    refs: { fence: 'fence' },
  },
  {
    driver: 'gpu_scheduler',
    eventClass: 'drm_sched_job_wait_dep',
    events: ['drm_sched_job_wait_dep'],
    layouts: [
      layout('gpu_scheduler ≤v6.16', 'job ring=%s, id=%llu, depends fence=%p, context=%llu, seq=%u', [
        'ring',
        'id',
        'fence',
        'context',
        'seqno',
      ]),
    ],
    refs: { fence: 'fence' },
  },
  {
    driver: 'dma_fence',
    eventClass: 'dma_fence',
    events: ['emit', 'init', 'destroy', 'enable_signal', 'signaled', 'wait_start', 'wait_end'].flatMap((suffix) => [
      `dma_fence_${suffix}`,
      `fence_${suffix}`,
    ]),
    layouts: [layout('dma_fence', 'driver=%s timeline=%s context=%u seqno=%u', ['driver', 'timeline', 'context', 'seqno'])],
  },
  {
    driver: 'gpu_mem',
    eventClass: 'gpu_mem_total',
    events: ['gpu_mem_total'],
    layouts: [layout('gpu_mem', 'gpu_id=%u pid=%u size=%llu', ['gpuId', 'pid', 'size'])],
  },

  // ---- other drivers: no VA events, decoded so nothing is dropped ------------
  {
    driver: 'msm',
    eventClass: 'msm_gpu_submit',
    events: ['msm_gpu_submit'],
    layouts: [layout('msm', 'id=%d pid=%d ring=%d bos=%d cmds=%d', ['id', 'pid', 'ring', 'bos', 'cmds'])],
  },
  {
    driver: 'msm',
    eventClass: 'msm_gpu_submit_flush',
    events: ['msm_gpu_submit_flush'],
    layouts: [layout('msm', 'id=%d pid=%d ring=%d:%d ticks=%lld', ['id', 'pid', 'ring', 'seqno', 'ticks'])],
  },
  {
    driver: 'msm',
    eventClass: 'msm_gpu_submit_retired',
    events: ['msm_gpu_submit_retired'],
    layouts: [
      layout('msm', 'id=%d pid=%d ring=%d:%d elapsed=%lld ns mhz=%lld start=%lld end=%lld', [
        'id',
        'pid',
        'ring',
        'seqno',
        'elapsed',
        'mhz',
        'start',
        'end',
      ]),
    ],
  },
  { driver: 'msm', eventClass: 'msm_gpu_freq_change', events: ['msm_gpu_freq_change'], layouts: [layout('msm', 'new_freq=%u', ['freq'])] },
  {
    driver: 'msm',
    eventClass: 'msm_gmu_freq_change',
    events: ['msm_gmu_freq_change'],
    layouts: [layout('msm', 'freq=%u, perf_index=%u', ['freq', 'perfIndex'])],
  },
  {
    driver: 'msm',
    eventClass: 'msm_gem_shrink',
    events: ['msm_gem_shrink'],
    layouts: [
      layout('msm v6.0+', 'nr_to_scan=%u pg, purged=%u pg, evicted=%u pg, active_purged=%u pg, active_evicted=%u pg', [
        'nrToScan',
        'purged',
        'evicted',
        'activePurged',
        'activeEvicted',
      ]),
    ],
  },
  { driver: 'msm', eventClass: 'msm_gem_purge', events: ['msm_gem_purge'], layouts: [layout('msm', 'Purging %u bytes', ['bytes'])] },
  {
    driver: 'msm',
    eventClass: 'msm_gem_purge_vmaps',
    events: ['msm_gem_purge_vmaps'],
    layouts: [layout('msm', 'Purging %u vmaps', ['vmaps'])],
  },
  { driver: 'msm', eventClass: 'msm_gpu_power', events: ['msm_gpu_suspend', 'msm_gpu_resume'], layouts: [layout('msm', '%u', ['dummy'])] },
  {
    driver: 'msm',
    eventClass: 'msm_gpu_preemption_trigger',
    events: ['msm_gpu_preemption_trigger'],
    layouts: [layout('msm', 'preempting %u -> %u wptr %x', ['from', 'to', 'wptr'])],
  },
  {
    driver: 'msm',
    eventClass: 'msm_gpu_preemption_irq',
    events: ['msm_gpu_preemption_irq'],
    layouts: [layout('msm', 'preempted to %u', ['ring'])],
  },
  {
    driver: 'panthor',
    eventClass: 'gpu_power_status',
    events: ['gpu_power_status'],
    layouts: [layout('panthor', '%s: shader_bitmap=0x%llx tiler_bitmap=0x%llx l2_bitmap=0x%llx', ['dev', 'shader', 'tiler', 'l2'])],
  },
  {
    driver: 'panthor',
    eventClass: 'gpu_job_irq',
    events: ['gpu_job_irq'],
    layouts: [layout('panthor', '%s: events=0x%x duration_ns=%d', ['dev', 'events', 'durationNs'])],
  },
  {
    driver: 'pvr',
    eventClass: 'pvr_job_submit_ioctl',
    events: ['pvr_job_submit_ioctl'],
    layouts: [layout('pvr', 'pvr_dev=%p count=%u', ['dev', 'count'])],
  },
  {
    driver: 'pvr',
    eventClass: 'pvr_job_create',
    events: ['pvr_job_create'],
    layouts: [
      layout('pvr', 'pvr_dev=%p ctx=%p fw_obj=%p fw_addr=0x%x hwrt_addr=0x%x job=%p job_type=%s sync_op_count=%u', [
        'dev',
        'ctx',
        'fwObj',
        'fwAddr',
        'hwrtAddr',
        'job',
        'jobType',
        'syncOpCount',
      ]),
    ],
    refs: { ctx: 'ctx', job: 'job' },
  },
  {
    driver: 'pvr',
    eventClass: 'pvr_job_submit_fw',
    events: ['pvr_job_submit_fw'],
    layouts: [layout('pvr', 'job=%p done_seqno=%u', ['job', 'doneSeqno'])],
    refs: { job: 'job' },
  },
  {
    driver: 'pvr',
    eventClass: 'pvr_job_done',
    events: ['pvr_job_done'],
    layouts: [layout('pvr', 'job=%p', ['job'])],
    refs: { job: 'job' },
  },
];

const KEY_VALUE_ITEM = /^([A-Za-z_][A-Za-z0-9_ ]*)=([^=]*%[-+ #0-9.]*(?:ll|l|L|z|h|hh)?[sduixXpc][^=%]*)$/;

/**
 * The key=value scheme of a class, or null when some layout is not a plain
 * comma-separated key=value list with one conversion per value.
 */
function keyValueScheme(layouts: readonly EventLayout[]): KeyValueScheme | null {
  const conversions = new Map<string, string>();
  const fields = new Map<string, string>();
  let required: string[] | null = null;
  for (const candidate of layouts) {
    const format = candidate.compiled.format.replace(/,$/, '');
    const items = format.split(', ');
    if (items.length !== candidate.fields.length) return null;
    for (let k = 0; k < items.length; k++) {
      const match = KEY_VALUE_ITEM.exec(items[k] as string);
      if (!match) return null;
      const key = match[1] as string;
      if (!conversions.has(key)) conversions.set(key, match[2] as string);
      fields.set(key, candidate.fields[k] as string);
    }
    required = required ? required.filter((field) => candidate.fields.includes(field)) : [...candidate.fields];
  }
  return required && required.length > 0 ? { conversions, fields, required } : null;
}

function buildSpecs(): Map<string, EventSpec> {
  const specs = new Map<string, EventSpec>();
  for (const def of CLASSES) {
    const keyValue = keyValueScheme(def.layouts);
    for (const name of def.events) {
      specs.set(name, {
        name,
        driver: def.driver,
        eventClass: def.eventClass,
        layouts: def.layouts,
        refs: def.refs ?? {},
        multiLine: def.multiLine ?? false,
        keyValue,
      });
    }
  }
  return specs;
}

/** Every known event by name. */
export const EVENT_SPECS: ReadonlyMap<string, EventSpec> = buildSpecs();

/** Every class definition (for documentation and table consistency tests). */
export const EVENT_CLASSES: readonly ClassDef[] = CLASSES;

/** Event names hashed for `specOfUnits` (FNV-1a over the name's units, open addressing). */
const NAME_SLOTS: (EventSpec | undefined)[] = [];
const NAME_HASHES: number[] = [];
/** Each slot's event name as code units (compared on every line). */
const NAME_UNITS: Uint16Array[] = [];
let nameMask = 0;

function nameHash(units: CodeUnits, start: number, end: number): number {
  let hash = 0x811c9dc5 ^ (end - start);
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (units[i] as number), 0x01000193);
  return hash;
}

(function buildNameTable(): void {
  const slots = 1 << Math.ceil(Math.log2(EVENT_SPECS.size * 4));
  nameMask = slots - 1;
  for (let slot = 0; slot < slots; slot++) {
    NAME_SLOTS.push(undefined);
    NAME_HASHES.push(0);
    NAME_UNITS.push(new Uint16Array(0));
  }
  for (const spec of EVENT_SPECS.values()) {
    const units = Uint16Array.from(spec.name, (c) => c.charCodeAt(0));
    const hash = nameHash(units, 0, units.length);
    let slot = hash & nameMask;
    while (NAME_SLOTS[slot] !== undefined) slot = (slot + 1) & nameMask;
    NAME_SLOTS[slot] = spec;
    NAME_HASHES[slot] = hash;
    NAME_UNITS[slot] = units;
  }
})();

/**
 * The event named by `units[start, end)`, without making the name a string:
 * the dispatch of the trace replay's hot path (one hash, one comparison).
 */
export function specOfUnits(units: CodeUnits, start: number, end: number): EventSpec | undefined {
  return NAME_SLOTS[specSlotOfUnits(units, start, end)];
}

/**
 * Where `specOfUnits` finds the event named by `units[start, end)` in its
 * table, -1 for none: a number another thread can hand over, since every
 * thread builds the same table from the same code (`specAtSlot`).
 */
function sameUnits(units: CodeUnits, start: number, end: number, name: Uint16Array): boolean {
  if (name.length !== end - start) return false;
  for (let k = 0; k < name.length; k++) if (units[start + k] !== name[k]) return false;
  return true;
}

export function specSlotOfUnits(units: CodeUnits, start: number, end: number): number {
  const hash = nameHash(units, start, end);
  for (let slot = hash & nameMask; ; slot = (slot + 1) & nameMask) {
    const spec = NAME_SLOTS[slot];
    if (spec === undefined) return -1;
    if (NAME_HASHES[slot] === hash && sameUnits(units, start, end, NAME_UNITS[slot] as Uint16Array)) return slot;
  }
}

/** The event at a slot `specSlotOfUnits` returned (undefined for -1). */
export function specAtSlot(slot: number): EventSpec | undefined {
  return slot < 0 ? undefined : NAME_SLOTS[slot];
}
