/**
 * `gpuvmLens/vaSpace`: the VA space of one VM after a given line, for the
 * VA-space view — mappings, the gaps between them inside the VM's window,
 * the objects behind them, and the lines where the VM's VA space changed (the
 * stops of the view's time scrubber).
 */

import { hex } from '../../base/u64';
import { VaSpaceRequest, type VaGap, type VaMapping, type VaObject, type VaSpace, type VaSpaceParams, type VmSummary } from '../../protocol/lsp-ext';
import type { DocumentSnapshot } from '../documents';
import { guard, type ServerContext } from '../context';
import { traceVaSpace } from '../trace-features';
import { creationLine, scriptOf, sectionAt, stateAfter, vmId, vmLabel, vmSections, type ScriptVa } from '../script-insight';

const MAX_CHANGE_LINES = 10_000;
const CHANGES = /^(?:MAP|REMAP|UNMAP) /;

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
  const section = (vm === undefined ? undefined : sections.find((candidate) => vmId(candidate) === vm)) ?? sectionAt(snapshot, line) ?? sections[0];
  const base = { uri: snapshot.uri, lineCount: snapshot.lines.lineCount, kind: snapshot.kind, vms };
  if (!section) {
    return { ...base, line, vm: null, window: null, mappings: [], gaps: [], objects: [], changeLines: [], note: 'The script has no `vm` command yet.' };
  }
  const at = Math.max(section.index, Math.min(line, section.lastIndex));
  const state = stateAfter(snapshot, at);
  const mappings: VaMapping[] = state.vas.map((va) => ({
    start: hex(va.addr),
    end: hex(va.addr + va.range),
    range: hex(va.range),
    object: va.bo === null ? null : `bo:${va.bo}`,
    offset: hex(va.offset),
    kernelReserved: va.kernel,
    createdAtLine: creationLine(snapshot, va, at),
  }));
  const objects: VaObject[] = [];
  for (let index = 0; index <= at; index++) {
    const command = script.lines[index]?.command;
    if (command?.kind !== 'bo') continue;
    const label = command.id.toString(10);
    if (objects.some((object) => object.id === `bo:${label}`)) continue;
    objects.push({ id: `bo:${label}`, label: `bo ${label}`, size: hex(command.size), mappings: state.vas.filter((va) => va.bo === label).length, line: index });
  }
  const changeLines: number[] = [];
  for (let index = section.index; index <= section.lastIndex && changeLines.length < MAX_CHANGE_LINES; index++) {
    const block = script.replay.blocks[index] ?? [];
    const command = script.lines[index]?.command;
    const changed =
      index === section.index ||
      block.some((output) => CHANGES.test(output)) ||
      ((command?.kind === 'insert' || command?.kind === 'remove') && block.includes('RET 0'));
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

export function register(ctx: ServerContext): void {
  ctx.connection.onRequest(
    VaSpaceRequest,
    guard<VaSpaceParams, VaSpace | null>(ctx, VaSpaceRequest.method, null, async (params, token) => {
      const snapshot = await ctx.store.snapshot(params.textDocument.uri, token);
      if (!snapshot) return null;
      if (snapshot.kind === 'script') return scriptVaSpace(snapshot, params.position.line, params.vm);
      if (snapshot.trace) return traceVaSpace(snapshot, snapshot.trace, params.position.line, params.vm);
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
