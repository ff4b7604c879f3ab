/** Every `gpuvm-lens` subcommand, in the order `--help` lists them. */

import type { CliCommand } from './command';
import { checkCommand } from './check';
import { diffCommand } from './diff';
import { replayCommand } from './replay';

export const COMMANDS: readonly CliCommand[] = [replayCommand, checkCommand, diffCommand];
