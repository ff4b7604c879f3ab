/** Every patch rule has its documentation page with the required sections. */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PATCH_RULES } from '../../../src/rules/patch/index';
import { ruleById } from '../../../src/rules/index';

const DOCS = join(__dirname, '..', '..', '..', 'docs', 'rules');

describe('patch rule documentation', () => {
  for (const rule of PATCH_RULES) {
    it(`${rule.id} is registered and documented with What/Why/Example`, () => {
      expect(ruleById(rule.id)).toBe(rule);
      const page = join(DOCS, `${rule.id}.md`);
      expect(existsSync(page)).toBe(true);
      const text = readFileSync(page, 'utf8');
      expect(text.startsWith(`# ${rule.id}\n`)).toBe(true);
      for (const heading of ['## What it reports', '## Why it matters', '## Example']) expect(text).toContain(`\n${heading}\n`);
    });
  }
});
