// Reviews short series of a kernel history as a maintainer gets them: N
// consecutive commits in one mbox, two of which change the same C file,
// against the tree before the series (as `b4 am` output is reviewed before it
// is applied) and against the tree after it (in place, as `review --commits`
// does). Counts the hunks reported as not applying to the tree and the
// warnings each way: a series reviewed in order has every hunk applied, and
// the same warnings whichever tree it is reviewed against. Not an
// evaluation: nothing here is labelled.
//
//   npm run build && node scripts/sweep-series.mjs GITDIR [--length N] [--every N] [--count N] [--path P] [--list]
//
// The sample is every --every-th (default 37) first-parent commit X touching
// --path (default drivers/gpu/drm) whose series X~N..X (--length, default 4)
// has a C file changed by two of its commits, until --count (default 25)
// series. The trees hold the directories the series touches (`git archive`),
// with the files that mark a kernel checkout.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { historyArgs } from './history-args.mjs';

const { gitDir, git, option, flag } = historyArgs(
  'node scripts/sweep-series.mjs GITDIR [--length N] [--every N] [--count N] [--path P] [--list]',
);
const length = Number(option('--length', '4'));
const every = Number(option('--every', '37'));
const count = Number(option('--count', '25'));
const path = option('--path', 'drivers/gpu/drm');
const cli = resolve(import.meta.dirname, '..', 'dist', 'cli.js');

/** A scratch kernel checkout holding `dirs` as they are at `rev`. */
function tree(root, rev, dirs) {
  mkdirSync(root, { recursive: true });
  for (const marker of ['MAINTAINERS', 'Makefile']) writeFileSync(join(root, marker), '');
  for (const dir of dirs) {
    try {
      execFileSync('sh', ['-c', `git --git-dir="${gitDir}" archive ${rev} "${dir}" | tar -x -C "${root}"`], { stdio: 'ignore' });
    } catch {
      // A directory the revision does not have (created or removed by the series).
    }
  }
  return root;
}

function review(mbox, root) {
  let out;
  try {
    out = execFileSync(process.execPath, [cli, 'review', '--format', 'json', '--kernel-tree', root, mbox], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
  } catch (error) {
    out = error.stdout; // exit 1: warnings
  }
  const findings = JSON.parse(out).findings;
  const warnings = findings.filter((finding) => finding.severity === 'warning' || finding.severity === 'error');
  return {
    notApplied: findings.filter((finding) => finding.rule === 'patch-hunk-not-applied').length,
    warnings: warnings.map((finding) => `${finding.rule}:${finding.line}`).join(' '),
    count: warnings.length,
  };
}

const scratch = mkdtempSync(join(tmpdir(), 'gpuvm-lens-series-'));
const totals = { series: 0, baseNotApplied: 0, inPlaceNotApplied: 0, baseWarnings: 0, inPlaceWarnings: 0, disagree: 0 };
try {
  const tips = git('rev-list', '--first-parent', '-n', String(every * count * 8), 'HEAD', '--', path)
    .split('\n')
    .filter(Boolean)
    .filter((_, index) => index % every === every - 1);
  for (const tip of tips) {
    if (totals.series >= count) break;
    const range = `${tip}~${length}..${tip}`;
    let changed;
    try {
      changed = git('log', '--format=', '--name-only', range).split('\n').filter(Boolean);
    } catch {
      continue;
    }
    const c = changed.filter((file) => file.endsWith('.c'));
    if (new Set(c).size === c.length) continue; // no C file changed twice
    const mbox = join(scratch, `${tip.slice(0, 12)}.mbox`);
    writeFileSync(mbox, git('format-patch', '--stdout', range));
    const dirs = [...new Set(changed.filter((file) => /\.[ch]$/.test(file)).map((file) => dirname(file)))];
    const base = review(mbox, tree(join(scratch, `${tip.slice(0, 12)}-base`), `${tip}~${length}`, dirs));
    const inPlace = review(mbox, tree(join(scratch, `${tip.slice(0, 12)}-after`), tip, dirs));
    totals.series++;
    totals.baseNotApplied += base.notApplied;
    totals.inPlaceNotApplied += inPlace.notApplied;
    totals.baseWarnings += base.count;
    totals.inPlaceWarnings += inPlace.count;
    if (base.warnings !== inPlace.warnings) totals.disagree++;
    if (flag('--list'))
      console.log(
        `${tip.slice(0, 12)}: before ${base.notApplied} not applied, [${base.warnings}]; after ${inPlace.notApplied} not applied, [${inPlace.warnings}]`,
      );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(
  `${totals.series} series of ${length} commits: hunks not applied ${totals.baseNotApplied} (tree before) / ${totals.inPlaceNotApplied} (tree after); ` +
    `warnings ${totals.baseWarnings} / ${totals.inPlaceWarnings}; ${totals.disagree} series whose warnings differ between the two`,
);
