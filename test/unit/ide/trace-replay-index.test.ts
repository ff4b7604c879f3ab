import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTrace } from '../../../bench/generate-trace';
import { TraceReplayer } from '../../../src/analysis/trace/trace-replayer';
import { AnalysisCancelled } from '../../../src/ide/sliced-analysis';
import type { LineSource } from '../../../src/ide/line-source';
import { DEFAULT_BUDGETS, TraceIndex } from '../../../src/ide/trace-replay-index';

const NOT_CANCELLED = { isCancellationRequested: false };

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
    const tight = new TraceIndex({ ...DEFAULT_BUDGETS, checkpointMappings: 2_000 });
    lines.forEach((text, index) => {
      roomy.line(text, index + 1);
      tight.line(text, index + 1);
    });
    expect(tight.checkpointCount).toBeLessThan(roomy.checkpointCount / 4);
    for (const line of [1, 700, 5_123, 17_000, 29_999, 12_345, 30_000]) {
      expect(fingerprint(tight, source, line)).toBe(fingerprint(roomy, source, line));
    }
  });

  it("indexes, from the key parts, exactly the objects and lines of the replay's touched keys on every trace fixture, at once or from its log", async () => {
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
      // A log budget of a few touches: indexed and emptied again and again during the findings pass.
      const smallLog = new TraceIndex({ ...DEFAULT_BUDGETS, loggedTouches: 7 }, true);
      input.forEach((text, n) => {
        replayer.line(text, n + 1);
        inline.line(text, n + 1);
        later.line(text, n + 1);
        smallLog.line(text, n + 1);
      });
      await later.indexObjects(NOT_CANCELLED);
      await smallLog.indexObjects(NOT_CANCELLED);
      for (const index of [inline, later, smallLog]) {
        expect([...index.objectKeys()]).toEqual([...expected.keys()]);
        for (const [key, at] of expected) expect(index.linesOf(key)).toEqual(at);
      }
      compared += expected.size;
    }
    expect(compared).toBeGreaterThan(1_000);
  });

  it('stops growing its object index at the budget and says where, at once or from its log', async () => {
    for (const objectsLater of [false, true]) {
      const index = new TraceIndex({ ...DEFAULT_BUDGETS, occurrences: 1_000 }, objectsLater);
      lines.forEach((text, n) => index.line(text, n + 1));
      await index.indexObjects(NOT_CANCELLED);
      expect(index.indexedThrough).toBeGreaterThan(0);
      expect(index.indexedThrough).toBeLessThan(1_000);
      const total = [...index.objectKeys()].reduce((sum, key) => sum + index.linesOf(key).length, 0);
      expect(total).toBe(1_000);
    }
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
    const indexing = later.indexObjects(NOT_CANCELLED);
    await Promise.resolve();
    expect(ready).toBe(false);
    await indexing;
    await later.objectsReady;
    const keys = [...inline.objectKeys()];
    expect(keys.length).toBeGreaterThan(100);
    expect([...later.objectKeys()]).toEqual(keys);
    for (const key of keys) expect(later.linesOf(key)).toEqual(inline.linesOf(key));
    expect(later.indexedThrough).toBeUndefined();
    for (const line of [1, 4_000, 29_999]) expect(fingerprint(later, source, line)).toBe(fingerprint(inline, source, line));
  });

  it('says how far an abandoned deferred pass indexed: whole lines, up to where it stopped', async () => {
    const inline = new TraceIndex();
    const index = new TraceIndex(undefined, true);
    lines.forEach((text, n) => {
      inline.line(text, n + 1);
      index.line(text, n + 1);
    });
    // Cancelled at its first turn of the event loop: one slice indexed.
    await expect(index.indexObjects({ isCancellationRequested: true })).rejects.toBeInstanceOf(AnalysisCancelled);
    await index.objectsReady;
    const through = index.indexedThrough as number;
    expect(through).toBeGreaterThan(1_000);
    expect(through).toBeLessThan(lines.length);
    for (const key of index.objectKeys()) {
      expect(index.linesOf(key)).toEqual(inline.linesOf(key).filter((line) => line <= through));
    }
    const last = Math.max(...[...index.objectKeys()].flatMap((key) => index.linesOf(key)));
    expect(last).toBe(through);
  });

  it('ends a deferred index that never ran when it is abandoned, knowing no event', async () => {
    const index = new TraceIndex(undefined, true);
    lines.slice(0, 100).forEach((text, n) => index.line(text, n + 1));
    index.endObjects();
    await index.objectsReady;
    expect(index.indexedThrough).toBe(0);
    expect([...index.objectKeys()]).toEqual([]);
  });
});
