/**
 * Review Commits…: the commits of a git checkout (one revision, or a range
 * `A..B` for a series) open as a read-only patch document of the
 * `gpuvm-commits` scheme, holding what `git format-patch` writes for them.
 * The language server gives that text (`gpuvmLens/commitsPatch`, the host
 * function `gpuvm-lens review --commits` uses) and reviews the document like
 * any patch, against the kernel checkout the commits come from.
 */

import * as vscode from 'vscode';
import { COMMITS_SCHEME, CommitsPatchRequest, commitsOfUri, commitsUri } from '../protocol/lsp-ext';
import type { Ctx } from './ctx';

/** The review document of `range` in the checkout at `folder` (a file system path). */
export function commitsDocumentUri(folder: string, range: string): vscode.Uri {
  return vscode.Uri.from(commitsUri(folder, range));
}

class CommitsProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly ctx: Ctx) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const client = await this.ctx.client();
    const result = await client.sendRequest(CommitsPatchRequest, commitsOfUri(uri.path, uri.query));
    return result.text;
  }
}

export function registerCommitsReview(ctx: Ctx): vscode.Disposable[] {
  return [vscode.workspace.registerTextDocumentContentProvider(COMMITS_SCHEME, new CommitsProvider(ctx))];
}
