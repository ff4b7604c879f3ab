/**
 * The replayed state of a trace as `gpuvas` snapshots (the type shared with
 * dumps and `diff`), and a line-by-line reader that replays a trace up to a
 * point (`--at LINE`, `--ts SECONDS`) for `gpuvm-lens state` and `diff`.
 *
 * Each live VM becomes one block, in creation order: its name is the trace's
 * identity of the VM, its window the driver's documented VA range, no
 * kernel-reserved node, and one row per live mapping in address order with
 * the object identity the trace gives (0 when it gives none, e.g. Xe) and the
 * mapping's offset (Xe: the GPUVA's GEM offset, the userptr address for
 * userptr VMAs).
 */

import { toU64 } from '../../base/u64';
import type { VaSpaceSnapshot } from '../../parse/dump/snapshot';
import { vaRow } from '../../parse/dump/snapshot';
import { parseTraceLine } from '../../parse/trace/trace-line';
import { TraceReplayer } from './trace-replayer';
import { DRIVER_WINDOW, type TraceState, type TraceVm } from './trace-state';

/** One VM as a `gpuvas` block. */
export function vmSnapshot(vm: TraceVm): VaSpaceSnapshot {
  const window = DRIVER_WINDOW[vm.driver];
  const rows = [];
  for (const mapping of vm.mappings()) {
    const object = mapping.objectKey === '' ? 0n : BigInt('0x' + mapping.objectKey);
    rows.push(vaRow(toU64(mapping.start), toU64(mapping.range), object, toU64(mapping.offset)));
  }
  return { name: vm.name, start: window.start, end: window.start + window.range, reservedStart: 0n, reservedEnd: 0n, rows };
}

/** True when `selector` names this VM (its key, its name, or its driver-qualified key). */
export function vmMatches(vm: TraceVm, selector: string): boolean {
  const wanted = selector.toLowerCase().replace(/^0x/, '');
  return (
    vm.key === wanted ||
    vm.name.toLowerCase() === wanted ||
    `${vm.driver}:${vm.key}` === wanted ||
    vm.key.replace(/^0+/, '') === wanted.replace(/^0+/, '')
  );
}

/** Live VMs as snapshots, in creation order, optionally only the VM `selector` names. */
export function stateSnapshots(state: TraceState, selector?: string): VaSpaceSnapshot[] {
  return state
    .vmsInOrder()
    .filter((vm) => selector === undefined || vmMatches(vm, selector))
    .map(vmSnapshot);
}

export interface ReplayStop {
  /** Replay through this 1-based line (inclusive). */
  readonly atLine?: number;
  /** Replay every event with a timestamp up to this many seconds (inclusive). */
  readonly atTs?: number;
}

/**
 * Replays a streamed trace up to a stop point. `line()` returns false once
 * the stop point is passed, so a caller can stop reading the file.
 */
export class TraceStateReader {
  readonly replayer = new TraceReplayer({ quiet: true });
  private done = false;

  constructor(private readonly stop: ReplayStop = {}) {}

  line(text: string, lineNumber: number): boolean {
    if (this.done) return false;
    if (this.stop.atLine !== undefined && lineNumber > this.stop.atLine) {
      this.done = true;
      return false;
    }
    if (this.stop.atTs !== undefined) {
      const parsed = parseTraceLine(text);
      if (parsed.kind === 'event' && parsed.ts > this.stop.atTs) {
        this.done = true;
        return false;
      }
    }
    this.replayer.line(text, lineNumber);
    return true;
  }

  get state(): TraceState {
    return this.replayer.state;
  }

  snapshots(selector?: string): VaSpaceSnapshot[] {
    return stateSnapshots(this.replayer.state, selector);
  }
}
