/**
 * `gpuvm-lens state <trace> [--at LINE | --ts SECONDS] [--vm ID]`: replays a
 * trace up to a point and prints every live VM in the exact `gpuvas` debugfs
 * layout, one block per VM in order of creation, separated by one empty line
 * (README.md, "The command line"), so it can be compared with a real dump by eye, with diff(1) or
 * with `gpuvm-lens diff`.
 *
 * The trace is streamed and reading stops at the stop point, so asking for
 * the state at line 1000 of a 2 GB trace reads only the start of the file.
 */

import { detectKind, DETECT_HEAD_BYTES } from '../../base/detect-kind';
import { TraceStateReader, vmMatches } from '../../analysis/trace/trace-snapshots';
import { renderGpuvas } from '../../parse/dump/render-gpuvas';
import { readHead, streamLines } from '../../host/line-stream';
import { isBlankText, parseArgs, UsageError, statInputFile, type CliCommand } from './command';
import { readTextInput } from './replay';

/** Thrown from the line callback to stop reading once the stop point is passed. */
class StopReading extends Error {}

function parseStop(at: string | undefined, ts: string | undefined): { atLine?: number; atTs?: number } {
  if (at !== undefined && ts !== undefined) throw new UsageError('--at and --ts are mutually exclusive');
  if (at !== undefined) {
    if (!/^\d+$/.test(at) || Number(at) < 1) throw new UsageError(`--at needs a line number (1 or more), not ${at}`);
    return { atLine: Number(at) };
  }
  if (ts !== undefined) {
    const seconds = Number(ts);
    if (ts.trim() === '' || !Number.isFinite(seconds) || seconds < 0) throw new UsageError(`--ts needs a timestamp in seconds, not ${ts}`);
    return { atTs: seconds };
  }
  return {};
}

export const stateCommand: CliCommand = {
  name: 'state',
  summary: 'replay a trace up to a point and print each live VM as a gpuvas debugfs dump',
  usage: `usage: gpuvm-lens state <trace> [--at LINE | --ts SECONDS] [--vm ID]

Replays an ftrace trace (trace, trace_pipe or trace-cmd report text) through
the drm_gpuvm model and prints each live VM's VA space in the exact layout of
/sys/kernel/debug/dri/<dev>/gpuvas, one block per VM in order of creation,
separated by one empty line. A block's name is the VM's identity in the trace
(Xe: vm= pointer; amdgpu: comm[pid]; i915: the address space pointer); the
object column is the object identity the trace gives (0 when none).

  --at LINE       replay through this line (inclusive); default: the end
  --ts SECONDS    replay every event up to this timestamp (inclusive)
  --vm ID         print only this VM (its identity or block name)
  --kind trace    read the file as a trace even if it does not look like one

When no VM is printed, standard error says why (none live at that point, or
none in the capture). Exit code 0: replayed; 2: usage error, or an input
that could not be replayed (missing, unreadable, empty, not a trace).
`,
  async run(args) {
    const parsed = parseArgs(args, ['--at', '--ts', '--vm', '--kind']);
    if (parsed.flags.has('--help')) {
      process.stdout.write(this.usage);
      return 0;
    }
    if (parsed.positional.length !== 1) throw new UsageError('state needs exactly one trace file');
    const path = parsed.positional[0] as string;
    const stop = parseStop(parsed.options.get('--at'), parsed.options.get('--ts'));
    const kind = parsed.options.get('--kind');
    if (kind !== undefined && kind !== 'trace') throw new UsageError(`state reads traces only (--kind ${kind})`);
    const reader = new TraceStateReader(stop);

    if (path === '-') {
      const text = readTextInput('-');
      if (isBlankText(text)) throw new UsageError('standard input is empty: no trace to replay');
      let lineNumber = 1;
      for (const line of text.split('\n')) if (!reader.line(line, lineNumber++)) break;
    } else {
      const { size } = statInputFile(path);
      const detected = kind ?? detectKind(readHead(path, DETECT_HEAD_BYTES), path);
      if (detected !== 'trace')
        throw new UsageError(`${path} does not look like an ftrace trace (detected: ${detected}); use --kind trace to force it`);
      // Long replays report progress on standard error, only to a terminal.
      const showProgress = process.stderr.isTTY === true && size > 64 << 20;
      let shown = -1;
      try {
        await streamLines(
          path,
          (text, lineNumber) => {
            if (!reader.line(text, lineNumber)) throw new StopReading();
          },
          showProgress
            ? (bytes) => {
                const percent = Math.floor((bytes / size) * 100);
                if (percent !== shown) {
                  shown = percent;
                  process.stderr.write(`\r${path}: ${percent}%`);
                }
              }
            : undefined,
        );
      } catch (error) {
        if (!(error instanceof StopReading)) throw error;
      } finally {
        if (showProgress) process.stderr.write('\r\x1b[K');
      }
    }

    const selector = parsed.options.get('--vm');
    if (selector !== undefined && !reader.state.vmsInOrder().some((vm) => vmMatches(vm, selector))) {
      const live = reader.state.vmsInOrder().map((vm) => vm.name);
      const shown = live.length > 10 ? `${live.slice(0, 10).join(', ')} and ${live.length - 10} more` : live.join(', ');
      throw new UsageError(`no live VM matches ${selector}${live.length > 0 ? ` (live: ${shown})` : ' (no VM is live at that point)'}`);
    }
    const snapshots = reader.snapshots(selector);
    // Empty output is ambiguous: say why on standard error (standard output stays a valid, empty dump).
    if (snapshots.length === 0) {
      const where = path === '-' ? '<stdin>' : path;
      const { events, recognized } = reader.replayer;
      const message =
        reader.state.vmsSeen > 0
          ? `no VM is live at that point (${reader.state.vmsSeen} seen before it, all freed)`
          : events === 0
            ? 'no trace event was read, so there is no VM'
            : `no VM in the capture: none of its ${events} event(s) (${recognized} decoded) creates or uses a GPU VM`;
      process.stderr.write(`gpuvm-lens state: ${where}: ${message}\n`);
    }
    process.stdout.write(renderGpuvas(snapshots, { separateBlocks: true }));
    return 0;
  },
};
