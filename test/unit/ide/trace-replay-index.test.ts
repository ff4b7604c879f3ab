import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTrace } from '../../../bench/generate-trace';
import { TraceReplayer } from '../../../src/analysis/trace/trace-replayer';
import type { LineSource } from '../../../src/ide/line-source';
import { TraceIndex } from '../../../src/ide/trace-replay-index';

function memorySource(lines: readonly string[]): LineSource {
  return { lineCount: lines.length, text: undefined, line: (n) => lines[n] ?? '', range: (from, to) => lines.slice(from, to) };
}

function fingerprint(index: TraceIndex, source: LineSource, line: number): string {
  const state = index.stateAt(source, line);
  return (
    state.vms.map((vm) => `${vm.key}:${[...vm.mappings()].map((m) => `${m.key}@${m.start}`).join(',')}`).join(' | ') +
    ` / ${state.touched.join(',')}`
  );
}

describe('TraceIndex', () => {
  const lines: string[] = [];
  generateTrace(30_000, (line) => lines.push(line));
  const source = memorySource(lines);

  it('answers state queries identically whether or not its checkpoints were thinned', () => {
    const roomy = new TraceIndex();
    const tight = new TraceIndex({ checkpointMappings: 2_000, occurrences: 16_000_000 });
    lines.forEach((text, index) => {
      roomy.line(text, index + 1);
      tight.line(text, index + 1);
    });
    expect(tight.checkpointCount).toBeLessThan(roomy.checkpointCount / 4);
    for (const line of [1, 700, 5_123, 17_000, 29_999, 12_345, 30_000]) {
      expect(fingerprint(tight, source, line)).toBe(fingerprint(roomy, source, line));
    }
  });

  it("indexes, from the key parts, exactly the objects and lines of the replay's touched keys on every trace fixture", () => {
    const root = join(__dirname, '../../fixtures/traces');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.trace'));
    expect(files.length).toBeGreaterThan(20);
    const inputs = [lines, ...files.map((file) => readFileSync(join(root, file), 'utf8').split(/\r?\n/))];
    let compared = 0;
    for (const input of inputs) {
      const expected = new Map<string, number[]>();
      const replayer = new TraceReplayer({
        onEvent: (info) => {
          for (const key of info.touched) {
            const at = expected.get(key) ?? [];
            if (at[at.length - 1] !== info.line) at.push(info.line);
            expected.set(key, at);
          }
        },
      });
      const inline = new TraceIndex();
      const later = new TraceIndex(undefined, true);
      input.forEach((text, n) => {
        replayer.line(text, n + 1);
        inline.line(text, n + 1);
        later.line(text, n + 1);
      });
      const objects = later.objectSink();
      input.forEach((text, n) => objects.line(text, n + 1));
      objects.end();
      for (const index of [inline, later]) {
        expect([...index.objectKeys()]).toEqual([...expected.keys()]);
        for (const [key, at] of expected) expect(index.linesOf(key)).toEqual(at);
      }
      compared += expected.size;
    }
    expect(compared).toBeGreaterThan(1_000);
  });

  it('stops growing its object index at the budget and says where', () => {
    const index = new TraceIndex({ checkpointMappings: 250_000, occurrences: 1_000 });
    lines.forEach((text, n) => index.line(text, n + 1));
    expect(index.indexedThrough).toBeGreaterThan(0);
    expect(index.indexedThrough).toBeLessThan(1_000);
    const total = [...index.objectKeys()].reduce((sum, key) => sum + index.linesOf(key).length, 0);
    expect(total).toBe(1_000);
  });

  it('indexes the same objects in a deferred pass as in the findings pass, and resolves objectsReady at its end', async () => {
    const inline = new TraceIndex();
    const later = new TraceIndex(undefined, true);
    let ready = false;
    void later.objectsReady.then(() => (ready = true));
    lines.forEach((text, n) => {
      inline.line(text, n + 1);
      later.line(text, n + 1);
    });
    expect(later.finish().findings).toEqual(inline.finish().findings);
    expect([...later.objectKeys()]).toEqual([]);
    const objects = later.objectSink();
    lines.forEach((text, n) => objects.line(text, n + 1));
    await Promise.resolve();
    expect(ready).toBe(false);
    await objects.end();
    await later.objectsReady;
    const keys = [...inline.objectKeys()];
    expect(keys.length).toBeGreaterThan(100);
    expect([...later.objectKeys()]).toEqual(keys);
    for (const key of keys) expect(later.linesOf(key)).toEqual(inline.linesOf(key));
    expect(later.indexedThrough).toBeUndefined();
    for (const line of [1, 4_000, 29_999]) expect(fingerprint(later, source, line)).toBe(fingerprint(inline, source, line));
  });

  it('says how far an abandoned deferred pass indexed', async () => {
    const index = new TraceIndex(undefined, true);
    lines.forEach((text, n) => index.line(text, n + 1));
    const objects = index.objectSink();
    lines.slice(0, 5_000).forEach((text, n) => objects.line(text, n + 1));
    index.endObjects();
    await index.objectsReady;
    expect(index.indexedThrough).toBeGreaterThan(4_900);
    expect(index.indexedThrough).toBeLessThanOrEqual(5_000);
    const last = Math.max(...[...index.objectKeys()].flatMap((key) => index.linesOf(key)));
    expect(last).toBe(index.indexedThrough);
  });
});
