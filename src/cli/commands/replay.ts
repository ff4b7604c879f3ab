/** `gpuvm-lens replay <script>`: the canonical replay output (README.md, "GPUVM scripts"). */

import { fstatSync, readFileSync, writeSync } from 'node:fs';
import { ByteLines } from '../../base/byte-lines';
import { parseCommandBytes } from '../../parse/script/parse-script';
import { createScriptReplay } from '../../model/script-runner';
import { streamByteLines } from '../../host/line-stream';
import { writeRecord } from '../../model/replay-output';
import { DEFAULT_VERSION, isKernelVersion, optionsFor } from '../../model/options';
import { isBlankText, parseArgs, reportUnanalysable, UsageError, statInputFile, type CliCommand } from './command';

export function readTextInput(path: string): string {
  try {
    return path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A reason quoting a line of binary data, made safe for a terminal and short. */
function printable(text: string): string {
  const cleaned = text.replace(/[\x00-\x1f\x7f-\x9f\ufffd]/g, '?');
  return cleaned.length > 100 ? `${cleaned.slice(0, 100)}…` : cleaned;
}

/** Bad lines on standard error: the first `SHOWN` with their reasons, then how many more. */
class BadLineReport {
  private static readonly SHOWN = 20;
  count = 0;
  private firstUnshown = 0;

  constructor(readonly path: string) {}

  add(lineNumber: number, reason: string): void {
    this.count++;
    if (this.count <= BadLineReport.SHOWN) process.stderr.write(`${this.path}:${lineNumber}: bad line: ${printable(reason)}\n`);
    else if (this.firstUnshown === 0) this.firstUnshown = lineNumber;
  }

  finish(): void {
    const more = this.count - BadLineReport.SHOWN;
    if (more > 0) process.stderr.write(`${this.path}:${this.firstUnshown}: ${more} more bad line(s) from here on\n`);
  }
}

export const replayCommand: CliCommand = {
  name: 'replay',
  summary: 'replay a GPUVM script through the drm_gpuvm model and print the canonical output',
  usage: `usage: gpuvm-lens replay <script|-> [--kernel VERSION]

Replays a GPUVM script (one command per line) through the built-in model of
drm_gpuvm and prints, command by command, what the kernel produces.
Standard output is exactly that output (a bad line prints ERR bad-command
there); bad lines are also listed on standard error with their line numbers.
Exit code 0: every line replayed; 1: there were bad lines; 2: usage error,
or an input that could not be replayed (missing, unreadable, empty, not a
GPUVM script at all).

  --kernel VERSION   kernel behaviour to model: 6.8, 6.17, 6.18 (default), 6.19, 7.0
`,
  async run(args) {
    const parsed = parseArgs(args, ['--kernel']);
    if (parsed.flags.has('--help')) {
      process.stdout.write(this.usage);
      return 0;
    }
    if (parsed.positional.length !== 1) throw new UsageError('replay takes exactly one script (or - for standard input)');
    const version = parsed.options.get('--kernel') ?? DEFAULT_VERSION;
    if (!isKernelVersion(version)) throw new UsageError(`unknown kernel version ${version}`);
    const path = parsed.positional[0] as string;
    // Streamed: a script of millions of commands never sits in memory. Lines
    // are parsed from the bytes as read, and the records each command
    // produces are written as text into one buffer that leaves in ~1 MiB
    // chunks (`stdoutChunkWriter`). Standard output is the kernel's canonical
    // output only; bad lines are also named on standard error, with their
    // line numbers.
    const out = new ByteLines(stdoutChunkWriter());
    const replay = createScriptReplay((record) => writeRecord(out, record), optionsFor(version));
    const bad = new BadLineReport(path === '-' ? '<stdin>' : path);
    let commands = 0;
    const onLine = (bytes: Uint8Array, start: number, end: number, lineNumber: number) => {
      const command = parseCommandBytes(bytes, start, end);
      if (command.kind === 'bad') bad.add(lineNumber, command.reason);
      else if (command.kind !== 'comment') commands++;
      replay.step(command);
    };
    if (path === '-') {
      const text = readTextInput('-');
      if (isBlankText(text)) throw new UsageError('standard input is empty: nothing to replay');
      forEachLine(Buffer.from(text, 'utf8'), onLine);
    } else {
      statInputFile(path);
      try {
        await streamByteLines(path, onLine, { chunkBytes: 4 << 20 });
      } catch (error) {
        throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    replay.end();
    out.flush();
    bad.finish();
    if (bad.count > 0 && commands === 0) {
      // Not one command: this is no GPUVM script (binary data, another kind of file).
      reportUnanalysable('replay', `${bad.path} is not a GPUVM script: none of its ${bad.count} non-comment line(s) is a command`);
      return 2;
    }
    return bad.count > 0 ? 1 : 0;
  },
};

/**
 * How `ByteLines` hands its chunks to standard output. Redirected to a file
 * (the usual way to keep a replay's output), each chunk is written at once
 * with `writeSync`, so the buffer can be refilled straight away; a pipe or a
 * terminal goes through `process.stdout`, which may keep a chunk it is given
 * until it is written, so it gets a copy.
 */
function stdoutChunkWriter(): (chunk: Uint8Array) => void {
  let toFile = false;
  try {
    toFile = fstatSync(1).isFile();
  } catch {
    // No usable descriptor 1: let process.stdout deal with it.
  }
  if (toFile) {
    return (chunk) => {
      for (let done = 0; done < chunk.length;) done += writeSync(1, chunk, done, chunk.length - done);
    };
  }
  return (chunk) => {
    const copy = Buffer.allocUnsafe(chunk.length);
    copy.set(chunk);
    process.stdout.write(copy);
  };
}

/** The lines of a buffer held in memory, with the convention of `streamByteLines` (host/line-stream.ts). */
function forEachLine(bytes: Uint8Array, onLine: (bytes: Uint8Array, start: number, end: number, lineNumber: number) => void): void {
  let start = 0;
  let lineNumber = 1;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    onLine(bytes, start, end, lineNumber++);
    start = end + 1;
  }
}
