/**
 * Hover, go to definition and the VA space on every ftrace layout the
 * decoder reads (test/fixtures/traces/layouts/): trace and trace_pipe of
 * several kernel eras, with the TGID column, without IRQ info, trace-cmd
 * report (also `-l`), the latency format, and CRLF line ends. Each fixture
 * with an Xe bind and its unbind is opened in the server; the bind line must
 * hover in words with its VM's mapping, the unbind's VMA pointer must lead
 * back to the bind, and the VA space after the bind must hold the mapping.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Hover, Location, MarkupContent } from 'vscode-languageserver-protocol';
import type { VaSpace } from '../../src/protocol/lsp-ext';
import { startHarness, type Harness } from './harness';

const DIR = join(__dirname, '..', 'fixtures', 'traces', 'layouts');
const URI = 'file:///w/layout.txt';

let harness: Harness | undefined;
afterEach(() => harness?.dispose());

/** Fixtures with a bind and an unbind of the same VMA (not the one whose unbind is cut inside the pointer). */
const LAYOUTS = readdirSync(DIR)
  .filter((name) => name.endsWith('.trace'))
  .filter((name) => {
    const text = readFileSync(join(DIR, name), 'utf8');
    const bind = /xe_vma_bind:.*?vma=(\w+),/.exec(text)?.[1];
    return bind !== undefined && /xe_vma_unbind:.*?vma=(\w+),/.exec(text)?.[1] === bind;
  });

describe('every trace layout in the editor', () => {
  it('covers the layouts, the latency format among them', () => {
    expect(LAYOUTS).toContain('latency.trace');
    expect(LAYOUTS.length).toBeGreaterThanOrEqual(9);
  });

  it.each(LAYOUTS)('%s: hover, definition and VA space', async (name) => {
    const text = readFileSync(join(DIR, name), 'utf8');
    const lines = text.split('\n');
    const bind = lines.findIndex((line) => line.includes('xe_vma_bind:'));
    const unbind = lines.findIndex((line) => line.includes('xe_vma_unbind:'));
    const vma = /vma=(\w+)/.exec(lines[bind] ?? '')?.[1] ?? '';
    harness = await startHarness();
    const h = harness;
    h.open(URI, 'plaintext', text);

    const hover = await h.request<Hover | null>('textDocument/hover', {
      textDocument: { uri: URI },
      position: { line: bind, character: (lines[bind] ?? '').indexOf('xe_vma_bind') + 2 },
    });
    const words = (hover?.contents as MarkupContent | undefined)?.value ?? '';
    expect(words).toContain('**`xe_vma_bind`** binds VMA');
    expect(words).toContain('1 live mapping');

    const at = { textDocument: { uri: URI }, position: { line: unbind, character: (lines[unbind] ?? '').indexOf(vma) + 2 } };
    const definition = await h.request<Location[]>('textDocument/definition', at);
    expect(definition.map((l) => [l.range.start.line, l.range.start.character])).toEqual([[bind, (lines[bind] ?? '').indexOf(vma)]]);

    const space = await h.request<VaSpace | null>('gpuvmLens/vaSpace', {
      textDocument: { uri: URI },
      position: { line: bind, character: 0 },
    });
    expect(space?.mappings.map((m) => [m.start, m.end, m.createdAtLine])).toEqual([['0x1a0000000', '0x1a0200000', bind]]);
  });
});
