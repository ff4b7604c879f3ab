/**
 * Replays every input the fuzzer once broke a target with
 * (test/fixtures/fuzz-regressions/<target>/, shrunk by `npm run fuzz`): each
 * must now pass its target's checks.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './corpus';
import { check, generateInput } from './engine';
import { stopTargets, TARGETS } from './targets';

const DIR = join(ROOT, 'test', 'fixtures', 'fuzz-regressions');

afterAll(() => stopTargets());

describe('fuzz regressions', () => {
  it('every fixture folder names a target', () => {
    const names = TARGETS.map((t) => t.name);
    expect(readdirSync(DIR).filter((name) => name !== 'README.md' && !names.includes(name))).toEqual([]);
  });
  for (const target of TARGETS) {
    const dir = join(DIR, target.name);
    const files = existsSync(dir) ? readdirSync(dir).sort() : [];
    for (const file of files) {
      // A hang the fuzzer saved (hang-*) took it minutes; half a minute is a
      // hang here too, whatever the machine (each takes well under a second).
      it(`${target.name}/${file}`, { timeout: 30_000 }, async () => {
        const { rng } = generateInput(target, 1, 0);
        expect(await check(target, readFileSync(join(dir, file), 'utf8'), rng)).toBeUndefined();
      });
    }
  }
});
