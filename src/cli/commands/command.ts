/**
 * The shape of a `gpuvm-lens` subcommand, the usage error that maps to exit
 * code 2, and the checks every command applies to the files it is given
 * (README.md, "The command line").
 */

import { accessSync, constants, statSync, type Stats } from 'node:fs';

export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full `--help` text. */
  readonly usage: string;
  /** Runs the command; resolves to the exit code. */
  run(args: readonly string[]): Promise<number>;
}

/** A usage error or an input that cannot be read at all: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Minimal option parsing shared by the commands: `--name value`, `--name=value`, flags. */
export interface ParsedArgs {
  readonly positional: string[];
  readonly options: Map<string, string>;
  readonly flags: Set<string>;
}

export function parseArgs(args: readonly string[], valued: readonly string[], flagNames: readonly string[] = []): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (valued.includes(name)) {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      options.set(name, value);
    } else if (flagNames.includes(name) || name === '--help' || name === '-h') {
      flags.add(name === '-h' ? '--help' : name);
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  return { positional, options, flags };
}

/** Options of `statInputFile`. */
export interface InputFileOptions {
  /** An empty file is a valid input (for `diff`, the state of no VM). */
  readonly allowEmpty?: boolean;
}

/**
 * Stats an input file named on the command line: a missing or unreadable
 * file, a directory, or (unless allowed) an empty one cannot be analysed at
 * all: a usage error (exit 2, README.md, "The command line") whose message says which and why.
 */
export function statInputFile(path: string, options: InputFileOptions = {}): Stats {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (stat.isDirectory()) throw new UsageError(`${path} is a directory`);
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!options.allowEmpty && stat.isFile() && stat.size === 0) throw new UsageError(`${path} is empty: nothing to analyse`);
  return stat;
}

/** Text that holds nothing to analyse (no byte, or only white space). */
export function isBlankText(text: string): boolean {
  return text.trim() === '';
}

/**
 * Exit code 2 wins over 1, 1 over 0: a run where some input could not be
 * analysed exits 2 even when the others have findings (README.md, "The command line").
 */
export function combineExitCodes(...codes: number[]): number {
  return Math.max(0, ...codes);
}

/** Reports an input that could not be analysed on standard error, as `gpuvm-lens <command>: <message>`. */
export function reportUnanalysable(command: string, message: string): void {
  process.stderr.write(`gpuvm-lens ${command}: ${message}\n`);
}
