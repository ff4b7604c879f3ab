/**
 * Script rule specifics beyond the fixture expectations (those are checked
 * with every other rule fixture by test/meta/rule-fixtures.test.ts).
 */

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeScript } from '../../../src/analysis/script-analyzer';

const DIR = resolve(__dirname, '..', '..', 'fixtures', 'script-rules');

describe('script rules', () => {
  it('points a silent insertion failure at the line that created the blocking VA', () => {
    const [finding] = analyzeScript(readFileSync(join(DIR, 'silent-insert-failure.gpuvm'), 'utf8')).findings.filter(
      (candidate) => candidate.rule === 'silent-insert-failure',
    );
    expect(finding?.related.map((related) => related.line)).toEqual([3]);
  });
});
