/**
 * Every line source reads a trace the same way: the command line's stream,
 * the server's file streaming, its in-memory slices and `analyzeText` give
 * the same findings and counts. A last line followed by its line break is
 * complete (never "truncated"), one the input ends inside is; event lines
 * with a few NUL or non-UTF-8 bytes are still decoded and replayed.
 */

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../../../src/analysis/document';
import { analyzerFor, analyzeText } from '../../../../src/analysis/registry';
import { checkFile } from '../../../../src/cli/commands/check';
import { analyzeTextInSlices } from '../../../../src/ide/sliced-analysis';
import { analyzeFileFromDisk } from '../../../../src/server/file-analysis';

const RULES = join(__dirname, '..', '..', '..', 'fixtures', 'traces', 'rules');
const dir = mkdtempSync(join(tmpdir(), 'gpuvm-lens-line-ends-'));
const quiet = { error: () => undefined, info: () => undefined };

function summary(result: AnalysisResult) {
  return {
    findings: result.findings.map((finding) => `${finding.line} ${finding.rule}: ${finding.message}`).sort(),
    events: result.stats.events,
    recognized: result.stats.recognized,
    lines: result.stats.lines,
  };
}

/** The same bytes through every line source. */
async function everySource(name: string, bytes: Buffer) {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const text = bytes.toString('utf8');
  const options = { path, token: { isCancellationRequested: false }, logger: quiet, sliceLines: 3 };
  return {
    cli: summary(await checkFile(path, 'trace')),
    serverFile: summary((await analyzeFileFromDisk('trace', analyzerFor('trace'), path, options)).result),
    serverText: summary(await analyzeTextInSlices('trace', analyzerFor('trace'), text, options)),
    text: summary(await analyzeText(text, { path, kind: 'trace' })),
  };
}

function expectAllEqual(results: Record<string, ReturnType<typeof summary>>) {
  const { cli, ...others } = results;
  for (const [source, result] of Object.entries(others)) expect(result, source).toEqual(cli);
  return cli!;
}

describe('line ends and stray bytes', () => {
  const changedLast = readFileSync(join(RULES, 'xe-changed-last-line.trace'));

  it('a complete last line is not truncated, and the changed event is counted once', async () => {
    const result = expectAllEqual(await everySource('complete.trace', changedLast));
    expect(result.findings).toEqual([expect.stringMatching(/^8 trace-format-changed: .*1 /)]);
    expect(result.events).toBe(2);
    expect(result.lines).toBe(8);
  });

  it('a last line the file ends inside is reported as cut off', async () => {
    const result = expectAllEqual(await everySource('cut.trace', changedLast.subarray(0, changedLast.length - 1)));
    expect(result.findings).toEqual([expect.stringMatching(/^8 trace-unparsable-line: The last event is cut off/)]);
    expect(result.events).toBe(2);
  });

  it('NUL and non-UTF-8 bytes inside event lines lose no event and no finding', async () => {
    const result = expectAllEqual(await everySource('stray.trace', readFileSync(join(RULES, 'xe-vm-leak-stray-bytes.trace'))));
    expect(result.findings).toHaveLength(2);
    expect(result.findings).toContainEqual(expect.stringMatching(/^11 trace-vm-freed-with-live-mappings: /));
    expect(result.findings).toContainEqual(
      expect.stringMatching(/^8 stray-bytes: 2 line\(s\) could only be read without the 4 NUL, control or non-UTF-8 byte\(s\) they held/),
    );
    expect(result.recognized).toBe(result.events);
  });

  it('other control characters that break a field are skipped too', async () => {
    const text = readFileSync(join(RULES, 'xe-vm-leak.trace'), 'utf8').replace('start=0x0001a0200000', 'start=0x0001a02\x0700000');
    const result = expectAllEqual(await everySource('bell.trace', Buffer.from(text)));
    expect(result.findings).toHaveLength(2);
    expect(result.findings).toContainEqual(expect.stringMatching(/^9 stray-bytes: 1 line\(s\) could only be read without the 1 /));
    expect(result.findings).toContainEqual(
      expect.stringMatching(/^11 trace-vm-freed-with-live-mappings: .* at \[0x1a0200000, 0x1a0400000\)/),
    );
  });

  it("a CRLF capture gets the same findings from check and from the editor's Analyze command", async () => {
    const crlf = Buffer.from(readFileSync(join(RULES, 'xe-vm-leak.trace'), 'utf8').replace(/\n/g, '\r\n'));
    const result = expectAllEqual(await everySource('crlf.trace', crlf));
    expect(result.findings).toContainEqual(expect.stringMatching(/^1 trace-crlf-line-ends: 13 line\(s\) end in CRLF/));
    expect(result.findings).toContainEqual(expect.stringMatching(/^11 trace-vm-freed-with-live-mappings: /));
    expect(result.recognized).toBe(result.events);
  });

  it('a line that is mostly binary is still binary data', async () => {
    const bytes = Buffer.concat([readFileSync(join(RULES, 'xe-vm-leak.trace')), Buffer.from([0, 1, 2, 3, 0, 0, 5, 6, 0x0a])]);
    const result = expectAllEqual(await everySource('binary-tail.trace', bytes));
    expect(result.findings).toContainEqual(expect.stringMatching(/trace-unparsable-line: Binary data/));
    expect(result.findings.some((finding) => finding.includes('stray-bytes'))).toBe(false);
  });
});
