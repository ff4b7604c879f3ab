/**
 * "GPUVM: Compare Dumps…": replays two `gpuvas` dumps through the server and
 * opens a side-by-side diff of their VA spaces, one canonical line per
 * mapping (start, end, size, object, offset) grouped by VM, so a mapping that
 * appeared, vanished, moved or changed its object stands out whatever the
 * dumps' spacing and VM order.
 */

import * as vscode from 'vscode';
import { LANGUAGE_IDS, VaSpaceRequest } from '../../protocol/lsp-ext';
import { canonicalSpace } from '../va-listing';
import type { Ctx } from '../ctx';
import type { CommandGroup } from './types';
import { baseName, errorText } from './util';

const SCHEME = 'gpuvm-lens-compare';

/** Serves the canonical texts under `gpuvm-lens-compare:` URIs. */
class CompareDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();

  put(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
}

let documents: CompareDocuments | undefined;

function compareDocuments(ctx: Ctx): CompareDocuments {
  if (!documents) {
    documents = new CompareDocuments();
    ctx.push(vscode.workspace.registerTextDocumentContentProvider(SCHEME, documents), { dispose: () => (documents = undefined) });
  }
  return documents;
}

async function describeDump(ctx: Ctx, uri: vscode.Uri): Promise<string> {
  const client = await ctx.client();
  const document = await vscode.workspace.openTextDocument(uri);
  const position = { line: Math.max(0, document.lineCount - 1), character: 0 };
  const first = await client.sendRequest(VaSpaceRequest, { textDocument: { uri: document.uri.toString() }, position });
  if (!first) return `# ${baseName(uri)}: no VA space found\n`;
  const parts = [`# ${baseName(uri)}: ${first.vms.length} VM${first.vms.length === 1 ? '' : 's'}`];
  // The server says why a state is partial or empty (e.g. a kind it cannot replay): keep that in view.
  if (first.note) parts.push(`# ${first.note}`);
  // Sorted by label so the two sides line up even when the dumps list VMs in another order.
  const vms = [...first.vms].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  for (const vm of vms) {
    const space =
      vm.id === first.vm?.id
        ? first
        : await client.sendRequest(VaSpaceRequest, { textDocument: { uri: document.uri.toString() }, position, vm: vm.id });
    if (space) parts.push(canonicalSpace(space));
  }
  return parts.join('\n\n') + '\n';
}

const DUMP_FILTERS = { 'gpuvas dumps': ['gpuvas', 'txt'], 'All files': ['*'] };

async function pickOne(title: string): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters: DUMP_FILTERS });
  return picked?.[0];
}

/**
 * The two dumps, older first: two resources selected in the explorer; else
 * the active dump editor as the older one; else asked for one at a time
 * (VS Code's simple file dialog, used in remote windows, selects one file).
 */
async function pickDumps(args: unknown[]): Promise<[vscode.Uri, vscode.Uri] | undefined> {
  const selected = args[1];
  if (Array.isArray(selected) && selected.length === 2) {
    const [a, b] = selected as unknown[];
    if (a instanceof vscode.Uri && b instanceof vscode.Uri) return [a, b];
  }
  const active = vscode.window.activeTextEditor?.document;
  const first =
    args[0] instanceof vscode.Uri
      ? args[0]
      : active?.languageId === LANGUAGE_IDS.dump
        ? active.uri
        : await pickOne('GPUVM: Compare Dumps (1/2): the older dump');
  if (!first) return undefined;
  const second = await pickOne(`GPUVM: Compare Dumps (2/2): the dump to compare with ${baseName(first)}`);
  return second ? [first, second] : undefined;
}

async function compareDumps(ctx: Ctx, ...args: unknown[]): Promise<void> {
  const pair = await pickDumps(args);
  if (!pair) return;
  const [left, right] = pair;
  try {
    const [a, b] = await Promise.all([describeDump(ctx, left), describeDump(ctx, right)]);
    const store = compareDocuments(ctx);
    const leftUri = vscode.Uri.from({ scheme: SCHEME, path: `/${baseName(left)}`, query: left.toString() });
    const rightUri = vscode.Uri.from({ scheme: SCHEME, path: `/${baseName(right)}`, query: right.toString() });
    store.put(leftUri, a);
    store.put(rightUri, b);
    await vscode.commands.executeCommand('vscode.diff', leftUri, rightUri, `VA spaces: ${baseName(left)} ↔ ${baseName(right)}`);
  } catch (error) {
    ctx.output.error(`compare dumps: ${errorText(error)}`);
    void vscode.window.showErrorMessage(`GPUVM: could not compare the dumps: ${errorText(error)}`);
  }
}

export const dumpCommands: CommandGroup<'compareDumps'> = { compareDumps };
