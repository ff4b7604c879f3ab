/** Go to definition: from an object identity to the line that created it (see `navigation.ts`). */

import type { DefinitionParams, Location } from 'vscode-languageserver';
import { guard, type ServerContext } from '../context';
import { navigate } from '../../ide/navigation';

export function register(ctx: ServerContext): void {
  ctx.connection.onDefinition(
    guard<DefinitionParams, Location[]>(ctx, 'textDocument/definition', [], async (params, token) => {
      const uri = params.textDocument.uri;
      const snapshot = await ctx.store.indexedSnapshot(uri, token);
      if (!snapshot) return [];
      const found = navigate(snapshot, params.position.line, params.position.character);
      return (found?.definition ?? []).map((place) => ({
        uri,
        range: { start: { line: place.line, character: place.start }, end: { line: place.line, character: place.end } },
      }));
    }),
  );
}
