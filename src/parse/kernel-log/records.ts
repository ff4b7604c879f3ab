/**
 * What GPUVM Lens recognises in a kernel log, as typed records: the WARNs of
 * drm_gpuvm, refcount_t warnings, GPU page faults of the drivers that use a
 * GPU VM (amdgpu, Xe, nouveau, panthor/panfrost, msm), amdgpu's VA-conflict
 * message and KASAN reports. Every record carries the 1-based line it starts
 * on, the dmesg timestamp when the log has one (seconds since boot, the clock
 * ftrace's default `local` clock also uses), and the lines of its parts so
 * findings can point at them.
 */

import type { U64 } from '../../base/u64';

/** One call-trace frame: `fn+0x1c/0x80 [module]`. */
export interface StackFrame {
  readonly fn: string;
  readonly module?: string;
  /** Printed with a leading `? `: a stale return address the unwinder is not sure about. */
  readonly unreliable?: true;
  /** 1-based line of the frame in the log. */
  readonly line: number;
}

/** The `WARNING: CPU: n PID: p at file:line fn+off/size` header of a WARN. */
export interface WarnHeader {
  readonly file?: string;
  readonly fileLine?: number;
  readonly fn?: string;
  readonly line: number;
}

interface RecordBase {
  readonly line: number;
  readonly timestamp?: number;
  /** `driver device` of a dev_* message, e.g. `amdgpu 0000:03:00.0`. */
  readonly device?: string;
}

/** The WARN texts of drm_gpuvm.c (docs/model.md, "VA tree lookups" and "Lifetime and references"). */
export type GpuvmWarnId =
  | 'tree-not-empty'
  | 'extobj-not-empty'
  | 'evict-not-empty'
  | 'reserved-node'
  | 'address-limited'
  | 'bo-cleanup-not-empty'
  | 'gpuva-lock-set-twice'
  /** A WARN raised inside drm_gpuvm without one of the texts above (drm_WARN_ON). */
  | 'other';

export interface GpuvmWarnRecord extends RecordBase {
  readonly kind: 'gpuvm-warn';
  readonly which: GpuvmWarnId;
  readonly text: string;
  header?: WarnHeader;
  readonly stack: StackFrame[];
}

export type RefcountWarnId = 'underflow' | 'saturated' | 'addition-on-0' | 'decrement-hit-0';

export interface RefcountWarnRecord extends RecordBase {
  readonly kind: 'refcount-warn';
  readonly which: RefcountWarnId;
  readonly text: string;
  header?: WarnHeader;
  readonly stack: StackFrame[];
}

export type FaultDriver = 'amdgpu' | 'xe' | 'nouveau' | 'panthor' | 'msm';

/** How a fault names its VM; which fields exist depends on the driver. */
export interface VmSelector {
  /** amdgpu: the PASID (also in the amdgpu tracepoints). */
  readonly pasid?: number;
  /** Xe: the VM's ASID (also in the xe_vma tracepoints). */
  readonly asid?: number;
  /** nouveau: the client name of the faulting channel, as in the gpuvas dump ("comm[pid]"). */
  readonly name?: string;
  /** msm: the page-table base (TTBR0) of the faulting context. */
  readonly ttbr0?: U64;
  /** amdgpu: hardware VMID (reused between processes; informative only). */
  readonly vmid?: number;
  /** panthor/panfrost: hardware address-space slot (informative only). */
  readonly addressSpace?: number;
}

export interface GpuFaultRecord extends RecordBase {
  readonly kind: 'gpu-fault';
  readonly driver: FaultDriver;
  /** Faulting GPU virtual address in bytes (amdgpu/Xe: the start of the 4 KiB page); undefined when the log lost that line. */
  address?: U64;
  addressLine?: number;
  readonly vm: { -readonly [K in keyof VmSelector]: VmSelector[K] };
  access?: 'read' | 'write' | 'atomic';
  /** amdgpu VM_L2_PROTECTION_FAULT_STATUS and its decoded fields, Xe fault type/level, … */
  readonly details: Record<string, string>;
  process?: string;
  /** Last line that belongs to this fault report. */
  endLine: number;
}

/** amdgpu_vm_bo_map() refusing an overlapping mapping (GPU page units). */
export interface VaConflictRecord extends RecordBase {
  readonly kind: 'va-conflict';
  /** Requested first and last page (inclusive). */
  readonly requestStart: U64;
  readonly requestLast: U64;
  /** Existing mapping: first page and exclusive end page. */
  readonly existingStart: U64;
  readonly existingEnd: U64;
}

/**
 * A failure of amdgpu's KFD (compute) GPU VM path, from the pr_err() lines
 * of amdgpu_amdkfd_gpuvm.c (prefixed `kfd2kgd: ` on older kernels, `amdgpu: `
 * on newer): `Failed to map VA 0x%llx in vm. ret %d` (amdgpu_vm_bo_map()
 * refused the mapping), `%s: Failed to get user pages: %d` (a userptr
 * allocation whose pages could not be pinned) and `amdgpu_vm_bo_update failed`
 * (the page tables were not updated for a mapping). The follow-on lines of
 * the same failure (`update_gpuvm_pte() failed`, `Failed to map bo to gpuvm`,
 * `…: update PTE failed`, `Failed to map peer:… mem_domain:n`) are folded in.
 */
export interface AmdgpuVmFailureRecord extends RecordBase {
  readonly kind: 'amdgpu-vm-failure';
  readonly failure: 'map-va' | 'user-pages' | 'pte-update';
  /** The GPU virtual address (map-va). */
  readonly address?: U64;
  /** The negative errno the kernel printed. */
  readonly errno?: number;
  /** The function that printed it (user-pages: `init_user_pages`, …). */
  readonly caller?: string;
  /** Follow-on lines of the same failure, as printed. */
  readonly consequences: { readonly line: number; readonly text: string }[];
  endLine: number;
}

export interface KasanRecord extends RecordBase {
  readonly kind: 'kasan';
  /** `slab-use-after-free`, `use-after-free`, `double-free`, `slab-out-of-bounds`, … */
  readonly bugType: string;
  /** Function the bad access happened in. */
  readonly where: string;
  access?: { op: string; size?: number; address: U64; task: string; line: number };
  readonly stack: StackFrame[];
  readonly allocated: StackFrame[];
  readonly freed: StackFrame[];
  allocatedLine?: number;
  freedLine?: number;
  object?: { address: U64; cache?: string; size?: number; offset?: number; relation?: string; line: number };
  endLine: number;
}

/**
 * One VM operation msm logs through dynamic debug (`vm_dbg`, VM_BIND series):
 * `<op>:<vm ptr>:<queue id>: <iova> <iova + range>`, op `map`, `unmap` or an
 * unmap reason. A log with these lines carries its own mapping history.
 */
export interface VmOpRecord extends RecordBase {
  readonly kind: 'vm-op';
  readonly op: string;
  /** The VM pointer as printed. */
  readonly vm: string;
  readonly queue: number;
  readonly start: U64;
  /** Exclusive end. */
  readonly end: U64;
}

export type KernelLogRecord =
  GpuvmWarnRecord | RefcountWarnRecord | GpuFaultRecord | VaConflictRecord | AmdgpuVmFailureRecord | KasanRecord | VmOpRecord;
