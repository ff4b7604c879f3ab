/**
 * `gpuvm-lens replay …` (dist/cli-replay.js): the replay command alone, run
 * exactly as the whole command line runs it (`main.ts`, `run-command.ts`).
 *
 * Why a bundle of its own: a replay is what runs on the largest scripts and
 * in loops and pipelines, and it needs none of the rest of the command line
 * (patch review, tree-sitter, the language server). Its bundle is a
 * fifteenth of the whole CLI's, and loading that whole bundle, before the
 * first line was read, took about half as long again as node's own start.
 */

import { replayCommand } from './commands/replay';
import { exitWhenDone, runCommand } from './run-command';

exitWhenDone(runCommand(replayCommand, process.argv.slice(3)));
