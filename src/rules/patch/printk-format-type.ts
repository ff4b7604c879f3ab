/**
 * A printk-style format prints a variable whose width depends on the kernel
 * configuration with a fixed-width conversion: a `phys_addr_t` or
 * `resource_size_t` (32 or 64 bits with PAE / PHYS_ADDR_T_64BIT) or a
 * `dma_addr_t` with `%llx`/`%lx`/`%x`, a `size_t`/`ssize_t` with `%lu`/`%u`.
 * One of the builds reads the wrong number of bytes off the argument list
 * and prints garbage for that and every later argument; -Wformat warns only
 * on the configuration where the types differ, which is rarely the author's
 * ("drm/amdgpu: use %pap format string for phys_addr_t"). The kernel has
 * conversions for each: `%pa` (by address) for `phys_addr_t` and
 * `resource_size_t`, `%pad` for `dma_addr_t`, `%zu`/`%zd`/`%zx` for `size_t`.
 *
 * Only arguments that are a parameter or local of the function, whose
 * declared type the function shows (`declared-types.ts`), are checked; a cast
 * argument says its own type and is left alone.
 */

import { defineRule } from '../rule';
import type { CallSite } from '../../parse/c/function-ir';
import { functionLabel, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';
import { declaredTypes, type DeclaredType } from './declared-types';

export const printkFormatType = defineRule({
  id: 'printk-format-type',
  summary: 'A format prints a phys_addr_t, resource_size_t, dma_addr_t or size_t with a fixed-width conversion.',
  defaultSeverity: 'warning',
  tags: ['patch', 'portability'],
  messages: {
    mismatch:
      '{fn} prints {name} ({type}) with `{conversion}` in {call}(): {type} is {width}, so on the configurations where it is not what `{conversion}` reads, this and every later argument print garbage (-Wformat only warns on one of them). Use {instead}.',
    fixed: 'The patch prints {name} with a conversion that fits its type in {fn}.',
  },
});

interface TypeRule {
  readonly type: RegExp;
  /** Conversions that fit (length modifier and conversion letter). */
  readonly fits: RegExp;
  readonly width: string;
  readonly instead: (name: string) => string;
}

const TYPES: readonly TypeRule[] = [
  {
    type: /^(?:const\s+)?(?:phys_addr_t|resource_size_t)$/,
    fits: /^p/,
    width: '32 or 64 bits depending on the configuration',
    instead: (name) => `\`%pa\` with &${name}`,
  },
  {
    type: /^(?:const\s+)?dma_addr_t$/,
    fits: /^p/,
    width: '32 or 64 bits depending on the configuration',
    instead: (name) => `\`%pad\` with &${name}`,
  },
  { type: /^(?:const\s+)?s?size_t$/, fits: /^z[diouxX]$|^p/, width: 'as wide as a pointer', instead: () => '`%zu`, `%zd` or `%zx`' },
];

/** The conversions of a format, in argument order: `*` widths take an argument too. */
function conversions(format: string): string[] {
  const out: string[] = [];
  for (const match of format.matchAll(/%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?(hh|h|ll|l|L|q|j|z|Z|t)?([diouxXcsp%aAeEfFgGn])([A-Za-z]*)/g)) {
    if (match[5] === '%') continue;
    if (match[2] === '*') out.push('*');
    if (match[3] === '*') out.push('*');
    // `%pa`, `%pad`, `%pS`: the letters after `p` belong to it.
    out.push(`${match[4] ?? ''}${match[5]}${match[5] === 'p' ? (match[6] ?? '') : ''}`);
  }
  return out;
}

/** The string literal argument of a printing call, joined when split (`"a" "b"`), with its index. */
function formatOf(call: CallSite): { index: number; text: string } | undefined {
  const index = call.args.findIndex((arg) => arg.startsWith('"') && arg.includes('%') && /^(?:"(?:[^"\\]|\\.)*")+$/.test(arg));
  if (index === -1) return undefined;
  return { index, text: (call.args[index] as string).replace(/"(?:)"/g, '') };
}

export const printkFormatTypeCheck: PatchRuleCheck = {
  rule: printkFormatType,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      let types: ReadonlyMap<string, DeclaredType> | undefined;
      for (const call of view.ir.calls) {
        const format = formatOf(call);
        if (!format) continue;
        types ??= declaredTypes(view);
        const list = conversions(format.text);
        for (let i = 0; i < list.length; i++) {
          const conversion = list[i] as string;
          const arg = call.args[format.index + 1 + i];
          if (arg === undefined || conversion === '*' || !/^[A-Za-z_]\w*$/.test(arg)) continue;
          const declared = types.get(arg);
          if (!declared) continue;
          const rule = TYPES.find((candidate) => candidate.type.test(declared.type));
          if (!rule || rule.fits.test(conversion) || !/[diouxX]$/.test(conversion)) continue;
          issues.push({
            view,
            key: `${view.ir.name}|format|${call.name}|${arg}|${conversion}`,
            row: call.row,
            column: call.column,
            messageId: 'mismatch',
            data: {
              fn: functionLabel(view),
              name: arg,
              type: declared.type,
              conversion: `%${conversion}`,
              call: call.name,
              width: rule.width,
              instead: rule.instead(arg),
            },
            related: [],
          });
        }
      }
    }
    return issues;
  },
};
