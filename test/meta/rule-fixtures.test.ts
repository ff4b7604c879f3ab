/**
 * The one runner of every rule fixture. Each fixture is an input file as a
 * user would feed it (a trace, a GPUVM script, a patch or mail, a gpuvas
 * dump, a kernel log) with its expectations in a `<fixture>.expected`
 * sidecar (see test/helpers/expected-findings.ts): the findings must be
 * exactly those. Every registered rule has a fixture where it fires and a
 * fixture of its kind where it must stay quiet.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeText } from '../../src/analysis/registry';
import type { DocumentKind } from '../../src/analysis/document';
import { RULES } from '../../src/rules/index';
import { findingKeys, readExpectedFindings } from '../helpers/expected-findings';
import { useTreeSitterFromNodeModules } from '../helpers/tree-sitter';

const FIXTURES = resolve(__dirname, '..', 'fixtures');

/** Where rule fixtures live, and the kind each extension is analyzed as. */
const SETS: readonly { readonly dir: string; readonly extension: string; readonly kind?: DocumentKind; readonly nested?: boolean }[] = [
  { dir: 'traces/rules', extension: '.trace', kind: 'trace' },
  { dir: 'traces/layouts', extension: '.trace', kind: 'trace' },
  { dir: 'script-rules', extension: '.gpuvm', kind: 'script' },
  // One folder per patch rule.
  { dir: 'rules', extension: '.patch', kind: 'patch', nested: true },
  { dir: 'dumps/findings', extension: '.gpuvas', kind: 'dump' },
  // (kernel-logs/with-trace/ pairs a log with a trace: check-log-with-trace.test.ts.)
  { dir: 'kernel-logs', extension: '.log', kind: 'kernel-log' },
  // Inputs of no known kind: detected by content, as the CLI does.
  { dir: 'inputs', extension: '', nested: false },
];

/** Rules no input can trigger by design, and why. */
const NO_FIXTURE: Readonly<Record<string, string>> = {
  'internal-error': 'reported only when an analyzer throws, which no input may make it do (npm run fuzz checks that)',
  'patch-analysis-limit': 'reported only when the C parser cannot be loaded',
  'patch-hunk-not-applied': 'needs a kernel tree next to the patch, which fixtures do not have: test/unit/cli/review.test.ts runs it',
};

interface Fixture {
  readonly path: string;
  readonly name: string;
  /** Undefined: detected from the content. */
  readonly kind: DocumentKind | undefined;
}

function filesUnder(dir: string, extension: string, nested: boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return nested ? filesUnder(path, extension, false) : [];
    return name.endsWith(extension) && !name.endsWith('.expected') ? [path] : [];
  });
}

const fixtures: Fixture[] = SETS.flatMap((set) =>
  filesUnder(join(FIXTURES, set.dir), set.extension, set.nested ?? false)
    .sort()
    .map((path) => ({ path, name: relative(FIXTURES, path), kind: set.kind })),
);

beforeAll(() => useTreeSitterFromNodeModules());

describe('rule fixtures', () => {
  it.each(fixtures)('$name reports exactly what it expects', async ({ path, name, kind }) => {
    const expected = readExpectedFindings(path);
    const result = await analyzeText(readFileSync(path, 'utf8'), kind ? { path: name, kind } : { path: name });
    expect(
      findingKeys(result.findings, expected),
      result.findings.map((f) => `${f.line}: ${f.rule} ${f.severity}: ${f.message}`).join('\n'),
    ).toEqual(expected);
    // Every placeholder of a message is filled, whichever message id a finding (or its "fixed" info) took.
    expect(result.findings.filter((f) => /\{[a-z]\w*\}/.test(f.message)).map((f) => `${f.line}: ${f.message}`)).toEqual([]);
  });

  it('has, for every rule, a fixture where it fires and one of its kind where it stays quiet', () => {
    const expectations = fixtures.map((fixture) => ({
      ...fixture,
      rules: new Set(readExpectedFindings(fixture.path).map((key) => key.split(' ')[1])),
    }));
    const missing: string[] = [];
    for (const rule of RULES) {
      if (NO_FIXTURE[rule.id]) continue;
      const firing = expectations.filter((fixture) => fixture.rules.has(rule.id));
      if (firing.length === 0) {
        missing.push(`${rule.id}: no fixture where it fires`);
        continue;
      }
      const kinds = new Set(firing.map((fixture) => fixture.kind));
      if (!expectations.some((fixture) => kinds.has(fixture.kind) && !fixture.rules.has(rule.id)))
        missing.push(`${rule.id}: no fixture where it stays quiet`);
    }
    expect(missing).toEqual([]);
  });
});
