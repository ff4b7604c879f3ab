/**
 * The outline: by VM, then objects. A GPUVM script shows each VM (its `vm`
 * line up to the next one) with its BOs and the mappings live at the end of
 * the section; a trace shows each VM with the mappings it ever had (from its
 * first to its last event); a dump shows each VM block with its rows; a
 * patch shows mails, files and hunks.
 */

import { SymbolKind, type DocumentSymbol, type DocumentSymbolParams } from 'vscode-languageserver';
import { hex } from '../../base/u64';
import type { DocumentSnapshot } from '../documents';
import { guard, type ServerContext } from '../context';
import { creationLine, scriptOf, stateAfter, vmLabel, vmSections } from '../../ide/script-queries';
import { dumpOutline, patchOutline, type OutlineNode } from '../../ide/text-outline';
import { traceOutline } from '../../ide/trace-queries';
import type { TraceIndex } from '../../ide/trace-replay-index';

function lineSpan(snapshot: DocumentSnapshot, first: number, last: number) {
  return {
    start: { line: first, character: 0 },
    end: { line: last, character: snapshot.lines.line(last).length },
  };
}

function symbol(
  snapshot: DocumentSnapshot,
  name: string,
  detail: string,
  kind: SymbolKind,
  first: number,
  last: number,
  children: DocumentSymbol[] = [],
): DocumentSymbol {
  const range = lineSpan(snapshot, first, last);
  return { name, detail, kind, range, selectionRange: lineSpan(snapshot, first, first), children };
}

export function scriptSymbols(snapshot: DocumentSnapshot): DocumentSymbol[] {
  const script = scriptOf(snapshot);
  return vmSections(snapshot).map((section) => {
    const children: DocumentSymbol[] = [];
    for (let index = section.index + 1; index <= section.lastIndex; index++) {
      const command = script.lines[index]?.command;
      if (command?.kind === 'bo')
        children.push(
          symbol(
            snapshot,
            `bo ${command.id}`,
            `size ${hex(command.size)}${command.private ? ', private' : ''}`,
            SymbolKind.Object,
            index,
            index,
          ),
        );
    }
    const state = stateAfter(snapshot, section.lastIndex);
    for (const va of state.vas) {
      if (va.kernel) continue;
      const created = creationLine(snapshot, va, section.lastIndex) ?? section.index;
      const backing = va.bo === null ? 'sparse' : `bo ${va.bo} +${hex(va.offset)}`;
      children.push(symbol(snapshot, `[${hex(va.addr)}, ${hex(va.addr + va.range)})`, backing, SymbolKind.Field, created, created));
    }
    children.sort((a, b) => a.range.start.line - b.range.start.line);
    return symbol(
      snapshot,
      vmLabel(section),
      `${state.vas.filter((va) => !va.kernel).length} live mappings at the end`,
      SymbolKind.Namespace,
      section.index,
      section.lastIndex,
      children,
    );
  });
}

const OUTLINE_KIND: Record<OutlineNode['kind'], SymbolKind> = {
  message: SymbolKind.Module,
  file: SymbolKind.File,
  hunk: SymbolKind.Function,
  vm: SymbolKind.Namespace,
  mapping: SymbolKind.Field,
};

function fromOutline(snapshot: DocumentSnapshot, nodes: readonly OutlineNode[]): DocumentSymbol[] {
  return nodes.map((node) =>
    symbol(snapshot, node.name, node.detail, OUTLINE_KIND[node.kind], node.line, node.endLine, fromOutline(snapshot, node.children)),
  );
}

export function traceSymbols(snapshot: DocumentSnapshot, index: TraceIndex): DocumentSymbol[] {
  return traceOutline(index).map((vm) => {
    const children = vm.mappings.map((mapping) => symbol(snapshot, mapping.name, 'mapping', SymbolKind.Field, mapping.first, mapping.last));
    const more = vm.mappingCount - vm.mappings.length;
    return symbol(
      snapshot,
      `VM ${vm.name}`,
      `${vm.mappingCount} mappings bound${more > 0 ? ` (first ${vm.mappings.length} listed)` : ''}`,
      SymbolKind.Namespace,
      vm.first,
      vm.last,
      children,
    );
  });
}

export function documentSymbols(snapshot: DocumentSnapshot): DocumentSymbol[] {
  switch (snapshot.kind) {
    case 'script':
      return scriptSymbols(snapshot);
    case 'dump':
      return fromOutline(snapshot, dumpOutline(snapshot.lines));
    case 'patch':
      return fromOutline(snapshot, patchOutline(snapshot.lines));
    case 'trace':
      return snapshot.trace ? traceSymbols(snapshot, snapshot.trace) : [];
    default:
      return [];
  }
}

export function register(ctx: ServerContext): void {
  ctx.connection.onDocumentSymbol(
    guard<DocumentSymbolParams, DocumentSymbol[]>(ctx, 'textDocument/documentSymbol', [], async (params, token) => {
      const snapshot = await ctx.store.indexedSnapshot(params.textDocument.uri, token);
      return snapshot ? documentSymbols(snapshot) : [];
    }),
  );
}
