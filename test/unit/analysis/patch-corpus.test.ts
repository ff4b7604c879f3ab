/**
 * Holds the patch review to the recorded baseline on the labelled corpus of
 * real GPU VM patches (test/fixtures/patches/corpus): for the tune and the
 * held-out half, from the patch alone and with the reconstructed tree, recall
 * at the right line may not drop below the baseline and the false-alarm rate
 * on fix and clean patches may not rise above it; on the review mails the
 * exact labels keep their precision and recall. The scoring is the one
 * `npm run eval:review` prints (bench/review-corpus.ts); the figures are
 * printed here too, with what was missed and what alarmed.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CORPUS,
  formatTable,
  HALVES,
  loadCorpus,
  MODES,
  ratio,
  reviewEntry,
  score,
  temporaryTrees,
  type Half,
  type Mode,
  type Outcome,
} from '../../../bench/review-corpus';
import { useTreeSitterFromNodeModules } from '../../helpers/tree-sitter';

interface Baseline {
  readonly exact: { precision: number; recall: number };
  readonly tune: Record<Mode, { recall: number; falseAlarms: number }>;
  readonly 'held-out': Record<Mode, { recall: number; falseAlarms: number }>;
}

const corpus = loadCorpus();
const baseline = JSON.parse(readFileSync(join(CORPUS, 'baseline.json'), 'utf8')) as Baseline;
const { trees, dispose } = temporaryTrees(corpus);
const outcomes: Outcome[] = [];

beforeAll(async () => {
  useTreeSitterFromNodeModules();
  for (const mode of MODES) for (const file of Object.keys(corpus.patches)) outcomes.push(await reviewEntry(file, mode, trees.get(file)));
}, 300_000);

afterAll(() => dispose());

describe('patch review corpus', () => {
  it('has at least 80 real patches, every buggy one with problem lines inside its file', () => {
    const entries = Object.entries(corpus.patches);
    expect(entries.length).toBeGreaterThanOrEqual(80);
    for (const [file, entry] of entries) {
      const lines = readFileSync(join(CORPUS, file), 'utf8').split('\n').length;
      if (entry.kind === 'buggy') expect(entry.problemLines.length, file).toBeGreaterThan(0);
      for (const line of entry.problemLines) expect(line >= 1 && line <= lines, `${file}:${line}`).toBe(true);
    }
  });

  it('keeps precision and recall of the exact labels at or above the baseline', () => {
    const { exact } = score(corpus, outcomes, 'all', 'patch');
    expect(ratio(exact.tp, exact.tp + exact.fp) ?? 1).toBeGreaterThanOrEqual(baseline.exact.precision);
    expect(ratio(exact.tp, exact.tp + exact.fn) ?? 1).toBeGreaterThanOrEqual(baseline.exact.recall);
  });

  for (const half of HALVES as readonly Half[]) {
    it(`keeps recall and false alarms on the ${half} half at the baseline or better`, () => {
      console.log(formatTable(corpus, outcomes, half));
      for (const mode of MODES) {
        const s = score(corpus, outcomes, half, mode);
        expect(s.failed, `${half} ${mode}`).toEqual([]);
        expect(ratio(s.hit, s.buggy) ?? 1, `${half} ${mode} recall; missed:\n${s.missed.join('\n')}`).toBeGreaterThanOrEqual(
          baseline[half][mode].recall,
        );
        expect(ratio(s.alarmed, s.quiet) ?? 0, `${half} ${mode} false alarms:\n${s.falseAlarms.join('\n')}`).toBeLessThanOrEqual(
          baseline[half][mode].falseAlarms,
        );
      }
    });
  }
});
