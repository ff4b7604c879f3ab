/**
 * `gpuvmLens/vaSpace`: the VA space of one VM after a given line, for the
 * VA-space view and the dump comparison — mappings, the gaps between them
 * inside the VM's window, the objects behind them, and the lines where the
 * VM's VA space changed (the stops of the view's time scrubber). Scripts and
 * traces are replayed to the line; a gpuvas dump is shown block by block.
 */

import { hex, hex16 } from '../../base/u64';
import { parseGpuvasDump } from '../../parse/dump/parse-gpuvas';
import type { VaSpaceSnapshot } from '../../parse/dump/snapshot';
import {
  VaSpaceRequest,
  type VaGap,
  type VaMapping,
  type VaObject,
  type VaSpace,
  type VaSpaceParams,
  type VmSummary,
} from '../../protocol/lsp-ext';
import { memo, type DocumentSnapshot } from '../documents';
import { guard, type ServerContext } from '../context';
import { traceVaSpace } from '../../ide/trace-queries';
import { creationLine, scriptOf, sectionAt, stateAfter, vmId, vmLabel, vmSections, type ScriptVa } from '../../ide/script-queries';

const MAX_CHANGE_LINES = 10_000;

function gapsBetween(vas: readonly ScriptVa[], start: bigint, end: bigint): VaGap[] {
  const sorted = vas.filter((va) => va.range > 0n).sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  const gaps: VaGap[] = [];
  let cursor = start;
  for (const va of sorted) {
    if (va.addr > cursor && cursor < end) gaps.push({ start: hex(cursor), end: hex(va.addr < end ? va.addr : end) });
    const vaEnd = va.addr + va.range;
    if (vaEnd > cursor) cursor = vaEnd;
  }
  if (cursor < end) gaps.push({ start: hex(cursor), end: hex(end) });
  return gaps;
}

export function scriptVaSpace(snapshot: DocumentSnapshot, line: number, vm: string | undefined): VaSpace {
  const script = scriptOf(snapshot);
  const sections = vmSections(snapshot);
  const vms: VmSummary[] = sections.map((section) => ({ id: vmId(section), label: vmLabel(section), line: section.index }));
  const section =
    (vm === undefined ? undefined : sections.find((candidate) => vmId(candidate) === vm)) ?? sectionAt(snapshot, line) ?? sections[0];
  const base = { uri: snapshot.uri, lineCount: snapshot.lines.lineCount, kind: snapshot.kind, vms };
  if (!section) {
    return {
      ...base,
      line,
      vm: null,
      window: null,
      mappings: [],
      gaps: [],
      objects: [],
      changeLines: [],
      note: 'The script has no `vm` command yet.',
    };
  }
  const at = Math.max(section.index, Math.min(line, section.lastIndex));
  const state = stateAfter(snapshot, at);
  const mappings: VaMapping[] = state.vas.map((va) => ({
    start: hex(va.addr),
    end: hex(va.addr + va.range),
    range: hex(va.range),
    object: va.bo === null ? null : `bo:${va.bo}`,
    offset: hex(va.offset),
    objectTraced: true,
    kernelReserved: va.kernel,
    createdAtLine: creationLine(snapshot, va, at),
  }));
  const objects: VaObject[] = [];
  for (let index = 0; index <= at; index++) {
    const command = script.lines[index]?.command;
    if (command?.kind !== 'bo') continue;
    const label = command.id.toString(10);
    if (objects.some((object) => object.id === `bo:${label}`)) continue;
    objects.push({
      id: `bo:${label}`,
      label: `bo ${label}`,
      size: hex(command.size),
      mappings: state.vas.filter((va) => va.bo === label).length,
      line: index,
    });
  }
  const changeLines: number[] = [];
  for (let index = section.index; index <= section.lastIndex && changeLines.length < MAX_CHANGE_LINES; index++) {
    const records = script.replay.records[index] ?? [];
    const command = script.lines[index]?.command;
    const changed =
      index === section.index ||
      records.some((record) => record.kind === 'map' || record.kind === 'remap' || record.kind === 'unmap') ||
      ((command?.kind === 'insert' || command?.kind === 'remove') && records.some((record) => record.kind === 'ret' && record.ret === 0));
    if (changed) changeLines.push(index);
  }
  const windowEnd = section.start + section.range;
  return {
    ...base,
    line: at,
    vm: { id: vmId(section), label: vmLabel(section), line: section.index },
    window: { start: hex(section.start), end: hex(windowEnd) },
    mappings,
    gaps: gapsBetween(state.vas, section.start, windowEnd),
    objects,
    changeLines,
    ...(state.valid ? {} : { note: `No VA space: ${state.reason ?? 'unknown'}.` }),
  };
}

/** A gpuvas dump is one instant: each VM block as it was printed (rows jump to their line). */
export function dumpVaSpace(snapshot: DocumentSnapshot, line: number, vm: string | undefined): VaSpace {
  const dump = memo(snapshot, 'gpuvas', () =>
    parseGpuvasDump(snapshot.lines.text ?? snapshot.lines.range(0, snapshot.lines.lineCount).join('\n')),
  );
  const blocks = dump.snapshots;
  const idOf = (block: VaSpaceSnapshot, index: number): string => `${block.name}@${block.line ?? index + 1}`;
  const vms: VmSummary[] = blocks.map((block, index) => ({ id: idOf(block, index), label: block.name, line: (block.line ?? 1) - 1 }));
  let chosen = vm === undefined ? -1 : blocks.findIndex((block, index) => idOf(block, index) === vm);
  if (chosen === -1) chosen = blocks.reduce((found, block, index) => ((block.line ?? 1) - 1 <= line ? index : found), 0);
  const block = blocks[chosen];
  const base = { uri: snapshot.uri, line, lineCount: snapshot.lines.lineCount, kind: 'dump', vms, changeLines: [] };
  if (!block)
    return { ...base, vm: null, window: null, mappings: [], gaps: [], objects: [], note: 'No "DRM GPU VA space" block in this dump.' };
  const mappings: VaMapping[] = block.rows.map((row) => ({
    start: hex(row.addr),
    end: hex(row.end),
    range: hex(row.range),
    object: row.object === 0n ? null : hex16(row.object),
    offset: hex(row.offset),
    objectTraced: true,
    kernelReserved: false,
    createdAtLine: row.line === undefined ? null : row.line - 1,
  }));
  const occupied: ScriptVa[] = block.rows.map((row) => ({ addr: row.addr, range: row.range, bo: null, offset: 0n, kernel: false }));
  if (block.reservedEnd > block.reservedStart) {
    mappings.push({
      start: hex(block.reservedStart),
      end: hex(block.reservedEnd),
      range: hex(block.reservedEnd - block.reservedStart),
      object: null,
      offset: '0x0',
      objectTraced: true,
      kernelReserved: true,
      createdAtLine: block.line === undefined ? null : block.line,
    });
    occupied.push({ addr: block.reservedStart, range: block.reservedEnd - block.reservedStart, bo: null, offset: 0n, kernel: true });
  }
  const objects = new Map<string, VaObject>();
  for (const row of block.rows) {
    if (row.object === 0n) continue;
    const id = hex16(row.object);
    const known = objects.get(id);
    objects.set(id, {
      id,
      label: id,
      size: null,
      mappings: (known?.mappings ?? 0) + 1,
      line: known?.line ?? (row.line === undefined ? null : row.line - 1),
    });
  }
  return {
    ...base,
    vm: vms[chosen] ?? null,
    window: { start: hex(block.start), end: hex(block.end) },
    mappings,
    gaps: gapsBetween(occupied, block.start, block.end),
    objects: [...objects.values()],
  };
}

export function register(ctx: ServerContext): void {
  ctx.connection.onRequest(
    VaSpaceRequest,
    guard<VaSpaceParams, VaSpace | null>(ctx, VaSpaceRequest.method, null, async (params, token) => {
      const snapshot = await ctx.store.indexedSnapshot(params.textDocument.uri, token);
      if (!snapshot) return null;
      if (snapshot.kind === 'script') return scriptVaSpace(snapshot, params.position.line, params.vm);
      if (snapshot.trace) return traceVaSpace(snapshot, snapshot.trace, params.position.line, params.vm);
      if (snapshot.kind === 'dump') return dumpVaSpace(snapshot, params.position.line, params.vm);
      return {
        uri: snapshot.uri,
        line: params.position.line,
        lineCount: snapshot.lines.lineCount,
        kind: snapshot.kind,
        vms: [],
        vm: null,
        window: null,
        mappings: [],
        gaps: [],
        objects: [],
        changeLines: [],
        note: `No VA-space replay for documents of kind ${snapshot.kind} in this build.`,
      };
    }),
  );
}
