/**
 * Recall and false alarms of the trace rules on realistic generated captures
 * (test/helpers/capture-generator.ts), per layout: at least 100k lines clean
 * and 100k lines with injected bugs each. Every injected bug must be reported
 * by its rule at its line (recall at least 0.95 per layout), and a clean
 * capture may get at most one warning or error per 10k lines. The table of
 * figures is printed with GPUVM_LENS_CAPTURE_TABLE=1.
 */

import { describe, expect, it } from 'vitest';
import { analyzeText } from '../../../../src/analysis/registry';
import { BUG_RULE, CAPTURE_LAYOUTS, generateCapture, type BugClass } from '../../../helpers/capture-generator';

const LINES = 100_000;

interface Figures {
  readonly injected: Map<BugClass, number>;
  readonly found: Map<BugClass, number>;
  readonly missed: string[];
  readonly cleanAlarms: string[];
}

async function measure(layout: (typeof CAPTURE_LAYOUTS)[number]): Promise<Figures> {
  const clean = generateCapture({ layout, lines: LINES, seed: 11 });
  const cleanResult = await analyzeText(clean.text, { path: `${layout}.trace`, kind: 'trace' });
  const cleanAlarms = cleanResult.findings
    .filter((finding) => finding.severity === 'error' || finding.severity === 'warning')
    .map((finding) => `${finding.line} ${finding.rule}: ${finding.message}`);

  const buggy = generateCapture({ layout, lines: LINES, seed: 23, bugRate: 0.004 });
  const result = await analyzeText(buggy.text, { path: `${layout}-bugs.trace`, kind: 'trace' });
  const reported = new Set(result.findings.map((finding) => `${finding.line} ${finding.rule}`));
  const injected = new Map<BugClass, number>();
  const found = new Map<BugClass, number>();
  const missed: string[] = [];
  for (const { bug, line } of buggy.truth) {
    injected.set(bug, (injected.get(bug) ?? 0) + 1);
    if (reported.has(`${line} ${BUG_RULE[bug]}`)) found.set(bug, (found.get(bug) ?? 0) + 1);
    else missed.push(`${bug} at line ${line}: ${buggy.text.split('\n')[line - 1]}`);
  }
  return { injected, found, missed, cleanAlarms };
}

describe.each(CAPTURE_LAYOUTS)('generated %s capture', (layout) => {
  it('reports at least 95 % of the injected bugs and at most 1 alarm per 10k clean lines', async () => {
    const figures = await measure(layout);
    const total = [...figures.injected.values()].reduce((a, b) => a + b, 0);
    const found = [...figures.found.values()].reduce((a, b) => a + b, 0);
    if (process.env['GPUVM_LENS_CAPTURE_TABLE']) {
      for (const [bug, count] of figures.injected) {
        console.log(
          `| ${layout} | ${bug} | ${count} | ${figures.found.get(bug) ?? 0} | ${((figures.found.get(bug) ?? 0) / count).toFixed(2)} |`,
        );
      }
      console.log(`| ${layout} | clean: alarms per 10k lines | ${((figures.cleanAlarms.length * 10_000) / LINES).toFixed(2)} |`);
    }
    expect(total).toBeGreaterThan(50);
    expect(found / total, figures.missed.slice(0, 10).join('\n')).toBeGreaterThanOrEqual(0.95);
    expect(figures.cleanAlarms.length * 10_000, figures.cleanAlarms.slice(0, 10).join('\n')).toBeLessThanOrEqual(LINES);
  });
});
