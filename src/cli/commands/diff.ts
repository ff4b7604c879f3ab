/**
 * `gpuvm-lens diff <a> <b>`: compares two VA-space snapshots (README.md, "The command line") and
 * prints the mappings only in a, only in b, and changed, per VM. Exit 0 when
 * the VA spaces are the same, 1 when they differ, 2 on a usage error or an
 * input that is not a snapshot at all.
 */

import { diffSnapshots } from '../../analysis/dump/diff-snapshots';
import { renderDiffJson, renderDiffText } from '../render-diff';
import { loadSnapshots, type SnapshotPoint, type SnapshotSet } from '../snapshot-sources';
import { parseFormat, parseKind } from './check';
import { parseArgs, UsageError, type CliCommand } from './command';

function parsePoint(at: string | undefined, ts: string | undefined): SnapshotPoint {
  if (at !== undefined && ts !== undefined) throw new UsageError('give --at or --ts, not both');
  if (at !== undefined) {
    if (!/^[1-9]\d*$/.test(at)) throw new UsageError(`--at wants a line number, not ${at}`);
    return { atLine: Number(at) };
  }
  if (ts !== undefined) {
    if (!/^\d+(?:\.\d+)?$/.test(ts)) throw new UsageError(`--ts wants seconds such as 1527.004, not ${ts}`);
    return { atTs: Number(ts) };
  }
  return {};
}

function reportProblems(set: SnapshotSet): void {
  for (const problem of set.problems) {
    process.stderr.write(`${set.path}:${problem.line}: not compared: ${problem.message}\n`);
  }
}

export const diffCommand: CliCommand = {
  name: 'diff',
  summary: 'compare two VA-space snapshots (gpuvas dumps, or a trace replayed to its end): mappings only in a, only in b, changed',
  usage: `usage: gpuvm-lens diff <a> <b> [--format text|json] [--ignore-object] [--by-order] [--vm NAME] [--kind KIND] [--at LINE | --ts SECONDS]

Compares the VA spaces of two gpuvas debugfs dumps, or of a trace replayed to
its end (its live VMs, as \`gpuvm-lens state\` prints them) and a dump, VM by VM
(matched by the name in "DRM GPU VA space (<name>)"), mapping by mapping
(matched by start address): mappings only in a, only in b, and changed
(range, object, offset).
Lines of an input that cannot be read are listed on standard error.
Exit code 0: the same; 1: different; 2: usage error or unreadable input.

  --format FORMAT   text (default) or json
  --ignore-object   do not compare object identities (a trace's hashed
                    pointers never equal a dump's raw kernel addresses)
  --by-order        pair VMs by their order in each file, not by name
  --vm NAME         compare only the VM of that name
  --kind KIND       read both inputs as this kind instead of detecting it
  --at LINE         replay trace inputs only through this line (inclusive)
  --ts SECONDS      replay trace inputs only up to this timestamp (inclusive),
                    e.g. the time the dump was taken
`,
  async run(args) {
    const parsed = parseArgs(args, ['--format', '--vm', '--kind', '--at', '--ts'], ['--ignore-object', '--by-order']);
    if (parsed.flags.has('--help')) {
      process.stdout.write(this.usage);
      return 0;
    }
    const format = parseFormat(parsed.options.get('--format'), ['text', 'json']);
    const kind = parseKind(parsed.options.get('--kind'));
    if (parsed.positional.length !== 2) throw new UsageError('diff takes exactly two files');
    const [pathA, pathB] = parsed.positional as [string, string];
    const point = parsePoint(parsed.options.get('--at'), parsed.options.get('--ts'));
    let a = await loadSnapshots(pathA, kind, point);
    let b = await loadSnapshots(pathB, kind, point);
    const only = parsed.options.get('--vm');
    if (only !== undefined) {
      const pick = (set: SnapshotSet): SnapshotSet => ({ ...set, snapshots: set.snapshots.filter((vm) => vm.name === only) });
      a = pick(a);
      b = pick(b);
      if (a.snapshots.length === 0 && b.snapshots.length === 0) throw new UsageError(`no VM named "${only}" in either file`);
    }
    reportProblems(a);
    reportProblems(b);
    const diff = diffSnapshots(a.snapshots, b.snapshots, {
      ignoreObject: parsed.flags.has('--ignore-object'),
      byOrder: parsed.flags.has('--by-order'),
    });
    process.stdout.write(format === 'json' ? renderDiffJson(diff, a, b) : renderDiffText(diff, a, b));
    return diff.equal ? 0 : 1;
  },
};
