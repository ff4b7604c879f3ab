/**
 * Code actions where the fix of a GPUVM script is mechanical:
 * - a zero-range request (`zero-range-request`): remove the line;
 * - a mapping silently not inserted (`silent-insert-failure`) because an
 *   earlier zero-range map left a zero-size VA there: remove that earlier line;
 * - a `map` naming a BO that was never created (`replay-error`): create it;
 * - a `map` over existing mappings, which the kernel turns into implicit
 *   UNMAP/REMAP ops: insert the missing explicit `unmap` before it.
 * Fixes are computed from the analysis, not from the client's diagnostics,
 * which are only attached to say which problem an action solves.
 */

import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import { hex, toU64, type U64 } from '../../base/u64';
import type { DocumentSnapshot } from '../documents';
import { guard, type ServerContext } from '../context';
import { scriptOf } from '../../ide/script-queries';

function deleteLine(index: number): TextEdit {
  return { range: { start: { line: index, character: 0 }, end: { line: index + 1, character: 0 } }, newText: '' };
}

function insertBefore(index: number, text: string): TextEdit {
  return { range: { start: { line: index, character: 0 }, end: { line: index, character: 0 } }, newText: `${text}\n` };
}

function indentOf(text: string): string {
  return /^\s*/.exec(text)?.[0] ?? '';
}

const PAGE = 0x1000n;

export function scriptCodeActions(snapshot: DocumentSnapshot, first: number, last: number, context: readonly Diagnostic[]): CodeAction[] {
  const script = scriptOf(snapshot);
  const uri = snapshot.uri;
  const actions: CodeAction[] = [];
  const diagnosticsFor = (rule: string, index: number): Diagnostic[] =>
    context.filter((diagnostic) => diagnostic.code === rule && diagnostic.range.start.line === index);
  const edit = (edits: TextEdit[]) => ({ changes: { [uri]: edits } });

  for (let index = Math.max(0, first); index <= Math.min(last, script.lines.length - 1); index++) {
    const line = script.lines[index];
    if (!line) continue;
    const command = line.command;
    const records = script.replay.records[index] ?? [];
    const rules = new Set(snapshot.result.findings.filter((finding) => finding.line === index + 1).map((finding) => finding.rule));

    if (rules.has('zero-range-request')) {
      actions.push({
        title: 'Remove the zero-range request',
        kind: CodeActionKind.QuickFix,
        isPreferred: true,
        diagnostics: diagnosticsFor('zero-range-request', index),
        edit: edit([deleteLine(index)]),
      });
    }

    if (rules.has('silent-insert-failure')) {
      for (const { index: at, event } of script.replay.events) {
        if (at !== index || event.kind !== 'apply-error') continue;
        const addr = toU64(event.va.addr);
        const end = addr + toU64(event.va.range);
        for (let earlier = index - 1; earlier >= 0; earlier--) {
          const previous = script.lines[earlier]?.command;
          if (previous?.kind === 'map' && previous.range === 0n && previous.addr >= addr && previous.addr <= end) {
            actions.push({
              title: `Remove the zero-range map on line ${earlier + 1} that blocks this mapping`,
              kind: CodeActionKind.QuickFix,
              diagnostics: diagnosticsFor('silent-insert-failure', index),
              edit: edit([deleteLine(earlier)]),
            });
          }
        }
      }
    }

    if (
      (command.kind === 'map' || command.kind === 'insert') &&
      command.bo !== null &&
      records.some((record) => record.kind === 'error' && record.error === 'no-such-bo')
    ) {
      const needed: U64 = command.offset + command.range;
      const size = needed === 0n ? PAGE : ((needed + PAGE - 1n) / PAGE) * PAGE;
      actions.push({
        title: `Create bo ${command.bo} (${hex(size)} bytes) before this line`,
        kind: CodeActionKind.QuickFix,
        diagnostics: diagnosticsFor('replay-error', index),
        edit: edit([insertBefore(index, `${indentOf(line.text)}bo ${command.bo} ${hex(size)}`)]),
      });
    }

    if (command.kind === 'map' && command.range > 0n) {
      const mapAt = records.findIndex((record) => record.kind === 'map');
      const implicit = records
        .slice(0, mapAt === -1 ? records.length : mapAt)
        .some((record) => record.kind === 'unmap' || record.kind === 'remap');
      if (implicit) {
        actions.push({
          title: `Insert the missing unmap of [${hex(command.addr)}, ${hex(command.addr + command.range)}) before this map`,
          kind: CodeActionKind.RefactorRewrite,
          edit: edit([insertBefore(index, `${indentOf(line.text)}unmap ${hex(command.addr)} ${hex(command.range)}`)]),
        });
      }
    }
  }
  return actions;
}

export function register(ctx: ServerContext): void {
  ctx.connection.onCodeAction(
    guard<CodeActionParams, CodeAction[]>(ctx, 'textDocument/codeAction', [], async (params, token) => {
      const snapshot = await ctx.store.snapshot(params.textDocument.uri, token);
      if (!snapshot || snapshot.kind !== 'script') return [];
      const actions = scriptCodeActions(snapshot, params.range.start.line, params.range.end.line, params.context.diagnostics);
      const only = params.context.only;
      return only ? actions.filter((action) => only.some((kind) => action.kind === kind || action.kind?.startsWith(`${kind}.`))) : actions;
    }),
  );
}
