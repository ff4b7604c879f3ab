/**
 * GPUVM scripts with inline expectations: every `#> <line>` comment that
 * follows a command is one line of that command's expected replay output.
 * Used for the kernel's split/merge cases and for regression scripts.
 */

import { parseScript } from '../../src/parse/script/parse-script';
import { runScript } from '../../src/model/script-runner';

export interface AnnotatedCommand {
  readonly line: number;
  readonly text: string;
  readonly expected: string[];
  readonly actual: string[];
}

export function replayAnnotated(source: string): AnnotatedCommand[] {
  const lines = parseScript(source);
  const result = runScript(lines);
  const commands: AnnotatedCommand[] = [];
  lines.forEach((line, index) => {
    if (line.text.startsWith('#>')) {
      commands[commands.length - 1]?.expected.push(line.text.slice(2).trim());
      return;
    }
    if (line.command.kind === 'comment') return;
    commands.push({ line: line.line, text: line.text, expected: [], actual: result.blocks[index] ?? [] });
  });
  return commands;
}
