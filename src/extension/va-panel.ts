/**
 * Hosts the VA-space webview: one panel that follows the document and VM it
 * was opened for, asks the server for the replayed state at a line
 * (`gpuvmLens/vaSpace`) whenever the webview's time scrubber moves, and opens
 * the document at a mapping's creating line when the webview asks. The same
 * panel shows the mapping timeline (`gpuvmLens/timeline`): every mapping's
 * bind-to-unbind bar over the document's lines; the webview switches between
 * the two faces.
 *
 * Security: scripts only with the per-load nonce, no inline styles, no remote
 * resources, local resources limited to dist/ and media/. Messages from the
 * webview are validated (`parseFromWebview`) before use. The panel survives
 * reloads through a WebviewPanelSerializer fed by the webview's saved state.
 */

import * as vscode from 'vscode';
import { TimelineRequest, VaSpaceRequest, type ShowVaSpaceArgs } from '../protocol/lsp-ext';
import { isVaViewState, parseFromWebview, VA_VIEW_TYPE, type ToWebview, type VaViewState, type ViewMode } from '../protocol/webview';
import type { Ctx } from './ctx';

function nonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let text = '';
  for (let i = 0; i < 32; i++) text += chars.charAt(Math.floor(Math.random() * chars.length));
  return text;
}

export class VaSpacePanel implements vscode.Disposable {
  private static current: VaSpacePanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Increases with every request so a slow answer never overwrites a newer one. */
  private generation = 0;
  private disposed = false;

  /** Shows the panel for `args` (the map, or the timeline), reusing the open one. */
  static show(ctx: Ctx, args: ShowVaSpaceArgs, mode: ViewMode = 'map'): void {
    const state: VaViewState = { uri: args.uri, line: args.line, vm: args.vm || null, zoom: null, mode };
    const existing = VaSpacePanel.current;
    if (existing) {
      existing.panel.reveal(undefined, true);
      existing.state = state;
      void existing.load();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      VA_VIEW_TYPE,
      'VA Space',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {},
    );
    VaSpacePanel.current = new VaSpacePanel(ctx, panel, state);
  }

  /** Restores a panel after a window reload. */
  static serializer(ctx: Ctx): vscode.WebviewPanelSerializer<unknown> {
    return {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, saved: unknown): Promise<void> {
        if (!isVaViewState(saved)) {
          panel.dispose();
          return;
        }
        VaSpacePanel.current?.panel.dispose();
        VaSpacePanel.current = new VaSpacePanel(ctx, panel, saved);
      },
    };
  }

  private constructor(
    private readonly ctx: Ctx,
    private readonly panel: vscode.WebviewPanel,
    private state: VaViewState,
  ) {
    const root = ctx.extension.extensionUri;
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(root, 'dist'), vscode.Uri.joinPath(root, 'media')],
    };
    panel.iconPath = vscode.Uri.joinPath(root, 'media', 'va-space.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw)),
    );
  }

  private html(): string {
    const webview = this.panel.webview;
    const root = this.ctx.extension.extensionUri;
    const script = webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'va-view.css'));
    const n = nonce();
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${n}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>VA Space</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="placeholder">Replaying…</p></main>
<script nonce="${n}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  private post(message: ToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const message = parseFromWebview(raw);
    if (!message) return;
    switch (message.type) {
      case 'ready':
        // After a reload the webview's own saved state is the freshest (zoom, line).
        if (message.state && message.state.uri === this.state.uri) this.state = message.state;
        await this.load();
        return;
      case 'scrub':
        this.state = { ...this.state, line: message.line };
        await this.load();
        return;
      case 'selectVm':
        this.state = { ...this.state, vm: message.vm, zoom: null };
        await this.load();
        return;
      case 'mode':
        this.state = { ...this.state, mode: message.mode, vm: message.vm, line: message.line, zoom: null };
        await this.load();
        return;
      case 'state':
        this.state = message.state;
        return;
      case 'reveal':
        await this.reveal(message.line);
        return;
    }
  }

  /** Replays the document to the state's line and sends the VA space (or the timeline) to the webview. */
  private async load(): Promise<void> {
    const generation = ++this.generation;
    const { uri, line, vm } = this.state;
    this.post({ type: 'loading', line });
    try {
      const client = await this.ctx.client();
      // The server only knows open documents; opening is a no-op when it already is.
      const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
      if (this.state.mode === 'timeline') {
        const timeline = await client.sendRequest(TimelineRequest, {
          textDocument: { uri: document.uri.toString() },
          line,
          ...(vm ? { vm } : {}),
        });
        if (generation !== this.generation) return;
        if (!timeline) {
          this.post({ type: 'error', message: `No mapping timeline for ${document.fileName}.` });
          return;
        }
        this.panel.title = `Timeline · ${timeline.vm?.label ?? baseName(document.uri)}`;
        this.post({ type: 'timeline', timeline, fileName: baseName(document.uri) });
        return;
      }
      const space = await client.sendRequest(VaSpaceRequest, {
        textDocument: { uri: document.uri.toString() },
        position: { line: Math.min(line, Math.max(0, document.lineCount - 1)), character: 0 },
        ...(vm ? { vm } : {}),
      });
      if (generation !== this.generation) return;
      if (!space) {
        this.post({ type: 'error', message: `No VA space to show in ${document.fileName} at line ${line + 1}.` });
        return;
      }
      this.panel.title = `VA Space · ${space.vm?.label ?? baseName(document.uri)}`;
      this.post({ type: 'space', space, fileName: baseName(document.uri) });
    } catch (error) {
      if (generation !== this.generation) return;
      this.ctx.output.error(`gpuvmLens/vaSpace: ${String(error)}`);
      this.post({
        type: 'error',
        message: `Could not replay ${baseName(vscode.Uri.parse(uri))}: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  private async reveal(line: number): Promise<void> {
    const uri = vscode.Uri.parse(this.state.uri);
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    const position = new vscode.Position(line, 0);
    await vscode.window.showTextDocument(uri, {
      viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One,
      selection: new vscode.Range(position, position),
      preserveFocus: false,
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (VaSpacePanel.current === this) VaSpacePanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}
