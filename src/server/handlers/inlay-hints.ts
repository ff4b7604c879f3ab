/**
 * Inlay hints at the end of GPUVM script lines: the ops each command made the
 * kernel produce (`UNMAP 0x10000+0x4000 keep · MAP 0x10000+0x4000→bo 1`),
 * with the full replay output as the tooltip. Only lines in the requested
 * range are answered.
 */

import { InlayHintKind, MarkupKind, type InlayHint, type InlayHintParams } from 'vscode-languageserver';
import { guard, type ServerContext } from '../context';
import type { DocumentSnapshot } from '../documents';
import { scriptOf, summarizeBlock } from '../../ide/script-queries';

export function scriptInlayHints(snapshot: DocumentSnapshot, first: number, last: number): InlayHint[] {
  const script = scriptOf(snapshot);
  const hints: InlayHint[] = [];
  for (let index = Math.max(0, first); index <= Math.min(last, script.lines.length - 1); index++) {
    const line = script.lines[index];
    const block = script.replay.blocks[index] ?? [];
    if (!line || block.length === 0 || line.command.kind === 'comment') continue;
    hints.push({
      position: { line: index, character: line.text.length },
      label: summarizeBlock(script.replay.records[index] ?? [], block),
      kind: InlayHintKind.Type,
      paddingLeft: true,
      tooltip: { kind: MarkupKind.Markdown, value: '```text\n' + block.join('\n') + '\n```' },
    });
  }
  return hints;
}

export function register(ctx: ServerContext): void {
  ctx.connection.languages.inlayHint.on(
    guard<InlayHintParams, InlayHint[]>(ctx, 'textDocument/inlayHint', [], async (params, token) => {
      if (!ctx.config().inlayHintsEnabled) return [];
      const snapshot = await ctx.store.snapshot(params.textDocument.uri, token);
      if (!snapshot || snapshot.kind !== 'script') return [];
      return scriptInlayHints(snapshot, params.range.start.line, params.range.end.line);
    }),
  );
}
