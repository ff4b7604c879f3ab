/**
 * The fuzzing loop shared by `npm run fuzz` (in a worker thread, under a
 * watchdog) and the CI test (in-process, a few thousand inputs): input i of
 * a target is a pure function of (seed, target, i), so a hang seen by the
 * watchdog can be regenerated from its index alone, and a CI failure is
 * reproduced by running the same seed.
 */

import { mulberry32 } from '../../src/base/seeded-random';
import { Random } from '../helpers/random';
import { loadCorpus } from './corpus';
import { mutate } from './mutators';
import { shrink } from './shrink';
import type { FuzzTarget } from './targets';

/** A 32-bit hash of (seed, target name, index): the PRNG seed of one input. */
function inputSeed(seed: number, target: string, index: number): number {
  let h = mulberry32(seed)() * 4294967296;
  for (const char of target) h = Math.imul(h ^ char.charCodeAt(0), 0x01000193);
  return (Math.imul(h ^ index, 0x9e3779b1) ^ (index >>> 16)) >>> 0;
}

/** Input `index` of `target` for `seed`, and the generator that the target itself draws from. */
export function generateInput(target: FuzzTarget, seed: number, index: number): { text: string; rng: Random } {
  const corpus = loadCorpus();
  const rng = new Random(inputSeed(seed, target.name, index));
  const seeds = target.kind === 'unknown' ? Object.values(corpus.seeds).flat() : corpus.seeds[target.kind];
  const base = seeds.length > 0 && !rng.chance(0.02) ? rng.pick(seeds) : '';
  return { text: mutate(base, rng, corpus.lines), rng };
}

export interface Failure {
  readonly target: string;
  readonly index: number;
  /** First line of the error or the problem the target described. */
  readonly message: string;
  readonly stack?: string;
  readonly input: string;
  readonly shrunk: string;
}

/** Runs one input: the failure's message, or undefined. Never throws. */
export async function check(target: FuzzTarget, text: string, rng: Random): Promise<{ message: string; stack?: string } | undefined> {
  try {
    const problem = await target.run(text, rng);
    return problem === undefined ? undefined : { message: problem };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    return { message: `${err.name}: ${err.message.split('\n')[0]}`, ...(err.stack ? { stack: err.stack } : {}) };
  }
}

/** Shrinks a failing input to the smallest one failing with the same message; the target's own draws restart from `index`'s seed. */
export async function shrinkFailure(
  target: FuzzTarget,
  seed: number,
  index: number,
  input: string,
  message: string,
  onCandidate?: () => void,
): Promise<string> {
  const sameFailure = async (candidate: string): Promise<boolean> => {
    onCandidate?.();
    const { rng } = generateInput(target, seed, index);
    return (await check(target, candidate, rng))?.message === message;
  };
  return await shrink(input, sameFailure);
}

export interface Progress {
  readonly done: number;
  readonly slowestMs: number;
  readonly slowestIndex: number;
}

export interface LoopOptions {
  readonly seed: number;
  readonly from?: number;
  /** Stop after this index (exclusive). */
  readonly to: number;
  /** Stop when this returns true (time budget). */
  readonly stop?: () => boolean;
  /** Called before each input and each shrinking attempt (the watchdog's heartbeat). */
  readonly onInput?: (index: number) => void;
  readonly onFailure?: (failure: Failure) => void;
  /** Called every 1,000 inputs and at the end. */
  readonly onProgress?: (progress: Progress) => void;
  /** Shrink failures (default true). */
  readonly shrink?: boolean;
}

/** Runs inputs [from, to) of `target`; returns the failures (one per distinct message). */
export async function fuzzLoop(target: FuzzTarget, options: LoopOptions): Promise<{ failures: Failure[]; progress: Progress }> {
  const failures: Failure[] = [];
  const seen = new Set<string>();
  let slowestMs = 0;
  let slowestIndex = -1;
  let index = options.from ?? 0;
  let done = 0;
  for (; index < options.to && !options.stop?.(); index++) {
    options.onInput?.(index);
    const started = performance.now();
    const { text, rng } = generateInput(target, options.seed, index);
    const failure = await check(target, text, rng);
    const elapsed = performance.now() - started;
    if (elapsed > slowestMs) {
      slowestMs = elapsed;
      slowestIndex = index;
    }
    done++;
    if (failure && !seen.has(failure.message)) {
      seen.add(failure.message);
      const shrunk =
        options.shrink === false
          ? text
          : await shrinkFailure(target, options.seed, index, text, failure.message, () => options.onInput?.(index));
      const found: Failure = { target: target.name, index, ...failure, input: text, shrunk };
      failures.push(found);
      options.onFailure?.(found);
    }
    if (done % 1000 === 0) options.onProgress?.({ done, slowestMs, slowestIndex });
  }
  const progress = { done, slowestMs, slowestIndex };
  options.onProgress?.(progress);
  return { failures, progress };
}
