/**
 * A kernel log open next to a trace of the same run (examples/xe-run): each
 * GPU page fault gets the mapping that covered the address, or when and by
 * what it was unmapped, as a diagnostic with the trace lines as related
 * locations and in the fault line's hover — the same answers `gpuvm-lens
 * check dmesg.log trace.txt` prints.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnostic, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { startHarness, type Harness } from './harness';

const RUN = join(__dirname, '..', '..', 'examples', 'xe-run');
const LOG_URI = 'file:///run/dmesg.log';
const TRACE_URI = 'file:///run/trace.txt';

let harness: Harness | undefined;
afterEach(() => harness?.dispose());

async function faultHistory(h: Harness): Promise<Diagnostic[]> {
  const report = await h.request<{ items: Diagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: LOG_URI } });
  return report.items.filter((d) => d.code === 'log-fault-history');
}

describe('a kernel log with a trace of the same run', () => {
  it('answers every fault from the trace, with the trace lines as related locations and in the hover', async () => {
    const h = (harness = await startHarness());
    h.open(LOG_URI, 'plaintext', readFileSync(join(RUN, 'dmesg.log'), 'utf8'));
    // Alone, the log has its faults but nothing to answer them with.
    expect(await faultHistory(h)).toEqual([]);
    h.open(TRACE_URI, 'plaintext', readFileSync(join(RUN, 'trace.txt'), 'utf8'));
    await h.request('textDocument/diagnostic', { textDocument: { uri: TRACE_URI } });
    const answers = await faultHistory(h);
    expect(answers.map((d) => d.range.start.line)).toEqual([3, 7, 11, 15, 19]);
    const unmapped = answers[2];
    expect(unmapped?.message).toContain(
      'was mapped by [0x00000001a0000000, 0x00000001a0200000) of VM 000000005e6f7a8b (trace line 8, xe_vma_bind) and unmapped at trace line 28 by xe_vma_unbind',
    );
    expect(unmapped?.relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line])).toEqual([
      [TRACE_URI, 7],
      [TRACE_URI, 27],
    ]);
    const hover = await h.request<Hover | null>('textDocument/hover', {
      textDocument: { uri: LOG_URI },
      position: { line: 11, character: 2 },
    });
    const text = (hover?.contents as MarkupContent | undefined)?.value ?? '';
    expect(text).toContain('**`log-fault-history`** 0x00000001a0010000 was mapped by');
    expect(text).toContain(`[trace.txt:28](${TRACE_URI}#L28) xe_vma_unbind unmaps [0x00000001a0000000, 0x00000001a0200000)`);
  });
});
