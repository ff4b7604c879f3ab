/**
 * Generates a synthetic Xe ftrace text of a given number of lines for the
 * language-server benchmark and the large-input tests: a few VMs created up
 * front, then VMAs bound and unbound in a rolling window, with a sprinkle of
 * defects the rules report (an unbind of a VMA never bound, a rebind after
 * unbind) so diagnostics exist all along the file. Deterministic: the same
 * line count gives the same text.
 */

import { closeSync, openSync, writeSync } from 'node:fs';

const VMS = 4;
const WINDOW = 512;
const PAGE = 0x200000;

function pointer(value: number): string {
  return value.toString(16).padStart(16, '0');
}

function prefix(index: number): string {
  const cpu = String(index % 8).padStart(3, '0');
  const ts = (1000 + index / 100_000).toFixed(6);
  return `          vkcube-4123    [${cpu}] .....  ${ts}: `;
}

function vmField(vm: number): string {
  return `dev=0000:03:00.0, vm=${pointer(0x5e6f7a00 + vm)}, asid=0x${(vm + 1).toString(16).padStart(5, '0')}`;
}

function vma(event: string, index: number, slot: number, vm: number): string {
  const start = 0x100000000 + slot * PAGE;
  return (
    `${prefix(index)}${event}: dev=0000:03:00.0, vma=${pointer(0xa1000000 + slot)}, vm=${pointer(0x5e6f7a00 + vm)}, ` +
    `asid=0x${(vm + 1).toString(16).padStart(5, '0')}, start=0x${start.toString(16).padStart(12, '0')}, ` +
    `end=0x${(start + PAGE - 1).toString(16).padStart(12, '0')}, userptr=0x000000000000`
  );
}

/** Calls `emit` with each line (without LF). */
export function generateTrace(lines: number, emit: (line: string) => void): void {
  let index = 0;
  const push = (line: string): boolean => {
    if (index >= lines) return false;
    emit(line);
    index++;
    return true;
  };
  push('# tracer: nop');
  push('#');
  for (let vm = 0; vm < VMS; vm++) push(`${prefix(index)}xe_vm_create: ${vmField(vm)}, vm flags=0x00008`);
  let slot = 0;
  while (index < lines) {
    const vm = slot % VMS;
    if (!push(vma('xe_vma_bind', index, slot, vm))) break;
    if (slot % 997 === 0) push(vma('xe_vma_unbind', index, slot + 7_000_000, vm));
    if (slot >= WINDOW) {
      const old = slot - WINDOW;
      push(vma('xe_vma_unbind', index, old, old % VMS));
      if (old % 1999 === 0) push(vma('xe_vma_rebind_exec', index, old, old % VMS));
    }
    slot++;
  }
}

/** Writes a generated trace to `path`; returns its size in bytes. */
export function writeTrace(path: string, lines: number): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  let buffer: string[] = [];
  let pending = 0;
  const flush = (): void => {
    const text = buffer.join('');
    bytes += writeSync(fd, text);
    buffer = [];
    pending = 0;
  };
  try {
    generateTrace(lines, (line) => {
      buffer.push(line, '\n');
      pending += line.length;
      if (pending > 1 << 22) flush();
    });
    flush();
  } finally {
    closeSync(fd);
  }
  return bytes;
}
