/**
 * The fuzzer in CI: a short, deterministic run of every target (seed 1), so
 * a change that makes a parser, an analyzer or the server throw on damaged
 * input fails here with the shrunk input in the message. `npm run fuzz` runs
 * the same loop for millions of inputs with a hang watchdog.
 */

import { afterAll, describe, expect, it } from 'vitest';
import { fuzzLoop } from './engine';
import { stopTargets, TARGETS } from './targets';

/** Inputs per target: the parsers are fast; patch review (tree-sitter, and more with a checkout) and the server are about ten times slower. */
const INPUTS: Readonly<Record<string, number>> = { patch: 500, tree: 300, lsp: 500 };

afterAll(() => stopTargets());

describe('fuzzing (seed 1)', () => {
  for (const target of TARGETS) {
    const inputs = INPUTS[target.name] ?? 2000;
    it(`${target.name}: ${inputs} mutated inputs, none fails`, async () => {
      const { failures, progress } = await fuzzLoop(target, { seed: 1, to: inputs, shrink: true });
      expect(progress.done).toBe(inputs);
      expect(failures.map((f) => `input ${f.index}: ${f.message}\n--- shrunk input ---\n${f.shrunk}`)).toEqual([]);
    });
  }
});
