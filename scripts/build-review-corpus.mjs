// Builds the history/ entries of the labelled patch-review corpus
// (test/fixtures/patches/corpus, whose labels.json says what the labels mean)
// from a git history of the kernel's drivers/gpu/drm, such as a clone of the
// public mirror github.com/lutzbichler/drm-kmod:
//
//   node scripts/build-review-corpus.mjs GITDIR [--buggy N] [--clean N] [--corpus DIR] [--all-drm] [--fresh] [--dry-run]
//
// --corpus DIR works on a copy of the corpus folder instead of the repository's
// (a larger --clean there gives fresh clean commits to measure false alarms on).
// --all-drm widens the file scope to every C file of drivers/gpu/drm outside
// display code (i915, radeon, vc4, the core…, as driver 'other'): a larger
// set of the same kind of kernel C, for a copy made with --corpus, to see
// whether the review generalises beyond the GPU VM code it was tuned on.
// --fresh (with --corpus) then leaves in the copy only the entries the
// repository's corpus does not hold: patches nobody has tuned the review on.
//
// The method, applied to every commit of every branch (merges left out):
// - A commit named by a later commit's `Fixes:` tag is an original. The tag is
//   matched by its SHA (the mirror's own, or the upstream one a backport
//   records as "commit X upstream" or "cherry picked from commit X") or by the
//   subject it quotes. Copies of one commit on several branches are one commit.
// - A fix is in scope when it touches a C file of the GPU VM code (Xe exec, VM,
//   userptr, page faults and BOs; amdgpu VM, GEM, CS and user queues; TTM;
//   drm_exec; drm_gpuvm; panthor; msm; nouveau; imagination; the scheduler) and
//   its description names a bug class (leak, use-after-free, double-release,
//   locking, lock-order, init, lifetime).
// - The original's problem lines are the lines of its patch file that it adds
//   and that the fix removes or inserts next to: git blame of the fix's parent,
//   on the lines each fix hunk removes (or on the two lines around a pure
//   insertion), keeps the lines blamed on the original. An original whose
//   problem lines come out empty is left out, as is any patch over 1500 lines.
// - The original is 'buggy'; each of its fixes is 'fix', unless a later
//   Fixes: names that fix too (then it is left out of the group: it is buggy).
// - Commits touching the files of the new groups that carry no Fixes: tag,
//   that no Fixes: tag names and that are at least half a year older than the
//   newest commit of the history (time enough for a fix to name them) are
//   'clean'; reverts are left out.
// - Candidates are taken in the order of the SHA-256 of their subject until the
//   history holds --buggy originals (default 120) and --clean clean commits
//   (default 88); entries the script did not write are kept byte for byte and
//   never re-counted as new.
// - Halves: only the groups this script writes are split, with the corpus's
//   rule: strata (buggy by driver and first bug class, clean by driver), within
//   a stratum ordered by the SHA-256 of the group's subject, alternating
//   between tune and held-out starting by the parity of the stratum's own hash.
// - trees/<name>/: the gzipped pre-images (at the parent commit) of the GPU
//   driver C files the patch modifies (display code left out).
//
// Entries it writes carry "by": "scripts/build-review-corpus.mjs", so a rerun
// first removes them and rebuilds the same set. Kernel text only goes into the
// corpus folder; this script is GPUVM Lens's own code (MIT).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BY = 'scripts/build-review-corpus.mjs';
const MIRROR = 'github.com/lutzbichler/drm-kmod';
const MAX_PATCH_LINES = 1500;
const HALF_YEAR = 183 * 24 * 3600;
const corpusAt = process.argv.indexOf('--corpus');
const REPOSITORY_CORPUS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'patches', 'corpus');
const CORPUS = corpusAt >= 0 && process.argv[corpusAt + 1] ? resolve(process.argv[corpusAt + 1]) : REPOSITORY_CORPUS;

/** Which files are the GPU VM code in scope, and the driver each belongs to (first match wins). */
const SCOPE = [
  [
    'xe',
    /^drivers\/gpu\/drm\/xe\/xe_(exec|exec_queue|vm|vm_madvise|userptr|pagefault|gt_pagefault|bo|bo_evict|dma_buf|pt|svm|hmm|migrate|sched_job|tlb_inval|tlb_inval_job|gt_tlb_invalidation|ggtt|validation|hw_engine_group|guc_submit|lrc|drm_client|device|sync|preempt_fence|hw_fence|dep_scheduler|shrinker|ttm_[a-z_]+)\.c$/,
  ],
  [
    'amdgpu',
    /^drivers\/gpu\/drm\/amd\/amdgpu\/(amdgpu_(vm|vm_pt|vm_sdma|vm_cpu|vm_tlb_fence|userq|userq_fence|userqueue|eviction_fence|gem|cs|object|bo_list|dma_buf|job|sync|ids|hmm|mn|amdkfd|amdkfd_gpuvm|csa|seq64|gtt_mgr|vram_mgr|ttm|fence|ring|ib|ctx|kms|gmc|gart|mes)|mes_userqueue)\.c$/,
  ],
  [
    'amdgpu',
    /^drivers\/gpu\/drm\/amd\/amdkfd\/kfd_(chardev|process|svm|migrate|process_queue_manager|device_queue_manager|events|queue|doorbell)\.c$/,
  ],
  ['ttm', /^drivers\/gpu\/drm\/ttm\/[^/]+\.c$/],
  ['drm_exec', /^drivers\/gpu\/drm\/drm_exec\.c$/],
  ['gpuvm', /^drivers\/gpu\/drm\/drm_(gpuvm|gpusvm|pagemap)\.c$/],
  ['panthor', /^drivers\/gpu\/drm\/panthor\/[^/]+\.c$/],
  [
    'msm',
    /^drivers\/gpu\/drm\/msm\/msm_(gem|gem_vma|gem_submit|gem_shrinker|gem_prime|gpu|iommu|vm|submitqueue|ringbuffer|fence|syncobj|drv)\.c$/,
  ],
  ['nouveau', /^drivers\/gpu\/drm\/nouveau\/nouveau_(uvmm|gem|bo|sched|exec|vmm|fence|mem|svm|dmem|chan|abi16|drm|prime)\.c$/],
  ['imagination', /^drivers\/gpu\/drm\/imagination\/[^/]+\.c$/],
  ['scheduler', /^drivers\/gpu\/drm\/scheduler\/[^/]+\.c$/],
  ['drm', /^drivers\/gpu\/drm\/drm_(gem|prime|syncobj|gem_shmem_helper)\.c$/],
];
/** --all-drm: the rest of drivers/gpu/drm, display, panel and bridge code left out. */
const ALL_DRM = ['other', /^drivers\/gpu\/drm\/(?!.*(display|\/dc\/|\/dm\/|\/dcn|\/hdmi|\/dp|\/dsi|panel|bridge|\/disp\/))[^.]+\.c$/];
if (process.argv.includes('--all-drm')) SCOPE.push(ALL_DRM);

/** Bug classes, from the fix's own description (subject and body without the trailer tags). */
const CLASSES = [
  ['leak', /\bleak(s|ed|ing)?\b/i],
  ['use-after-free', /use[- ]after[- ]free|\bUAF\b/i],
  ['double-release', /double[- ](free|put|unref|release|unlock|fini|destroy|drop)|(freed|put|released|dropped) twice/i],
  ['lock-order', /lock(ing)? order|circular locking|circular lock dependency|lock inversion|\bABBA\b/i],
  ['locking', /dead ?lock|\b(spin_?)?(un)?lock(s|ed|ing|held)?\b|\bmutex|lockdep|\block_held\b/i],
  ['init', /uninitiali[sz]ed|\bun-?init\b|initiali[sz]|\binit order\b/i],
  ['lifetime', /refcount|reference count|\bkref\b|lifetime|dangling|\brefcnt\b|\breference\b|get\/put/i],
];

/** Fixes of documentation, comments or spelling name no bug in the code. */
const NOT_CODE = /\b(kernel-?doc|comments?|typos?|documentation|docs?|spelling)\b/i;

const TRAILER =
  /^\s*(Fixes|Signed-off-by|Reviewed-by|Acked-by|Tested-by|Reported-by|Suggested-by|Cc|Link|Closes|Co-developed-by|Assisted-by|References|Reported-and-tested-by)\s*:/i;

function main() {
  const args = process.argv.slice(2);
  const gitDir = args.find((arg, i) => !arg.startsWith('--') && !['--buggy', '--clean', '--corpus'].includes(args[i - 1] ?? ''));
  if (!gitDir) {
    process.stderr.write(
      'usage: node scripts/build-review-corpus.mjs GITDIR [--buggy N] [--clean N] [--corpus DIR] [--all-drm] [--fresh] [--dry-run]\n',
    );
    process.exit(2);
  }
  const option = (name, fallback) => {
    const at = args.indexOf(name);
    return at >= 0 ? Number(args[at + 1]) : fallback;
  };
  const wantBuggy = option('--buggy', 120);
  const wantClean = option('--clean', 88);
  const dryRun = args.includes('--dry-run');
  const git = (gitArgs, input) =>
    execFileSync('git', ['--git-dir', gitDir, ...gitArgs], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  const gitBytes = (gitArgs) =>
    execFileSync('git', ['--git-dir', gitDir, ...gitArgs], { maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });

  // The corpus as it is, without what an earlier run of this script wrote.
  const labelsPath = join(CORPUS, 'labels.json');
  const labelsText = readFileSync(labelsPath, 'utf8');
  const labels = JSON.parse(labelsText);
  for (const [file, entry] of Object.entries(labels.patches)) {
    if (entry.by !== BY) continue;
    delete labels.patches[file];
    if (!dryRun) {
      rmSync(join(CORPUS, file), { force: true });
      if (entry.tree) rmSync(join(CORPUS, entry.tree), { recursive: true, force: true });
    }
  }
  const kept = Object.entries(labels.patches);
  const keptHistory = kept.filter(([file]) => file.startsWith('history/'));

  // Every commit: identities, subject, body, files.
  const commits = [];
  const raw = git(['log', '--all', '--no-merges', '--name-only', '--date-order', '--format=%x1e%H%x1f%ct%x1f%s%x1f%B%x1f']);
  for (const record of raw.split('\x1e')) {
    if (!record) continue;
    const [sha, time, subject, body, names] = record.split('\x1f');
    const upstream = [
      ...body.matchAll(
        /^commit ([0-9a-f]{12,40}) upstream\.?$|\[ *Upstream commit ([0-9a-f]{12,40}) *\]|cherry picked from commit ([0-9a-f]{12,40})/gim,
      ),
    ].map((m) => m[1] ?? m[2] ?? m[3]);
    commits.push({
      sha,
      time: Number(time),
      subject: subject.trim(),
      body,
      upstream,
      files: names.split('\n').filter(Boolean),
      fixes: parseFixes(body),
    });
  }
  const bySubject = new Map();
  for (const commit of commits) {
    const list = bySubject.get(commit.subject) ?? [];
    list.push(commit);
    bySubject.set(commit.subject, list);
  }
  const byPrefix = new Map();
  for (const commit of commits)
    for (const id of [commit.sha, ...commit.upstream]) {
      const key = id.slice(0, 7);
      const list = byPrefix.get(key) ?? [];
      list.push({ id, commit });
      byPrefix.set(key, list);
    }
  /** All copies of the commit a Fixes: tag names (by SHA, else by the subject it quotes). */
  const resolve = (tag) => {
    const bySha = (byPrefix.get(tag.sha.slice(0, 7)) ?? []).filter(({ id }) => id.startsWith(tag.sha)).map(({ commit }) => commit);
    const subjects = new Set(bySha.map((commit) => commit.subject));
    if (tag.subject) subjects.add(tag.subject);
    return [...subjects].flatMap((subject) => bySubject.get(subject) ?? []);
  };
  /** Subject -> the Fixes: tags naming it, with the commit carrying each. */
  const namedBy = new Map();
  for (const commit of commits)
    for (const tag of commit.fixes)
      for (const subject of new Set(resolve(tag).map((target) => target.subject))) {
        const list = namedBy.get(subject) ?? [];
        if (!list.some((other) => other.commit.subject === commit.subject)) list.push({ tag, commit });
        namedBy.set(subject, list);
      }

  const keptSubjects = new Set(
    keptHistory.map(([, entry]) => {
      const sha = /commit ([0-9a-f]{7,40})/.exec(entry.source)?.[1];
      return sha ? git(['log', '-1', '--format=%s', sha]).trim() : '';
    }),
  );
  const keptBuggy = keptHistory.filter(([, entry]) => entry.kind === 'buggy').length;
  const keptClean = keptHistory.filter(([, entry]) => entry.kind === 'clean').length;
  const taken = new Set(keptSubjects);

  const patchCache = new Map();
  const patchOf = (sha) => {
    if (!patchCache.has(sha)) patchCache.set(sha, git(['format-patch', '-1', '--stdout', '--no-stat', '--no-signature', sha]));
    return patchCache.get(sha);
  };
  const tooBig = (sha) => patchOf(sha).split('\n').length > MAX_PATCH_LINES;

  // Buggy groups, in the order of the SHA-256 of the original's subject.
  const originals = [...namedBy.keys()].filter((subject) => !taken.has(subject)).sort((a, b) => cmp(hash(a), hash(b)));
  const groups = [];
  const stats = { named: 0, fixed: 0, blamed: 0, lines: 0 };
  let needBuggy = wantBuggy - keptBuggy;
  for (const subject of originals) {
    if (needBuggy <= 0) break;
    const fixes = namedBy
      .get(subject)
      .filter(({ commit }) => !NOT_CODE.test(commit.subject) && classesOf(commit).length > 0 && commit.files.some((file) => driverOf(file)))
      .sort((a, b) => a.commit.time - b.commit.time);
    stats.named++;
    if (fixes.length === 0) continue;
    stats.fixed++;
    const copies = new Set((bySubject.get(subject) ?? []).map((commit) => commit.sha));
    let original;
    const problem = new Set();
    const usedFixes = [];
    for (const { tag, commit: fix } of fixes) {
      if (taken.has(fix.subject) || tooBig(fix.sha)) continue;
      const blamed = blameFix(git, fix.sha, copies);
      const pick = original ?? mostFrequent(blamed.map((line) => line.sha));
      if (!pick) continue;
      original ??= pick;
      const lines = blamed.filter((line) => line.sha === original);
      if (lines.length === 0) continue;
      for (const line of lines) problem.add(`${line.file}\n${line.line}`);
      usedFixes.push({ tag, fix });
    }
    if (!original) continue;
    stats.blamed++;
    if (tooBig(original)) continue;
    const problemLines = patchLinesOf(patchOf(original), problem);
    if (problemLines.length === 0) continue;
    stats.lines++;
    const originalCommit = commits.find((commit) => commit.sha === original);
    const driver = driverOfCommit(usedFixes[0].fix) ?? driverOfCommit(originalCommit);
    if (!driver || treeFilesOf(git, original).length === 0) continue;
    const classes = [...new Set(usedFixes.flatMap(({ fix }) => classesOf(fix)))];
    groups.push({ subject, original: originalCommit, problemLines, fixes: usedFixes, driver, classes });
    taken.add(subject);
    for (const { fix } of usedFixes) taken.add(fix.subject);
    needBuggy--;
  }

  process.stderr.write(
    `originals named: ${stats.named}, with a fix in scope: ${stats.fixed}, blamed: ${stats.blamed}, with problem lines: ${stats.lines}\n`,
  );
  // Clean commits touching the files of the new groups.
  const groupFiles = new Set(
    groups.flatMap((group) =>
      [group.original, ...group.fixes.map(({ fix }) => fix)].flatMap((commit) => commit.files.filter((file) => driverOf(file))),
    ),
  );
  const newest = commits.reduce((max, commit) => Math.max(max, commit.time), 0);
  const firstCopy = (commit) => (bySubject.get(commit.subject) ?? [commit]).reduce((a, b) => (a.time <= b.time ? a : b));
  const seen = new Set();
  const cleanCandidates = commits
    .filter((commit) => {
      if (seen.has(commit.subject)) return false;
      seen.add(commit.subject);
      return (
        commit.fixes.length === 0 &&
        !namedBy.has(commit.subject) &&
        !taken.has(commit.subject) &&
        !/^Revert\b/.test(commit.subject) &&
        firstCopy(commit).time <= newest - HALF_YEAR &&
        commit.files.some((file) => groupFiles.has(file))
      );
    })
    .sort((a, b) => cmp(hash(a.subject), hash(b.subject)));
  const cleans = [];
  let needClean = wantClean - keptClean;
  for (const commit of cleanCandidates) {
    if (needClean <= 0) break;
    const first = firstCopy(commit);
    if (tooBig(first.sha) || treeFilesOf(git, first.sha).length === 0) continue;
    const driver = driverOfCommit(first);
    if (!driver) continue;
    cleans.push({ subject: first.subject, commit: first, driver });
    taken.add(first.subject);
    needClean--;
  }

  // Halves among the new groups only.
  const strata = new Map();
  for (const group of groups) push(strata, `buggy ${group.driver} ${group.classes[0]}`, group);
  for (const clean of cleans) push(strata, `clean ${clean.driver}`, clean);
  for (const [key, members] of strata) {
    members.sort((a, b) => cmp(hash(a.subject), hash(b.subject)));
    const start = parseInt(hash(key).slice(0, 2), 16) % 2;
    members.forEach((member, index) => (member.half = (index + start) % 2 === 0 ? 'tune' : 'held-out'));
  }

  // Entries.
  const names = new Set(kept.map(([file]) => file));
  const entries = [];
  const nameFor = (driver, kind, subject) => {
    const slug = subject
      .replace(/^[^:]*:\s*/, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+/, '')
      .slice(0, 48)
      .replace(/-+$/, '');
    let name = `${driver}-${kind}-${slug}`;
    for (let n = 2; names.has(`history/${name}.patch`); n++) name = `${driver}-${kind}-${slug}-${n}`;
    names.add(`history/${name}.patch`);
    return name;
  };
  const source = (commit, upstream) =>
    `${MIRROR} commit ${commit.sha.slice(0, 12)}${upstream ? ` (upstream ${upstream.slice(0, 12)})` : ''}: ${commit.subject}`;
  for (const group of groups) {
    const name = nameFor(group.driver, 'buggy', group.subject);
    entries.push({
      name,
      sha: group.original.sha,
      entry: {
        kind: 'buggy',
        driver: group.driver,
        half: group.half,
        class: group.classes.length === 1 ? group.classes[0] : group.classes,
        source: source(group.original, group.original.upstream[0] ?? group.fixes[0].tag.sha),
        record: `named by Fixes: in ${group.fixes.map(({ fix }) => `"${fix.subject}"`).join('; ')}`,
        problemLines: group.problemLines,
      },
    });
    for (const { tag, fix } of group.fixes) {
      if (namedBy.has(fix.subject)) continue;
      entries.push({
        name: nameFor(group.driver, 'fix', fix.subject),
        sha: fix.sha,
        entry: {
          kind: 'fix',
          driver: group.driver,
          half: group.half,
          source: source(fix, fix.upstream[0]),
          record: tag.line,
          problemLines: [],
        },
      });
    }
  }
  for (const clean of cleans)
    entries.push({
      name: nameFor(clean.driver, 'clean', clean.subject),
      sha: clean.commit.sha,
      entry: {
        kind: 'clean',
        driver: clean.driver,
        half: clean.half,
        source: source(clean.commit, clean.commit.upstream[0]),
        record: 'no Fixes: tag in the history names it',
        problemLines: [],
      },
    });

  const count = (kind, half) => entries.filter(({ entry }) => entry.kind === kind && (!half || entry.half === half)).length;
  process.stdout.write(
    `kept ${kept.length} entries (${keptBuggy} buggy, ${keptClean} clean in history/); new: ${count('buggy')} buggy (${count('buggy', 'tune')} tune, ${count('buggy', 'held-out')} held-out), ${count('fix')} fix, ${count('clean')} clean (${count('clean', 'tune')} tune, ${count('clean', 'held-out')} held-out)\n`,
  );
  for (const { name, entry } of entries) process.stdout.write(`  ${entry.half.padEnd(8)} ${name} ${entry.class ?? ''}\n`);
  if (dryRun) return;

  for (const { name, sha, entry } of entries) {
    writeFileSync(join(CORPUS, 'history', `${name}.patch`), patchOf(sha));
    const treeFiles = treeFilesOf(git, sha);
    for (const path of treeFiles) {
      const target = join(CORPUS, 'trees', name, `${path}.gz`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, gzipSync(gitBytes(['show', `${sha}^:${path}`]), { level: 9 }));
    }
    labels.patches[`history/${name}.patch`] = { ...entry, tree: `trees/${name}`, treeFiles, by: BY };
  }
  // The kept entries keep their text (this script's earlier entries, at the
  // end, are cut off); the new ones follow in the same layout.
  const before = JSON.parse(labelsText).patches;
  const files = Object.keys(before);
  const firstOwn = files.findIndex((file) => before[file].by === BY);
  const ownAtEnd = files.slice(Math.max(firstOwn, 0)).every((file) => firstOwn < 0 || before[file].by === BY);
  // When every entry is this script's, nothing is kept: the text stops after `"patches": {`.
  const keptText =
    kept.length === 0
      ? labelsText.slice(0, labelsText.indexOf('"patches": {') + '"patches": {'.length)
      : firstOwn < 0
        ? labelsText.slice(0, labelsText.lastIndexOf('\n  }\n}'))
        : ownAtEnd
          ? labelsText.slice(0, labelsText.indexOf(`,\n    ${JSON.stringify(files[firstOwn])}: {`))
          : formatJson({ ...labels, patches: Object.fromEntries(kept) }).slice(0, -'\n  }\n}'.length);
  const added = entries.map(
    ({ name }) => `    ${JSON.stringify(`history/${name}.patch`)}: ${formatJson(labels.patches[`history/${name}.patch`], '    ')}`,
  );
  writeFileSync(labelsPath, `${keptText}${kept.length === 0 ? '\n' : ',\n'}${added.join(',\n')}\n  }\n}\n`);
  if (args.includes('--fresh') && CORPUS !== REPOSITORY_CORPUS) keepOnlyFresh(labelsPath);
}

/** --fresh: drops from the copy at `labelsPath` every entry the repository's corpus has, with its file and tree. */
function keepOnlyFresh(labelsPath) {
  const known = JSON.parse(readFileSync(join(REPOSITORY_CORPUS, 'labels.json'), 'utf8')).patches;
  const copy = JSON.parse(readFileSync(labelsPath, 'utf8'));
  for (const [file, entry] of Object.entries(copy.patches)) {
    if (!(file in known)) continue;
    rmSync(join(CORPUS, file), { force: true });
    if (entry.tree) rmSync(join(CORPUS, entry.tree), { recursive: true, force: true });
    delete copy.patches[file];
  }
  writeFileSync(labelsPath, `${formatJson(copy)}\n`);
  process.stdout.write(`fresh: ${Object.keys(copy.patches).length} entries the repository's corpus does not hold\n`);
}

/** The Fixes: tags of a commit message: SHA, quoted subject, the line itself. */
function parseFixes(body) {
  const lines = body.split('\n');
  const out = [];
  lines.forEach((line, i) => {
    const m = /^\s*Fixes:\s*([0-9a-f]{7,40})\b(.*)$/i.exec(line);
    if (!m) return;
    let rest = m[2];
    if (rest.includes('("') && !rest.includes('")')) rest += ` ${(lines[i + 1] ?? '').trim()}`;
    const open = rest.indexOf('("');
    const close = rest.lastIndexOf('")');
    out.push({
      sha: m[1].toLowerCase(),
      subject: open >= 0 && close > open ? rest.slice(open + 2, close).trim() : undefined,
      line: line.trim(),
    });
  });
  return out;
}

function classesOf(commit) {
  const text = [
    commit.subject,
    ...commit.body
      .split('\n')
      .slice(1)
      .filter((line) => !TRAILER.test(line)),
  ].join('\n');
  return CLASSES.filter(([, pattern]) => pattern.test(text)).map(([name]) => name);
}

function driverOf(file) {
  return SCOPE.find(([, pattern]) => pattern.test(file))?.[0];
}

/** The driver most of a commit's in-scope C files belong to (ties: the scope order). */
function driverOfCommit(commit) {
  const counts = new Map();
  for (const file of commit.files) {
    const driver = driverOf(file);
    if (driver) counts.set(driver, (counts.get(driver) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** GPU driver C files the commit modifies that exist at its parent, display code left out. */
function treeFilesOf(git, sha) {
  return git(['diff', '--name-only', '--diff-filter=M', `${sha}^`, sha])
    .split('\n')
    .filter((path) => /^drivers\/gpu\/drm\/.*\.c$/.test(path) && !/\/display\/|^drivers\/gpu\/drm\/amd\/display\//.test(path))
    .sort();
}

/**
 * The lines the fix removes, or inserts between, blamed at its parent: for
 * each line blamed on one of `copies`, that commit, the file's name there and
 * the line's number in that commit's version.
 */
function blameFix(git, fix, copies) {
  const out = [];
  const diff = git(['diff', '-U0', '--no-renames', `${fix}^`, fix]);
  let file;
  const ranges = new Map();
  for (const line of diff.split('\n')) {
    if (line.startsWith('--- ')) file = line === '--- /dev/null' ? undefined : line.slice(6);
    const m = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/.exec(line);
    if (!m || !file) continue;
    const start = Number(m[1]);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    const list = ranges.get(file) ?? [];
    if (count > 0) list.push([start, start + count - 1]);
    else list.push([Math.max(1, start), start + 1]);
    ranges.set(file, list);
  }
  for (const [path, list] of ranges) {
    const length = git(['show', `${fix}^:${path}`]).split('\n').length - 1;
    const args = ['blame', '--line-porcelain', '-w'];
    for (const [a, b] of list) if (a <= length) args.push('-L', `${a},${Math.min(b, length)}`);
    if (args.length === 3) continue;
    let text;
    try {
      text = git([...args, `${fix}^`, '--', path]);
    } catch {
      continue;
    }
    let current;
    for (const line of text.split('\n')) {
      const head = /^([0-9a-f]{40}) (\d+) \d+/.exec(line);
      if (head) current = { sha: head[1], line: Number(head[2]) };
      else if (current && line.startsWith('filename ')) {
        if (copies.has(current.sha)) out.push({ ...current, file: line.slice(9) });
        current = undefined;
      }
    }
  }
  return out;
}

/** 1-based lines of a patch file that add the given (file, new line number) pairs. */
function patchLinesOf(patch, wanted) {
  const out = [];
  let file;
  let newLine = 0;
  let inHunk = false;
  patch.split('\n').forEach((line, index) => {
    if (line.startsWith('diff --git ')) {
      inHunk = false;
      return;
    }
    if (!inHunk && line.startsWith('+++ ')) {
      file = line === '+++ /dev/null' ? undefined : line.slice(6);
      return;
    }
    const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (m) {
      inHunk = true;
      newLine = Number(m[1]);
      return;
    }
    if (!inHunk) return;
    if (line.startsWith('+')) {
      if (file && wanted.has(`${file}\n${newLine}`)) out.push(index + 1);
      newLine++;
    } else if (line.startsWith(' ')) newLine++;
  });
  return out;
}

function mostFrequent(values) {
  const counts = new Map();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function hash(text) {
  return createHash('sha256').update(text).digest('hex');
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function push(map, key, value) {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

/** JSON in the corpus's layout: two-space indent, arrays of plain values on one line. */
function formatJson(value, indent = '') {
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null))
    return `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
  if (Array.isArray(value)) return `[\n${value.map((item) => `${indent}  ${formatJson(item, `${indent}  `)}`).join(',\n')}\n${indent}]`;
  if (value && typeof value === 'object')
    return `{\n${Object.entries(value)
      .map(([key, item]) => `${indent}  ${JSON.stringify(key)}: ${formatJson(item, `${indent}  `)}`)
      .join(',\n')}\n${indent}}`;
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

if (!existsSync(CORPUS)) throw new Error(`no corpus folder at ${CORPUS}`);
main();
