/**
 * The language server on a GPUVM script, in process: pull and push
 * diagnostics, hover, navigation, outline, code lens, inlay hints, code
 * actions and the VA-space request. Line numbers refer to
 * test/fixtures/lsp/replay.gpuvm (0-based in LSP, 1-based in comments there).
 */

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  CodeAction,
  CodeLens,
  Diagnostic,
  DocumentDiagnosticReport,
  DocumentSymbol,
  Hover,
  InlayHint,
  Location,
  MarkupContent,
} from 'vscode-languageserver-protocol';
import type { FindingGroups, Timeline, VaSpace } from '../../src/protocol/lsp-ext';
import { startHarness, type Harness } from './harness';

const FIXTURES = join(__dirname, '..', 'fixtures', 'lsp');
const SCRIPT = readFileSync(join(FIXTURES, 'replay.gpuvm'), 'utf8');
const URI = 'file:///w/replay.gpuvm';

let harness: Harness | undefined;
afterEach(() => harness?.dispose());

async function openScript(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  harness = await startHarness(options);
  harness.open(URI, 'gpuvm-script', SCRIPT);
  return harness;
}

function pull(h: Harness, previousResultId?: string): Promise<DocumentDiagnosticReport> {
  return h.request('textDocument/diagnostic', { textDocument: { uri: URI }, ...(previousResultId ? { previousResultId } : {}) });
}

function hoverText(hover: Hover | null): string {
  return (hover?.contents as MarkupContent | undefined)?.value ?? '';
}

describe('diagnostics', () => {
  it('answers a pull with one diagnostic per finding, carrying code, docs link and source', async () => {
    const h = await openScript();
    const report = await pull(h);
    expect(report.kind).toBe('full');
    const items = (report as { items: Diagnostic[] }).items;
    expect(items.map((d) => [d.range.start.line, d.code])).toEqual([
      [8, 'zero-range-request'],
      [9, 'replay-error'],
      [10, 'script-bad-command'],
    ]);
    for (const diagnostic of items) {
      expect(diagnostic.source).toBe('gpuvm-lens');
      // The link is the page shipped with the tool, not a web site.
      const href = diagnostic.codeDescription?.href ?? '';
      expect(href).toMatch(new RegExp(`^file:.*/docs/rules/${String(diagnostic.code)}\\.md$`));
      expect(existsSync(fileURLToPath(href)), href).toBe(true);
    }
    // The skipped line is faded (DiagnosticTag.Unnecessary).
    expect(items[2]?.tags).toEqual([1]);
    // A line-wide finding covers the whole line.
    expect(items[0]?.range).toEqual({ start: { line: 8, character: 0 }, end: { line: 8, character: 'unmap 0x13000 0x0'.length } });
  });

  it('answers unchanged when the document and settings did not change', async () => {
    const h = await openScript();
    const first = (await pull(h)) as { resultId: string };
    const second = await pull(h, first.resultId);
    expect(second).toEqual({ kind: 'unchanged', resultId: first.resultId });
  });

  it('pulls the analysis of the edited version', async () => {
    const h = await openScript();
    await pull(h);
    h.change(URI, SCRIPT.replace('bogus 1 2\n', ''), 2);
    const report = (await pull(h)) as { items: Diagnostic[] };
    expect(report.items.map((d) => d.code)).not.toContain('script-bad-command');
  });

  it('pushes diagnostics to a client without pull support', async () => {
    const h = await openScript({ modern: false });
    const pushed = await h.diagnosticsPushed(URI);
    expect(pushed.version).toBe(1);
    expect(pushed.diagnostics.map((d) => d.code)).toEqual(['zero-range-request', 'replay-error', 'script-bad-command']);
  });

  it('applies per-rule level overrides from the settings', async () => {
    const h = await openScript({ settings: { rules: { 'zero-range-request': 'off', 'replay-error': 'error' } } });
    await h.waitFor('gpuvmLens/analysisStatus', (status: { state: string }) => status.state === 'done');
    const report = (await pull(h)) as { items: Diagnostic[] };
    expect(report.items.map((d) => [d.code, d.severity])).toEqual([
      ['replay-error', 1],
      ['script-bad-command', 1],
    ]);
  });
});

describe('hover', () => {
  it('shows the ops of a script line and the VA space after it', async () => {
    const h = await openScript();
    const hover = await h.request<Hover | null>('textDocument/hover', { textDocument: { uri: URI }, position: { line: 6, character: 1 } });
    const text = hoverText(hover);
    expect(text).toContain('UNMAP addr=0x10000 range=0x4000 obj=1 off=0x0 keep=1');
    expect(text).toContain('MAP addr=0x10000 range=0x4000 obj=1 off=0x0');
    // One Markdown table: header, separator and rows on consecutive lines, ranges half-open.
    expect(text).toContain('| range | object | offset | created |\n|---|---|---|---|\n| [0x10000, 0x14000) | bo 1 | 0x0 | line 7 |');
    expect(text).not.toMatch(/:\s*$/);
  });

  it('names the mapping covering the address under the cursor', async () => {
    const h = await openScript();
    // `unmap 0x13000 0x0` split [0x10000, 0x14000): 0x13000 is now the start of the second piece.
    const hover = await h.request<Hover | null>('textDocument/hover', { textDocument: { uri: URI }, position: { line: 8, character: 8 } });
    expect(hoverText(hover)).toContain(
      '**0x13000** is mapped after this line by [0x13000, 0x14000) → bo 1 at offset 0x3000, created on line 9.',
    );
  });

  it('has nothing to say on a comment line', async () => {
    const h = await openScript();
    expect(await h.request('textDocument/hover', { textDocument: { uri: URI }, position: { line: 0, character: 3 } })).toBeNull();
  });
});

describe('navigation', () => {
  it('goes from a BO id to its bo command and finds every command naming it', async () => {
    const h = await openScript();
    const at = { textDocument: { uri: URI }, position: { line: 5, character: 19 } };
    const definition = await h.request<Location[]>('textDocument/definition', at);
    expect(definition.map((location) => location.range.start.line)).toEqual([2]);
    const references = await h.request<Location[]>('textDocument/references', { ...at, context: { includeDeclaration: true } });
    expect(references.map((location) => location.range.start.line)).toEqual([2, 5, 6]);
    const highlights = await h.request<{ kind: number; range: { start: { line: number } } }[]>('textDocument/documentHighlight', at);
    expect(highlights.map((highlight) => [highlight.range.start.line, highlight.kind])).toEqual([
      [2, 3],
      [5, 2],
      [6, 2],
    ]);
  });

  it('goes from an address to the command that created the mapping covering it', async () => {
    const h = await openScript();
    // On `unmap 0x13000 0x0`: the mapping covering 0x13000 before it was made by line 7's map.
    const definition = await h.request<Location[]>('textDocument/definition', {
      textDocument: { uri: URI },
      position: { line: 8, character: 8 },
    });
    expect(definition.map((location) => location.range.start.line)).toEqual([6]);
  });
});

describe('outline, lenses and hints', () => {
  it('outlines the VM with its BOs and live mappings', async () => {
    const h = await openScript();
    const symbols = await h.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: URI } });
    expect(symbols.map((symbol) => symbol.name)).toEqual(['VM [0x0, 0x100000) (line 2)']);
    expect(symbols[0]?.children?.map((child) => `${child.name} ${child.detail}`)).toEqual([
      'bo 1 size 0x100000',
      'bo 2 size 0x100000',
      '[0x14000, 0x16000) bo 2 +0x0',
      '[0x10000, 0x13000) bo 1 +0x0',
      '[0x13000, 0x14000) bo 1 +0x3000',
    ]);
  });

  it('puts a code lens on the VM that opens the VA map', async () => {
    const h = await openScript();
    const lenses = await h.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: URI } });
    expect(lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command])).toEqual([
      [1, 'VM [0x0, 0x100000): 3 live mappings · 3 findings · Show VA map', 'gpuvmLens.showVaSpace'],
      [1, 'Timeline', 'gpuvmLens.showTimeline'],
    ]);
    expect(lenses[0]?.command?.arguments).toEqual([{ uri: URI, line: 11, vm: 'vm@2' }]);
  });

  it('shows the ops each command produced as inlay hints', async () => {
    const h = await openScript();
    const hints = await h.request<InlayHint[]>('textDocument/inlayHint', {
      textDocument: { uri: URI },
      range: { start: { line: 5, character: 0 }, end: { line: 9, character: 0 } },
    });
    expect(hints.map((hint) => [hint.position.line, hint.label])).toEqual([
      [5, 'MAP 0x10000+0x4000→bo 1'],
      [6, 'UNMAP 0x10000+0x4000→bo 1 keep · MAP 0x10000+0x4000→bo 1'],
      [7, 'MAP 0x14000+0x2000→bo 2'],
      [8, 'REMAP 0x10000+0x4000→bo 1 → prev 0x10000+0x3000→bo 1, next 0x13000+0x1000→bo 1'],
      [9, 'ERR no-such-bo'],
    ]);
  });
});

describe('code actions', () => {
  async function actionsAt(h: Harness, line: number): Promise<CodeAction[]> {
    return h.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: URI },
      range: { start: { line, character: 0 }, end: { line, character: 0 } },
      context: { diagnostics: [] },
    });
  }

  it('removes a zero-range request', async () => {
    const h = await openScript();
    const [action] = await actionsAt(h, 8);
    expect(action?.title).toBe('Remove the zero-range request');
    expect(action?.edit?.changes?.[URI]).toEqual([
      { range: { start: { line: 8, character: 0 }, end: { line: 9, character: 0 } }, newText: '' },
    ]);
  });

  it('creates a missing BO', async () => {
    const h = await openScript();
    const [action] = await actionsAt(h, 9);
    expect(action?.title).toBe('Create bo 7 (0x1000 bytes) before this line');
    expect(action?.edit?.changes?.[URI]?.[0]?.newText).toBe('bo 7 0x1000\n');
  });

  it('inserts the missing unmap before a map over a live mapping', async () => {
    const h = await openScript();
    const actions = await actionsAt(h, 6);
    expect(actions.map((action) => action.title)).toEqual(['Insert the missing unmap of [0x10000, 0x14000) before this map']);
    expect(actions[0]?.edit?.changes?.[URI]?.[0]?.newText).toBe('unmap 0x10000 0x4000\n');
  });

  it('offers nothing on a clean first map', async () => {
    const h = await openScript();
    expect(await actionsAt(h, 5)).toEqual([]);
  });
});

describe('gpuvmLens/vaSpace', () => {
  it('returns the mappings, gaps and objects of the VM after a line', async () => {
    const h = await openScript();
    const space = await h.request<VaSpace | null>('gpuvmLens/vaSpace', { textDocument: { uri: URI }, position: { line: 7, character: 0 } });
    expect(space?.vm).toEqual({ id: 'vm@2', label: 'VM [0x0, 0x100000) (line 2)', line: 1 });
    expect(space?.window).toEqual({ start: '0x0', end: '0x100000' });
    expect(space?.mappings.map((m) => [m.start, m.end, m.object, m.kernelReserved, m.createdAtLine])).toEqual([
      ['0x10000', '0x14000', 'bo:1', false, 6],
      ['0x14000', '0x16000', 'bo:2', false, 7],
      ['0xf0000', '0x100000', null, true, 1],
    ]);
    expect(space?.gaps).toEqual([
      { start: '0x0', end: '0x10000' },
      { start: '0x16000', end: '0xf0000' },
    ]);
    expect(space?.objects.map((o) => [o.id, o.size, o.mappings])).toEqual([
      ['bo:1', '0x100000', 1],
      ['bo:2', '0x100000', 1],
    ]);
    expect(space?.changeLines).toEqual([1, 5, 6, 7, 8]);
  });
});

describe('gpuvmLens/timeline and gpuvmLens/findingGroups', () => {
  it('gives each mapping of the VM its bind and end lines; a split ends one mapping and starts two', async () => {
    const h = await openScript();
    const timeline = await h.request<Timeline | null>('gpuvmLens/timeline', { textDocument: { uri: URI }, line: 3 });
    expect(timeline?.vm?.id).toBe('vm@2');
    expect(timeline?.bars.map((b) => [b.start, b.end, b.boundLine, b.unboundLine, b.unboundEvent])).toEqual([
      ['0x10000', '0x14000', 5, 8, 'unmap'],
      ['0x10000', '0x13000', 8, null, null],
      ['0x13000', '0x14000', 8, null, null],
      ['0x14000', '0x16000', 7, null, null],
    ]);
    expect(timeline?.marks.length).toBe(3);
  });

  it('puts each script finding under its VM and the range its command names', async () => {
    const h = await openScript();
    const groups = await h.request<FindingGroups | null>('gpuvmLens/findingGroups', { textDocument: { uri: URI } });
    const owners = groups?.diagnostics.map((d, i) => [d.range.start.line, groups.owners[i]?.vm, groups.owners[i]?.mapping]);
    expect(owners).toContainEqual([9, 'vm@2', '[0x30000, 0x31000)']);
    expect(owners?.every(([, vm]) => vm === 'vm@2')).toBe(true);
  });
});
