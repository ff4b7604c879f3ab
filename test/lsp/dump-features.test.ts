/**
 * The language server on a gpuvas dump: the outline by VM block and the VA
 * space of each block (what "Compare Dumps" asks for), from
 * test/fixtures/dumps/msm-two-vms.gpuvas.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DocumentSymbol } from 'vscode-languageserver-protocol';
import type { VaSpace } from '../../src/protocol/lsp-ext';
import { startHarness, type Harness } from './harness';

const DUMP = readFileSync(join(__dirname, '..', 'fixtures', 'dumps', 'msm-two-vms.gpuvas'), 'utf8');
const URI = 'file:///w/msm.gpuvas';

let harness: Harness | undefined;
afterEach(() => harness?.dispose());

describe('a gpuvas dump', () => {
  it('outlines each VM block with its rows', async () => {
    const h = (harness = await startHarness());
    h.open(URI, 'gpuvm-dump', DUMP);
    const symbols = await h.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: URI } });
    expect(symbols.map((s) => [s.name, s.children?.length])).toEqual([
      ['msm-gpu-vm', 2],
      ['vkcube[31337]', 1],
    ]);
  });

  it('returns the VA space of the block at a line, or of a block by id', async () => {
    const h = (harness = await startHarness());
    h.open(URI, 'gpuvm-dump', DUMP);
    const first = await h.request<VaSpace>('gpuvmLens/vaSpace', { textDocument: { uri: URI }, position: { line: 5, character: 0 } });
    expect(first.vms.map((vm) => vm.id)).toEqual(['msm-gpu-vm@1', 'vkcube[31337]@8']);
    expect(first.vm?.label).toBe('msm-gpu-vm');
    expect(first.window).toEqual({ start: '0x100000000', end: '0x1000000000' });
    expect(first.mappings.map((m) => [m.start, m.end, m.object, m.createdAtLine])).toEqual([
      ['0x100000000', '0x100001000', '0xffffff8012345000', 5],
      ['0x100100000', '0x100120000', '0xffffff8012346000', 6],
    ]);
    expect(first.gaps[0]).toEqual({ start: '0x100001000', end: '0x100100000' });
    const second = await h.request<VaSpace>('gpuvmLens/vaSpace', {
      textDocument: { uri: URI },
      position: { line: 0, character: 0 },
      vm: 'vkcube[31337]@8',
    });
    expect(second.mappings.map((m) => m.range)).toEqual(['0x4000']);
  });
});
