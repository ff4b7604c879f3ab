/**
 * Robustness: no input line, however malformed, makes the replay throw or hit
 * an internal error. Random byte strings, random token soups built from the
 * script vocabulary, and mutated kernel vector scripts are replayed; every
 * script line must get an output block and no block may report an internal
 * error (which would be a model bug, not a kernel behaviour).
 */

import { describe, expect, it } from 'vitest';
import { parseScript } from '../../../src/parse/script/parse-script';
import { renderScriptResult, runScript } from '../../../src/model/script-runner';
import { Random } from '../../helpers/random';
import { loadVectorGroups } from '../../helpers/vectors';

function replayChecked(text: string): void {
  const lines = parseScript(text);
  const result = runScript(lines);
  expect(result.blocks).toHaveLength(lines.length);
  const internal = [...result.blocks.flat(), ...result.teardown].filter((line) => line.startsWith('ERR internal'));
  expect(internal, text).toEqual([]);
  expect(result.leaks, text).toEqual([]);
  expect(typeof renderScriptResult(result)).toBe('string');
}

const WORDS = [
  'vm',
  'bo',
  'map',
  'unmap',
  'madvise',
  'prefetch',
  'bounmap',
  'insert',
  'remove',
  'find',
  'find_first',
  'find_prev',
  'find_next',
  'empty',
  'valid',
  'execlock',
  'execlock_range',
  'dump',
  'bos',
  'lockmode',
  'locklog',
  'none',
  'private',
  'immediate',
  'resv_protected',
  'exec',
  'all',
  'on',
  'off',
  '0',
  '1',
  '2',
  '3',
  '0x0',
  '0x1000',
  '0x2000',
  '0x10000',
  '0x100000',
  '0xffffffffffffffff',
  '0xfffffffffffff000',
  '0x8000000000000000',
  '-1',
  '0x',
  '07',
  '99999999999999999999999',
  '#',
];

describe('replay never throws', () => {
  it('on random byte strings', () => {
    const random = new Random(42);
    for (let i = 0; i < 300; i++) {
      const bytes = Array.from({ length: random.int(0, 400) }, () => random.int(0, 255));
      replayChecked(Buffer.from(bytes).toString('latin1'));
    }
  });

  it('on random commands built from the script vocabulary', () => {
    const random = new Random(7);
    for (let i = 0; i < 400; i++) {
      const lines = ['vm 0x0 0x100000 0x0 0x0', 'bo 1 0x1000', 'bo 2 0x1000 private'];
      for (let j = 0; j < 40; j++) lines.push(Array.from({ length: random.int(1, 6) }, () => random.pick(WORDS)).join(' '));
      replayChecked(lines.join(random.chance(0.2) ? '\r\n' : '\n'));
    }
  });

  it('on mutated kernel vector scripts', () => {
    const random = new Random(99);
    const scripts = loadVectorGroups().flatMap((group) => group.vectors.map((vector) => vector.script));
    expect(scripts.length).toBeGreaterThan(0);
    for (let i = 0; i < 600; i++) {
      const lines = [...random.pick(scripts)];
      for (let k = random.int(1, 4); k > 0; k--) {
        const at = random.int(0, lines.length - 1);
        const words = (lines[at] ?? '').split(' ');
        const mutation = random.int(0, 5);
        if (mutation === 0) words.splice(random.int(0, words.length), 0, random.pick(WORDS));
        else if (mutation === 1) words.splice(random.int(0, words.length - 1), 1);
        else if (mutation === 2) words[random.int(0, words.length - 1)] = random.pick(WORDS);
        else if (mutation === 3) lines.splice(at, 0, lines[random.int(0, lines.length - 1)] ?? '');
        else if (mutation === 4) lines.splice(at, 1);
        else words[random.int(0, words.length - 1)] = '0x' + random.int(0, 0xfffff).toString(16);
        if (mutation !== 3 && mutation !== 4) lines[at] = words.join(' ');
      }
      replayChecked(lines.join('\n'));
    }
  });
});
