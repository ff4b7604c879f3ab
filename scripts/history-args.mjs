// The command line the history sweeps share (`sweep-review.mjs`,
// `sweep-series.mjs`): a kernel history's git directory first, then
// `--name value` options; and a `git` runner on that directory.

import { execFileSync } from 'node:child_process';

/** Parses `process.argv`; prints `usage` and exits 2 without a git directory. */
export function historyArgs(usage) {
  const args = process.argv.slice(2);
  const gitDir = args[0];
  if (!gitDir || gitDir.startsWith('--')) {
    process.stderr.write(`usage: ${usage}\n`);
    process.exit(2);
  }
  return {
    gitDir,
    /** The value after `--name`, else `fallback`. */
    option: (name, fallback) => {
      const at = args.indexOf(name);
      return at === -1 ? fallback : args[at + 1];
    },
    flag: (name) => args.includes(name),
    /** `git --git-dir=GITDIR ...rest`, its standard output. */
    git: (...rest) =>
      execFileSync('git', [`--git-dir=${gitDir}`, ...rest], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }),
  };
}
