/**
 * The trace replay reads lines from disk as bytes (no string per line) and
 * lines from the editor as strings: both must give exactly the same result,
 * finding for finding (columns, related locations, messages) and statistic
 * for statistic. Checked on every trace fixture, on generated captures with
 * injected bugs in every layout, and on the benchmark's mixed capture.
 */

import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeText } from '../../../../src/analysis/registry';
import { checkFile } from '../../../../src/cli/commands/check';
import { CAPTURE_LAYOUTS, generateCapture } from '../../../helpers/capture-generator';
import { writeMixedCapture } from '../../../../bench/mixed-capture';

const TRACES = join(__dirname, '..', '..', '..', 'fixtures', 'traces');
const dir = mkdtempSync(join(tmpdir(), 'gpuvm-lens-byte-path-'));

function traceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return traceFiles(path);
    return name.endsWith('.trace') ? [path] : [];
  });
}

/** `check` streams the file from disk (bytes); `analyzeText` feeds the same text as strings. */
async function expectSameBothWays(name: string, bytes: Buffer): Promise<number> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const fromBytes = await checkFile(path, 'trace');
  const fromText = await analyzeText(bytes.toString('utf8'), { path, kind: 'trace' });
  expect(JSON.stringify(fromBytes.findings), name).toBe(JSON.stringify(fromText.findings));
  expect(fromBytes.stats, name).toEqual(fromText.stats);
  return fromBytes.findings.length;
}

describe('the byte path and the text path of the trace replay', () => {
  it('agree on every trace fixture', async () => {
    const files = traceFiles(TRACES);
    expect(files.length).toBeGreaterThan(30);
    let findings = 0;
    for (const file of files) findings += await expectSameBothWays(file.slice(TRACES.length + 1).replace(/\//g, '_'), readFileSync(file));
    expect(findings).toBeGreaterThan(50);
  });

  it.each(CAPTURE_LAYOUTS)('agree on a generated capture with injected bugs (%s layout)', async (layout) => {
    const capture = generateCapture({ layout, lines: 20_000, seed: 5, bugRate: 0.004 });
    expect(await expectSameBothWays(`${layout}.trace`, Buffer.from(capture.text))).toBeGreaterThan(10);
  });

  it('agree on the mixed capture of the benchmark (every driver and line layout)', async () => {
    const chunks: string[] = [];
    writeMixedCapture(30_000, (chunk) => chunks.push(chunk));
    const text = chunks.join('');
    await expectSameBothWays('mixed.trace', Buffer.from(text));
    // With CRLF line ends and a task name in UTF-8, which send lines down the text path.
    await expectSameBothWays(
      'mixed-crlf.trace',
      Buffer.from(
        text
          .slice(0, 200_000)
          .replace(/\n/g, '\r\n')
          .replace(/kworker/g, 'kwörker'),
      ),
    );
  });
});
