/**
 * Code lenses per VM: "N live mappings · M findings · Show VA map" above each
 * `vm` command of a script, running the client's `gpuvmLens.showVaSpace`
 * command on the state at the end of that VM's section.
 */

import type { CodeLens, CodeLensParams } from 'vscode-languageserver';
import { CLIENT_COMMANDS, type ShowVaSpaceArgs } from '../../protocol/lsp-ext';
import type { DocumentSnapshot } from '../documents';
import { guard, type ServerContext } from '../context';
import { stateAfter, vmId, vmSections } from '../script-insight';

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

export function register(ctx: ServerContext): void {
  ctx.connection.onCodeLens(
    guard<CodeLensParams, CodeLens[]>(ctx, 'textDocument/codeLens', [], async (params, token) => {
      if (!ctx.config().codeLensEnabled) return [];
      const snapshot = await ctx.store.snapshot(params.textDocument.uri, token);
      if (!snapshot || snapshot.kind !== 'script') return [];
      return scriptCodeLenses(snapshot);
    }),
  );
}
