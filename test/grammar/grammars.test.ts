/**
 * TextMate grammar tests, run through vscode-tmgrammar-test (the same
 * vscode-textmate + oniguruma engine VS Code uses):
 *  - assert/: inline `^^^ scope` expectations for the scopes themes rely on
 *    (task, pid, CPU, flags, timestamp, event, fields, pointers, addresses …);
 *  - snap/: whole-file snapshots of every grammar over realistic samples, so
 *    an accidental change of any token's scope shows up as a diff.
 * Grammars are found through package.json's `contributes.grammars`, which
 * also checks that the manifest maps the fixture extensions to them.
 * To accept intended snapshot changes: `npx vscode-tmgrammar-snap -u 'test/grammar/snap/*'`.
 */

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const require = createRequire(import.meta.url);
const PKG_DIR = dirname(require.resolve('vscode-tmgrammar-test/package.json'));

function run(script: string, glob: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [join(PKG_DIR, 'dist', script), glob], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('TextMate grammars', () => {
  it('assign the expected scopes (inline assertions)', () => {
    const { status, output } = run('unit.js', 'test/grammar/assert/*');
    expect(output).not.toContain('failed');
    expect(status, output).toBe(0);
  });

  it('match their snapshots', () => {
    const { status, output } = run('snapshot.js', 'test/grammar/snap/*[!p]');
    expect(status, output).toBe(0);
  });
});
