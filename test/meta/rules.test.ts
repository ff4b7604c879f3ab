/**
 * Rule metadata stays coherent with its documentation: every registered rule
 * has a unique kebab-case ID, a one-sentence summary, at least one message,
 * a docs URL derived from the ID, and a page docs/rules/<id>.md with the
 * required headings; every page belongs to a registered rule.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index';
import { docsUrlFor } from '../../src/rules/rule';

const DOCS = resolve(__dirname, '..', '..', 'docs', 'rules');
const HEADINGS = ['## What it reports', '## Why it matters', '## Example'];

describe('rule registry', () => {
  it('has unique kebab-case IDs', () => {
    const ids = RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/);
  });

  it('gives every rule a summary, messages and a derived docs URL', () => {
    for (const rule of RULES) {
      expect(rule.summary.trim(), rule.id).not.toBe('');
      expect(Object.keys(rule.messages).length, rule.id).toBeGreaterThan(0);
      expect(rule.docsUrl, rule.id).toBe(docsUrlFor(rule.id));
    }
  });

  it('documents every rule in docs/rules/<id>.md with the required headings', () => {
    const missing: string[] = [];
    for (const rule of RULES) {
      const page = join(DOCS, `${rule.id}.md`);
      if (!existsSync(page)) {
        missing.push(`${rule.id}: no docs/rules/${rule.id}.md`);
        continue;
      }
      const text = readFileSync(page, 'utf8');
      if (!text.startsWith(`# ${rule.id}\n`)) missing.push(`${rule.id}: the page must start with "# ${rule.id}"`);
      for (const heading of HEADINGS) if (!text.includes(`\n${heading}\n`)) missing.push(`${rule.id}: no "${heading}"`);
    }
    expect(missing).toEqual([]);
  });

  it('has no page for a rule that does not exist', () => {
    const ids = new Set(RULES.map((rule) => rule.id));
    const orphans = readdirSync(DOCS)
      .filter((name) => name.endsWith('.md'))
      .map((name) => name.slice(0, -3))
      .filter((id) => !ids.has(id));
    expect(orphans).toEqual([]);
  });
});
