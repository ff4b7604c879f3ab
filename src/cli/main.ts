/**
 * `gpuvm-lens`: the command line (see cli spec). Argument parsing, exit codes
 * and output only; the analysis lives in the pure modules.
 */

import { readFileSync } from 'node:fs';
import { parseScript } from '../parse/script/parse-script';
import { renderScriptResult, runScript } from '../model/script-runner';
import { isKernelVersion, optionsFor } from '../model/options';

const USAGE = `usage: gpuvm-lens <command> [options]

commands:
  replay <script|->     replay a GPUVM script and print the canonical output
      --kernel VERSION  model a kernel version (6.8, 6.17, 6.18, 6.19, 7.0; default 6.18)
`;

function fail(message: string): never {
  process.stderr.write(`gpuvm-lens: ${message}\n`);
  process.exit(2);
}

function readInput(path: string): string {
  try {
    return path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    fail(`cannot read ${path}: ${reason}`);
  }
}

function replay(args: string[]): number {
  let file: string | undefined;
  let version = '6.18';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (arg === '--kernel') {
      version = args[++i] ?? fail('--kernel needs a version');
      continue;
    }
    if (arg.startsWith('--') ) fail(`replay: unknown option ${arg}`);
    if (file !== undefined) fail('replay takes one script');
    file = arg;
  }
  if (file === undefined) fail('replay needs a script file (or - for standard input)');
  if (!isKernelVersion(version)) fail(`unknown kernel version ${version}`);
  const result = runScript(parseScript(readInput(file)), optionsFor(version));
  process.stdout.write(renderScriptResult(result));
  return 0;
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  switch (command) {
    case 'replay':
      return replay(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      fail(`unknown command ${command}\n${USAGE}`);
  }
}

process.exitCode = main(process.argv.slice(2));
