/**
 * Renders a snapshot diff for the command line: `text` (one line per
 * difference, prefixed with `path:line:` so editors and terminals can jump to
 * it, sorted by address within each VM) and `json` (hex strings for all u64
 * values, since JSON numbers cannot hold them exactly).
 */

import { add, hex16 } from '../base/u64';
import { vmDiffers, type SnapshotDiff, type VmDiff } from '../analysis/dump/diff-snapshots';
import type { VaRow } from '../parse/dump/snapshot';
import type { SnapshotSet } from './snapshot-sources';
import { VERSION } from './version';

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function where(set: SnapshotSet, row: { line?: number }): string {
  return row.line !== undefined ? `${set.path}:${row.line}` : set.path;
}

function describeRow(row: VaRow): string {
  return `[${hex16(row.addr)}, ${hex16(add(row.addr, row.range))}) range ${hex16(row.range)} object ${hex16(row.object)} offset ${hex16(row.offset)}`;
}

function vmLines(vm: VmDiff, a: SnapshotSet, b: SnapshotSet, out: string[]): void {
  if (!vm.b && vm.a) {
    out.push(`${where(a, vm.a)}: VM "${vm.name}" only in a (${plural(vm.a.rows.length, 'mapping')})`);
    return;
  }
  if (!vm.a && vm.b) {
    out.push(`${where(b, vm.b)}: VM "${vm.name}" only in b (${plural(vm.b.rows.length, 'mapping')})`);
    return;
  }
  const left = vm.a as NonNullable<VmDiff['a']>;
  const right = vm.b as NonNullable<VmDiff['b']>;
  const title = left.name === right.name ? `"${left.name}"` : `"${left.name}" / "${right.name}"`;
  out.push(`VM ${title}:`);
  if (vm.windowChanged) {
    out.push(`  ${where(b, right)}: window [${hex16(left.start)};${hex16(left.end)}] -> [${hex16(right.start)};${hex16(right.end)}]`);
  }
  if (vm.reservedChanged) {
    out.push(
      `  ${where(b, right)}: kernel reserved node [${hex16(left.reservedStart)};${hex16(left.reservedEnd)}] -> [${hex16(right.reservedStart)};${hex16(right.reservedEnd)}]`,
    );
  }
  const entries: { addr: bigint; text: string }[] = [
    ...vm.onlyInA.map((row) => ({ addr: row.addr, text: `- ${where(a, row)}: only in a: ${describeRow(row)}` })),
    ...vm.onlyInB.map((row) => ({ addr: row.addr, text: `+ ${where(b, row)}: only in b: ${describeRow(row)}` })),
    ...vm.changed.map((change) => ({
      addr: change.a.addr,
      text: `~ ${where(b, change.b)}: changed at ${hex16(change.a.addr)}: ${change.fields
        .map((field) => `${field} ${hex16(change.a[field])} -> ${hex16(change.b[field])}`)
        .join(', ')} (a: ${where(a, change.a)})`,
    })),
  ];
  entries.sort((x, y) => (x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : 0));
  for (const entry of entries) out.push(`  ${entry.text}`);
}

export function renderDiffText(diff: SnapshotDiff, a: SnapshotSet, b: SnapshotSet): string {
  const out: string[] = [];
  for (const vm of diff.vms) if (vmDiffers(vm)) vmLines(vm, a, b, out);
  const count = (pick: (vm: VmDiff) => number) => diff.vms.reduce((sum, vm) => sum + pick(vm), 0);
  const onlyA = count((vm) => (vm.a && vm.b ? vm.onlyInA.length : 0));
  const onlyB = count((vm) => (vm.a && vm.b ? vm.onlyInB.length : 0));
  const changed = count((vm) => vm.changed.length);
  const vmsOnlyA = count((vm) => (vm.a && !vm.b ? 1 : 0));
  const vmsOnlyB = count((vm) => (vm.b && !vm.a ? 1 : 0));
  const paired = count((vm) => (vm.a && vm.b ? 1 : 0));
  out.push(
    diff.equal
      ? `${a.path} and ${b.path}: the same VA spaces (${plural(paired, 'VM')}, ${plural(
          count((vm) => vm.a?.rows.length ?? 0),
          'mapping',
        )})`
      : `${a.path} vs ${b.path}: ${plural(onlyA, 'mapping')} only in a, ${onlyB} only in b, ${changed} changed; ${plural(vmsOnlyA, 'VM')} only in a, ${vmsOnlyB} only in b`,
  );
  return out.join('\n') + '\n';
}

function rowJson(row: VaRow): Record<string, string | number | null> {
  return {
    start: hex16(row.addr),
    range: hex16(row.range),
    end: hex16(row.end),
    object: hex16(row.object),
    offset: hex16(row.offset),
    line: row.line ?? null,
  };
}

export function renderDiffJson(diff: SnapshotDiff, a: SnapshotSet, b: SnapshotSet): string {
  const side = (set: SnapshotSet) => ({ path: set.path, kind: set.kind, vms: set.snapshots.length, problems: set.problems.length });
  const document = {
    tool: { name: 'gpuvm-lens', version: VERSION },
    a: side(a),
    b: side(b),
    equal: diff.equal,
    vms: diff.vms.map((vm) => ({
      name: vm.name,
      a: vm.a ? { name: vm.a.name, line: vm.a.line ?? null, mappings: vm.a.rows.length } : null,
      b: vm.b ? { name: vm.b.name, line: vm.b.line ?? null, mappings: vm.b.rows.length } : null,
      windowChanged: vm.windowChanged,
      reservedChanged: vm.reservedChanged,
      onlyInA: vm.onlyInA.map(rowJson),
      onlyInB: vm.onlyInB.map(rowJson),
      changed: vm.changed.map((change) => ({
        start: hex16(change.a.addr),
        fields: change.fields,
        a: rowJson(change.a),
        b: rowJson(change.b),
      })),
    })),
  };
  return JSON.stringify(document, null, 2) + '\n';
}
