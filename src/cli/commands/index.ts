/** Every `gpuvm-lens` subcommand, in the order `--help` lists them. */

import type { CliCommand } from './command';
import { checkCommand } from './check';
import { diffCommand } from './diff';
import { explainCommand } from './explain';
import { exportCommand } from './export';
import { lspCommand } from './lsp';
import { replayCommand } from './replay';
import { reviewCommand } from './review';
import { stateCommand } from './state';

export const COMMANDS: readonly CliCommand[] = [
  replayCommand,
  checkCommand,
  reviewCommand,
  stateCommand,
  diffCommand,
  exportCommand,
  explainCommand,
  lspCommand,
];
