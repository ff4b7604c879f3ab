/**
 * Evaluates the patch review on the labelled corpus of real GPU VM patches
 * (test/fixtures/patches/corpus): per-rule and overall precision and recall,
 * printed, and a failure when either drops below the recorded baseline. A
 * finding counts when rule, line and kind (introduced / fixed) all match a
 * label; anything else reported is a false positive.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reviewPatchLines } from '../../../src/analysis/patch-analyzer';
import { PATCH_CHECKS } from '../../../src/rules/patch/index';
import { useTreeSitterFromNodeModules } from '../../helpers/tree-sitter';

const CORPUS = join(__dirname, '..', '..', 'fixtures', 'patches', 'corpus');

interface Label {
  readonly rule: string;
  readonly line: number;
  readonly kind: 'introduced' | 'fixed';
}

interface Entry {
  readonly kind: 'nak' | 'fix' | 'clean' | 'buggy';
  /** Exact expectations, on the review mails only. */
  readonly findings?: readonly Label[];
}

interface Score {
  tp: number;
  fp: number;
  fn: number;
}

const CODE_RULES = new Set(PATCH_CHECKS.map((check) => check.rule.id));
const labels = JSON.parse(readFileSync(join(CORPUS, 'labels.json'), 'utf8')) as { patches: Record<string, Entry> };
const baseline = JSON.parse(readFileSync(join(CORPUS, 'baseline.json'), 'utf8')) as {
  overall: { precision: number; recall: number };
  rules: Record<string, { precision?: number; recall?: number }>;
};

const ratio = (a: number, b: number) => (b === 0 ? undefined : a / b);
const show = (value: number | undefined) => (value === undefined ? '   -' : value.toFixed(2));

async function evaluate(): Promise<{ perRule: Map<string, Score>; overall: Score; misses: string[] }> {
  const perRule = new Map<string, Score>();
  const overall: Score = { tp: 0, fp: 0, fn: 0 };
  const misses: string[] = [];
  const score = (rule: string) => {
    let s = perRule.get(rule);
    if (!s) perRule.set(rule, (s = { tp: 0, fp: 0, fn: 0 }));
    return s;
  };
  for (const [file, entry] of Object.entries(labels.patches)) {
    if (!entry.findings) continue;
    const result = await reviewPatchLines(readFileSync(join(CORPUS, file), 'utf8').split('\n'));
    const predicted = new Set(
      result.findings
        .filter((finding) => CODE_RULES.has(finding.rule))
        .map((finding) => `${finding.rule}:${finding.line}:${finding.severity === 'info' ? 'fixed' : 'introduced'}`),
    );
    const expected = new Set(entry.findings.map((label) => `${label.rule}:${label.line}:${label.kind}`));
    for (const key of predicted) {
      const rule = key.split(':')[0] as string;
      if (expected.has(key)) {
        score(rule).tp++;
        overall.tp++;
      } else {
        score(rule).fp++;
        overall.fp++;
        misses.push(`false positive ${file}: ${key}`);
      }
    }
    for (const key of expected) {
      if (predicted.has(key)) continue;
      score(key.split(':')[0] as string).fn++;
      overall.fn++;
      misses.push(`missed ${file}: ${key}`);
    }
  }
  return { perRule, overall, misses };
}

beforeAll(() => useTreeSitterFromNodeModules());

describe('patch review corpus', () => {
  it('keeps precision and recall at or above the recorded baseline', async () => {
    const { perRule, overall, misses } = await evaluate();
    const kinds = new Map<string, number>();
    for (const entry of Object.values(labels.patches)) kinds.set(entry.kind, (kinds.get(entry.kind) ?? 0) + 1);
    const lines = [
      `patch review corpus: ${Object.keys(labels.patches).length} patches (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')})`,
      'rule                              labels  tp  fp  fn  precision  recall',
    ];
    for (const [rule, s] of [...perRule].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`${rule.padEnd(34)}${String(s.tp + s.fn).padStart(6)}${String(s.tp).padStart(4)}${String(s.fp).padStart(4)}${String(s.fn).padStart(4)}  ${show(ratio(s.tp, s.tp + s.fp)).padStart(9)}  ${show(ratio(s.tp, s.tp + s.fn)).padStart(6)}`);
    }
    const precision = ratio(overall.tp, overall.tp + overall.fp) ?? 1;
    const recall = ratio(overall.tp, overall.tp + overall.fn) ?? 1;
    lines.push(`${'overall'.padEnd(34)}${String(overall.tp + overall.fn).padStart(6)}${String(overall.tp).padStart(4)}${String(overall.fp).padStart(4)}${String(overall.fn).padStart(4)}  ${show(precision).padStart(9)}  ${show(recall).padStart(6)}`);
    lines.push(...misses.map((miss) => `  ${miss}`));
    console.log(lines.join('\n'));

    expect(precision).toBeGreaterThanOrEqual(baseline.overall.precision);
    expect(recall).toBeGreaterThanOrEqual(baseline.overall.recall);
    for (const [rule, floor] of Object.entries(baseline.rules)) {
      const s = perRule.get(rule) ?? { tp: 0, fp: 0, fn: 0 };
      if (floor.precision !== undefined) expect(ratio(s.tp, s.tp + s.fp) ?? 1, `${rule} precision`).toBeGreaterThanOrEqual(floor.precision);
      if (floor.recall !== undefined) expect(ratio(s.tp, s.tp + s.fn) ?? 1, `${rule} recall`).toBeGreaterThanOrEqual(floor.recall);
    }
  });
});
