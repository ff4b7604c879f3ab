/**
 * Code lenses per VM: "N live mappings · M findings · Show VA map" above each
 * `vm` command of a script and above the first event of each VM of a trace,
 * running the client's `gpuvmLens.showVaSpace` command on the VM's last state.
 */

import type { CodeLens, CodeLensParams } from 'vscode-languageserver';
import { CLIENT_COMMANDS, type ShowVaSpaceArgs } from '../../protocol/lsp-ext';
import type { DocumentSnapshot } from '../documents';
import { guard, type ServerContext } from '../context';
import { stateAfter, vmId, vmSections } from '../script-insight';
import { findingsOfVm, traceOutline } from '../../ide/trace-queries';
import { vmObjectKey, type TraceIndex } from '../../ide/trace-replay-index';

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function scriptCodeLenses(snapshot: DocumentSnapshot): CodeLens[] {
  return vmSections(snapshot).map((section) => {
    const state = stateAfter(snapshot, section.lastIndex);
    const live = state.vas.filter((va) => !va.kernel).length;
    const findings = snapshot.result.findings.filter((finding) => finding.line - 1 >= section.index && finding.line - 1 <= section.lastIndex).length;
    const args: ShowVaSpaceArgs = { uri: snapshot.uri, line: section.lastIndex, vm: vmId(section) };
    return {
      range: { start: { line: section.index, character: 0 }, end: { line: section.index, character: 0 } },
      command: {
        title: `${plural(live, 'live mapping')} · ${plural(findings, 'finding')} · Show VA map`,
        command: CLIENT_COMMANDS.showVaSpace,
        arguments: [args],
      },
    };
  });
}

/** One lens per VM of a trace, on its first event; live mappings are counted at the end of the trace. */
export function traceCodeLenses(snapshot: DocumentSnapshot, index: TraceIndex): CodeLens[] {
  const end = index.stateAt(snapshot.lines, snapshot.lines.lineCount);
  const live = new Map(end.vms.map((vm) => [vmObjectKey(vm), vm.liveCount]));
  return traceOutline(index).map((vm) => {
    const args: ShowVaSpaceArgs = { uri: snapshot.uri, line: vm.last, vm: vm.key };
    const count = live.get(vm.key);
    const mappings = count === undefined ? 'freed' : plural(count, 'live mapping');
    return {
      range: { start: { line: vm.first, character: 0 }, end: { line: vm.first, character: 0 } },
      command: {
        title: `${mappings} · ${plural(findingsOfVm(snapshot, index, vm.key), 'finding')} · Show VA map`,
        command: CLIENT_COMMANDS.showVaSpace,
        arguments: [args],
      },
    };
  });
}

export function register(ctx: ServerContext): void {
  ctx.connection.onCodeLens(
    guard<CodeLensParams, CodeLens[]>(ctx, 'textDocument/codeLens', [], async (params, token) => {
      if (!ctx.config().codeLensEnabled) return [];
      const snapshot = await ctx.store.snapshot(params.textDocument.uri, token);
      if (!snapshot) return [];
      if (snapshot.kind === 'trace' && snapshot.trace) return traceCodeLenses(snapshot, snapshot.trace);
      if (snapshot.kind !== 'script') return [];
      return scriptCodeLenses(snapshot);
    }),
  );
}
