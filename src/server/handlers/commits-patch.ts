/**
 * `gpuvmLens/commitsPatch`: commits of a git checkout as the mbox
 * `git format-patch` writes, for the editor's Review Commits… document
 * (src/protocol/lsp-ext.ts). The text comes from the same host function as
 * `gpuvm-lens review --commits`, so the editor and the command line review
 * the same patches; the document is then reviewed like any patch document.
 */

import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import { commitsAsPatchesAsync } from '../../host/kernel-tree';
import { CommitsPatchRequest, type CommitsPatchParams, type CommitsPatchResult } from '../../protocol/lsp-ext';
import { guard, type ServerContext } from '../context';
import { pathOfUri } from '../documents';

/** The first line of each patch in a `git format-patch --stdout` mbox. */
const PATCH_START = /^From [0-9a-f]{40} /gm;

export async function commitsPatch(params: CommitsPatchParams): Promise<CommitsPatchResult> {
  let text: string;
  try {
    text = await commitsAsPatchesAsync(pathOfUri(params.folder), params.range);
  } catch (error) {
    // git's own words (an unknown revision, not a git repository) are what the user needs to see.
    throw new ResponseError(ErrorCodes.InvalidParams, `${params.range}: ${(error as Error).message}`);
  }
  return { text, commits: text.match(PATCH_START)?.length ?? 0 };
}

export function register(ctx: ServerContext): void {
  ctx.connection.onRequest(
    CommitsPatchRequest,
    guard<CommitsPatchParams, CommitsPatchResult | null>(ctx, 'gpuvmLens/commitsPatch', null, commitsPatch),
  );
}
