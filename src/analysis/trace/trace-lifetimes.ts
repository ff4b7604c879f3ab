/**
 * The lifetimes of a whole trace, for the editor's timeline view and its
 * per-VM code lenses: every VM instance (a VM freed and created again under
 * the same key is two instances, each with its creating line) and every
 * mapping's bind and unbind (`MappingHistory`), from one quiet replay.
 *
 *   const lives = traceLifetimes(lineCount, (index) => text of 0-based line index);
 *
 * Lines are 1-based, as in findings. Pure: the caller supplies the lines;
 * memory is one record per mapping ever bound, so this is for documents an
 * editor holds, not for streaming `check`.
 */

import { MappingHistory, type MappingLifetime } from './mapping-history';
import { TraceReplayer } from './trace-replayer';
import type { TraceVm, VmDriver } from './trace-state';

export interface VmLifetime {
  readonly driver: VmDriver;
  readonly key: string;
  readonly name: string;
  /** 1-based line that created the VM, or first showed it when the trace does not (`birthSeen` false). */
  readonly createdLine: number;
  readonly birthSeen: boolean;
  /** 1-based line that freed it; undefined while it lives at the end of the trace. */
  freedLine?: number;
}

export interface TraceLifetimes {
  /** VM instances in creation order. */
  readonly vms: readonly VmLifetime[];
  /** Mappings in bind order. */
  readonly mappings: readonly MappingLifetime[];
}

export function traceLifetimes(lineCount: number, lineAt: (index: number) => string, finalNewline = true): TraceLifetimes {
  const history = new MappingHistory();
  const replayer = new TraceReplayer({ quiet: true });
  replayer.state.observer = history;
  const vms: VmLifetime[] = [];
  const live = new Map<TraceVm, VmLifetime>();
  let seen = 0;
  for (let index = 0; index < lineCount; index++) {
    const lineNumber = index + 1;
    replayer.line(lineAt(index), lineNumber, !finalNewline && index === lineCount - 1);
    const state = replayer.state;
    // Only a line that created or dropped a VM needs the scan.
    if (state.vmsSeen === seen && state.vms.size === live.size) continue;
    seen = state.vmsSeen;
    const current = new Set(state.vms.values());
    for (const [vm, life] of live) {
      if (current.has(vm)) continue;
      life.freedLine = lineNumber;
      live.delete(vm);
    }
    for (const vm of state.vmsInOrder()) {
      if (live.has(vm)) continue;
      const life: VmLifetime = { driver: vm.driver, key: vm.key, name: vm.name, createdLine: vm.createdLine, birthSeen: vm.birthSeen };
      vms.push(life);
      live.set(vm, life);
    }
  }
  return { vms, mappings: history.lifetimes };
}
