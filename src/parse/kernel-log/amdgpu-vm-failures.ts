/**
 * Recognises the failures amdgpu's KFD GPU VM code (amdgpu_amdkfd_gpuvm.c)
 * prints with pr_err(), written from its format strings:
 *
 * - `Failed to map VA 0x%llx in vm. ret %d` (map_bo_to_gpuvm(), after
 *   amdgpu_vm_bo_map() refused the range),
 * - `%s: Failed to get user pages: %d` (init_user_pages(): a userptr BO
 *   whose pages could not be obtained),
 * - `amdgpu_vm_bo_update failed` (update_gpuvm_pte(): page tables not written).
 *
 * Older kernels prefix them `kfd2kgd: `, newer `amdgpu: `; the match does not
 * depend on it. The lines the same failure prints next on its way out
 * (`update_gpuvm_pte() failed`, `Failed to map bo to gpuvm`,
 * `validate_invalid_user_pages: update PTE failed`, `Failed to map peer:…
 * mem_domain:n`) are folded into the open record instead of becoming
 * findings of their own.
 */

import { deviceOf } from './dmesg-prefix';
import type { AmdgpuVmFailureRecord } from './records';

const MAP_VA = /Failed to map VA 0x([0-9a-fA-F]+) in vm\. ret (-?\d+)/;
const USER_PAGES = /(?:^|[\s:])(\w+): Failed to get user pages: (-?\d+)/;
const PTE_UPDATE = /(?:^|[\s:])amdgpu_vm_bo_update failed\s*$/;
const FOLLOW_ON = /update_gpuvm_pte\(\) failed|Failed to map bo to gpuvm|\w+: update PTE failed|Failed to map peer:\S+ mem_domain:\d+/;
/** Follow-on lines come right after the failure; further away they belong to another one. */
const FOLLOW_WINDOW = 4;

export class AmdgpuVmFailureRecognizer {
  private open: AmdgpuVmFailureRecord | undefined;

  constructor(private readonly emit: (record: AmdgpuVmFailureRecord) => void) {}

  /** Returns true when the message was one of these failures (or a follow-on line of one). */
  line(message: string, line: number, timestamp?: number): boolean {
    // Every format contains "ailed"; most log lines do not: one cheap test first.
    if (!message.includes('ailed')) return false;
    const start = (
      failure: AmdgpuVmFailureRecord['failure'],
      details: { address?: bigint; errno?: number; caller?: string } = {},
    ): true => {
      const device = deviceOf(message);
      const record: AmdgpuVmFailureRecord = {
        kind: 'amdgpu-vm-failure',
        failure,
        line,
        endLine: line,
        consequences: [],
        ...(details.address !== undefined ? { address: details.address } : {}),
        ...(details.errno !== undefined ? { errno: details.errno } : {}),
        ...(details.caller !== undefined ? { caller: details.caller } : {}),
        ...(timestamp !== undefined ? { timestamp } : {}),
        ...(device ? { device } : {}),
      };
      this.open = record;
      this.emit(record);
      return true;
    };
    const mapVa = MAP_VA.exec(message);
    if (mapVa) return start('map-va', { address: BigInt(`0x${mapVa[1]}`), errno: Number(mapVa[2]) });
    const userPages = USER_PAGES.exec(message);
    if (userPages) return start('user-pages', { caller: userPages[1] as string, errno: Number(userPages[2]) });
    if (PTE_UPDATE.test(message)) return start('pte-update');
    const open = this.open;
    if (open && line - open.endLine <= FOLLOW_WINDOW) {
      const follow = FOLLOW_ON.exec(message);
      if (follow) {
        open.consequences.push({ line, text: message.slice(follow.index).trim() });
        open.endLine = line;
        return true;
      }
    }
    return false;
  }
}
