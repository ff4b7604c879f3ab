/**
 * Script rule fixtures with inline expectations: in test/fixtures/script-rules,
 * a comment `#^ <rule-id>` expects one finding of that rule on the nearest
 * command line above it. Every finding must be expected and every expectation
 * met, so each fixture shows where a rule fires and, by its other lines, where
 * it must not.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeScript } from '../../../src/analysis/script-analyzer';
import { SCRIPT_RULES } from '../../../src/rules/script/script-rules';

const DIR = resolve(__dirname, '..', '..', 'fixtures', 'script-rules');
const files = readdirSync(DIR).filter((name) => name.endsWith('.gpuvm')).sort();

function expectations(text: string): string[] {
  const expected: string[] = [];
  let lastCommand = 0;
  text.split('\n').forEach((line, index) => {
    const marker = /^#\^\s*([a-z0-9-]+)/.exec(line);
    if (marker) expected.push(`${lastCommand}: ${marker[1]}`);
    else if (!line.startsWith('#') && line.trim() !== '') lastCommand = index + 1;
  });
  return expected.sort();
}

describe('script rule fixtures', () => {
  for (const file of files) {
    it(file, () => {
      const text = readFileSync(join(DIR, file), 'utf8');
      const findings = analyzeScript(text).findings.map((finding) => `${finding.line}: ${finding.rule}`).sort();
      expect(findings).toEqual(expectations(text));
    });
  }

  it('has a fixture where each script rule fires', () => {
    const fired = new Set(files.flatMap((file) => expectations(readFileSync(join(DIR, file), 'utf8')).map((entry) => entry.split(': ')[1])));
    for (const rule of SCRIPT_RULES) expect(fired, rule.id).toContain(rule.id);
  });

  it('points a silent insertion failure at the line that created the blocking VA', () => {
    const [finding] = analyzeScript(readFileSync(join(DIR, 'silent-insert-failure.gpuvm'), 'utf8')).findings.filter(
      (candidate) => candidate.rule === 'silent-insert-failure',
    );
    expect(finding?.related.map((related) => related.line)).toEqual([3]);
  });
});
