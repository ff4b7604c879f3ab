/**
 * Running one subcommand under the exit-code contract every command shares
 * (README.md, "The command line"): a usage error is named on standard error
 * with exit code 2; anything thrown otherwise is an internal error, exit
 * code 3. Shared by the whole command line (`main.ts`) and the bundle that
 * only replays (`replay-main.ts`), so that both end a run the same way.
 */

import { UsageError, type CliCommand } from './commands/command';

/** Runs `command` with the arguments after its name; a usage error becomes exit code 2. */
export async function runCommand(command: CliCommand, args: readonly string[]): Promise<number> {
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`gpuvm-lens ${command.name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** Sets the process's exit code from a run; an error that escaped it is an internal error (3). */
export function exitWhenDone(run: Promise<number>): void {
  run.then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`gpuvm-lens: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 3;
    },
  );
}
