/**
 * Text helpers for C expressions, shared by the control-flow view and the
 * rules that search it.
 */

/** `text` with every white-space character removed: how the control-flow view stores expressions. */
export const squash = (text: string): string => text.replace(/\s+/g, '');

/**
 * `typeof` and `offsetof` as the calls they parse as inside a macro's or a
 * call's arguments (`list_first_entry(head, typeof(*p), link)`,
 * `ioread16(p + offsetof(struct vbt_header, vbt_size))`): their operands are
 * types and members, not evaluated.
 */
export const UNEVALUATED_CALL_NAMES: readonly string[] = [
  'typeof',
  '__typeof__',
  '__typeof',
  'typeof_unqual',
  '__typeof_unqual__',
  'offsetof',
  '__builtin_offsetof',
];
export const UNEVALUATED_CALL = new RegExp(`^(?:${UNEVALUATED_CALL_NAMES.join('|')})$`);

/**
 * Kernel macros some of whose arguments are only looked at for their type
 * (`overflows_type(n, T)`, `sizeof_field(T, member)`, `struct_size(p, member,
 * count)`: the `T` and `p`), by argument index; the other arguments are
 * evaluated as usual. `overflows_type(size, obj->base.size)` reads no `obj`.
 */
export const TYPE_ARGUMENTS: ReadonlyMap<string, readonly number[]> = new Map([
  ['overflows_type', [1]],
  ['__same_type', [0, 1]],
  ['sizeof_field', [0, 1]],
  ['type_max', [0]],
  ['type_min', [0]],
  ['is_signed_type', [0]],
  ['struct_size', [0]],
  ['flex_array_size', [0]],
  ['ARRAY_SIZE', [0]],
  ['BITS_PER_TYPE', [0]],
  // container_of(ptr, type, member): the member is a designator of the type (`dmc.work`), not a local `dmc`.
  ['container_of', [1, 2]],
  ['container_of_const', [1, 2]],
  ['typeof_member', [0, 1]],
]);
const TYPE_ARGUMENT_CALL = new RegExp(`\\b(${[...TYPE_ARGUMENTS.keys()].join('|')})\\s*\\(`, 'g');

/** The arguments of a call to `name` that are evaluated: all but the type-only ones `TYPE_ARGUMENTS` lists. */
export function evaluatedArguments(name: string, args: readonly string[]): readonly string[] {
  const typeOnly = TYPE_ARGUMENTS.get(name);
  return typeOnly ? args.filter((_, index) => !typeOnly.includes(index)) : args;
}

/** `text` with the type-only arguments of the calls `TYPE_ARGUMENTS` lists emptied (`overflows_type(n, )`). */
export function withoutTypeArguments(text: string): string {
  if (!text.includes('(')) return text;
  let result = '';
  let copied = 0;
  for (const match of text.matchAll(TYPE_ARGUMENT_CALL)) {
    const open = (match.index as number) + match[0].length - 1;
    if (open < copied) continue;
    // The arguments, split at top-level commas up to the matching parenthesis.
    const starts = [open + 1];
    let depth = 0;
    let close = -1;
    for (let i = open; i < text.length && close < 0; i++) {
      const c = text[i];
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        depth--;
        if (depth === 0) close = i;
      } else if (c === ',' && depth === 1) starts.push(i + 1);
    }
    if (close < 0) break;
    const indices = TYPE_ARGUMENTS.get(match[1] as string) as readonly number[];
    result += text.slice(copied, open + 1);
    for (let k = 0; k < starts.length; k++) {
      const from = starts[k] as number;
      const to = k + 1 < starts.length ? (starts[k + 1] as number) - 1 : close;
      if (!indices.includes(k)) result += text.slice(from, to);
      if (k + 1 < starts.length) result += ',';
    }
    result += ')';
    copied = close + 1;
  }
  return result + text.slice(copied);
}

/**
 * C expression text with the contents of its string and character literals
 * taken out (`"sibling[%d]\n"` becomes `""`), so that a search for a variable
 * by name does not find it in an escape: `n` in `\n`, `t` in `\t`, `r` in
 * `\r` are the names of common loop counters and return codes.
 *
 * Invariant: text without a quote is returned as it is (the common case,
 * no copy); an unterminated literal is emptied up to the end of the text.
 */
export function withoutLiterals(text: string): string {
  if (text.indexOf('"') === -1 && text.indexOf("'") === -1) return text;
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '"' && c !== "'") continue;
    out += text.slice(from, i + 1);
    let j = i + 1;
    while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
    out += c;
    i = j;
    from = j + 1;
  }
  return from < text.length ? out + text.slice(from) : out;
}

/**
 * One line of C without its comments: each block comment that closes on the
 * line, and a line comment with the rest of the line; an unclosed block
 * comment stays. The rules used a regular expression for this, which
 * rescanned the rest of the line from every comment opener it could not
 * end: minutes on a damaged line of a few hundred KB. This is linear.
 *
 * `lineComments` false leaves line comments alone (block comments only).
 *
 * Invariant: text without a slash is returned as it is (no copy).
 */
export function withoutComments(text: string, lineComments = true): string {
  let i = text.indexOf('/');
  if (i === -1) return text;
  let out = '';
  let from = 0;
  // Once a `/*` has no `*/` after it, no later one has.
  let closable = true;
  for (; i !== -1 && i + 1 < text.length; i = text.indexOf('/', i)) {
    const next = text.charCodeAt(i + 1);
    if (next === 47 /* / */ && lineComments) return out + text.slice(from, i);
    if (next === 42 /* * */ && closable) {
      const close = text.indexOf('*/', i + 2);
      if (close !== -1) {
        out += text.slice(from, i);
        from = i = close + 2;
        continue;
      }
      closable = false;
    }
    i++;
  }
  return out + text.slice(from);
}

/**
 * `text` without the white space around each `->` and `.` (`f -> job` reads
 * `f->job`), in one pass: the regular expression the rules used for it
 * (blanks, an operator, blanks) retried from every character of a run of
 * blanks.
 */
export function withoutSpaceAroundMembers(text: string): string {
  if (text.indexOf('.') === -1 && text.indexOf('->') === -1) return text;
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    const op = c === 46 /* . */ ? 1 : c === 45 /* - */ && text.charCodeAt(i + 1) === 62 /* > */ ? 2 : 0;
    if (op === 0) {
      i++;
      continue;
    }
    let start = i;
    while (start > from && isBlank(text[start - 1] as string)) start--;
    let end = i + op;
    while (end < text.length && isBlank(text[end] as string)) end++;
    out += text.slice(from, start) + text.slice(i, i + op);
    from = i = end;
  }
  return out + text.slice(from);
}

/** `text` without a `{` that ends it and the blanks before it (`for (...) {` reads `for (...)`). */
export function withoutOpeningBrace(text: string): string {
  return text.endsWith('{') ? text.slice(0, -1).trimEnd() : text;
}

function isBlank(c: string): boolean {
  return /\s/.test(c);
}

/**
 * The name a parameter declaration ends with: the identifier before an
 * optional `[…]` and an optional `)` (`struct foo *f`, `u32 regs[4]`),
 * as `/(\w+)\s*(?:\[[^\]]*\])?\s*\)?\s*$/` finds it, read backwards from
 * the end instead (the pattern retried from every character of a long word).
 */
export function declaredName(text: string): string | undefined {
  let end = blankStart(text, text.length);
  if (end > 0 && text[end - 1] === ')') end = blankStart(text, end - 1);
  if (end > 0 && text[end - 1] === ']') {
    // The `[` that opens it: any after the `]` before it; the leftmost one a word stands in front of.
    for (
      let open = text.indexOf('[', text.lastIndexOf(']', end - 2) + 1);
      open !== -1 && open < end - 1;
      open = text.indexOf('[', open + 1)
    ) {
      const name = wordBefore(text, blankStart(text, open));
      if (name !== undefined) return name;
    }
    return undefined;
  }
  return wordBefore(text, end);
}

/** The word (`\w+`) that ends at `end`, if one does. */
function wordBefore(text: string, end: number): string | undefined {
  let start = end;
  while (start > 0 && isWordCode(text.charCodeAt(start - 1))) start--;
  return start < end ? text.slice(start, end) : undefined;
}

/**
 * The names called in `text` (`foo(` … `bar(`), in order, as
 * `/([A-Za-z_]\w*)\(/g` finds them, in one pass: that pattern retried
 * from every character of a long word (each try reads to the word's end).
 */
export function calledNames(text: string): string[] {
  const names: string[] = [];
  for (let i = 0; i < text.length;) {
    if (!isWordCode(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && isWordCode(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 40 /* ( */) continue;
    // A name cannot start with a digit: the match starts at the word's first letter or `_`.
    let first = start;
    while (first < i && isDigitCode(text.charCodeAt(first))) first++;
    if (first < i) names.push(text.slice(first, i));
    i++;
  }
  return names;
}

/** `\w` of a code unit: ASCII letters, digits and `_`. */
function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigitCode(c) || c === 95;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Where the white space that ends `text[0, end)` starts. */
function blankStart(text: string, end: number): number {
  while (end > 0 && isBlank(text[end - 1] as string)) end--;
  return end;
}

/**
 * Longer than any real function head (the rows above a body's brace, joined)
 * and any real parameter declaration. The patterns that read a name from the
 * end of such text backtrack over all of it, for minutes on a damaged line of
 * a few hundred KB; longer text is not read (no name) or read from its tail.
 */
export const MAX_HEAD_TEXT = 4096;
export const MAX_PARAMETER_TEXT = 256;
/** Longer than any real line of C: the rules that read calls off a line skip a longer one. */
export const MAX_LINE_TEXT = 4096;

/** Splits `text` at top-level occurrences of `op` (`&&` or `||`). */
export function splitTop(text: string, op: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && text.startsWith(op, i)) {
      parts.push(text.slice(start, i));
      start = i + op.length;
      i += op.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Whether the enclosing parentheses of `text` wrap all of it. */
export function wrapped(text: string): boolean {
  if (!text.startsWith('(') || !text.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    if (depth === 0 && i < text.length - 1) return false;
  }
  return true;
}

/**
 * The label a line of a `switch` body starts with, white space removed:
 * `FOO_SCLK` for `case FOO_SCLK:`, `default` for `default:`; undefined when
 * the line is no label.
 */
export function caseLabel(text: string): string | undefined {
  const label = /^\s*(?:case\s+(.+?)|(default))\s*:(?!:)/.exec(text);
  return label ? (label[1] ?? label[2] ?? '').replace(/\s+/g, '') : undefined;
}

/** The variable an expression starts from, past `&`, `*` and parentheses: `&wdg->timer` → `wdg`, `(*p)->x` → `p`. */
export function rootVariable(expression: string | undefined): string | undefined {
  return expression === undefined ? undefined : /^[&(*\s]*([A-Za-z_]\w*)/.exec(expression)?.[1];
}
