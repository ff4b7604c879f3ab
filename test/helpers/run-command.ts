/**
 * Runs a `gpuvm-lens` subcommand in process and captures what it writes, so
 * CLI behaviour (output and exit code) is tested without a build. A usage
 * error becomes exit code 2, as `main` maps it.
 */

import { vi } from 'vitest';
import type { CliCommand } from '../../src/cli/commands/command';
import { UsageError } from '../../src/cli/commands/command';

export interface CommandRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCommand(command: CliCommand, args: readonly string[]): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await command.run(args);
    return { code, stdout, stderr };
  } catch (error) {
    if (error instanceof UsageError) return { code: 2, stdout, stderr: stderr + error.message };
    throw error;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
