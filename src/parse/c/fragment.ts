/**
 * Rebuilds parseable C from a window of a file (a hunk's pre- or post-image):
 * a hunk usually starts and ends inside a function, so its braces do not
 * balance. The fragment opens as many synthetic blocks as the window closes
 * before opening, wraps an indented window in a synthetic function, and
 * closes whatever is still open at the end; tree-sitter's error recovery
 * handles the rest (a window that starts inside a comment or a call).
 *
 * Iterator macros (`list_for_each_entry(pos, head, member) {`,
 * `drm_gpuvm_for_each_va(va, vm) {`) are rewritten to `while (…) {` on the
 * same line so they parse as loops with both outcomes.
 *
 * Invariant: the fragment's row r (0-based) is source line `rows[r]`, or a
 * synthetic line when `rows[r]` is undefined; columns are unchanged except on
 * rewritten iterator lines.
 */

export interface SourceRow {
  readonly text: string;
  /** 1-based line in the analyzed file. */
  readonly line: number;
  /** Added (post-image) or removed (pre-image) by the patch. */
  readonly changed: boolean;
  /** Text the reviewer put in (braces and the gap between two hunks), not a line of the file. */
  readonly synthetic?: boolean;
  /**
   * A line of the kernel checkout the patch does not show (whole-function
   * context): its 1-based line in the checkout's copy of the file. `line` is
   * then only the nearest line of the patch.
   */
  readonly fileLine?: number;
  /**
   * A line outside the patch's hunks that an earlier patch of the same series
   * adds: the document line where that patch adds it, for messages and
   * related locations (`line` stays the nearest line of this patch).
   */
  readonly seriesLine?: number;
}

/**
 * A call standing for the unknown code between two hunks of one function
 * (`hunk-images` joins them so a `goto` in one reaches its label in the
 * other): the path walk and the lock scan forget what they held there.
 */
export const WINDOW_GAP = '__gpuvm_lens_gap';
/**
 * The condition of a loop standing for a block that code between two hunks
 * opened (`while (WINDOW_LOOP()) {`): a `break` in it goes on after it. Not a
 * gap itself: the gap call follows it.
 */
export const WINDOW_LOOP = '__gpuvm_lens_loop';
/**
 * The condition of a block a window starts inside (`if (WINDOW_BLOCK()) {`): the
 * code after the block is reached whether or not its visible tail ran.
 */
export const WINDOW_BLOCK = '__gpuvm_lens_block';
/** Deeper starting estimates are taken for continuation lines, not blocks. */
const MAX_OPEN_DEPTH = 6;

export interface Fragment {
  readonly source: string;
  readonly rows: readonly (SourceRow | undefined)[];
  /** The window starts inside a function (a synthetic function wraps it). */
  readonly wrapped: boolean;
  /** The window stops inside a function: its end is not the function's end. */
  readonly openEnded: boolean;
  /** Name of the function the window starts in, from the hunk's section header. */
  readonly enclosing: string | undefined;
}

export const SYNTHETIC_FUNCTION = '__gpuvm_lens_window';
/** Stands for a function header that is only in the hunk header. */
export const SYNTHETIC_HEADER = '__gpuvm_lens_header';

const C_KEYWORD = new Set(['if', 'for', 'while', 'switch', 'do', 'else', 'return', 'sizeof', 'case']);

/** Brace balance of one line, ignoring strings, character literals and comments. */
function braceDelta(text: string, inComment: { value: boolean }): { delta: number; min: number } {
  let depth = 0;
  let min = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inComment.value) {
      if (c === '*' && text[i + 1] === '/') {
        inComment.value = false;
        i++;
      }
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      inComment.value = true;
      i++;
    } else if (c === '/' && text[i + 1] === '/') break;
    else if (c === '"' || c === "'") {
      const quote = c;
      for (i++; i < text.length && text[i] !== quote; i++) if (text[i] === '\\') i++;
    } else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth < min) min = depth;
    }
  }
  return { delta: depth, min };
}

function parenBalance(text: string): number {
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth++;
    else if (c === ')') depth--;
  }
  return depth;
}

const ITERATOR = /^(\s+)([A-Za-z_]\w*)(\s*\(.*\)\s*)\{\s*$/;

function rewriteIterator(text: string): string {
  const match = ITERATOR.exec(text);
  if (!match) return text;
  const name = match[2] as string;
  if (C_KEYWORD.has(name) || parenBalance(match[3] as string) !== 0) return text;
  return `${match[1]}while (${name}${(match[3] as string).trimEnd()}) {`;
}

const ITERATOR_HEAD = /^(\s+)([A-Za-z_]\w*)(\s*\(.*)$/;
/** The lines an iterator head may be split over (`for_each_gem_engine(ce,` ... `it) {`). */
const SPLIT_HEAD_LINES = 4;

/**
 * An iterator macro whose arguments run over several lines: `while (` goes before its name on
 * the first line and `)` before the brace on the last, so it is a loop like a one-line head
 * (a `continue` in it goes back to it, not to an enclosing loop). The row count stays the same.
 */
function rewriteSplitIterators(texts: string[]): void {
  for (let index = 0; index < texts.length; index++) {
    const match = ITERATOR_HEAD.exec(texts[index] as string);
    if (!match || C_KEYWORD.has(match[2] as string) || /[;{}]/.test(match[3] as string)) continue;
    let balance = parenBalance(match[3] as string);
    if (balance <= 0) continue;
    for (let next = index + 1; next < texts.length && next <= index + SPLIT_HEAD_LINES; next++) {
      const line = texts[next] as string;
      balance += parenBalance(line);
      if (balance > 0 && !/[;{}]/.test(line)) continue;
      if (balance === 0 && /^[^;{}]*\)\s*\{\s*$/.test(line)) {
        texts[index] = `${match[1]}while (${match[2]}${match[3]}`;
        texts[next] = line.replace(/\)\s*\{\s*$/, ')) {');
      }
      break;
    }
  }
}

const BRACELESS_ITERATOR = /^(\s+)([A-Za-z_]\w*for_each\w*|with_\w+)(\s*\(.*\))\s*$/;

/**
 * An iterator macro whose body is the one statement on the next line, with no braces
 * (`llist_for_each_entry(pos, head, link)` then `\t\tkfree(pos);`, or i915's
 * `with_intel_display_power(i915, domain, wakeref)` then `\t\tval = …;`): a loop like the braced
 * form, not a statement of its own followed by the body run once. The row count stays the same.
 */
function rewriteBracelessIterators(texts: string[]): void {
  for (let index = 0; index + 1 < texts.length; index++) {
    const match = BRACELESS_ITERATOR.exec(texts[index] as string);
    if (!match || parenBalance(match[3] as string) !== 0) continue;
    const next = texts[index + 1] as string;
    const indent = (text: string) => (/^\s*/.exec(text)?.[0] ?? '').replace(/ {8}/g, '\t').length;
    if (next.trim() === '' || /^\s*[{}]/.test(next) || indent(next) <= indent(texts[index] as string)) continue;
    texts[index] = `${match[1]}while (${match[2]}${(match[3] as string).trimEnd()})`;
  }
}

/** Far above the 80 characters git puts in a hunk header's function part. */
const MAX_SECTION = 512;

/** The function name in a hunk section header such as `drm_gpuvm_bo_destroy(struct kref *kref)`. */
export function sectionFunction(section: string): string | undefined {
  // git writes at most 80 characters of the function line; a longer header is
  // damaged, and the patterns below would backtrack over all of it.
  if (section.length > MAX_SECTION) section = section.slice(0, MAX_SECTION);
  const match = /([A-Za-z_]\w*)\s*\([^()]*\)?\s*$/.exec(section) ?? /([A-Za-z_]\w*)\s*\(/.exec(section);
  const name = match?.[1];
  return name && !C_KEYWORD.has(name) ? name : undefined;
}

/** The brace level after `rows` and the lowest level inside them, both relative to their start. */
export function braceLevels(rows: readonly SourceRow[]): { end: number; min: number } {
  const inComment = { value: false };
  let end = 0;
  let min = 0;
  for (const row of rows) {
    const { delta, min: lineMin } = braceDelta(row.text, inComment);
    if (end + lineMin < min) min = end + lineMin;
    end += delta;
  }
  return { end, min };
}

/** Code lines looked at to estimate a window's starting depth. */
const DEPTH_SAMPLE = 40;

/**
 * The brace depth (1: a function body) at the start of `rows`. Exact when the
 * rows reach the function's closing `}` in column 0 (depth 1 before it).
 * Otherwise estimated from kernel-style indentation (one tab per open brace):
 * each tab-indented code line gives its depth minus the braces the rows before
 * it opened, and the lowest estimate wins (a continuation line is indented
 * deeper, never shallower). A `}` line or a `case`/`default` label sits one
 * tab left of its block's contents, and a label's own `{` indents nothing.
 * Undefined when no line is indented with tabs alone.
 */
export function startDepth(rows: readonly SourceRow[]): number | undefined {
  const inComment = { value: false };
  let level = 0;
  let indentLevel = 0;
  let best: number | undefined;
  let seen = 0;
  for (const row of rows) {
    const wasComment = inComment.value;
    const text = row.text;
    const code = text.trim();
    // The reviewer's own rows (the gap between two hunks, the braces that join them) say nothing by their
    // indentation; their braces still count.
    const real = !row.synthetic;
    if (real && !wasComment && /^\}\s*(?:\/[*/].*)?$/.test(text)) return 1 - level;
    if (real && !wasComment && code !== '' && !/^(?:[A-Za-z_]\w*:(?!:)|#|\/\*|\*|\/\/)/.test(code) && seen++ < DEPTH_SAMPLE) {
      const indent = /^(\t*)(.?)/.exec(text) as RegExpExecArray;
      if (indent[2] !== ' ') {
        const tabs = (indent[1] as string).length;
        const depth = tabs + (/^(?:\}|case\b|default\s*:)/.test(code) ? 1 : 0) - indentLevel;
        if (best === undefined || depth < best) best = depth;
      }
    }
    const { delta } = braceDelta(text, inComment);
    level += delta;
    // `case FOO: {` opens a block without indenting its contents.
    if (!/^(?:case\b|default\s*:)/.test(code)) indentLevel += delta;
  }
  return best;
}

/**
 * Rows that only end a function header whose start is above the window (the
 * last parameters and their `)`, before the body's `{` in column 0): blanked,
 * so the window starts at the body's brace.
 */
function headerTail(rows: readonly SourceRow[]): number {
  for (let i = 0; i < Math.min(rows.length, 6); i++) {
    const text = (rows[i] as SourceRow).text;
    if (/^\{\s*$/.test(text)) return i;
    if (text.trim() !== '' && !isHeaderTailRow(text)) return 0;
  }
  return 0;
}

/**
 * An indented row without `;`, `{` or `}` whose last non-blank character is
 * `,` or `)`: what `/^\s+[^;{}]*[,)]\s*$/` tests, without its backtracking
 * (quadratic on a long damaged row).
 */
export function isHeaderTailRow(text: string): boolean {
  if (!/^\s/.test(text) || /[;{}]/.test(text)) return false;
  const last = text.trimEnd().slice(-1);
  return last === ',' || last === ')';
}

/** A hunk header that is a label (`retry:`, `err_unlock:` with or without a comment after it), not `default:`. */
const LABEL_SECTION = /^\s*(?!default\b)[A-Za-z_]\w*:(?!:)\s*(?:\/[*/].*)?$/;

/** A line holding only a declaration's return type: `static int`, `static struct foo *`, `void`. */
const TYPE_ONLY = /^\s*(?:(?:static|inline|extern|const|unsigned|signed|struct|enum|union)\s+)*[A-Za-z_]\w*(?:\s+[A-Za-z_]\w*)?[\s*]*$/;

/**
 * A function's name and parameters in column 0 (`name(args` without a `;`) as the window's first code,
 * its body's `{` in column 0 a few rows on: a definition whose type is on the line above the window.
 */
function startsWithBareDeclarator(rows: readonly SourceRow[], firstCode: SourceRow): boolean {
  const match = /^([A-Za-z_]\w*)\s*\([^;]*$/.exec(firstCode.text);
  if (!match || C_KEYWORD.has(match[1] as string)) return false;
  const at = rows.indexOf(firstCode);
  for (let i = at + 1; i < Math.min(rows.length, at + 8); i++) {
    const text = (rows[i] as SourceRow).text;
    if (/^\{\s*$/.test(text)) return true;
    if (/;\s*$/.test(text) || /^\S/.test(text)) return false;
  }
  return false;
}

/**
 * `rows` with the code of every `#else`/`#elif` branch blanked (and of an `#if 0` branch, whose
 * `#else` is the code then), and the conditional directives with it: one branch of each conditional
 * is read, as one configuration compiles it.
 * Two alternatives (`#ifdef __linux__ … if (a || b) { #else … if (a) { #endif`) read together open
 * blocks twice and unbalance the function. Rows stay, blank, so lines keep their numbers.
 */
function compiledBranchOnly(rows: readonly SourceRow[]): readonly SourceRow[] {
  if (!rows.some((row) => /^\s*#\s*(?:else|elif)\b/.test(row.text) || /^\s*#\s*if\s+0\b/.test(row.text))) return rows;
  // One entry per open conditional: whether its current branch is skipped, and whether one was read.
  const levels: { skip: boolean; taken: boolean }[] = [];
  return rows.map((row) => {
    const directive = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/.exec(row.text);
    if (directive) {
      const word = directive[1] as string;
      if (word === 'if' || word === 'ifdef' || word === 'ifndef') {
        const zero = word === 'if' && /^\s*0\s*(?:\/[*/].*)?$/.test(directive[2] ?? '');
        levels.push({ skip: zero, taken: !zero });
      } else if (word === 'endif') {
        levels.pop();
      } else {
        const level = levels[levels.length - 1];
        if (level) {
          level.skip = level.taken;
          level.taken = true;
        }
      }
      // The directives go too: a statement split across them (an `if (…) {` in each branch) is then one
      // plain statement, which the C grammar reads whole.
      return { ...row, text: '' };
    }
    return levels.some((level) => level.skip) ? { ...row, text: '' } : row;
  });
}

export function buildFragment(allRows: readonly SourceRow[], section: string): Fragment {
  const tail = headerTail(allRows);
  const rows = compiledBranchOnly(tail === 0 ? allRows : allRows.map((row, index) => (index < tail ? { ...row, text: '' } : row)));
  const { end: depth, min } = braceLevels(rows);
  // Labels, preprocessor lines and comments sit in column 0 inside functions too.
  const firstCode = rows.find((row) => row.text.trim() !== '' && !/^(?:[A-Za-z_]\w*:\s*$|\s*#|\s*\/?\*|\s*\/\/)/.test(row.text));
  const enclosing = sectionFunction(section);
  let open = -min;
  // An indented window with balanced braces is still the inside of a function.
  // A function header shifted by a space (mail clients space-stuff quoted lines) is still at the top level.
  const header =
    firstCode !== undefined &&
    /^\s{1,2}(?:static|void|int|bool|struct|enum|const|unsigned|long|u8|u16|u32|u64|s32|s64|vm_fault_t)\b[^;]*\)\s*$/.test(firstCode.text);
  // git takes the nearest line above the hunk that starts with a letter for its header: inside a long
  // function that may be a label (`retry:`, `out_unlock:`), and a label is only ever inside a function.
  const insideFunction = enclosing !== undefined || LABEL_SECTION.test(section);
  if (open === 0 && firstCode && /^\s/.test(firstCode.text) && !header && insideFunction) open = 1;
  // Kernel style indents one tab per open brace: a window that starts inside a nested block
  // (`\t\treturn;\n\t}` ending an `if`) is that deep, or its closing braces end the function early.
  const tabs = firstCode && /;\s*$/.test(firstCode.text) ? (/^\t*/.exec(firstCode.text)?.[0].length ?? 0) : 0;
  const firstClose = rows.find((row) => /^\t*\}\s*$/.test(row.text));
  const closeTabs = firstClose ? (/^\t*/.exec(firstClose.text)?.[0].length ?? 0) : -1;
  if (open > 0 && tabs > open && closeTabs === tabs - 1 && closeTabs > 0 && !header) open = tabs;
  // A window that starts with the tail of a block (`\t}` closing an `if` above it) is as deep as its
  // indentation says, or that brace closes the function and the rest of the window is lost.
  const indented = open > 0 && !header ? startDepth(rows) : undefined;
  if (indented !== undefined && indented > open && indented <= MAX_OPEN_DEPTH) open = indented;
  const out: (SourceRow | undefined)[] = [];
  const text: string[] = [];
  if (open === 0 && firstCode && /^\{/.test(firstCode.text) && enclosing !== undefined) {
    // The window starts at the body's brace; its header is only in the hunk header.
    text.push(`void ${SYNTHETIC_HEADER}(void)`);
    out.push(undefined);
  } else if (open === 0 && firstCode && startsWithBareDeclarator(rows, firstCode)) {
    // The window starts at a definition's name, its return type on the line above (kernel style for a long
    // signature, `static int` then `skl_ddb_add_affected_pipes(...)`), which git puts in the hunk header:
    // without a type the parser sees no function at all.
    text.push(TYPE_ONLY.test(section) ? section.trim() : 'int');
    out.push(undefined);
  } else if (open > 0) {
    // The blocks the window starts inside were opened by conditions it does not show: the code after
    // them is reached without their tails too (a window starting `goto err; }` is not all unreachable).
    text.push(`void ${SYNTHETIC_FUNCTION}(void) {${` if (${WINDOW_BLOCK}()) {`.repeat(open - 1)}`);
    out.push(undefined);
  }
  // A window cut in the middle of a statement (`drm_err(&xe->drm,` as its last context line)
  // would turn the whole function into a parse error: its unfinished tail is left out.
  let complete = rows.length;
  while (complete > 0 && rows.length - complete < 6) {
    const last = (rows[complete - 1] as SourceRow).text.trim();
    if (last === '' || /[;{}:]$|\*\/$|^#|^\/\/|^\*/.test(last)) break;
    complete--;
  }
  if (rows.length - complete >= 6) complete = rows.length;
  const texts = rows.map((row, index) => (index < complete ? rewriteIterator(row.text) : ''));
  rewriteSplitIterators(texts);
  rewriteBracelessIterators(texts);
  rows.forEach((row, index) => {
    text.push(texts[index] as string);
    out.push(row.synthetic ? undefined : row);
  });
  const close = open + depth;
  if (close > 0) {
    text.push('}'.repeat(close));
    out.push(undefined);
  }
  return { source: text.join('\n') + '\n', rows: out, wrapped: open > 0, openEnded: close > 0, enclosing };
}
