/**
 * A seeded generator of realistic ftrace text for Xe and amdgpu: many VMs
 * (processes) living and dying, thousands of live mappings, REMAP splits,
 * evictions and rebinds, userptr invalidations, scheduler and fence noise,
 * in the kernel's v6.17 layouts (about 180 bytes a line). The output is a
 * consistent life (no finding expected), so it serves the benchmark, the
 * `state` round trip and checkpoint tests alike.
 *
 * Deterministic for a seed; writes through a callback in chunks so a
 * 10M-line file never sits in memory.
 */

import { mulberry32 } from '../src/base/seeded-random';

export type GeneratedDriver = 'xe' | 'amdgpu';

export interface GenerateOptions {
  readonly driver: GeneratedDriver;
  readonly lines: number;
  readonly seed: number;
  /** Target number of live VMs (default 48). */
  readonly vms?: number;
  /** Target live mappings per VM (default 96; thousands in total). */
  readonly mappingsPerVm?: number;
}

/** Seeded: the same workload on every run. */
const random = mulberry32;

const COMMS = ['vkcube', 'deqp-vk', 'glmark2', 'chrome', 'Xwayland', 'gnome-shell', 'blender', 'steam'];

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

interface Mapping {
  id: string;
  start: number;
  /** Inclusive. */
  last: number;
  bo: string;
  userptr: boolean;
}

interface Vm {
  id: string;
  asid: number;
  pid: number;
  comm: string;
  next: number;
  base: number;
  mappings: Mapping[];
  dying: boolean;
}

/** Writes a generated trace; returns the number of lines written. */
export function generateTrace(options: GenerateOptions, write: (chunk: string) => void): number {
  const rand = random(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const targetVms = options.vms ?? 48;
  const perVm = options.mappingsPerVm ?? 96;
  const xe = options.driver === 'xe';
  let pointer = 0x10000000;
  const newPointer = () => hex((pointer += 0x40 + Math.floor(rand() * 0x1000)) >>> 0, 16);
  let pidCounter = 3000;
  let asidCounter = 1;
  let ts = 1000;
  let written = 0;
  let buffer: string[] = [];
  const vms: Vm[] = [];
  let fenceSeq = 1;

  const emit = (comm: string, pid: number, cpu: number, event: string, payload: string) => {
    ts += 0.000001 + rand() * 0.00002;
    const secs = Math.floor(ts);
    const micros = Math.floor((ts - secs) * 1e6);
    // `%16s-%-7d [%03d] flags %5lu.%06lu: ` as kernels since v5.13 print it.
    buffer.push(
      `${comm.padStart(16)}-${String(pid).padEnd(7)} [${String(cpu).padStart(3, '0')}] ..... ${String(secs).padStart(5)}.${String(micros).padStart(6, '0')}: ${event}: ${payload}`,
    );
    written++;
    if (buffer.length >= 4096) {
      write(buffer.join('\n') + '\n');
      buffer = [];
    }
  };
  const dev = 'dev=0000:03:00.0';
  const vmPayload = (vm: Vm) => `${dev}, vm=${vm.id}, asid=0x${hex(vm.asid, 5)}, vm flags=0x00008`;
  const vmaPayload = (vm: Vm, m: Mapping) =>
    `${dev}, vma=${m.id}, vm=${vm.id}, asid=0x${hex(vm.asid, 5)}, start=0x${hex(m.start, 12)}, end=0x${hex(m.last, 12)}, userptr=0x${hex(m.userptr ? m.start : 0, 12)}`;
  const pages = (bytes: number) => Math.floor(bytes / 4096);
  const amdMap = (m: Mapping, bo: string) =>
    `bo=${bo}, start=${hex(pages(m.start), 0)}, last=${hex(pages(m.last), 0)}, offset=0000000000, flags=70`;
  const amdRange = (m: Mapping) => `soffs=${hex(pages(m.start), 10)}, eoffs=${hex(pages(m.last) + 1, 10)}, flags=70`;

  const createVm = () => {
    const pid = (pidCounter += 1 + Math.floor(rand() * 7));
    const vm: Vm = {
      id: newPointer(),
      asid: asidCounter++ & 0xfffff,
      pid,
      comm: pick(COMMS),
      next: 0,
      base: 0x100000000 + Math.floor(rand() * 64) * 0x1000000000,
      mappings: [],
      dying: false,
    };
    vms.push(vm);
    if (xe) emit(vm.comm, pid, pid % 16, 'xe_vm_create', vmPayload(vm));
    else emit(vm.comm, pid, pid % 16, 'amdgpu_pasid_allocated', `pasid=${32768 + (vm.asid % 32768)}`);
  };

  const bind = (vm: Vm, size: number, userptr: boolean) => {
    const start = vm.base + vm.next;
    vm.next += size + (rand() < 0.3 ? 0x10000 : 0);
    const mapping: Mapping = { id: xe ? newPointer() : hex(pages(start), 0), start, last: start + size - 1, bo: newPointer(), userptr };
    vm.mappings.push(mapping);
    if (xe) emit(vm.comm, vm.pid, vm.pid % 16, 'xe_vma_bind', vmaPayload(vm, mapping));
    else {
      emit(
        vm.comm,
        vm.pid,
        vm.pid % 16,
        'amdgpu_bo_create',
        `bo=${mapping.bo}, pages=${pages(size)}, type=2, preferred=4, allowed=6, visible=1`,
      );
      emit(vm.comm, vm.pid, vm.pid % 16, 'amdgpu_vm_bo_map', amdMap(mapping, mapping.bo));
      emit(vm.comm, vm.pid, vm.pid % 16, 'amdgpu_vm_bo_update', amdRange(mapping));
    }
  };

  const unbind = (vm: Vm, index: number) => {
    const [mapping] = vm.mappings.splice(index, 1);
    if (!mapping) return;
    if (xe) emit(vm.comm, vm.pid, vm.pid % 16, 'xe_vma_unbind', vmaPayload(vm, mapping));
    else emit(vm.comm, vm.pid, vm.pid % 16, 'amdgpu_vm_bo_unmap', amdMap(mapping, mapping.bo));
  };

  /** Unmap a middle part: Xe unbind + rebind of both pieces; amdgpu clear with a NULL bo. */
  const split = (vm: Vm, index: number) => {
    const mapping = vm.mappings[index];
    if (!mapping || mapping.last - mapping.start < 0x30000) return;
    const cutStart = mapping.start + 0x10000;
    const cutLast = mapping.start + 0x1ffff;
    const prev: Mapping = { id: xe ? newPointer() : mapping.id, start: mapping.start, last: cutStart - 1, bo: mapping.bo, userptr: false };
    const next: Mapping = {
      id: xe ? newPointer() : hex(pages(cutLast + 1), 0),
      start: cutLast + 1,
      last: mapping.last,
      bo: mapping.bo,
      userptr: false,
    };
    if (xe) {
      emit(vm.comm, vm.pid, vm.pid % 16, 'xe_vma_unbind', vmaPayload(vm, mapping));
      emit(vm.comm, vm.pid, vm.pid % 16, 'xe_vma_bind', vmaPayload(vm, prev));
      emit(vm.comm, vm.pid, vm.pid % 16, 'xe_vma_bind', vmaPayload(vm, next));
    } else {
      emit(vm.comm, vm.pid, vm.pid % 16, 'amdgpu_vm_bo_unmap', amdMap({ ...mapping, start: cutStart, last: cutLast }, '0000000000000000'));
    }
    vm.mappings.splice(index, 1, prev, next);
  };

  const use = (vm: Vm) => {
    const mapping = pick(vm.mappings);
    if (!mapping) return;
    const r = rand();
    if (xe) {
      if (mapping.userptr && r < 0.3) {
        emit(vm.comm, vm.pid, vm.pid % 16, 'xe_vma_userptr_invalidate', vmaPayload(vm, mapping));
        emit(vm.comm, vm.pid, vm.pid % 16, 'xe_vma_userptr_rebind_exec', vmaPayload(vm, mapping));
      } else if (r < 0.5) emit('kworker/u64:3', 240, 7, 'xe_vma_evict', vmaPayload(vm, mapping));
      else if (r < 0.7) emit(vm.comm, vm.pid, vm.pid % 16, 'xe_vma_rebind_exec', vmaPayload(vm, mapping));
      else emit(vm.comm, vm.pid, vm.pid % 16, 'xe_vma_flush', vmaPayload(vm, mapping));
    } else if (r < 0.6) emit(`${vm.comm.slice(0, 10)}:cs0`, vm.pid, vm.pid % 16, 'amdgpu_vm_bo_cs', amdRange(mapping));
    else emit(vm.comm, vm.pid, vm.pid % 16, 'amdgpu_vm_bo_update', amdRange(mapping));
  };

  const noise = (vm: Vm) => {
    const seq = fenceSeq++;
    const r = rand();
    if (xe && r < 0.4) {
      const batch = vm.mappings[0] ? vm.mappings[0].start : 0;
      emit(
        'kworker/u64:1',
        231,
        5,
        'xe_sched_job_exec',
        `${dev}, fence=${newPointer()}, seqno=${seq}, lrc_seqno=${seq}, guc_id=4, batch_addr=0x${hex(batch, 12)}, guc_state=0x0, flags=0x0, error=0`,
      );
    } else if (r < 0.7) {
      emit(
        vm.comm,
        vm.pid,
        vm.pid % 16,
        'drm_sched_job_queue',
        `dev=0000:03:00.0, fence=${2400 + (vm.asid % 64)}:${seq}, ring=gfx_0.0.0, job count:0, hw job count:1, client_id:${vm.asid}`,
      );
    } else {
      emit('<idle>', 0, 7, 'dma_fence_signaled', `driver=drm_sched timeline=gfx_0.0.0 context=${2400 + (vm.asid % 64)} seqno=${seq}`);
    }
  };

  const destroyVm = (index: number) => {
    const vm = vms[index];
    if (!vm) return;
    while (vm.mappings.length > 0) unbind(vm, vm.mappings.length - 1);
    if (xe) emit('kworker/u64:2', 231, 5, 'xe_vm_free', vmPayload(vm));
    else emit('kworker/6:1', 97, 6, 'amdgpu_pasid_freed', `pasid=${32768 + (vm.asid % 32768)}`);
    vms.splice(index, 1);
  };

  while (written < options.lines) {
    if (vms.length < targetVms) {
      createVm();
      continue;
    }
    const vm = pick(vms);
    const r = rand();
    if (r < 0.002 && vm.mappings.length > perVm / 2) {
      destroyVm(vms.indexOf(vm));
      continue;
    }
    const fill = vm.mappings.length / perVm;
    if (r < 0.25 * (2 - fill)) bind(vm, (1 + Math.floor(rand() * 32)) * 0x10000, xe && rand() < 0.1);
    else if (r < 0.5 && vm.mappings.length > 0) unbind(vm, Math.floor(rand() * vm.mappings.length));
    else if (r < 0.55 && vm.mappings.length > 0) split(vm, Math.floor(rand() * vm.mappings.length));
    else if (r < 0.85) use(vm);
    else noise(vm);
  }
  if (buffer.length > 0) write(buffer.join('\n') + '\n');
  return written;
}

/** A generated trace as one string (tests; small sizes only). */
export function generateTraceText(options: GenerateOptions): string {
  const chunks: string[] = [];
  generateTrace(options, (chunk) => chunks.push(chunk));
  return chunks.join('');
}
