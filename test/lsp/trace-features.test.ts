/**
 * The language server on an ftrace text: hover (the event in words, the VM's
 * mappings after it, the mapping covering an address), navigation between
 * the events touching a VMA, the outline and code lens per VM, and the VA
 * space at a line. Lines refer to test/fixtures/lsp/neovim.trace:
 *   2 xe_vm_create · 3 bind VMA a1b2c3d4 · 4 unbind it · 5 rebind it (use
 *   after unbind) · 6 unbind of a VMA never bound   (0-based)
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CodeLens, Diagnostic, DocumentSymbol, Hover, Location, MarkupContent } from 'vscode-languageserver-protocol';
import type { FindingGroups, Timeline, VaSpace } from '../../src/protocol/lsp-ext';
import { startHarness, type Harness } from './harness';

const TRACE = readFileSync(join(__dirname, '..', 'fixtures', 'lsp', 'neovim.trace'), 'utf8');
const URI = 'file:///w/capture.txt';
const LINES = TRACE.split('\n');

let harness: Harness | undefined;
afterEach(() => harness?.dispose());

async function openTrace(): Promise<Harness> {
  harness = await startHarness();
  // A plain-text language id: the content decides that this is a trace.
  harness.open(URI, 'plaintext', TRACE);
  return harness;
}

function column(line: number, text: string): number {
  return (LINES[line] ?? '').indexOf(text) + 2;
}

async function hover(h: Harness, line: number, character: number): Promise<string> {
  const result = await h.request<Hover | null>('textDocument/hover', { textDocument: { uri: URI }, position: { line, character } });
  return (result?.contents as MarkupContent | undefined)?.value ?? '';
}

describe('a trace', () => {
  it('gets the trace rules as diagnostics', async () => {
    const h = await openTrace();
    const report = await h.request<{ items: Diagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: URI } });
    expect(report.items.map((d) => [d.range.start.line, d.code])).toEqual([
      [5, 'trace-use-after-free'],
      [6, 'trace-unbind-never-bound'],
    ]);
    expect(report.items[0]?.relatedInformation?.map((r) => r.location.range.start.line)).toEqual([3, 4]);
  });

  it('hovers an event with its description and the VM after it', async () => {
    const h = await openTrace();
    const text = await hover(h, 3, 20);
    expect(text).toContain('**`xe_vma_bind`** binds VMA 00000000a1b2c3d4');
    expect(text).toContain('1 live mapping');
    expect(text).toContain('| **`00000000a1b2c3d4`** | [0x1a0000000, 0x1a0200000) |');
    // One range notation: the event's inclusive `end=` is shown half-open too.
    expect(text).toContain('binds VMA 00000000a1b2c3d4 at [0x1a0000000, 0x1a0200000) in VM');
    expect(text).not.toContain('0x0001a01fffff');
  });

  it('says when a VM has no live mapping left, without a dangling colon', async () => {
    const h = await openTrace();
    const text = await hover(h, 4, 20);
    expect(text).toContain('after this event: no live mappings.');
    expect(text).not.toMatch(/:\s*$/);
  });

  it('names the mapping covering an address at that moment', async () => {
    const h = await openTrace();
    expect(await hover(h, 3, column(3, 'start=0x') + 8)).toContain('**0x1a0000000** is covered after this event by `00000000a1b2c3d4`');
    expect(await hover(h, 4, column(4, 'start=0x') + 8)).toContain('**0x1a0000000** is not mapped in any live VM after this event.');
  });

  it('goes from a VMA pointer to its bind and finds every event touching it', async () => {
    const h = await openTrace();
    const at = { textDocument: { uri: URI }, position: { line: 5, character: column(5, 'vma=') + 6 } };
    const definition = await h.request<Location[]>('textDocument/definition', at);
    expect(definition.map((l) => [l.range.start.line, l.range.start.character])).toEqual([
      [3, (LINES[3] ?? '').indexOf('00000000a1b2c3d4')],
    ]);
    const references = await h.request<Location[]>('textDocument/references', { ...at, context: { includeDeclaration: true } });
    expect(references.map((l) => l.range.start.line)).toEqual([3, 4, 5]);
  });

  it('outlines VMs with their mappings and puts a code lens on each VM', async () => {
    const h = await openTrace();
    const symbols = await h.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: URI } });
    expect(symbols.map((s) => [s.name, s.range.start.line, s.range.end.line])).toEqual([['VM 000000005e6f7a8b', 2, 6]]);
    expect(symbols[0]?.children?.map((c) => c.name)).toContain('00000000a1b2c3d4');
    const lenses = await h.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: URI } });
    expect(lenses.map((l) => [l.range.start.line, l.command?.title])).toEqual([
      [2, 'xe VM 000000005e6f7a8b: 0 live mappings · 2 findings · Show VA map'],
      [2, 'Timeline'],
    ]);
  });

  it('returns the VA space of the VM at a line', async () => {
    const h = await openTrace();
    const space = await h.request<VaSpace | null>('gpuvmLens/vaSpace', { textDocument: { uri: URI }, position: { line: 3, character: 0 } });
    expect(space?.vm?.id).toBe('vm:xe:000000005e6f7a8b');
    expect(space?.mappings.map((m) => [m.start, m.end, m.createdAtLine])).toEqual([['0x1a0000000', '0x1a0200000', 3]]);
    // Xe VMA events name no object: the mapping is "object not traced", not sparse.
    expect(space?.mappings.map((m) => [m.object, m.objectTraced])).toEqual([[null, false]]);
    expect(space?.gaps).toEqual([
      { start: '0x0', end: '0x1a0000000' },
      { start: '0x1a0200000', end: '0x1000000000000' },
    ]);
    expect(space?.changeLines).toEqual([2, 3, 4, 5, 6]);
  });

  it('puts a lens naming the VM on every creation, also of a VM re-created under the same key', async () => {
    harness = await startHarness();
    const free =
      '   kworker/u64:2-231     [005] .....  1523.411000: xe_vm_free: dev=0000:03:00.0, vm=000000005e6f7a8b, asid=0x00001, vm flags=0x00008';
    const text = [...LINES.slice(0, 5), free, LINES[2], LINES[3]?.replace('1523.407002', '1523.412002')].join('\n') + '\n';
    harness.open(URI, 'plaintext', text);
    const lenses = await harness.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: URI } });
    expect(lenses.filter((l) => l.command?.command === 'gpuvmLens.showVaSpace').map((l) => [l.range.start.line, l.command?.title])).toEqual(
      [
        [2, 'xe VM 000000005e6f7a8b: freed on line 6 · 0 findings · Show VA map'],
        [6, 'xe VM 000000005e6f7a8b: 1 live mapping · 0 findings · Show VA map'],
      ],
    );
    const timeline = await harness.request<Timeline | null>('gpuvmLens/timeline', { textDocument: { uri: URI }, line: 7 });
    expect(timeline?.vms.map((vm) => [vm.id, vm.line, vm.freedLine])).toEqual([
      ['vm:xe:000000005e6f7a8b@3', 2, 5],
      ['vm:xe:000000005e6f7a8b@7', 6, null],
    ]);
    expect(timeline?.vm?.id).toBe('vm:xe:000000005e6f7a8b@7');
    expect(timeline?.bars.map((b) => [b.start, b.end, b.boundLine, b.unboundLine])).toEqual([['0x1a0000000', '0x1a0200000', 7, null]]);
  });

  it("returns the lifetimes of a VM's mappings with its findings as marks", async () => {
    const h = await openTrace();
    const timeline = await h.request<Timeline | null>('gpuvmLens/timeline', { textDocument: { uri: URI }, vm: 'vm:xe:000000005e6f7a8b' });
    expect(timeline?.bars.map((b) => [b.start, b.end, b.boundLine, b.boundEvent, b.unboundLine, b.unboundEvent])).toEqual([
      ['0x1a0000000', '0x1a0200000', 3, 'xe_vma_bind', 4, 'xe_vma_unbind'],
    ]);
    expect(timeline?.marks.map((m) => [m.line, m.rule])).toEqual([
      [5, 'trace-use-after-free'],
      [6, 'trace-unbind-never-bound'],
    ]);
  });

  it('tells the Findings view which VM and mapping each finding is about', async () => {
    const h = await openTrace();
    const groups = await h.request<FindingGroups | null>('gpuvmLens/findingGroups', { textDocument: { uri: URI } });
    expect(groups?.diagnostics.map((d, i) => [d.range.start.line, d.code, groups.owners[i]])).toEqual([
      [5, 'trace-use-after-free', { vm: 'vm:xe:000000005e6f7a8b', vmLabel: 'xe VM 000000005e6f7a8b', mapping: '00000000a1b2c3d4' }],
      [6, 'trace-unbind-never-bound', { vm: 'vm:xe:000000005e6f7a8b', vmLabel: 'xe VM 000000005e6f7a8b', mapping: expect.any(String) }],
    ]);
  });

  it('on a trace longer than the background threshold, takes one named lens per VM from the replay index', async () => {
    harness = await startHarness({ initialSettings: { analysis: { backgroundThresholdLines: 3 } } });
    harness.open(URI, 'plaintext', TRACE);
    const lenses = await harness.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: URI } });
    expect(lenses.map((l) => [l.range.start.line, l.command?.title])).toEqual([
      [2, 'xe VM 000000005e6f7a8b: 0 live mappings · 2 findings · Show VA map'],
      [2, 'Timeline'],
    ]);
  });
});
