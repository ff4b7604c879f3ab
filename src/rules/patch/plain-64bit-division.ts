/**
 * A 64-bit integer divided with C's `/` or `%` (or a macro built on them:
 * `DIV_ROUND_UP()`, `DIV_ROUND_CLOSEST()`, `roundup()`, `rounddown()`) by
 * something that is not a power of two. A 32-bit kernel build (i386, arm)
 * turns that into a call to libgcc's `__udivdi3`/`__umoddi3`, which the kernel
 * does not link: "undefined reference to `__udivdi3`", fixed with
 * `div_u64()`, `div64_u64()`, `do_div()` or `DIV_ROUND_UP_ULL()` ("drm/xe:
 * avoid plain 64-bit division"). 64-bit builds never notice.
 *
 * The dividend's type comes from the function's own declarations
 * (`declared-types.ts`): a `u64`/`s64`/`__u64`/`uint64_t`/`long long`/`ktime_t`
 * parameter or local, or a `(u64)` cast. The divisor must be a variable or
 * expression in lower case, or a literal that is not a power of two:
 * upper-case macros (`PAGE_SIZE`, `SZ_64K`) are usually powers of two, which
 * compile to shifts, so they are left alone (precision over recall).
 */

import { defineRule } from '../rule';
import { functionLabel, rowText, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';
import { declaredTypes, namesOfType } from './declared-types';

export const plain64bitDivision = defineRule({
  id: 'plain-64bit-division',
  summary: 'A 64-bit integer is divided with / or % (or DIV_ROUND_UP) by a value that is not a power of two.',
  defaultSeverity: 'warning',
  tags: ['patch', 'portability'],
  messages: {
    divides:
      '{fn} divides the 64-bit {name} ({type}) by {divisor} with {op}: a 32-bit build compiles that to a call of libgcc\'s {helper}, which the kernel does not link ("undefined reference to `{helper}\'"). Use {instead}.',
    fixed: 'The patch replaces a plain 64-bit division of {name} in {fn}.',
  },
});

const SIXTY_FOUR =
  /^(?:(?:const|volatile)\s+)*(?:u64|s64|__u64|__s64|u_int64_t|uint64_t|int64_t|ktime_t|(?:unsigned\s+|signed\s+)?long\s+long(?:\s+int)?)$/;
const CAST = String.raw`\(\s*(?:u64|s64|__u64|__s64|uint64_t|int64_t|(?:unsigned\s+)?long\s+long)\s*\)`;
const ROUNDING_MACRO = /\b(DIV_ROUND_UP|DIV_ROUND_CLOSEST|DIV_ROUND_DOWN|roundup|rounddown)\s*\(/g;
/** A line that may divide: an operator or a rounding macro (comments and `//` included; the exact scan follows). */
const DIVISION_HINT = /[\w)]\s*[/%]|DIV_ROUND|roundup|rounddown/;
/** A divisor that compiles to a shift, or is unknown (a macro): left alone. */
const SAFE_DIVISOR = /^(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*$|^\(*[A-Z_][A-Z0-9_]*\)*$|^sizeof\b/;

function powerOfTwoLiteral(text: string): boolean | undefined {
  const literal = /^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/.exec(text);
  if (!literal) return undefined;
  const value = Number(literal[1]);
  return value > 0 && Number.isInteger(Math.log2(value));
}

/** An expression of upper-case macros alone (`(PAGE_SIZE / GPU_PAGE_SIZE)`), folded at compile time like one macro. */
const MACRO_EXPRESSION = /^\(\s*[A-Z_][A-Z0-9_]*(?:\s*(?:[*/]|<<|>>)\s*(?:[A-Z_][A-Z0-9_]*|\d+[uUlL]*))*\s*\)$/;

/** The divisor is a constant the compiler turns into a shift, or an upper-case macro whose value is unknown. */
function safeDivisor(divisor: string): boolean {
  const power = powerOfTwoLiteral(divisor);
  if (power !== undefined) return power;
  return SAFE_DIVISOR.test(divisor) || /^[A-Z_][A-Z0-9_]*\s*\(/.test(divisor) || MACRO_EXPRESSION.test(divisor);
}

/** Splits a macro's argument list at its top-level commas (or undefined when it does not close on this line). */
function macroArgs(text: string, open: number): string[] | undefined {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(text.slice(start, i).trim());
        return args;
      }
    } else if (c === ',' && depth === 1) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return undefined;
}

/** The divisor operand after `/` or `%` at `from`: an identifier path, a literal, a call or a parenthesised expression. */
function operandAt(text: string, from: number): string {
  const rest = text.slice(from);
  const simple = /^\s*([A-Za-z_][\w.>-]*(?:\s*\([^()]*\))?|0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*)/.exec(rest);
  if (simple && !simple[1]?.endsWith('-')) return (simple[1] as string).replace(/-$/, '');
  const paren = /^\s*\(/.exec(rest);
  if (paren) {
    const args = macroArgs(rest, paren[0].length - 1);
    if (args) return `(${args.join(',')})`;
  }
  return rest.trim();
}

export const plain64bitDivisionCheck: PatchRuleCheck = {
  rule: plain64bitDivision,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      // Most functions divide nothing: the declarations are read only for those that do.
      let divides = false;
      for (let row = view.ir.startRow; row <= view.ir.endRow && !divides; row++) divides = DIVISION_HINT.test(view.rows[row]?.text ?? '');
      if (!divides) continue;
      const types = declaredTypes(view);
      const wide = namesOfType(types, SIXTY_FOUR);
      const dividend = new RegExp(String.raw`^(?:${CAST}\s*)?\(*\s*(?:${wide ?? '(?!)'})\b(?!\s*(?:->|\.|\[|\())|^${CAST}`);
      for (let row = view.ir.startRow; row <= view.ir.endRow; row++) {
        const text = rowText(view, row).replace(/"(?:[^"\\]|\\.)*"/g, '""');
        const found = (name: string, divisor: string, op: string) => {
          const cleaned = name.replace(new RegExp(CAST, 'g'), '').replace(/[()\s]/g, '');
          const signed =
            /^\(\s*(?:s64|__s64|int64_t|long\s+long)\s*\)/.test(name) ||
            /^(?:s64|__s64|int64_t|ktime_t|(?:signed\s+)?long\s+long)/.test(types.get(cleaned)?.type ?? '');
          const declared = types.get(cleaned);
          const line = declared ? view.rows[declared.row]?.line : undefined;
          const type = declared ? `${declared.type}${line ? `, declared on line ${line}` : ''}` : 'cast to 64 bits';
          issues.push({
            view,
            key: `${view.ir.name}|div64|${cleaned}|${divisor.replace(/\s+/g, '')}`,
            row,
            messageId: 'divides',
            data: {
              fn: functionLabel(view),
              name: cleaned,
              type,
              divisor,
              op,
              helper: `__${signed ? '' : 'u'}${op.includes('%') ? 'mod' : 'div'}di3`,
              instead: signed
                ? 'div_s64() (a 32-bit divisor), div64_s64(), or div_s64_rem()'
                : op.includes('%')
                  ? 'do_div() or div_u64_rem()'
                  : 'div_u64() (a 32-bit divisor), div64_u64(), or DIV_ROUND_UP_ULL()',
            },
            // The declaration is named in the message, not related: a related row widens what counts as the patch's change.
            related: [],
          });
        };
        for (const match of text.matchAll(ROUNDING_MACRO)) {
          const args = macroArgs(text, (match.index as number) + match[0].length - 1);
          if (!args || args.length !== 2) continue;
          const [first, divisor] = args as [string, string];
          if (safeDivisor(divisor)) continue;
          const term = first
            .split(/[-+*]/)
            .map((part) => part.trim())
            .find((part) => dividend.test(part));
          if (term) found(term, divisor, `${match[1]}() (a plain \`/\`)`);
        }
        // `a / b`, `a % b`, `a /= b`: the operand right before the operator.
        for (const match of text.matchAll(/([A-Za-z_]\w*|\))\s*([/%])(=?)(?![/*=])/g)) {
          const at = match.index as number;
          const before = text.slice(0, at + (match[1] as string).length);
          const operand = new RegExp(String.raw`(?:${CAST}\s*)?[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*$`).exec(before)?.[0];
          if (!operand) continue;
          // A field's type is not in the function (only a cast says it); a local's or parameter's is.
          const cast = new RegExp(`^${CAST}`).test(operand);
          if (!cast && /->|\./.test(operand)) continue;
          const name = operand;
          if (!dividend.test(name)) continue;
          const divisor = operandAt(text, at + match[0].length);
          if (safeDivisor(divisor)) continue;
          found(name, divisor, `C's \`${match[2]}${match[3]}\``);
        }
      }
    }
    return issues;
  },
};
