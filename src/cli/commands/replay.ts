/** `gpuvm-lens replay <script>`: the canonical replay output (replay-script spec). */

import { readFileSync } from 'node:fs';
import { parseScript } from '../../parse/script/parse-script';
import { renderScriptResult, runScript } from '../../model/script-runner';
import { DEFAULT_VERSION, isKernelVersion, optionsFor } from '../../model/options';
import { parseArgs, UsageError, type CliCommand } from './command';

export function readTextInput(path: string): string {
  try {
    return path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
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
    const text = readTextInput(parsed.positional[0] as string);
    process.stdout.write(renderScriptResult(runScript(parseScript(text), optionsFor(version))));
    return 0;
  },
};
