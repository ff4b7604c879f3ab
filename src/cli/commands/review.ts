/**
 * `gpuvm-lens review <patch>...`: `check` for patches (README.md, "Patch review"), plus the
 * `reply` format, a kernel checkout for whole-function context
 * (`--kernel-tree DIR`) and user resource pairs (`--pairs FILE`, a JSON
 * settings file). Every input is reviewed as a patch, whatever its content.
 */

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { commitsAsPatches, enclosingKernelTree, kernelTreeSources } from '../../host/kernel-tree';
import { createPatchAnalyzer, type PatchReviewConfig } from '../../analysis/patch-analyzer';
import { feedText } from '../../analysis/registry';
import { DEFAULT_RESOURCE_PAIRS, extendResourcePairs } from '../../rules/patch/resource-pairs';
import { exitCodeFor, render, type FileResult, type OutputFormat } from '../render';
import { renderReply } from '../render-reply';
import { installTreeSitterAssets } from '../../server/tree-sitter-assets';
import { combineExitCodes, isBlankText, parseArgs, reportUnanalysable, UsageError, statInputFile, type CliCommand } from './command';
import { unanalysedReason } from './check';
import { readTextInput } from './replay';

const FORMATS = ['text', 'json', 'sarif', 'reply'] as const;
type ReviewFormat = (typeof FORMATS)[number];

/**
 * A kernel checkout has MAINTAINERS, a top-level Makefile and drivers/ or
 * include/; anything else given as `--kernel-tree` is a usage error rather
 * than a silent run without function context.
 */
export function checkKernelTree(tree: string): void {
  const isDirectory = (path: string): boolean => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  };
  const isFile = (path: string): boolean => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  };
  if (!isDirectory(tree)) throw new UsageError(`--kernel-tree ${tree} is not a directory`);
  const missing = [
    ...(isFile(join(tree, 'MAINTAINERS')) ? [] : ['MAINTAINERS']),
    ...(isFile(join(tree, 'Makefile')) ? [] : ['Makefile']),
    ...(isDirectory(join(tree, 'drivers')) || isDirectory(join(tree, 'include')) ? [] : ['drivers/ or include/']),
  ];
  if (missing.length > 0) throw new UsageError(`--kernel-tree ${tree} is not a kernel tree (no ${missing.join(', no ')})`);
}

export function loadPairs(file: string): PatchReviewConfig['pairs'] {
  let settings: unknown;
  try {
    settings = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read resource pairs from ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { pairs, problems } = extendResourcePairs(DEFAULT_RESOURCE_PAIRS, settings);
  if (problems.length > 0) {
    throw new UsageError(`${file}: ${problems.map((p) => (p.index >= 0 ? `pair ${p.index}: ${p.message}` : p.message)).join('; ')}`);
  }
  return pairs;
}

export const reviewCommand: CliCommand = {
  name: 'review',
  summary: 'review patches and mail threads for lifetime and locking problems (text, json, sarif, reply)',
  usage: `usage: gpuvm-lens review <patch>... [--commits RANGE] [--format text|json|sarif|reply] [--kernel-tree DIR] [--pairs FILE]

Reviews unified diffs, git format-patch mails, mboxes (a series) and mail
threads (hunks quoted in replies are recognised as copies) for lifetime and
locking problems in drm_gpuvm and GPU VM code, and prints the findings on the
lines of the patch. Exit code 0: no warning or error; 1: at least one; 2:
usage error, or a patch that could not be reviewed (missing, unreadable,
empty, no diff in it); the other patches are still reviewed and reported.

  --format FORMAT    text (default), json, sarif, or reply: the patch quoted as
                     a reply mail with each finding under its line (of a
                     series, a reply per patch with findings, as an mbox)
  --kernel-tree DIR  a kernel checkout (MAINTAINERS, Makefile, drivers/ or
                     include/): widens each hunk to its whole function
                     (default: the kernel checkout the command runs in, if any)
  --no-tree          review from the patch alone, even inside a kernel checkout
  --commits RANGE    review commits of the git checkout (the kernel tree, else
                     the current directory): A..B for a series, or one
                     revision (HEAD) alone, as git format-patch writes them
  --pairs FILE       JSON settings file adding acquire/release pairs:
                     {"resourcePairs": [{"what": "foo reference", "kind": "reference",
                       "acquire": ["foo_get"], "release": ["foo_put"], "style": "always"}]}
`,
  async run(args) {
    const parsed = parseArgs(args, ['--format', '--kernel-tree', '--pairs', '--commits'], ['--no-tree']);
    if (parsed.flags.has('--help')) {
      process.stdout.write(this.usage);
      return 0;
    }
    const format = (parsed.options.get('--format') ?? 'text') as ReviewFormat;
    if (!FORMATS.includes(format)) throw new UsageError(`unknown format ${format} (one of ${FORMATS.join(', ')})`);
    const commits = parsed.options.get('--commits');
    if (parsed.positional.length === 0 && commits === undefined) throw new UsageError('review needs at least one patch, or --commits');
    if (parsed.flags.has('--no-tree') && parsed.options.has('--kernel-tree'))
      throw new UsageError('--no-tree and --kernel-tree exclude each other');
    const explicitTree = parsed.options.get('--kernel-tree');
    if (explicitTree !== undefined) checkKernelTree(explicitTree);
    const tree = explicitTree ?? (parsed.flags.has('--no-tree') ? undefined : enclosingKernelTree(process.cwd()));
    const pairsFile = parsed.options.get('--pairs');
    const config: PatchReviewConfig = {
      ...(pairsFile ? { pairs: loadPairs(pairsFile) } : {}),
      ...(tree ? kernelTreeSources(tree) : {}),
    };
    installTreeSitterAssets();
    const analyzer = createPatchAnalyzer(config);
    const files: FileResult[] = [];
    const texts: string[] = [];
    let unanalysed = 0;
    const review = async (path: string, shownAs: string, text: string): Promise<void> => {
      const sink = analyzer.begin({ path });
      feedText(sink, text);
      const file = { path: shownAs, result: await sink.end() };
      const reason = unanalysedReason(file.result);
      if (reason !== undefined) {
        reportUnanalysable('review', `${file.path} ${reason}`);
        unanalysed++;
      }
      files.push(file);
      texts.push(text);
    };
    if (commits !== undefined) {
      // The commits of the checkout (the tree's, else the one the command runs in), as `git format-patch` writes them.
      let text: string;
      try {
        text = commitsAsPatches(tree ?? process.cwd(), commits);
      } catch (error) {
        throw new UsageError(`--commits ${commits}: ${(error as Error).message}`);
      }
      if (isBlankText(text)) throw new UsageError(`--commits ${commits} names no commit`);
      await review(`commits ${commits}`, `commits ${commits}`, text);
    }
    for (const path of parsed.positional) {
      let text: string;
      try {
        if (path !== '-') statInputFile(path);
        text = readTextInput(path);
        if (isBlankText(text)) throw new UsageError(`${path === '-' ? 'standard input' : path} is empty: nothing to review`);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        reportUnanalysable('review', error.message);
        unanalysed++;
        continue;
      }
      await review(path, path === '-' ? '<stdin>' : path, text);
    }
    if (format === 'reply') {
      process.stdout.write(
        renderReply(
          files.map((file, index) => ({ path: file.path, text: texts[index] as string, findings: file.result.findings })),
          tree,
        ),
      );
    } else {
      process.stdout.write(render(format as OutputFormat, files));
    }
    return combineExitCodes(exitCodeFor(files), unanalysed > 0 ? 2 : 0);
  },
};
