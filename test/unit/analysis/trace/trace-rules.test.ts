/**
 * Rule fixtures: each `test/fixtures/traces/{rules,layouts}/<name>.trace` is
 * analyzed as a trace and its findings (line and rule) must be exactly those
 * listed in `<name>.expected` (see the fixtures README).
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeText } from '../../../../src/analysis/registry';

const ROOT = join(__dirname, '..', '..', '..', 'fixtures', 'traces');

function fixtures(folder: string): string[] {
  const dir = join(ROOT, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.trace'))
    .map((name) => join(folder, name.slice(0, -'.trace'.length)));
}

function expected(path: string): string[] {
  return readFileSync(join(ROOT, `${path}.expected`), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '')
    .sort();
}

describe.each(['rules', 'layouts'])('%s fixtures', (folder) => {
  it.each(fixtures(folder))('%s', async (path) => {
    const text = readFileSync(join(ROOT, `${path}.trace`), 'utf8');
    const result = await analyzeText(text, { path, kind: 'trace' });
    const actual = result.findings.map((finding) => `${finding.line} ${finding.rule}`).sort();
    expect(actual, result.findings.map((finding) => `${finding.line}: ${finding.message}`).join('\n')).toEqual(expected(path));
  });
});
