/**
 * Data-driven fixtures of the patch rules: every `test/fixtures/rules/<rule-id>/*.patch`
 * is reviewed, and its findings must be exactly the inline expectations:
 * `{rule-id}` at the end of a line for a warning or error on that line,
 * `{rule-id:fixed}` for the info finding saying the patch fixes it.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reviewPatchLines } from '../../../src/analysis/patch-analyzer';
import { PATCH_CHECKS } from '../../../src/rules/patch/index';
import { useTreeSitterFromNodeModules } from '../../helpers/tree-sitter';

const ROOT = join(__dirname, '..', '..', 'fixtures', 'rules');
const MARKER = /\{([a-z0-9-]+)(:fixed)?\}/g;

function expectations(lines: readonly string[]): string[] {
  const out: string[] = [];
  lines.forEach((line, index) => {
    for (const match of line.matchAll(MARKER)) out.push(`${index + 1}:${match[1]}${match[2] ?? ''}`);
  });
  return out.sort();
}

beforeAll(() => useTreeSitterFromNodeModules());

describe('patch rule fixtures', () => {
  for (const check of PATCH_CHECKS) {
    const id = check.rule.id;
    const dir = join(ROOT, id);
    const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.patch')).sort() : [];

    it(`${id} has a fixture where it fires and one where it stays quiet`, () => {
      const texts = files.map((name) => readFileSync(join(dir, name), 'utf8'));
      expect(texts.some((text) => text.includes(`{${id}}`))).toBe(true);
      expect(texts.some((text) => !text.includes(`{${id}}`))).toBe(true);
    });

    for (const name of files) {
      it(`${id}/${name} reports exactly its inline expectations`, async () => {
        const lines = readFileSync(join(dir, name), 'utf8').split('\n');
        const result = await reviewPatchLines(lines);
        const actual = result.findings
          .map((finding) => `${finding.line}:${finding.rule}${finding.severity === 'info' && finding.message.startsWith('The patch') ? ':fixed' : ''}`)
          .sort();
        expect([...new Set(actual)]).toEqual(expectations(lines));
      });
    }
  }
});
