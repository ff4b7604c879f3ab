// Reviews a sample of the commits of a kernel history, from the patch alone,
// and counts the warnings: how noisy the review is on the commits a
// maintainer actually reads (most of them correct), and where to look for the
// next false alarm. Not an evaluation: nothing here is labelled, and a warning
// may be a real bug (some are).
//
//   npm run build && node scripts/sweep-review.mjs GITDIR [--skip N] [--every N] [--count N] [--path P] [--list]
//
// GITDIR is a clone of a kernel history (such as github.com/lutzbichler/drm-kmod).
// The sample is every --every-th (default 5) commit that touches --path
// (default drivers/gpu/drm), merges left out, from the newest after skipping
// --skip (default 0), until --count (default 800) commits. Each is written with
// `git format-patch` into a scratch folder and reviewed by dist/cli.js, a hundred
// to a process. --list prints every warning with its patch and line.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { historyArgs } from './history-args.mjs';

const { git, option, flag } = historyArgs('node scripts/sweep-review.mjs GITDIR [--skip N] [--every N] [--count N] [--path P] [--list]');
const skip = Number(option('--skip', '0'));
const every = Number(option('--every', '5'));
const count = Number(option('--count', '800'));
const path = option('--path', 'drivers/gpu/drm');

const shas = git('log', '--no-merges', '--format=%H', '-n', String(skip + every * count), '--', path)
  .split('\n')
  .filter(Boolean)
  .slice(skip)
  .filter((_, index) => index % every === every - 1)
  .slice(0, count);
const scratch = mkdtempSync(join(tmpdir(), 'gpuvm-lens-sweep-'));
const cli = resolve(import.meta.dirname, '..', 'dist', 'cli.js');
const byRule = new Map();
const warned = new Set();
const lines = [];
let unreadable = 0;
try {
  const files = [];
  shas.forEach((sha, index) => {
    const file = join(scratch, `${String(index + 1).padStart(4, '0')}-${sha.slice(0, 12)}.patch`);
    try {
      writeFileSync(file, git('format-patch', '-1', '--stdout', sha));
      files.push(file);
    } catch {
      // A partial clone may lack a blob: that commit is left out.
      unreadable++;
    }
  });
  for (let from = 0; from < files.length; from += 100) {
    let output;
    try {
      output = execFileSync(process.execPath, [cli, 'review', '--no-tree', '--format', 'json', ...files.slice(from, from + 100)], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
      });
    } catch (error) {
      // Exit code 1: at least one warning; the JSON is still on stdout.
      output = error.stdout;
    }
    for (const finding of JSON.parse(output).findings) {
      if ((finding.severity !== 'warning' && finding.severity !== 'error') || finding.rule.startsWith('patch-')) continue;
      byRule.set(finding.rule, (byRule.get(finding.rule) ?? 0) + 1);
      warned.add(finding.path);
      lines.push(`${finding.path.split('/').pop()}:${finding.line}: ${finding.rule}: ${finding.message}`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const total = [...byRule.values()].reduce((sum, n) => sum + n, 0);
process.stdout.write(
  `${total} warnings and errors on ${shas.length - unreadable} commits (${warned.size} commits warned${unreadable ? `; ${unreadable} unreadable left out` : ''})\n`,
);
for (const [rule, n] of [...byRule].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${String(n).padStart(4)} ${rule}\n`);
if (flag('--list')) process.stdout.write(`${lines.join('\n')}\n`);
