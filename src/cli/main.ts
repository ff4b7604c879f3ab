/**
 * `gpuvm-lens`: the command line (README.md, "The command line"). Dispatches to the subcommands
 * in `commands/`; maps usage errors and unreadable inputs to exit code 2.
 */

import { COMMANDS } from './commands/index';
import { exitWhenDone, runCommand } from './run-command';
import { VERSION } from './version';
import { installTreeSitterAssets } from '../server/tree-sitter-assets';

/** The exit-code contract, the same for every command (README.md, "The command line"). */
const EXIT_CODES = `exit codes (every command):
  0  analysed; no finding of severity warning or error (diff: the same)
  1  analysed; at least one warning or error (diff: different; replay: bad lines)
  2  usage error, or an input that could not be analysed at all (missing,
     unreadable, a directory, empty, of no recognised kind); standard error
     says which and why, and the other inputs are still analysed
`;

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const list = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n');
  return `usage: gpuvm-lens <command> [options]\n\ncommands:\n${list}\n\n${EXIT_CODES}\nRun 'gpuvm-lens <command> --help' for a command's options.\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(usage());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  if (name === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`gpuvm-lens: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return runCommand(command, rest);
}

// Patches are parsed with tree-sitter by every command that analyzes them (check, review, lsp).
installTreeSitterAssets();

exitWhenDone(main(process.argv.slice(2)));
