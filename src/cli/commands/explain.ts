/**
 * `gpuvm-lens explain <rule>`: prints a rule's page (docs/rules/<rule>.md,
 * shipped with the tool), so the explanation behind a finding's `[rule-id]`
 * is one command away wherever the tool is installed. `--path` prints where
 * the page is instead, for an editor or a pager.
 */

import { RULES, ruleById } from '../../rules/index';
import { readRuleDoc, ruleDocFile } from '../../server/rule-docs';
import { parseArgs, UsageError, type CliCommand } from './command';

export const explainCommand: CliCommand = {
  name: 'explain',
  summary: "print a rule's documentation page (what it reports, why it matters, how to fix it)",
  usage: `usage: gpuvm-lens explain <rule-id> [--path]
       gpuvm-lens explain --list

Prints the page of a rule, the id shown in brackets after each finding.

  --path   print the page's file path instead of its text
  --list   list every rule id with its one-line summary
`,
  run(args) {
    const parsed = parseArgs(args, [], ['--path', '--list']);
    if (parsed.flags.has('--help')) {
      process.stdout.write(this.usage);
      return Promise.resolve(0);
    }
    if (parsed.flags.has('--list')) {
      const width = Math.max(...RULES.map((rule) => rule.id.length));
      process.stdout.write(RULES.map((rule) => `${rule.id.padEnd(width)}  ${rule.summary}\n`).join(''));
      return Promise.resolve(0);
    }
    if (parsed.positional.length !== 1) throw new UsageError('explain takes one rule id (see --list)');
    const id = (parsed.positional[0] as string).replace(/^\[|\]$/g, '');
    if (!ruleById(id)) throw new UsageError(`no rule ${id} (see gpuvm-lens explain --list)`);
    const file = ruleDocFile(id);
    const text = readRuleDoc(id);
    if (file === undefined || text === undefined) throw new UsageError(`the page of ${id} is not installed with this copy of gpuvm-lens`);
    process.stdout.write(parsed.flags.has('--path') ? `${file}\n` : text);
    return Promise.resolve(0);
  },
};
