/**
 * The rule registry: the only list of every rule GPUVM Lens can report, in a
 * stable order. The README rules table, the CLI's `--list-rules`, the SARIF
 * rule table and the settings schema are all derived from it.
 */

import type { Rule } from './rule';
import { SCRIPT_RULES } from './script/script-rules';
import { TRACE_RULES } from './trace/index';
import { internalError, strayBytes, unrecognizedInput } from './input-rules';
import { PATCH_RULES } from './patch/index';
import { DUMP_RULES } from './dump/dump-rules';
import { KERNEL_LOG_RULES } from './kernel-log/kernel-log-rules';

export const RULES: readonly Rule[] = [
  unrecognizedInput,
  internalError,
  strayBytes,
  ...SCRIPT_RULES,
  ...PATCH_RULES,
  ...DUMP_RULES,
  ...KERNEL_LOG_RULES,
  ...TRACE_RULES,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}
