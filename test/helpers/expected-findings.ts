/**
 * Fixture expectations kept in a sidecar file next to the fixture
 * (`<fixture>.expected`), for formats that have no comment syntax of their own
 * (gpuvas dumps, kernel logs): one expected finding per line as
 * `<line>: <rule-id>`, in any order; `#` starts a comment, blank lines are
 * ignored. An empty sidecar (comments only) asserts that nothing is reported,
 * which is how the negative fixtures of every rule are written.
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
    const match = /^(\d+):\s*([a-z0-9-]+)$/.exec(text);
    if (!match) throw new Error(`${sidecar}: cannot read expectation "${raw}" (want "<line>: <rule-id>")`);
    keys.push(`${match[1]}: ${match[2]}`);
  }
  return sortKeys(keys);
}

/** Findings as the same sorted `line: rule-id` keys. */
export function findingKeys(findings: readonly Finding[]): string[] {
  return sortKeys(findings.map((finding) => `${finding.line}: ${finding.rule}`));
}

function sortKeys(keys: string[]): string[] {
  return keys.sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b));
}
