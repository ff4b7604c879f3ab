/**
 * The one expectation syntax of every rule fixture (traces, scripts, patches,
 * dumps, kernel logs): a sidecar file next to the fixture,
 * `<fixture>.expected`, with one expected finding per line as
 * `<line>: <rule-id>` or `<line>: <rule-id> <severity>` (the severity is then
 * asserted too), in any order; `#` starts a comment, blank lines are
 * ignored. An empty sidecar (comments only) asserts that nothing is
 * reported, which is how the quiet fixtures of every rule are written. The
 * fixture files themselves stay exactly what a user would feed the tool.
 */

import { existsSync, readFileSync } from 'node:fs';
import type { Finding } from '../../src/rules/rule';

/** The expectations of `fixturePath`, as sorted `line: rule-id` keys. */
export function readExpectedFindings(fixturePath: string): string[] {
  const sidecar = `${fixturePath}.expected`;
  if (!existsSync(sidecar)) throw new Error(`${sidecar} is missing: every fixture states what it expects`);
  const keys: string[] = [];
  for (const raw of readFileSync(sidecar, 'utf8').split('\n')) {
    const text = raw.replace(/#.*$/, '').trim();
    if (text === '') continue;
    const match = /^(\d+):\s*([a-z0-9-]+)(?:\s+(error|warning|info|hint))?$/.exec(text);
    if (!match) throw new Error(`${sidecar}: cannot read expectation "${raw}" (want "<line>: <rule-id> [severity]")`);
    keys.push(`${match[1]}: ${match[2]}${match[3] ? ` ${match[3]}` : ''}`);
  }
  return sortKeys(keys);
}

/**
 * Findings as the same sorted keys; a finding carries its severity in its
 * key when the expectations name a severity for that line and rule.
 */
export function findingKeys(findings: readonly Finding[], expected: readonly string[] = []): string[] {
  const withSeverity = new Set(expected.filter((key) => key.split(' ').length === 3).map((key) => key.split(' ').slice(0, 2).join(' ')));
  return sortKeys(
    findings.map((finding) => {
      const key = `${finding.line}: ${finding.rule}`;
      return withSeverity.has(key) ? `${key} ${finding.severity}` : key;
    }),
  );
}

function sortKeys(keys: string[]): string[] {
  return keys.sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b));
}
