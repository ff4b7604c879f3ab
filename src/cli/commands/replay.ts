/** `gpuvm-lens replay <script>`: the canonical replay output (README.md, "GPUVM scripts"). */

import { readFileSync } from 'node:fs';
import { parseCommand } from '../../parse/script/parse-script';
import { createScriptReplay } from '../../model/script-runner';
import { streamLines } from '../read-lines';
import { DEFAULT_VERSION, isKernelVersion, optionsFor } from '../../model/options';
import { parseArgs, UsageError, statInputFile, type CliCommand } from './command';

export function readTextInput(path: string): string {
  try {
    return path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Collects output lines and writes them to standard output in ~1 MiB chunks. */
class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;

  lines(lines: readonly string[]): void {
    for (const line of lines) {
      this.parts.push(line);
      this.size += line.length + 1;
    }
    if (this.size >= 1 << 20) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    process.stdout.write(this.parts.join('\n') + '\n');
    this.parts = [];
    this.size = 0;
  }
}

export const replayCommand: CliCommand = {
  name: 'replay',
  summary: 'replay a GPUVM script through the drm_gpuvm model and print the canonical output',
  usage: `usage: gpuvm-lens replay <script|-> [--kernel VERSION]

Replays a GPUVM script (one command per line) through the built-in model of
drm_gpuvm and prints, command by command, what the kernel produces.

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
    // Streamed: a script of millions of commands never sits in memory, and
    // its output leaves in chunks as it is produced.
    const replay = createScriptReplay(optionsFor(version));
    const out = new ChunkedWriter();
    const onLine = (text: string) => out.lines(replay.step(parseCommand(text.endsWith('\r') ? text.slice(0, -1) : text)));
    if (path === '-') {
      const lines = readTextInput('-').split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      for (const line of lines) onLine(line);
    } else {
      statInputFile(path);
      await streamLines(path, onLine);
    }
    out.lines(replay.end());
    out.flush();
    return 0;
  },
};
