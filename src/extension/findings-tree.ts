/**
 * The "GPUVM Findings" tree view: what the Problems panel cannot show —
 * findings grouped by the VM and the mapping they are about, with the VM's
 * VA map and mapping timeline one click away, the related locations (the
 * creating event, the last change, the free) under each finding, and the
 * files analyzed from disk that VS Code will not open (over 50 MB).
 *
 *   file (open GPUVM document or file analyzed from disk)
 *     VM (N findings)                      inline: Show VA map, Timeline
 *       mapping (N findings)
 *         finding  -> related locations
 *     findings about no VM or mapping
 *
 * The grouping comes from the server (`gpuvmLens/findingGroups`), which
 * knows which VM and mapping each finding's line touches; the list is the
 * one the Problems panel shows. Lines are LSP's 0-based lines; labels show
 * them 1-based, as editors do.
 */

import * as vscode from 'vscode';
import type { Diagnostic, DiagnosticRelatedInformation } from 'vscode-languageclient';
import type { LanguageClient } from 'vscode-languageclient/node';
import { FindingGroupsRequest, kindOfLanguage, type AnalyzeFileResult, type FindingOwner } from '../protocol/lsp-ext';
import { COMMAND_IDS, HAS_FILE_FINDINGS_CONTEXT } from './command-ids';

/** A group of findings; VM nodes also carry `ShowVaSpaceArgs` (uri, line, vm) so their inline commands receive them as-is. */
type Node =
  | { readonly kind: 'file'; readonly uri: string; readonly result?: AnalyzeFileResult }
  | {
      readonly kind: 'vm';
      readonly uri: string;
      readonly vm: string;
      readonly label: string;
      readonly line: number;
      readonly items: readonly Item[];
    }
  | { readonly kind: 'mapping'; readonly uri: string; readonly name: string; readonly items: readonly Item[] }
  | { readonly kind: 'finding'; readonly uri: string; readonly diagnostic: Diagnostic }
  | { readonly kind: 'related'; readonly info: DiagnosticRelatedInformation };

interface Item {
  readonly diagnostic: Diagnostic;
  readonly owner: FindingOwner;
}

const SEVERITY_ICON: Record<number, vscode.ThemeIcon> = {
  1: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')),
  2: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  3: new vscode.ThemeIcon('info', new vscode.ThemeColor('problemsInfoIcon.foreground')),
  4: new vscode.ThemeIcon('lightbulb'),
};

const NO_OWNER: FindingOwner = { vm: null, vmLabel: null, mapping: null };
const REFRESH_DELAY_MS = 300;

function baseName(uri: string): string {
  const path = vscode.Uri.parse(uri).path;
  return path.slice(path.lastIndexOf('/') + 1);
}

function ruleOf(diagnostic: Diagnostic): string {
  return diagnostic.code === undefined ? '' : String(diagnostic.code);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The worst severity of a group, for its icon. */
function worst(items: readonly Item[]): number {
  return Math.min(...items.map((item) => item.diagnostic.severity ?? 2));
}

function byLine(a: Item, b: Item): number {
  return (
    a.diagnostic.range.start.line - b.diagnostic.range.start.line || a.diagnostic.range.start.character - b.diagnostic.range.start.character
  );
}

/** Groups a file's findings: VMs in order of first finding, mappings inside them, then the findings about no VM. */
export function groupFindings(uri: string, items: readonly Item[]): Node[] {
  const vms = new Map<string, { label: string; items: Item[] }>();
  const loose: Item[] = [];
  for (const item of [...items].sort(byLine)) {
    if (item.owner.vm === null) {
      loose.push(item);
      continue;
    }
    const group = vms.get(item.owner.vm) ?? { label: item.owner.vmLabel ?? item.owner.vm, items: [] };
    group.items.push(item);
    vms.set(item.owner.vm, group);
  }
  const nodes: Node[] = [...vms].map(([vm, group]) => ({
    kind: 'vm',
    uri,
    vm,
    label: group.label,
    // The VA map at the VM's last finding shows the state the findings are about.
    line: group.items[group.items.length - 1]?.diagnostic.range.start.line ?? 0,
    items: group.items,
  }));
  for (const item of loose) nodes.push({ kind: 'finding', uri, diagnostic: item.diagnostic });
  return nodes;
}

function vmChildren(node: Extract<Node, { kind: 'vm' }>): Node[] {
  const mappings = new Map<string, Item[]>();
  const direct: Node[] = [];
  for (const item of node.items) {
    if (item.owner.mapping === null) {
      direct.push({ kind: 'finding', uri: node.uri, diagnostic: item.diagnostic });
      continue;
    }
    const list = mappings.get(item.owner.mapping) ?? [];
    list.push(item);
    mappings.set(item.owner.mapping, list);
  }
  const grouped: Node[] = [...mappings].map(([name, items]) => ({ kind: 'mapping', uri: node.uri, name, items }));
  return [...grouped, ...direct];
}

export class FindingsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly files = new Map<string, AnalyzeFileResult>();
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly client: () => Promise<LanguageClient>) {
    // Open documents' findings change as they are edited: follow the Problems panel.
    this.subscriptions.push(
      vscode.languages.onDidChangeDiagnostics(() => this.scheduleRefresh()),
      vscode.workspace.onDidCloseTextDocument(() => this.scheduleRefresh()),
    );
  }

  /** Replaces the findings of `result.uri`. */
  set(result: AnalyzeFileResult): void {
    this.files.set(result.uri, result);
    this.refresh();
  }

  clear(): void {
    this.files.clear();
    this.refresh();
  }

  /** Every analyzed file's result, for the SARIF export. */
  results(): readonly AnalyzeFileResult[] {
    return [...this.files.values()];
  }

  private scheduleRefresh(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changed.fire(undefined), REFRESH_DELAY_MS);
  }

  private refresh(): void {
    void vscode.commands.executeCommand('setContext', HAS_FILE_FINDINGS_CONTEXT, this.files.size > 0);
    this.changed.fire(undefined);
  }

  /** Files analyzed from disk (what was just asked for), then open GPUVM documents with findings. */
  private roots(): Node[] {
    const roots: Node[] = [...this.files].map(([uri, result]) => ({ kind: 'file', uri, result }));
    for (const document of vscode.workspace.textDocuments) {
      const uri = document.uri.toString();
      if (kindOfLanguage(document.languageId) === undefined || this.files.has(uri)) continue;
      if (vscode.languages.getDiagnostics(document.uri).some((d) => d.source === 'gpuvm-lens')) roots.push({ kind: 'file', uri });
    }
    return roots;
  }

  private async fileChildren(node: Extract<Node, { kind: 'file' }>): Promise<Node[]> {
    let items: Item[] | undefined;
    try {
      const client = await this.client();
      const groups = await client.sendRequest(FindingGroupsRequest, { textDocument: { uri: node.uri } });
      if (groups) items = groups.diagnostics.map((diagnostic, i) => ({ diagnostic, owner: groups.owners[i] ?? NO_OWNER }));
    } catch {
      // The server is restarting or the file left its store: list the findings ungrouped.
    }
    items ??= (node.result?.diagnostics ?? []).map((diagnostic) => ({ diagnostic, owner: NO_OWNER }));
    return groupFindings(node.uri, items);
  }

  getChildren(node?: Node): Node[] | Promise<Node[]> {
    if (!node) return this.roots();
    switch (node.kind) {
      case 'file':
        return this.fileChildren(node);
      case 'vm':
        return vmChildren(node);
      case 'mapping':
        return node.items.map((item) => ({ kind: 'finding', uri: node.uri, diagnostic: item.diagnostic }));
      case 'finding':
        return (node.diagnostic.relatedInformation ?? []).map((info) => ({ kind: 'related', info }));
      case 'related':
        return [];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'file': {
        // Open documents also fill the Problems panel: collapsed, they leave room for what was analyzed from disk.
        const item = new vscode.TreeItem(
          baseName(node.uri),
          node.result ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.resourceUri = vscode.Uri.parse(node.uri);
        item.contextValue = 'file';
        const { result } = node;
        if (result) {
          const shown = result.diagnostics.length < result.findingCount ? ` (first ${result.diagnostics.length})` : '';
          item.description = `${plural(result.findingCount, 'finding')}${shown} · ${result.kind} · ${result.lines.toLocaleString('en-US')} lines · from disk`;
          item.tooltip = `${vscode.Uri.parse(node.uri).fsPath}\nanalyzed in ${(result.durationMs / 1000).toFixed(1)} s`;
        } else {
          const count = vscode.languages.getDiagnostics(vscode.Uri.parse(node.uri)).filter((d) => d.source === 'gpuvm-lens').length;
          item.description = plural(count, 'finding');
        }
        return item;
      }
      case 'vm': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        const mappings = new Set(node.items.map((i) => i.owner.mapping).filter((m) => m !== null)).size;
        item.description = `${plural(node.items.length, 'finding')}${mappings ? ` · ${plural(mappings, 'mapping')}` : ''}`;
        item.iconPath = SEVERITY_ICON[worst(node.items)];
        item.tooltip = `${node.label}: right-click or use the inline buttons for its VA map and mapping timeline.`;
        item.contextValue = 'vm';
        return item;
      }
      case 'mapping': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
        item.description = plural(node.items.length, 'finding');
        item.iconPath = new vscode.ThemeIcon('symbol-field');
        item.contextValue = 'mapping';
        return item;
      }
      case 'finding': {
        const { diagnostic, uri } = node;
        const related = diagnostic.relatedInformation?.length ?? 0;
        const item = new vscode.TreeItem(
          diagnostic.message,
          related > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
        );
        item.description = `line ${diagnostic.range.start.line + 1} · ${ruleOf(diagnostic)}`;
        item.iconPath = SEVERITY_ICON[diagnostic.severity ?? 2];
        // The label is cut to the view's width: the tooltip has the whole message.
        item.tooltip = new vscode.MarkdownString()
          .appendText(`${diagnostic.message}\n\n`)
          .appendMarkdown(`\`${ruleOf(diagnostic)}\` · line ${diagnostic.range.start.line + 1}`);
        item.command = {
          command: COMMAND_IDS.revealFinding,
          title: 'Go to Finding',
          arguments: [uri, diagnostic.range.start.line, diagnostic.range.start.character],
        };
        item.contextValue = 'finding';
        return item;
      }
      case 'related': {
        const { info } = node;
        const item = new vscode.TreeItem(info.message, vscode.TreeItemCollapsibleState.None);
        item.description = `${baseName(info.location.uri)}:${info.location.range.start.line + 1}`;
        item.iconPath = new vscode.ThemeIcon('arrow-small-right');
        item.tooltip = info.message;
        item.command = {
          command: COMMAND_IDS.revealFinding,
          title: 'Go to Related Location',
          arguments: [info.location.uri, info.location.range.start.line, info.location.range.start.character],
        };
        return item;
      }
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}
