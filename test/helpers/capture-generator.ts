/**
 * A seeded generator of realistic GPU-VM ftrace captures with injected
 * lifetime bugs and their truth, for measuring the trace rules' recall and
 * false alarms (test/unit/analysis/trace/generated-captures.test.ts).
 *
 * What a capture holds, per layout:
 * - Xe (v6.17, v6.11 and v6.8 layouts): processes creating and freeing VMs
 *   over time in normal, long-running and fault mode; BO and userptr binds;
 *   REMAPs, some narrowed because Xe kept a piece without rewriting it (the
 *   piece is named later by a bind of its exact range); evictions and
 *   rebinds; userptr invalidations rebound at the next submit (normal), by
 *   the rebind worker (long-running) or by a page fault (fault mode); jobs
 *   created by the exec ioctl and run later, some across an invalidation;
 *   slab-like reuse of freed VMA pointers; scheduler and fence noise.
 * - amdgpu (with and without the TGID column): processes with a PASID,
 *   maps from several threads, command submissions, page-table updates,
 *   NULL-bo clears that split mappings.
 *
 * A clean capture is a consistent life: no finding is expected. With
 * `bugs`, about one step in `1 / bugRate` injects one bug of a class that
 * the layout can show, and `truth` lists each with the line a rule must
 * report it on. Deterministic for a seed.
 */

import { mulberry32 } from '../../src/base/seeded-random';

export type CaptureLayout = 'xe-v6.17' | 'xe-v6.11' | 'xe-v6.8' | 'amdgpu' | 'amdgpu-tgid';

export const CAPTURE_LAYOUTS: readonly CaptureLayout[] = ['xe-v6.17', 'xe-v6.11', 'xe-v6.8', 'amdgpu', 'amdgpu-tgid'];

export type BugClass =
  | 'use-after-unbind'
  | 'double-unbind'
  | 'vm-freed-with-mappings'
  | 'userptr-submit-before-rebind'
  | 'bind-over-live'
  | 'unbind-never-bound';

/** The rule that must report each bug class. */
export const BUG_RULE: Readonly<Record<BugClass, string>> = {
  'use-after-unbind': 'trace-use-after-free',
  'double-unbind': 'trace-use-after-free',
  'vm-freed-with-mappings': 'trace-vm-freed-with-live-mappings',
  'userptr-submit-before-rebind': 'trace-userptr-exec-before-rebind',
  'bind-over-live': 'trace-bind-over-live-mapping',
  'unbind-never-bound': 'trace-unbind-never-bound',
};

const XE_BUGS: readonly BugClass[] = [
  'use-after-unbind',
  'double-unbind',
  'vm-freed-with-mappings',
  'userptr-submit-before-rebind',
  'bind-over-live',
  'unbind-never-bound',
];
const AMDGPU_BUGS: readonly BugClass[] = [
  'use-after-unbind',
  'double-unbind',
  'vm-freed-with-mappings',
  'bind-over-live',
  'unbind-never-bound',
];

export interface InjectedBug {
  readonly bug: BugClass;
  /** 1-based line of the event a rule must report. */
  readonly line: number;
}

export interface CaptureOptions {
  readonly layout: CaptureLayout;
  readonly lines: number;
  readonly seed: number;
  /** Probability per step of injecting a bug (0: a clean capture). */
  readonly bugRate?: number;
}

export interface GeneratedCapture {
  readonly text: string;
  readonly lines: number;
  readonly truth: readonly InjectedBug[];
}

const HEADER = [
  '# tracer: nop',
  '#',
  '# entries-in-buffer/entries-written: 0/0   #P:16',
  '#',
  '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
  '#              | |         |   |||||     |         |',
];

const COMMS = ['vkcube', 'deqp-vk', 'glmark2', 'chrome', 'Xwayland', 'gnome-shell', 'blender', 'steam'];
const PAGE = 0x1000;

type VmMode = 'normal' | 'lr' | 'fault';

interface Mapping {
  /** Xe VMA pointer, amdgpu first page; null for an Xe piece a narrowed unbind kept (not named yet). */
  id: string | null;
  start: number;
  /** Inclusive. */
  last: number;
  bo: string;
  offset: number;
  /** CPU address of a userptr mapping, 0 for BO-backed. */
  userptr: number;
  invalidated: boolean;
  evicted: boolean;
}

interface Vm {
  readonly id: string;
  readonly asid: number;
  readonly pid: number;
  readonly comm: string;
  readonly mode: VmMode;
  /** Extra thread ids of the process (amdgpu maps from them too). */
  readonly threads: readonly number[];
  readonly base: number;
  next: number;
  readonly mappings: Mapping[];
  /** Jobs created and not yet run: fence pointer and batch address. */
  readonly jobs: { fence: string; batch: number }[];
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

/** Generates a capture; the whole text is returned (tests use sizes of about 100k lines). */
export function generateCapture(options: CaptureOptions): GeneratedCapture {
  const rand = mulberry32(options.seed);
  const chance = (p: number) => rand() < p;
  const below = (n: number) => Math.floor(rand() * n);
  const pick = <T>(items: readonly T[]): T | undefined => items[below(items.length)];
  const layout = options.layout;
  const xe = layout.startsWith('xe');
  const bugRate = options.bugRate ?? 0;
  const bugClasses = xe ? XE_BUGS : AMDGPU_BUGS;

  const out: string[] = [...HEADER];
  const truth: InjectedBug[] = [];
  let ts = 2000;
  const line = (comm: string, pid: number, tgid: number, cpu: number, event: string, payload: string): number => {
    ts += 0.000002 + rand() * 0.00003;
    const secs = Math.floor(ts);
    const micros = Math.floor((ts - secs) * 1e6);
    const task = `${comm.slice(0, 16).padStart(16)}-${String(pid).padEnd(7)}`;
    const tgidColumn = layout === 'amdgpu-tgid' ? ` (${String(tgid).padStart(7)})` : '';
    out.push(
      `${task}${tgidColumn} [${String(cpu).padStart(3, '0')}] ..... ${String(secs).padStart(5)}.${String(micros).padStart(6, '0')}: ${event}: ${payload}`,
    );
    return out.length;
  };

  // ---- pointers: a slab that hands freed objects out again --------------------
  // Hashed %p values as the kernel prints them; kept below 2^53 so they stay exact numbers.
  let nextPointer = 0x5e6f00000000;
  const freePointers: string[] = [];
  const quarantine = new Set<string>();
  const newPointer = (reuse = true): string => {
    if (reuse && freePointers.length > 16 && chance(0.6)) return freePointers.pop() as string;
    nextPointer += 0x100 * (1 + below(16));
    return hex(nextPointer, 16);
  };
  const freePointer = (pointer: string) => {
    if (!quarantine.has(pointer)) freePointers.push(pointer);
  };

  // ---- payloads ---------------------------------------------------------------
  const dev = 'dev=0000:03:00.0';
  const flagsOf = (mode: VmMode) => (mode === 'normal' ? 0x08 : mode === 'lr' ? 0x0a : 0x1a);
  const vmPayload = (vm: Vm): string => {
    const asid = `asid=0x${hex(vm.asid, 5)}`;
    if (layout === 'xe-v6.17') return `${dev}, vm=${vm.id}, ${asid}, vm flags=0x${hex(flagsOf(vm.mode), 5)}`;
    if (layout === 'xe-v6.11') return `${dev}, vm=${vm.id}, ${asid}`;
    return `vm=${vm.id}, ${asid}`;
  };
  const vmaPayload = (vm: Vm, id: string, m: { start: number; last: number; userptr: number; offset: number }): string => {
    const body = `vma=${id}, asid=0x${hex(vm.asid, 5)}, start=0x${hex(m.start, 12)}, end=0x${hex(m.last, 12)}, userptr=0x${hex(m.userptr || m.offset, 12)}`;
    if (layout === 'xe-v6.17') return `${dev}, ${body.replace(', asid=', `, vm=${vm.id}, asid=`)}`;
    if (layout === 'xe-v6.11') return `${dev}, ${body},`;
    return `${body},`;
  };
  const jobPayload = (fence: string, seqno: number, batch: number): string => {
    const body = `fence=${fence}, seqno=${seqno}, lrc_seqno=${seqno}, guc_id=${4 + (seqno % 7)}, batch_addr=0x${hex(batch, 12)}, guc_state=0x0, flags=0x0, error=0`;
    return layout === 'xe-v6.8' ? body : `${dev}, ${body}`;
  };
  const pages = (bytes: number) => Math.floor(bytes / PAGE);
  const amdMap = (bo: string, start: number, last: number, offset: number) =>
    `bo=${bo}, start=${hex(pages(start), 0)}, last=${hex(pages(last), 0)}, offset=${hex(offset, 10)}, flags=70`;
  const amdRange = (m: Mapping) => `soffs=${hex(pages(m.start), 10)}, eoffs=${hex(pages(m.last) + 1, 10)}, flags=70`;

  // ---- processes and VMs --------------------------------------------------------
  const vms: Vm[] = [];
  let pidCounter = 4000;
  let asidCounter = 1;
  let seqno = 1;
  const liveAsids = new Set<number>();

  const emitVm = (vm: Vm, event: string, comm = vm.comm, pid = vm.pid) => line(comm, pid, vm.pid, vm.pid % 16, event, vmPayload(vm));
  const emitVma = (vm: Vm, event: string, m: Mapping, id = m.id as string, comm = vm.comm, pid = vm.pid) =>
    line(comm, pid, vm.pid, pid % 16, event, vmaPayload(vm, id, m));

  const createVm = () => {
    // Linux hands out ids in order: the process, then its threads, then the next process.
    const pid = (pidCounter += 1 + below(9));
    pidCounter += 3;
    let asid = asidCounter;
    while (liveAsids.has(asid)) asid = (asid % 0xffff) + 1;
    asidCounter = (asid % 0xffff) + 1;
    liveAsids.add(asid);
    const mode: VmMode = !xe ? 'normal' : chance(0.6) ? 'normal' : chance(0.5) ? 'lr' : 'fault';
    const vm: Vm = {
      id: newPointer(false),
      asid,
      pid,
      comm: pick(COMMS) as string,
      mode,
      threads: [pid + 1, pid + 2, pid + 3],
      base: 0x100000000 + below(0x4000) * 0x10000000,
      next: 0,
      mappings: [],
      jobs: [],
    };
    vms.push(vm);
    if (xe) emitVm(vm, 'xe_vm_create');
    else line(vm.comm, vm.pid, vm.pid, vm.pid % 16, 'amdgpu_pasid_allocated', `pasid=${32768 + asid}`);
  };

  /** A thread of the VM's process that issues ioctls (amdgpu: not always the main one). */
  const ioctlThread = (vm: Vm): number => (xe || chance(0.7) ? vm.pid : (pick(vm.threads) as number));

  const freshRange = (vm: Vm, size: number): number => {
    const start = vm.base + vm.next;
    vm.next += size + (chance(0.3) ? 0x10000 : 0);
    return start;
  };

  const nameAnonymous = (vm: Vm, m: Mapping) => {
    // Xe names a kept piece when it next touches it: a prefetch/rebind bind of its exact range.
    if (m.id !== null) return;
    m.id = newPointer();
    emitVma(vm, 'xe_vma_bind', m);
  };

  const bind = (vm: Vm, overRange?: { start: number; last: number }): number => {
    const size = (1 << below(6)) * 0x10000;
    const start = overRange ? overRange.start : freshRange(vm, size);
    const last = overRange ? overRange.last : start + size - 1;
    const userptr = xe && chance(0.12) ? 0x7f0000000000 + below(0x100000) * PAGE : 0;
    const m: Mapping = {
      id: xe ? newPointer() : hex(pages(start), 0),
      start,
      last,
      bo: newPointer(false),
      offset: xe ? 0 : 0,
      userptr,
      invalidated: false,
      evicted: false,
    };
    vm.mappings.push(m);
    if (xe) return emitVma(vm, 'xe_vma_bind', m);
    const tid = ioctlThread(vm);
    line(
      vm.comm,
      tid,
      vm.pid,
      tid % 16,
      'amdgpu_bo_create',
      `bo=${m.bo}, pages=${pages(last - start + 1)}, type=2, preferred=4, allowed=6, visible=1`,
    );
    const at = line(vm.comm, tid, vm.pid, tid % 16, 'amdgpu_vm_bo_map', amdMap(m.bo, start, last, m.offset));
    line(vm.comm, tid, vm.pid, tid % 16, 'amdgpu_vm_bo_update', amdRange(m));
    return at;
  };

  const unbind = (vm: Vm, index: number): Mapping | undefined => {
    const [m] = vm.mappings.splice(index, 1);
    if (!m) return undefined;
    if (xe) {
      nameAnonymous(vm, m);
      emitVma(vm, 'xe_vma_unbind', m);
      freePointer(m.id as string);
    } else {
      const tid = ioctlThread(vm);
      line(vm.comm, tid, vm.pid, tid % 16, 'amdgpu_vm_bo_unmap', amdMap(m.bo, m.start, m.last, m.offset));
    }
    return m;
  };

  /** Unmaps a middle part of a mapping: Xe REMAP (maybe narrowed), amdgpu NULL-bo clear. */
  const split = (vm: Vm, index: number) => {
    const m = vm.mappings[index];
    if (!m || m.userptr || m.last - m.start < 0x2ffff) return;
    const cutStart = m.start + 0x10000;
    const cutLast = m.start + 0x1ffff;
    const prev: Mapping = { ...m, id: null, last: cutStart - 1 };
    const next: Mapping = { ...m, id: null, start: cutLast + 1, offset: m.offset + (cutLast + 1 - m.start) };
    if (xe) {
      nameAnonymous(vm, m);
      if (chance(0.4)) {
        // Xe keeps the prev piece without rewriting it: the unbind is narrowed to the rest.
        emitVma(vm, 'xe_vma_unbind', { ...m, start: cutStart });
      } else {
        emitVma(vm, 'xe_vma_unbind', m);
        prev.id = newPointer();
        emitVma(vm, 'xe_vma_bind', prev);
      }
      freePointer(m.id as string);
      next.id = newPointer();
      emitVma(vm, 'xe_vma_bind', next);
    } else {
      prev.id = m.id;
      next.id = hex(pages(next.start), 0);
      line(vm.comm, vm.pid, vm.pid, vm.pid % 16, 'amdgpu_vm_bo_unmap', amdMap('0000000000000000', cutStart, cutLast, 0));
    }
    vm.mappings.splice(index, 1, prev, next);
  };

  const submitJob = (vm: Vm) => {
    const target = vm.mappings.find((m) => m.userptr === 0 && m.id !== null);
    if (!target || vm.mode !== 'normal') return;
    // The exec ioctl revalidates invalidated userptrs before it creates the job.
    for (const m of vm.mappings) {
      if (m.invalidated) {
        emitVma(vm, 'xe_vma_userptr_rebind_exec', m);
        m.invalidated = false;
      }
    }
    const fence = newPointer();
    const batch = target.start + 0x1000;
    line(vm.comm, vm.pid, vm.pid, vm.pid % 16, 'xe_sched_job_create', jobPayload(fence, seqno, batch));
    vm.jobs.push({ fence, batch });
    seqno++;
  };

  const runJob = (vm: Vm) => {
    const job = vm.jobs.shift();
    if (!job) return;
    const s = seqno++;
    line('kworker/u64:1', 231, 231, 5, 'xe_sched_job_exec', jobPayload(job.fence, s, job.batch));
    line('kworker/u64:1', 231, 231, 5, 'xe_sched_job_run', jobPayload(job.fence, s, job.batch));
    line('kworker/u64:1', 231, 231, 5, 'xe_sched_job_free', jobPayload(job.fence, s, job.batch));
    freePointer(job.fence);
  };

  const xeUse = (vm: Vm) => {
    const m = pick(vm.mappings);
    if (!m) return;
    nameAnonymous(vm, m);
    const r = rand();
    if (m.userptr && !m.invalidated && r < 0.4) {
      emitVma(vm, 'xe_vma_userptr_invalidate', m, m.id as string, 'kswapd0', 95);
      m.invalidated = true;
      if (vm.mode === 'lr') {
        emitVma(vm, 'xe_vma_userptr_rebind_worker', m, m.id as string, 'kworker/u64:4', 244);
        m.invalidated = false;
      } else if (vm.mode === 'fault') {
        emitVma(vm, 'xe_vma_pagefault', m, m.id as string, 'kworker/u64:2', 233);
        emitVma(vm, 'xe_vma_pf_bind', m, m.id as string, 'kworker/u64:2', 233);
        m.invalidated = false;
      }
      return;
    }
    if (r < 0.55 && !m.userptr) {
      emitVma(vm, 'xe_vma_evict', m, m.id as string, 'kworker/u64:3', 240);
      m.evicted = true;
      return;
    }
    if (m.evicted) {
      emitVma(vm, vm.mode === 'lr' ? 'xe_vma_rebind_worker' : 'xe_vma_rebind_exec', m);
      m.evicted = false;
      return;
    }
    if (vm.mode === 'fault' && !m.userptr && r < 0.75) {
      emitVma(vm, 'xe_vma_pagefault', m, m.id as string, 'kworker/u64:2', 233);
      emitVma(vm, 'xe_vma_pf_bind', m, m.id as string, 'kworker/u64:2', 233);
      return;
    }
    if (!m.invalidated) emitVma(vm, 'xe_vma_flush', m);
  };

  const amdUse = (vm: Vm) => {
    const m = pick(vm.mappings);
    if (!m) return;
    const cs = vm.threads[0] as number;
    if (chance(0.6)) line(`${vm.comm.slice(0, 10)}:cs0`, cs, vm.pid, cs % 16, 'amdgpu_vm_bo_cs', amdRange(m));
    else line(vm.comm, vm.pid, vm.pid, vm.pid % 16, 'amdgpu_vm_bo_update', amdRange(m));
  };

  const noise = (vm: Vm) => {
    const s = seqno++;
    if (chance(0.5)) {
      line(
        vm.comm,
        vm.pid,
        vm.pid,
        vm.pid % 16,
        'drm_sched_job_queue',
        `dev=0000:03:00.0, fence=${2400 + (vm.asid % 64)}:${s}, ring=gfx_0.0.0, job count:0, hw job count:1, client_id:${vm.asid}`,
      );
    } else {
      line('<idle>', 0, 0, 7, 'dma_fence_signaled', `driver=drm_sched timeline=gfx_0.0.0 context=${2400 + (vm.asid % 64)} seqno=${s}`);
    }
  };

  const destroyVm = (vm: Vm, leak: boolean): number => {
    while (vm.jobs.length > 0) runJob(vm);
    const keep = leak ? 1 + below(Math.max(1, vm.mappings.length)) : 0;
    while (vm.mappings.length > keep) unbind(vm, vm.mappings.length - 1);
    let at: number;
    if (xe) at = emitVm(vm, 'xe_vm_free', 'kworker/u64:2', 231);
    else at = line('kworker/6:1', 97, 97, 6, 'amdgpu_pasid_freed', `pasid=${32768 + vm.asid}`);
    liveAsids.delete(vm.asid);
    vms.splice(vms.indexOf(vm), 1);
    return at;
  };

  // ---- bugs -------------------------------------------------------------------------
  const inject = (vm: Vm): void => {
    const bug = pick(bugClasses) as BugClass;
    const record = (at: number) => truth.push({ bug, line: at });
    switch (bug) {
      case 'use-after-unbind': {
        const index = vm.mappings.findIndex((m) => m.id !== null && m.userptr === 0);
        if (index < 0) return;
        const m = unbind(vm, index) as Mapping;
        if (xe) {
          quarantine.add(m.id as string);
          record(emitVma(vm, pick(['xe_vma_flush', 'xe_vma_evict', 'xe_vma_rebind_exec']) as string, m));
        } else {
          const cs = vm.threads[0] as number;
          record(line(`${vm.comm.slice(0, 10)}:cs0`, cs, vm.pid, cs % 16, 'amdgpu_vm_bo_cs', amdRange(m)));
        }
        return;
      }
      case 'double-unbind': {
        const index = vm.mappings.findIndex((m) => m.id !== null);
        if (index < 0) return;
        const m = unbind(vm, index) as Mapping;
        if (xe) {
          quarantine.add(m.id as string);
          record(emitVma(vm, 'xe_vma_unbind', m));
        } else {
          record(line(vm.comm, vm.pid, vm.pid, vm.pid % 16, 'amdgpu_vm_bo_unmap', amdMap(m.bo, m.start, m.last, m.offset)));
        }
        return;
      }
      case 'vm-freed-with-mappings': {
        if (vm.mappings.length === 0) bind(vm);
        record(destroyVm(vm, true));
        return;
      }
      case 'userptr-submit-before-rebind': {
        const target = vm.mappings.find((m) => m.userptr === 0 && m.id !== null);
        if (vm.mode !== 'normal' || !target) return;
        let userptr = vm.mappings.find((m) => m.userptr !== 0 && m.id !== null && !m.invalidated);
        if (!userptr) {
          bind(vm);
          const last = vm.mappings[vm.mappings.length - 1] as Mapping;
          if (last.userptr === 0) return;
          userptr = last;
        }
        emitVma(vm, 'xe_vma_userptr_invalidate', userptr, userptr.id as string, 'kswapd0', 95);
        const fence = newPointer();
        const batch = target.start + 0x1000;
        // The driver bug: the job is created without revalidating the userptr.
        record(line(vm.comm, vm.pid, vm.pid, vm.pid % 16, 'xe_sched_job_create', jobPayload(fence, seqno++, batch)));
        vm.jobs.push({ fence, batch });
        emitVma(vm, 'xe_vma_userptr_rebind_exec', userptr);
        return;
      }
      case 'bind-over-live': {
        const index = vm.mappings.findIndex((m) => m.id !== null && m.last - m.start >= 0x1ffff);
        if (index < 0) return;
        const old = vm.mappings[index] as Mapping;
        // The new mapping covers the old one's second half; the old one was never unbound.
        vm.mappings.splice(index, 1);
        record(bind(vm, { start: old.start + 0x10000, last: old.last }));
        return;
      }
      case 'unbind-never-bound': {
        const start = freshRange(vm, 0x10000);
        const ghost = { start, last: start + 0xffff, userptr: 0, offset: 0 };
        if (xe) record(line(vm.comm, vm.pid, vm.pid, vm.pid % 16, 'xe_vma_unbind', vmaPayload(vm, newPointer(false), ghost)));
        else record(line(vm.comm, vm.pid, vm.pid, vm.pid % 16, 'amdgpu_vm_bo_unmap', amdMap(newPointer(false), start, start + 0xffff, 0)));
        return;
      }
    }
  };

  // ---- the run --------------------------------------------------------------------------
  const targetVms = 12;
  const perVm = 40;
  // Only VMs created in the capture: a bug in a VM adopted mid-capture is not the test's point.
  while (out.length < options.lines) {
    if (vms.length < targetVms) {
      createVm();
      continue;
    }
    const vm = pick(vms) as Vm;
    if (bugRate > 0 && chance(bugRate)) {
      inject(vm);
      continue;
    }
    const r = rand();
    if (r < 0.003 && vm.mappings.length > perVm / 2) {
      destroyVm(vm, false);
      continue;
    }
    const fill = vm.mappings.length / perVm;
    if (r < 0.2 * (2 - fill)) bind(vm);
    else if (r < 0.4 && vm.mappings.length > 0) unbind(vm, below(vm.mappings.length));
    else if (r < 0.46 && vm.mappings.length > 0) split(vm, below(vm.mappings.length));
    else if (r < 0.75) (xe ? xeUse : amdUse)(vm);
    else if (xe && r < 0.85) (chance(0.5) ? submitJob : runJob)(vm);
    else noise(vm);
  }
  return { text: out.join('\n') + '\n', lines: out.length, truth };
}
