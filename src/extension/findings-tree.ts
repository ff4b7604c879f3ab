/**
 * The "GPUVM Findings" tree view: findings of files analyzed from disk with
 * "GPUVM: Analyze Trace File…" or "GPUVM: Review Patch" (files VS Code will
 * not open for extensions, over 50 MB, are analyzed by the server itself).
 * Files at the top, their findings below in line order, related locations
 * (the creating event, the last change, the free) under each finding; every
 * leaf opens its file at its line.
 *
 * Lines are LSP's 0-based lines; labels show them 1-based, as editors do.
 */

import * as vscode from 'vscode';
import type { Diagnostic, DiagnosticRelatedInformation } from 'vscode-languageclient';
import type { AnalyzeFileResult } from '../protocol/lsp-ext';
import { COMMAND_IDS, HAS_FILE_FINDINGS_CONTEXT } from './command-ids';

type Node =
  | { readonly kind: 'file'; readonly result: AnalyzeFileResult }
  | { readonly kind: 'finding'; readonly uri: string; readonly diagnostic: Diagnostic }
  | { readonly kind: 'related'; readonly info: DiagnosticRelatedInformation };

const SEVERITY_ICON: Record<number, vscode.ThemeIcon> = {
  1: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')),
  2: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  3: new vscode.ThemeIcon('info', new vscode.ThemeColor('problemsInfoIcon.foreground')),
  4: new vscode.ThemeIcon('lightbulb'),
};

function baseName(uri: string): string {
  const path = vscode.Uri.parse(uri).path;
  return path.slice(path.lastIndexOf('/') + 1);
}

function ruleOf(diagnostic: Diagnostic): string {
  return diagnostic.code === undefined ? '' : String(diagnostic.code);
}

export class FindingsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly files = new Map<string, AnalyzeFileResult>();
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

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

  private refresh(): void {
    void vscode.commands.executeCommand('setContext', HAS_FILE_FINDINGS_CONTEXT, this.files.size > 0);
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    if (!node) return [...this.files.values()].map((result) => ({ kind: 'file', result }));
    if (node.kind === 'file') {
      return [...node.result.diagnostics]
        .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character)
        .map((diagnostic) => ({ kind: 'finding', uri: node.result.uri, diagnostic }));
    }
    if (node.kind === 'finding') return (node.diagnostic.relatedInformation ?? []).map((info) => ({ kind: 'related', info }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'file': {
        const { result } = node;
        const item = new vscode.TreeItem(baseName(result.uri), vscode.TreeItemCollapsibleState.Expanded);
        item.resourceUri = vscode.Uri.parse(result.uri);
        const shown = result.diagnostics.length < result.findingCount ? ` (first ${result.diagnostics.length})` : '';
        item.description = `${result.findingCount} finding${result.findingCount === 1 ? '' : 's'}${shown} · ${result.kind} · ${result.lines.toLocaleString('en-US')} lines`;
        item.tooltip = `${vscode.Uri.parse(result.uri).fsPath}\nanalyzed in ${(result.durationMs / 1000).toFixed(1)} s`;
        item.contextValue = 'file';
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
        item.tooltip = new vscode.MarkdownString().appendText(`${diagnostic.message}\n`).appendMarkdown(`\`${ruleOf(diagnostic)}\``);
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
    this.changed.dispose();
  }
}
