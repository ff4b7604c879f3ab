/**
 * The checkpoints of a trace index keep their mappings as records in typed
 * arrays (`CheckpointStore`): a stored state must come back as exactly the
 * snapshot the replay state gives, on every trace fixture and on generated
 * captures of every layout (with injected bugs, addresses moved around 2^53
 * and 2^64 so mappings are kept both as records and as objects), and still
 * after `compact` dropped the records of states no longer kept.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceReplayer } from '../../../src/analysis/trace/trace-replayer';
import { CheckpointStore, type StoredState } from '../../../src/ide/checkpoint-store';
import { CAPTURE_LAYOUTS, generateCapture } from '../../helpers/capture-generator';

const TWO_53 = 2n ** 53n;
const TWO_64 = 2n ** 64n;

/** Moves every Xe byte address and amdgpu page number of a capture by `shift` bytes. */
function shifted(text: string, amdgpu: boolean, shift: bigint): string {
  const by = amdgpu ? shift >> 12n : shift;
  return text.replace(
    amdgpu ? /\b(start|last|soffs|eoffs)=([0-9a-f]+)/g : /\b(start|end)=0x([0-9a-f]+)/g,
    (_whole, name: string, digits: string) => {
      const value = BigInt('0x' + digits) + by;
      return `${name}=${amdgpu ? '' : '0x'}${value.toString(16).padStart(digits.length, '0')}`;
    },
  );
}

/**
 * Replays `lines`, storing the state every `every` lines and comparing each
 * stored state with the replay's snapshot then, and again at the end after
 * every other state was dropped and the store compacted. Returns the records made.
 */
function roundTrip(lines: readonly string[], every: number): { records: number; bigints: boolean } {
  const replayer = new TraceReplayer({ recycle: true });
  const store = new CheckpointStore();
  const kept: { stored: StoredState; expected: string }[] = [];
  let wide = false;
  let previous: StoredState | undefined;
  lines.forEach((line, index) => {
    replayer.line(line, index + 1);
    if ((index + 1) % every !== 0 && index !== lines.length - 1) return;
    const stored = store.take(replayer.state, previous);
    previous = stored;
    const expected = JSON.stringify(replayer.state.snapshot(), bigints);
    expect(JSON.stringify(store.snapshot(stored), bigints)).toBe(expected);
    wide ||= /\d+n"/.test(expected);
    kept.push({ stored, expected });
  });
  const fresh = store.size;
  const half = kept.filter((_, index) => index % 2 === 0);
  store.compact([...half.map((state) => state.stored), ...(previous ? [previous] : [])]);
  expect(store.size).toBeLessThanOrEqual(fresh);
  for (const { stored, expected } of half) expect(JSON.stringify(store.snapshot(stored), bigints)).toBe(expected);
  return { records: fresh, bigints: wide };
}

/** Bigints as tagged strings, so a number and a bigint of the same value differ. */
function bigints(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}

describe('CheckpointStore', () => {
  it('gives back every stored state of every trace fixture as the replay snapshot it was', () => {
    const root = join(__dirname, '../../fixtures/traces');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.trace'));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) roundTrip(readFileSync(join(root, file), 'utf8').split(/\r?\n/), 3);
  });

  it.each(CAPTURE_LAYOUTS)('does so on generated %s captures around 2^53 and 2^64, sharing unchanged mappings', (layout) => {
    const lines = generateCapture({ layout, lines: 3_000, seed: 5, bugRate: 0.01 }).text.split('\n');
    const half = lines.length >> 1;
    const amdgpu = layout.startsWith('amdgpu');
    for (const [first, second] of [
      [0n, 0n],
      [TWO_53 - (1n << 43n), TWO_53 - (1n << 41n)],
      [0n, TWO_64 - (1n << 41n)],
    ] as const) {
      const text = shifted(lines.slice(0, half).join('\n'), amdgpu, first) + '\n' + shifted(lines.slice(half).join('\n'), amdgpu, second);
      const moved = text.split('\n');
      const every = 50;
      const { records, bigints: wide } = roundTrip(moved, every);
      expect(wide).toBe(first !== 0n || second !== 0n);
      // Far fewer records than mappings stored: unchanged ones are shared.
      const replayer = new TraceReplayer({ recycle: true });
      let stored = 0;
      moved.forEach((line, index) => {
        replayer.line(line, index + 1);
        if ((index + 1) % every === 0) stored += replayer.state.liveMappings;
      });
      expect(records).toBeLessThan(stored / 2);
    }
  });
});
