/**
 * Code lenses per VM: "VM <name>: N live mappings · M findings · Show VA map"
 * and "Timeline" above each `vm` command of a script and above the line that
 * creates (or first shows) each VM instance of a trace — a VM freed and
 * created again under the same key gets a lens at each creation. They run the
 * client's `gpuvmLens.showVaSpace` / `gpuvmLens.showTimeline` commands on the
 * instance's last state.
 */

import type { CodeLens, CodeLensParams } from 'vscode-languageserver';
import { hex } from '../../base/u64';
import { CLIENT_COMMANDS, type ShowVaSpaceArgs } from '../../protocol/lsp-ext';
import type { DocumentSnapshot } from '../documents';
import { guard, type ServerContext } from '../context';
import { stateAfter, vmId, vmSections } from '../../ide/script-queries';
import { findingsOfVm, traceOutline } from '../../ide/trace-queries';
import { vmObjectKey, type TraceIndex } from '../../ide/trace-replay-index';
import { lifetimesOf, traceVmInstanceId, traceVmLabel } from '../../ide/timeline';

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function lensPair(line: number, title: string, args: ShowVaSpaceArgs, timelineArgs: ShowVaSpaceArgs): CodeLens[] {
  const range = { start: { line, character: 0 }, end: { line, character: 0 } };
  return [
    { range, command: { title: `${title} · Show VA map`, command: CLIENT_COMMANDS.showVaSpace, arguments: [args] } },
    { range, command: { title: 'Timeline', command: CLIENT_COMMANDS.showTimeline, arguments: [timelineArgs] } },
  ];
}

export function scriptCodeLenses(snapshot: DocumentSnapshot): CodeLens[] {
  return vmSections(snapshot).flatMap((section) => {
    const state = stateAfter(snapshot, section.lastIndex);
    const live = state.vas.filter((va) => !va.kernel).length;
    const findings = snapshot.result.findings.filter(
      (finding) => finding.line - 1 >= section.index && finding.line - 1 <= section.lastIndex,
    ).length;
    const args: ShowVaSpaceArgs = { uri: snapshot.uri, line: section.lastIndex, vm: vmId(section) };
    const name = `VM [${hex(section.start)}, ${hex(section.start + section.range)})`;
    return lensPair(section.index, `${name}: ${plural(live, 'live mapping')} · ${plural(findings, 'finding')}`, args, args);
  });
}

/**
 * A long trace: one lens per VM key from the replay index (no second replay
 * for lifetimes on the server's thread); a VM re-created under the same key
 * shares its lens.
 */
function indexedTraceCodeLenses(snapshot: DocumentSnapshot, index: TraceIndex): CodeLens[] {
  const end = index.stateAt(snapshot.lines, snapshot.lines.lineCount);
  const live = new Map(end.vms.map((vm) => [vmObjectKey(vm), vm.liveCount]));
  return traceOutline(index).flatMap((vm) => {
    const args: ShowVaSpaceArgs = { uri: snapshot.uri, line: vm.last, vm: vm.key };
    const count = live.get(vm.key);
    const state = count === undefined ? 'freed' : plural(count, 'live mapping');
    const driver = vm.key.split(':')[1] ?? '';
    return lensPair(vm.first, `${driver} VM ${vm.name}: ${state} · ${plural(findingsOfVm(snapshot, index, vm.key), 'finding')}`, args, {
      ...args,
      line: vm.first,
    });
  });
}

/** Lenses for every VM instance of a trace, on its creating line; live mappings are counted at its free or the end of the trace. */
export function traceCodeLenses(snapshot: DocumentSnapshot, longAfterLines = Number.MAX_SAFE_INTEGER): CodeLens[] {
  if (snapshot.trace && snapshot.lines.lineCount > longAfterLines) return indexedTraceCodeLenses(snapshot, snapshot.trace);
  const lives = lifetimesOf(snapshot);
  const vmLines = (key: string) => (snapshot.trace ? new Set(snapshot.trace.linesOf(key)) : undefined);
  return lives.vms.flatMap((vm) => {
    const key = `vm:${vm.driver}:${vm.key}`;
    const last = vm.freedLine ?? snapshot.lines.lineCount;
    const mine = (line: number) => line >= vm.createdLine && line <= last;
    const live = lives.mappings.filter(
      (m) => m.vmKey === vm.key && m.driver === vm.driver && m.vmCreatedLine === vm.createdLine && m.unboundLine === undefined,
    ).length;
    const lines = vmLines(key);
    const findings = snapshot.result.findings.filter((finding) => mine(finding.line) && (!lines || lines.has(finding.line))).length;
    const state = vm.freedLine === undefined ? plural(live, 'live mapping') : `freed on line ${vm.freedLine}`;
    const args: ShowVaSpaceArgs = { uri: snapshot.uri, line: Math.max(vm.createdLine - 1, (vm.freedLine ?? last) - 2), vm: key };
    const timelineArgs: ShowVaSpaceArgs = { uri: snapshot.uri, line: vm.createdLine - 1, vm: traceVmInstanceId(vm) };
    return lensPair(vm.createdLine - 1, `${traceVmLabel(vm)}: ${state} · ${plural(findings, 'finding')}`, args, timelineArgs);
  });
}

export function register(ctx: ServerContext): void {
  ctx.connection.onCodeLens(
    guard<CodeLensParams, CodeLens[]>(ctx, 'textDocument/codeLens', [], async (params, token) => {
      if (!ctx.config().codeLensEnabled) return [];
      const snapshot = await ctx.store.indexedSnapshot(params.textDocument.uri, token);
      if (!snapshot) return [];
      if (snapshot.kind === 'trace') return traceCodeLenses(snapshot, ctx.config().backgroundThresholdLines);
      if (snapshot.kind !== 'script') return [];
      return scriptCodeLenses(snapshot);
    }),
  );
}
