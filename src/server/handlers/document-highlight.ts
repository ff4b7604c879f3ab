/**
 * Document highlight: the same object everywhere in the document; the
 * creating occurrence is marked as a write, the others as reads.
 */

import { DocumentHighlightKind, type DocumentHighlight, type DocumentHighlightParams } from 'vscode-languageserver';
import { guard, type ServerContext } from '../context';
import { navigate } from '../../ide/navigation';

/** Highlights are repainted on every cursor move; keep them cheap. */
const MAX_HIGHLIGHTS = 2000;

export function register(ctx: ServerContext): void {
  ctx.connection.onDocumentHighlight(
    guard<DocumentHighlightParams, DocumentHighlight[]>(ctx, 'textDocument/documentHighlight', [], async (params, token) => {
      const snapshot = await ctx.store.indexedSnapshot(params.textDocument.uri, token);
      if (!snapshot) return [];
      const found = navigate(snapshot, params.position.line, params.position.character, MAX_HIGHLIGHTS);
      if (!found) return [];
      const definitions = new Set(found.definition.map((place) => `${place.line}:${place.start}`));
      return found.references.map((place) => ({
        range: { start: { line: place.line, character: place.start }, end: { line: place.line, character: place.end } },
        kind: definitions.has(`${place.line}:${place.start}`) ? DocumentHighlightKind.Write : DocumentHighlightKind.Read,
      }));
    }),
  );
}
