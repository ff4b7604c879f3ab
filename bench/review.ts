/**
 * `npm run bench:review`: time to review a 40-patch series (one mbox) and a
 * single 10,000-line patch, cold (first review in the process: tree-sitter's
 * WASM loaded and initialised) and warm (median of later runs). Prints
 * figures; asserts nothing (timing never goes in tests).
 */

import { performance } from 'node:perf_hooks';
import { reviewPatchLines } from '../src/analysis/patch-analyzer';
import { installTreeSitterAssets } from '../src/server/tree-sitter-assets';
import { largePatch, series, seriesPatch } from './review-inputs';

async function time(text: string): Promise<{ ms: number; findings: number }> {
  const lines = text.split('\n');
  const start = performance.now();
  const result = await reviewPatchLines(lines);
  return { ms: performance.now() - start, findings: result.findings.length };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  installTreeSitterAssets();
  const seriesText = series(40);
  const large = largePatch(10_000);
  const single = seriesPatch(1, 1);

  const cold = await time(seriesText);
  const warmSeries: number[] = [];
  for (let i = 0; i < 5; i++) warmSeries.push((await time(seriesText)).ms);
  const warmSingle: number[] = [];
  for (let i = 0; i < 20; i++) warmSingle.push((await time(single)).ms);
  const largeFirst = await time(large);
  const warmLarge: number[] = [];
  for (let i = 0; i < 3; i++) warmLarge.push((await time(large)).ms);

  const row = (name: string, value: number, extra = '') =>
    process.stdout.write(`${name.padEnd(40)} ${value.toFixed(1).padStart(9)} ms ${extra}\n`);
  process.stdout.write(`review benchmark (${seriesText.split('\n').length} series lines, ${large.split('\n').length} large-patch lines)\n`);
  row('40-patch series, cold', cold.ms, `(${cold.findings} findings)`);
  row('40-patch series, warm (median of 5)', median(warmSeries));
  row('typical patch, warm (median of 20)', median(warmSingle));
  row('10,000-line patch, first', largeFirst.ms, `(${largeFirst.findings} findings)`);
  row('10,000-line patch, warm (median of 3)', median(warmLarge));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
