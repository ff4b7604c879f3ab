/**
 * A binary trace.dat in the editor: the server gives its report text
 * (`gpuvmLens/traceDatText`), and that text, opened as the read-only
 * `gpuvm-dat:` document the extension shows, gets the trace diagnostics.
 */

import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver';
import { afterEach, describe, expect, it } from 'vitest';
import { TRACE_DAT_SCHEME, TRACE_DAT_SUFFIX, TraceDatTextRequest, type TraceDatTextResult } from '../../src/protocol/lsp-ext';
import { startHarness, type Harness } from './harness';

const LOST = join(__dirname, '..', 'fixtures', 'trace-dat', 'lost-events-v7-zstd.dat');
let harness: Harness | undefined;

afterEach(() => harness?.dispose());

describe('trace.dat in the editor', () => {
  it('is shown as its report and analyzed like a text capture', async () => {
    const h = (harness = await startHarness());
    const report = await h.request<TraceDatTextResult>(TraceDatTextRequest.method, { path: LOST });
    expect(report).toMatchObject({ lines: 317, totalLines: 317 });
    expect(report.text.split('\n')[1]).toBe('CPU:1 [1374 EVENTS DROPPED]');
    const uri = `${TRACE_DAT_SCHEME}:${LOST}${TRACE_DAT_SUFFIX}`;
    h.open(uri, 'gpuvm-trace', report.text);
    const diagnostics = await h.request<{ items: Diagnostic[] }>('textDocument/diagnostic', { textDocument: { uri } });
    expect(diagnostics.items.map((item) => [item.range.start.line + 1, item.code])).toContainEqual([2, 'trace-lost-events']);
  });

  it('shows a long capture up to the limit and says how much more there is', async () => {
    const h = (harness = await startHarness());
    const report = await h.request<TraceDatTextResult>(TraceDatTextRequest.method, { path: LOST, maxLines: 100 });
    expect(report).toMatchObject({ lines: 100, totalLines: 317 });
    expect(report.text.trimEnd().split('\n').at(-1)).toBe('# … 217 more lines: GPUVM: Analyze Trace File… reads the whole capture.');
  });

  it('refuses a file that is not a trace.dat', async () => {
    const h = (harness = await startHarness());
    await expect(h.request(TraceDatTextRequest.method, { path: join(__dirname, 'harness.ts') })).rejects.toThrow(
      /is not a trace-cmd trace\.dat/,
    );
  });
});
