/**
 * The README's rules table is generated from the rule registry: this test
 * fails when they drift apart, and rewrites the table when run with
 * UPDATE_README=1.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index';

const README = resolve(__dirname, '..', '..', 'README.md');
const START = '<!-- rules:start -->';
const END = '<!-- rules:end -->';

function table(): string {
  const rows = RULES.map((rule) => `| \`${rule.id}\` | ${rule.defaultSeverity} | ${rule.summary.replace(/\|/g, '\\|')} |`);
  return ['| rule | severity | what it reports |', '|---|---|---|', ...rows].join('\n');
}

describe('README rules table', () => {
  it('lists every registered rule, in registry order', () => {
    const text = readFileSync(README, 'utf8');
    const start = text.indexOf(START);
    const end = text.indexOf(END);
    expect(start, 'README has the rules markers').toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const current = text.slice(start + START.length, end).trim();
    const wanted = table();
    if (current !== wanted && process.env.UPDATE_README === '1') {
      writeFileSync(README, `${text.slice(0, start + START.length)}\n${wanted}\n${text.slice(end)}`);
      return;
    }
    expect(current).toBe(wanted);
  });
});
