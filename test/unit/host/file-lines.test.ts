/**
 * A trace analyzed from disk answers hovers by replaying its lines from the
 * nearest checkpoint, read back from the file: as bytes where the analysis
 * took them as bytes, as text otherwise. Either way the state must be the
 * one the text of the same lines gives.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateTrace } from '../../../bench/generate-trace';
import { fileLineSource, LineOffsets } from '../../../src/host/file-lines';
import type { LineSource } from '../../../src/ide/line-source';
import { TraceIndex } from '../../../src/ide/trace-replay-index';

const scratch = mkdtempSync(join(tmpdir(), 'gpuvm-lens-file-lines-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function fingerprint(index: TraceIndex, source: LineSource, line: number): string {
  const state = index.stateAt(source, line);
  const vms = state.vms.map(
    (vm) => `${vm.key}:${[...vm.mappings()].map((m) => `${m.key}@${m.start}+${m.last}:${m.changedLine}`).join(',')}`,
  );
  return `${vms.join(' | ')} / ${state.touched.join(',')}`;
}

/** The file's lines as the disk line source splits them (LF only; a CR stays), and where each starts. */
function onDisk(name: string, text: string): { source: LineSource; lines: string[] } {
  const path = join(scratch, name);
  writeFileSync(path, text);
  const bytes = Buffer.from(text, 'utf8');
  const offsets = new LineOffsets();
  const lines: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    const lf = bytes.indexOf(10, start);
    const end = lf < 0 ? bytes.length : lf;
    offsets.push(start);
    lines.push(bytes.toString('utf8', start, end));
    start = end + 1;
  }
  return { source: fileLineSource(path, offsets, bytes.length), lines };
}

describe('fileLineSource', () => {
  const root = join(__dirname, '../../fixtures/traces');
  const fixtures = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.trace'));
  const generated: string[] = [];
  generateTrace(20_000, (line) => generated.push(line));
  const inputs: [string, string][] = [
    ['generated.trace', generated.join('\n') + '\n'],
    // CRLF line ends, and a line that is not printable ASCII (read as text), in the middle of events.
    ['crlf.trace', generated.slice(0, 5_000).join('\r\n') + '\r\n'],
    [
      'mixed.trace',
      [...generated.slice(0, 3_000), '  kwörker-1 [000] ..... 1.000001: xe_vm_free: dev=0, vm=1', ...generated.slice(3_000, 6_000)].join(
        '\n',
      ),
    ],
    ...fixtures.map((file): [string, string] => [file.replace(/\//g, '_'), readFileSync(join(root, file), 'utf8')]),
  ];

  it('replays a state query from the file as bytes exactly as from its lines as text', () => {
    let asBytes = 0;
    for (const [name, text] of inputs) {
      const { source, lines } = onDisk(name, text);
      const index = new TraceIndex();
      lines.forEach((line, n) => index.line(line, n + 1));
      const counting: LineSource = {
        ...source,
        forEachBytes: (from, to, onLine) => {
          const done = source.forEachBytes?.(from, to, onLine) ?? false;
          if (done) asBytes++;
          return done;
        },
      };
      const asText: LineSource = { ...source, forEachBytes: undefined };
      const queries = [1, 2, Math.floor(lines.length / 3), Math.floor(lines.length / 2), lines.length - 1, lines.length];
      for (const line of queries) {
        // A fresh index per query: the index keeps the last replay, which would answer the second query itself.
        const fresh = new TraceIndex();
        lines.forEach((l, n) => fresh.line(l, n + 1));
        expect(fingerprint(index, counting, line), `${name} line ${line}`).toBe(fingerprint(fresh, asText, line));
      }
    }
    expect(asBytes).toBeGreaterThan(inputs.length * 3);
  });

  it('says it cannot when the file is shorter than when it was analyzed', () => {
    const { source } = onDisk('short.trace', generated.slice(0, 100).join('\n'));
    writeFileSync(join(scratch, 'short.trace'), 'x\n');
    expect(source.forEachBytes?.(0, 100, () => undefined)).toBe(false);
  });
});
