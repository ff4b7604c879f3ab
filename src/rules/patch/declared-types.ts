/**
 * The scalar type each name of a function is declared with, read from the
 * function's own rows: its parameters (`u64 size`) and its locals
 * (`resource_size_t limit = ...;`, `u64 a, b;`). Only plain scalars (no
 * pointers, no arrays): the rules that use this ask what an arithmetic
 * operator or a format conversion gets, and a pointer is neither.
 *
 * Text-based on purpose: the declarations of a patch window are often cut off
 * or only in the hunk header, where the C parser sees no declaration. A name
 * declared twice with different types (two blocks) counts as unknown.
 */

import { regExpLiteral } from '../../base/regexp-literal';
import type { FunctionView } from './review-context';
import { withoutComments } from '../../parse/c/c-text';

export interface DeclaredType {
  /** The type as written, white space normalised (`unsigned long long`). */
  readonly type: string;
  /** Fragment row of the declaration. */
  readonly row: number;
}

/** Type names a scalar declaration may start with: typedefs, and C's own words. */
const TYPE_WORD = String.raw`(?:(?:const|volatile|unsigned|signed)\s+)*(?:[a-z_][a-z0-9_]*_t|u8|u16|u32|u64|s8|s16|s32|s64|__u64|__s64|__u32|__s32|(?:long\s+)?long(?:\s+int)?|int|short|char|bool)`;
/** `u64 size` inside a parameter list or at the start of a declaration, up to where the declarator ends. */
const DECLARATION = new RegExp(String.raw`(^|[(,;{])\s*(?:static\s+)?(${TYPE_WORD})\s+([A-Za-z_]\w*)\s*(?=[=,;)])`, 'g');
const KEYWORD = /^(?:return|goto|case|sizeof|else|do)$/;

/** `a = f(x, y), b` → `a = f(x, y)`, `b`: commas inside parentheses belong to the initializer. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Every plain scalar the view declares, by name. */
export function declaredTypes(view: FunctionView): ReadonlyMap<string, DeclaredType> {
  const found = new Map<string, DeclaredType | null>();
  for (let row = 0; row < view.rows.length; row++) {
    const text = withoutComments(view.rows[row]?.text ?? '').replace(/"(?:[^"\\]|\\.)*"/g, '""');
    for (const match of text.matchAll(DECLARATION)) {
      const type = (match[2] as string).replace(/\s+/g, ' ');
      if (KEYWORD.test(type)) continue;
      // A statement declares every name up to its `;` (`u64 a = f(x, y), b;`); a parameter only its own.
      const from = (match.index as number) + match[0].trimEnd().length - (match[3] as string).length;
      const end = text.indexOf(';', from);
      const statement = match[1] !== '(' && match[1] !== ',' && end !== -1;
      const names = statement ? topLevelParts(text.slice(from, end)) : [match[3] as string];
      for (const part of names) {
        const name = /^\s*([A-Za-z_]\w*)/.exec(part)?.[1];
        if (!name || KEYWORD.test(name)) continue;
        const before = found.get(name);
        if (before === undefined) found.set(name, { type, row });
        else if (before !== null && before.type !== type) found.set(name, null);
      }
    }
  }
  const result = new Map<string, DeclaredType>();
  for (const [name, declared] of found) if (declared) result.set(name, declared);
  return result;
}

/** The names of `types` whose declared type matches `pattern`, as one alternation for a RegExp (undefined: none). */
export function namesOfType(types: ReadonlyMap<string, DeclaredType>, pattern: RegExp): string | undefined {
  const names = [...types].filter(([, declared]) => pattern.test(declared.type)).map(([name]) => regExpLiteral(name));
  return names.length > 0 ? names.join('|') : undefined;
}
