/** Find references: every line that touches the object under the cursor (see `navigation.ts`). */

import type { Location, ReferenceParams } from 'vscode-languageserver';
import { guard, type ServerContext } from '../context';
import { navigate } from '../../ide/navigation';

export function register(ctx: ServerContext): void {
  ctx.connection.onReferences(
    guard<ReferenceParams, Location[]>(ctx, 'textDocument/references', [], async (params, token) => {
      const uri = params.textDocument.uri;
      const snapshot = await ctx.store.indexedSnapshot(uri, token);
      if (!snapshot) return [];
      const found = navigate(snapshot, params.position.line, params.position.character);
      if (!found) return [];
      const definitions = new Set(found.definition.map((place) => `${place.line}:${place.start}`));
      return found.references
        .filter((place) => params.context.includeDeclaration || !definitions.has(`${place.line}:${place.start}`))
        .map((place) => ({
          uri,
          range: { start: { line: place.line, character: place.start }, end: { line: place.line, character: place.end } },
        }));
    }),
  );
}
