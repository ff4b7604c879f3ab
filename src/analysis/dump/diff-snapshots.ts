/**
 * Compares two sets of VA-space snapshots (two dumps, or a trace's replayed
 * state and a dump): VMs are paired by name (or by block order when names
 * cannot match, e.g. a trace's VM identity against a driver's VM name), and
 * within a VM, mappings are paired by start address. A mapping whose start
 * exists on one side only is "only in a/b"; one whose start exists on both
 * sides but whose range, object or offset differ is "changed". Pure.
 *
 * Windows and reserved nodes are compared only when both sides print them
 * non-zero: a replayed state prints zeros when the driver's values are
 * unknown, and zeros cannot tell "none" from "unknown".
 */

import type { U64 } from '../../base/u64';
import type { VaRow, VaSpaceSnapshot } from '../../parse/dump/snapshot';

export type RowField = 'range' | 'end' | 'object' | 'offset';

export interface RowChange {
  readonly a: VaRow;
  readonly b: VaRow;
  readonly fields: readonly RowField[];
}

export interface VmDiff {
  /** The VM's name in a (or in b when only b has it). */
  readonly name: string;
  readonly a?: VaSpaceSnapshot;
  readonly b?: VaSpaceSnapshot;
  readonly onlyInA: readonly VaRow[];
  readonly onlyInB: readonly VaRow[];
  readonly changed: readonly RowChange[];
  /** The window differs (both sides known). */
  readonly windowChanged: boolean;
  /** The kernel-reserved node differs (both sides known). */
  readonly reservedChanged: boolean;
}

export interface SnapshotDiff {
  /** One entry per VM present on either side, in a's order then b's extra VMs. */
  readonly vms: readonly VmDiff[];
  readonly equal: boolean;
}

export interface DiffOptions {
  /** Do not compare object identities (a trace's hashed pointers never equal a dump's raw addresses). */
  readonly ignoreObject?: boolean;
  /** Pair VMs by block order instead of by name. */
  readonly byOrder?: boolean;
}

/** True when a VM diff shows any difference. */
export function vmDiffers(vm: VmDiff): boolean {
  return (
    !vm.a || !vm.b || vm.onlyInA.length > 0 || vm.onlyInB.length > 0 || vm.changed.length > 0 || vm.windowChanged || vm.reservedChanged
  );
}

export function diffSnapshots(a: readonly VaSpaceSnapshot[], b: readonly VaSpaceSnapshot[], options: DiffOptions = {}): SnapshotDiff {
  const vms: VmDiff[] = [];
  const pairs = options.byOrder ? pairByOrder(a, b) : pairByName(a, b);
  for (const [left, right] of pairs) vms.push(diffVm(left, right, options));
  return { vms, equal: !vms.some(vmDiffers) };
}

type Pair = [VaSpaceSnapshot | undefined, VaSpaceSnapshot | undefined];

function pairByOrder(a: readonly VaSpaceSnapshot[], b: readonly VaSpaceSnapshot[]): Pair[] {
  const pairs: Pair[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) pairs.push([a[i], b[i]]);
  return pairs;
}

/** Pairs the k-th VM named N in a with the k-th VM named N in b (names may repeat in a dump). */
function pairByName(a: readonly VaSpaceSnapshot[], b: readonly VaSpaceSnapshot[]): Pair[] {
  const waiting = new Map<string, VaSpaceSnapshot[]>();
  for (const snapshot of b) {
    const list = waiting.get(snapshot.name);
    if (list) list.push(snapshot);
    else waiting.set(snapshot.name, [snapshot]);
  }
  const pairs: Pair[] = a.map((snapshot) => [snapshot, waiting.get(snapshot.name)?.shift()]);
  const paired = new Set(pairs.map(([, right]) => right));
  for (const snapshot of b) if (!paired.has(snapshot)) pairs.push([undefined, snapshot]);
  return pairs;
}

function known(start: U64, end: U64): boolean {
  return start !== 0n || end !== 0n;
}

function diffVm(a: VaSpaceSnapshot | undefined, b: VaSpaceSnapshot | undefined, options: DiffOptions): VmDiff {
  const name = (a ?? b)?.name ?? '';
  if (!a || !b) {
    return {
      name,
      ...(a ? { a } : {}),
      ...(b ? { b } : {}),
      onlyInA: a?.rows ?? [],
      onlyInB: b?.rows ?? [],
      changed: [],
      windowChanged: false,
      reservedChanged: false,
    };
  }
  const byStart = new Map<U64, VaRow[]>();
  for (const row of b.rows) {
    const list = byStart.get(row.addr);
    if (list) list.push(row);
    else byStart.set(row.addr, [row]);
  }
  const onlyInA: VaRow[] = [];
  const changed: RowChange[] = [];
  for (const row of a.rows) {
    const other = byStart.get(row.addr)?.shift();
    if (!other) {
      onlyInA.push(row);
      continue;
    }
    const fields: RowField[] = [];
    if (row.range !== other.range) fields.push('range');
    else if (row.end !== other.end) fields.push('end');
    if (!options.ignoreObject && row.object !== other.object) fields.push('object');
    if (row.offset !== other.offset) fields.push('offset');
    if (fields.length > 0) changed.push({ a: row, b: other, fields });
  }
  const onlyInB = b.rows.filter((row) => byStart.get(row.addr)?.includes(row));
  const windowChanged = known(a.start, a.end) && known(b.start, b.end) && (a.start !== b.start || a.end !== b.end);
  const reservedChanged =
    known(a.reservedStart, a.reservedEnd) &&
    known(b.reservedStart, b.reservedEnd) &&
    (a.reservedStart !== b.reservedStart || a.reservedEnd !== b.reservedEnd);
  return { name, a, b, onlyInA, onlyInB, changed, windowChanged, reservedChanged };
}
