/**
 * The pre- and post-image rows of a hunk, optionally widened to the whole
 * enclosing function from a kernel checkout (`--kernel-tree`), so the path
 * rules see every return and every error label of the function and not only
 * the few context lines of the hunk.
 *
 * Rows from the checkout are not in the patch: they map to the hunk's header
 * line (rows before the hunk) or its last line (rows after it).
 */

import { braceLevels, buildFragment, sectionFunction, startDepth, WINDOW_GAP, WINDOW_LOOP, type SourceRow } from '../../parse/c/fragment';
import type { Hunk } from '../../parse/patch/parse-patch';

export type ReadSource = (path: string) => string | undefined;

export interface HunkImages {
  readonly pre: SourceRow[];
  readonly post: SourceRow[];
  /** Widened from the kernel checkout. */
  readonly widened: boolean;
  /** The checkout has the file, but the hunk's lines are not in it, neither old nor new (within 400 lines of where the header says). */
  readonly notApplied?: boolean;
}

export function hunkImages(hunk: Hunk): HunkImages {
  const pre: SourceRow[] = [];
  const post: SourceRow[] = [];
  for (const line of hunk.lines) {
    if (line.kind !== '+') pre.push({ text: line.text, line: line.line, changed: line.kind === '-' });
    if (line.kind !== '-') post.push({ text: line.text, line: line.line, changed: line.kind === '+' });
  }
  return { pre, post, widened: false };
}

const squash = (text: string) => text.replace(/\s+/g, '');

/** Which image of a hunk: the pre-image (lines other than `+`) or the post-image (other than `-`). */
type Side = 'pre' | 'post';

function imageTexts(hunk: Hunk, side: Side): string[] {
  const left = side === 'pre' ? '+' : '-';
  return hunk.lines.filter((line) => line.kind !== left).map((line) => squash(line.text));
}

/** Finds where one image of the hunk sits in `file` (0-based), near the line the header announces for it. */
function locate(file: readonly string[], hunk: Hunk, side: Side): number | undefined {
  const texts = imageTexts(hunk, side);
  if (texts.length === 0) return undefined;
  const matchesAt = (start: number) => texts.every((text, k) => squash(file[start + k] ?? '\u0000') === text);
  const expected = (side === 'pre' ? hunk.oldStart : hunk.newStart) - 1;
  for (let delta = 0; delta <= 400; delta++) {
    if (expected - delta >= 0 && matchesAt(expected - delta)) return expected - delta;
    if (delta > 0 && matchesAt(expected + delta)) return expected + delta;
  }
  return undefined;
}

/**
 * Which image the checkout holds, and where each hunk's lines of that image
 * start in it (undefined: not found). The checkout holds the patch's
 * pre-image (it is about to be applied), or its post-image (a commit of the
 * checkout reviewed in place: `git show HEAD | gpuvm-lens review -`). Decided
 * for the whole file by the hunks only one image of which is found; an image
 * can be found in both (a hunk that only appends lines: its old lines are
 * still there), so those do not vote, and a tie keeps the pre-image.
 */
function checkoutSide(file: readonly string[], hunks: readonly Hunk[]): { side: Side; starts: (number | undefined)[] } {
  const pre = hunks.map((hunk) => locate(file, hunk, 'pre'));
  const post = hunks.map((hunk) => locate(file, hunk, 'post'));
  let votes = 0;
  hunks.forEach((hunk, k) => {
    const inPre = pre[k] !== undefined;
    const inPost = post[k] !== undefined && imageTexts(hunk, 'post').join('\n') !== imageTexts(hunk, 'pre').join('\n');
    if (inPre !== inPost) votes += inPost ? 1 : -1;
  });
  return votes > 0 ? { side: 'post', starts: post } : { side: 'pre', starts: pre };
}

/** A line of a file copy, and the line of the document that added it when an earlier patch of the series did. */
interface SeriesLine {
  readonly text: string;
  readonly origin: number | undefined;
  /** Its line in the checkout, for a line of the checkout's copy the series leaves as it is. */
  readonly fileLine: number | undefined;
}

/**
 * One side's lines of a hunk as the patch spells them. Going forward (`to`
 * 'post'), an added line comes from the document line that adds it; a context
 * line keeps the origin and checkout line of the line it stands for (`old`,
 * the copy's lines the hunk replaces).
 */
function sideLines(hunk: Hunk, to: Side, old: readonly SeriesLine[]): SeriesLine[] {
  const left = to === 'pre' ? '+' : '-';
  const lines: SeriesLine[] = [];
  let oldIndex = 0;
  for (const line of hunk.lines) {
    if (line.kind === left) {
      oldIndex++;
      continue;
    }
    if (line.kind === ' ') {
      const same = old[oldIndex++];
      lines.push({ text: line.text, origin: same?.origin, fileLine: same?.fileLine });
    } else lines.push({ text: line.text, origin: to === 'post' ? line.line : undefined, fileLine: undefined });
  }
  return lines;
}

/**
 * `file` with a diff's hunks applied (`from` 'pre') or reverted (`from`
 * 'post'): each hunk whose `from` lines `locate` finds is replaced by its
 * other side; one not found, or overlapping one placed before it, is left
 * out. Returns the new lines and how many hunks took effect.
 */
function applyHunks(file: readonly SeriesLine[], hunks: readonly Hunk[], from: Side): { lines: SeriesLine[]; applied: number } {
  const to: Side = from === 'pre' ? 'post' : 'pre';
  const texts = file.map((line) => line.text);
  const placed: { start: number; length: number; hunk: Hunk }[] = [];
  // A file the diff creates (`@@ -0,0 +1,n @@`): its lines go into the empty copy.
  const empty = texts.length <= 1 && texts[0] === '';
  for (const hunk of hunks) {
    const length = imageTexts(hunk, from).length;
    const start = length === 0 && empty ? 0 : locate(texts, hunk, from);
    if (start === undefined) continue;
    if (placed.some((other) => start < other.start + other.length && other.start < start + length)) continue;
    placed.push({ start, length, hunk });
  }
  placed.sort((a, b) => a.start - b.start);
  const lines: SeriesLine[] = [];
  let index = 0;
  for (const { start, length, hunk } of placed) {
    for (; index < start; index++) lines.push(file[index] as SeriesLine);
    lines.push(...sideLines(hunk, to, file.slice(start, start + length)));
    index = start + length;
  }
  for (; index < file.length; index++) lines.push(file[index] as SeriesLine);
  return { lines, applied: placed.length };
}

/** The copy of a file one diff of a series is widened against. */
export interface SeriesText extends FileCopy {
  readonly lines: readonly string[];
  /** The checkout's own copy, not one with other diffs of the series applied. */
  readonly inCheckout: boolean;
}

/**
 * The copy of a file each of a series' diffs of it applies to, in series
 * order: a later patch of a series is made against the file as the earlier
 * ones left it, not against the checkout. The checkout holds the file before
 * the series (the earlier diffs are applied to it in turn, and the lines they
 * add remember where the document adds them) or after it (reviewed in place:
 * the later ones are reverted from it, and each diff's copy is the file as it
 * left it, found on its new side as a single commit reviewed in place is);
 * whichever way finds more of the hunks. Lines of the checkout the series leaves alone keep their line in it.
 * A diff more of whose hunks apply to the checkout than where the series has
 * got to (a thread holding two versions of one patch) is widened against the
 * checkout, and the series goes on from there. `checkout` (the checkout's
 * lines) undefined: the series creates the file (the copy starts empty,
 * nothing is the checkout's).
 */
export function seriesTexts(diffs: readonly (readonly Hunk[])[], checkout: readonly string[] | undefined): SeriesText[] {
  const base: SeriesLine[] =
    checkout === undefined
      ? [{ text: '', origin: undefined, fileLine: undefined }]
      : checkout.map((text, index) => ({ text, origin: undefined, fileLine: index + 1 }));
  const walk = (from: Side): { texts: SeriesText[]; found: number } => {
    const order = diffs.map((_, k) => (from === 'pre' ? k : diffs.length - 1 - k));
    const texts: SeriesText[] = new Array<SeriesText>(diffs.length);
    let current: readonly SeriesLine[] = base;
    let inCheckout = true;
    let found = 0;
    for (const k of order) {
      const hunks = diffs[k] as readonly Hunk[];
      let step = applyHunks(current, hunks, from);
      if (step.applied < hunks.length && !inCheckout) {
        const fromCheckout = applyHunks(base, hunks, from);
        if (fromCheckout.applied > step.applied) {
          current = base;
          inCheckout = true;
          step = fromCheckout;
        }
      }
      texts[k] = inCheckout
        ? { lines: checkout ?? [''], inCheckout }
        : {
            lines: current.map((line) => line.text),
            inCheckout,
            fileLines: current.map((line) => line.fileLine),
            origins: current.map((line) => line.origin),
          };
      found += step.applied;
      if (step.applied > 0) {
        current = step.lines;
        inCheckout = false;
      }
    }
    return { texts, found };
  };
  const forward = walk('pre');
  // Every hunk applied from the checkout on: it holds the series' base, no need to try the other way.
  if (forward.found === diffs.reduce((sum, hunks) => sum + hunks.length, 0)) return forward.texts;
  const backward = walk('post');
  return backward.found > forward.found ? backward.texts : forward.texts;
}

/**
 * A line of the file outside every hunk: its line in the checkout where the
 * copy has it there, and the document line that added it when an earlier
 * patch of the series did.
 */
function checkoutRow(file: readonly string[], index: number, copy: FileCopy | undefined): SourceRow {
  const text = file[index] as string;
  const origin = copy?.origins?.[index];
  if (origin !== undefined) return { text, line: 0, changed: false, seriesLine: origin };
  const fileLine = copy?.fileLines ? copy.fileLines[index] : index + 1;
  return fileLine === undefined ? { text, line: 0, changed: false } : { text, line: 0, changed: false, fileLine };
}

/** Where a copy's lines come from (`SeriesText`); without one, the copy is the checkout's own. */
export interface FileCopy {
  /** Per line, its line in the checkout (undefined: not a line of the checkout). */
  readonly fileLines?: readonly (number | undefined)[];
  /** Per line, the document line of an earlier patch of the series that adds it. */
  readonly origins?: readonly (number | undefined)[];
}

/**
 * One image (pre or post) of a whole file with each placed hunk's rows in
 * its place, without a row object per line: `refs[i]` is the checkout line
 * index of row `i`, or `-(h + 1)` for the `h`-th row the hunks bring. Rows
 * are made (`rows`) only for the windows reviewed, so a file's every line
 * costs a few numbers per image, not objects (a series widens one file once
 * per patch).
 */
class MergedImage {
  private readonly refs: number[] = [];
  private readonly hunkRows: SourceRow[] = [];
  /** The hunk each of `hunkRows` comes from. */
  private readonly hunkOf: number[] = [];

  constructor(
    private readonly file: readonly string[],
    private readonly copy: FileCopy | undefined,
  ) {}

  get length(): number {
    return this.refs.length;
  }

  pushCheckout(index: number): void {
    this.refs.push(index);
  }

  pushHunk(row: SourceRow, hunk: number): void {
    this.refs.push(-(this.hunkRows.length + 1));
    this.hunkRows.push(row);
    this.hunkOf.push(hunk);
  }

  text(index: number): string {
    const ref = this.refs[index];
    if (ref === undefined) return '';
    return ref >= 0 ? (this.file[ref] as string) : (this.hunkRows[-ref - 1] as SourceRow).text;
  }

  /**
   * Rows `[from, to)`. A row of the checkout maps to the header line of the
   * file's next hunk (the code the hunk's context follows), or to `last`
   * after the last hunk: the same line whichever hunk's window holds it, so a
   * function two hunks change gives the same finding from both.
   */
  rows(from: number, to: number, hunks: readonly Hunk[], last: number): SourceRow[] {
    const rows: SourceRow[] = new Array<SourceRow>(to - from);
    let next = last;
    // The next hunk row at or after `to` decides the line of the window's trailing checkout rows.
    for (let i = to; i < this.refs.length; i++) {
      const ref = this.refs[i] as number;
      if (ref < 0) {
        next = (hunks[this.hunkOf[-ref - 1] as number] as Hunk).headerLine;
        break;
      }
    }
    for (let i = to - 1; i >= from; i--) {
      const ref = this.refs[i] as number;
      if (ref < 0) {
        const h = -ref - 1;
        next = (hunks[this.hunkOf[h] as number] as Hunk).headerLine;
        rows[i - from] = this.hunkRows[h] as SourceRow;
      } else {
        rows[i - from] = { ...checkoutRow(this.file, ref, this.copy), line: next };
      }
    }
    return rows;
  }
}

/** Rows `[from, to)` of an image, widened to the enclosing function(s): bodies in kernel style open and close with a brace in column 0. */
function functionWindow(image: MergedImage, start: number, end: number): [number, number] {
  const text = (index: number) => image.text(index);
  let from = start;
  while (from > 0 && !/^\{/.test(text(from)) && !/^\}/.test(text(from - 1))) from--;
  if (/^\{/.test(text(from))) {
    // The header above the brace, with the indented lines of a parameter list split over several lines.
    const headerLine = (line: string) =>
      line.trim() !== '' && !/^[}#]/.test(line) && !/;\s*$/.test(line) && (/^\S/.test(line) || /[,()]\s*$/.test(line));
    let top = from;
    while (top > 0 && headerLine(text(top - 1))) top--;
    while (top < from && !/^\S/.test(text(top))) top++;
    from = top;
  } else {
    from = start;
  }
  let to = end;
  while (to < image.length && !/^\}/.test(text(to - 1))) to++;
  return [from, to];
}

/**
 * Widens every hunk of one file to the enclosing function(s), with all the
 * file's hunks applied to the checkout's copy: a function that two hunks
 * change is seen whole on both sides (a `goto` added by one hunk reaches the
 * label another adds). Rows from the checkout are not in the patch: they map
 * to the header line of the file's next hunk, or the last line of its last
 * hunk (the same line in every hunk's window). The checkout may hold the
 * file before the patch or after it (`checkoutSide`); a hunk whose lines of
 * that side are not in it is reviewed from the patch alone. A `copy` says
 * where the lines of a copy with other diffs of a series applied come from
 * (`seriesTexts`): only those of the checkout are cited as its, and one an
 * earlier patch added is cited where that patch adds it.
 */
export function widenedFileImages(hunks: readonly Hunk[], file: readonly string[] | undefined, copy?: FileCopy): HunkImages[] {
  const bases = hunks.map(hunkImages);
  if (file === undefined) return bases;
  const result: HunkImages[] = bases.map((base, k) => {
    const hunk = hunks[k] as Hunk;
    return { ...base, ...(hunk.lines.some((line) => line.kind !== '+') ? { notApplied: true } : {}) };
  });
  // Locate every hunk; keep those that do not overlap one placed before them. In a checkout that
  // already has the patch, a hunk takes the place of its new lines; the lines between hunks are the
  // same on both sides either way.
  const { side, starts } = checkoutSide(file, hunks);
  const placed: { k: number; start: number; length: number }[] = [];
  hunks.forEach((hunk, k) => {
    const start = starts[k];
    if (start === undefined) return;
    const length = imageTexts(hunk, side).length;
    if (placed.some((other) => start < other.start + other.length && other.start < start + length)) return;
    placed.push({ k, start, length });
  });
  placed.sort((a, b) => a.start - b.start);
  // The whole file, old and new, with each hunk's own rows in its place.
  const pre = new MergedImage(file, copy);
  const post = new MergedImage(file, copy);
  const region = new Map<number, { pre: [number, number]; post: [number, number] }>();
  let index = 0;
  for (const { k, start, length } of placed) {
    for (; index < start; index++) {
      pre.pushCheckout(index);
      post.pushCheckout(index);
    }
    const base = bases[k] as HunkImages;
    region.set(k, { pre: [pre.length, pre.length + base.pre.length], post: [post.length, post.length + base.post.length] });
    for (const row of base.pre) pre.pushHunk(row, k);
    for (const row of base.post) post.pushHunk(row, k);
    index = start + length;
  }
  for (; index < file.length; index++) {
    pre.pushCheckout(index);
    post.pushCheckout(index);
  }
  // Rows of the checkout after the last hunk map to the last line of the file's last hunk.
  const lastPlaced = placed[placed.length - 1];
  const lastHunk = lastPlaced ? (hunks[lastPlaced.k] as Hunk) : undefined;
  const last = lastHunk ? (lastHunk.lines[lastHunk.lines.length - 1]?.line ?? lastHunk.headerLine) : 0;
  const window = (image: MergedImage, [start, end]: [number, number]): SourceRow[] | undefined => {
    const [from, to] = functionWindow(image, start, end);
    if (to - from > 5000) return undefined;
    return image.rows(from, to, hunks, last);
  };
  for (const { k } of placed) {
    const { pre: preRegion, post: postRegion } = region.get(k) as { pre: [number, number]; post: [number, number] };
    const preRows = window(pre, preRegion);
    const postRows = window(post, postRegion);
    result[k] = preRows && postRows ? { pre: preRows, post: postRows, widened: true } : (bases[k] as HunkImages);
  }
  return result;
}

/** A function head in column 0: `static int foo_bar(struct foo *f)`. */
const FUNCTION_HEAD = /^[A-Za-z_][\w\s*]*?\b([A-Za-z_]\w*)\s*\([^;]*$/;
/** Rows of a joined window, at most: a larger group is reviewed hunk by hunk. */
const MAX_JOINED_ROWS = 4000;

/** The function a hunk's post-image stops inside, when it stops inside one. */
function functionLeftOpen(hunk: Hunk, post: readonly SourceRow[]): string | undefined {
  if (!buildFragment(post, hunk.section).openEnded) return undefined;
  for (let i = post.length - 1; i >= 0; i--) {
    const head = FUNCTION_HEAD.exec(post[i]?.text ?? '');
    if (head && !/^(?:if|for|while|switch|return)$/.test(head[1] as string)) return head[1];
  }
  return sectionFunction(hunk.section);
}

/** `parts`' rows one after another, each joined to the previous by closing braces and the gap call. */
function joinRows(parts: readonly SourceRow[][], lines: readonly number[]): SourceRow[] {
  const rows: SourceRow[] = [];
  let level = 0;
  let lowest = 0;
  // Depth of the first part's start, from its indentation: the next part's indentation says how many
  // of the blocks open at a gap it is still inside (a `switch` whose cases span several hunks).
  const base = parts[0] ? startDepth(parts[0]) : undefined;
  const comments = parts.map(commentEnds);
  parts.forEach((part, index) => {
    // A hunk may stop inside a block comment (its end in the gap), or start inside one: closed and
    // reopened around the gap here, or the gap call, and the code up to the next comment end, would be
    // read as comment. When one hunk stops inside a comment and the next starts inside one, the lines
    // between them are that comment's: no gap, the comment goes on.
    const inComment = comments[index] as { startsInside: boolean; endsInside: boolean };
    const commentGoesOn = index > 0 && inComment.startsInside && comments[index - 1]?.endsInside === true;
    if (index > 0 && !commentGoesOn) {
      const line = lines[index] as number;
      const target = base === undefined ? undefined : startDepth(part);
      const close =
        base === undefined || target === undefined ? level - lowest : Math.min(level - lowest, Math.max(0, base + level - target));
      // A hunk that starts deeper than the previous one ended (inside a loop or `switch` the gap opened)
      // gets the blocks it closes, or its closing braces would end the function. They stand as loops
      // around unknown code, so a `break` in them goes on after them.
      const open = base === undefined || target === undefined ? 0 : Math.max(0, target - (base + level - close));
      const braces = '}'.repeat(close) + `while (${WINDOW_LOOP}()) {`.repeat(open);
      // The unknown code starts where the previous hunk stopped: inside the blocks the braces close
      // (a loop body's `return` after its unlock), so a path that goes round such a loop goes through it too.
      // A part that stops on a control line whose body is in the gap (`if (IS_ERR(obj))`): the gap's first
      // call is that body, and the second the code after it, so the test's other way goes through unknown
      // code as well instead of skipping straight to the next part.
      if (close > 0 || endsOnBodilessControl(parts[index - 1] as readonly SourceRow[]))
        rows.push({ text: `\t${WINDOW_GAP}();`, line, changed: false, synthetic: true });
      if (braces) rows.push({ text: braces, line, changed: false, synthetic: true });
      rows.push({ text: `\t${WINDOW_GAP}();`, line, changed: false, synthetic: true });
      if (inComment.startsInside) rows.push({ text: '/*', line, changed: false, synthetic: true });
      level += open - close;
    }
    const { end, min } = braceLevels(part);
    lowest = Math.min(lowest, level + min);
    level += end;
    rows.push(...part);
    if (index < parts.length - 1 && inComment.endsInside && comments[index + 1]?.startsInside !== true)
      rows.push({ text: '*/', line: lines[index + 1] as number, changed: false, synthetic: true });
  });
  return rows;
}

/** A control line still waiting for its body: `if (...)`, `else if (...)`, `for (...)`, `while (...)`, `else`. */
const BODILESS_CONTROL = /^\s*(?:}\s*)?(?:(?:else\s+)?if|for|while)\s*\(.*\)\s*(?:\/\*.*\*\/\s*|\/\/.*)?$|^\s*(?:}\s*)?else\s*$/;

/** Whether the last code line of `rows` is a control line whose body the next rows would have to be. */
function endsOnBodilessControl(rows: readonly SourceRow[]): boolean {
  for (let i = rows.length - 1; i >= 0; i--) {
    const text = (rows[i] as SourceRow).text;
    if (text.trim() === '') continue;
    if (!BODILESS_CONTROL.test(text)) return false;
    // The condition must close on this line: `if (a &&` / `    b)` ends an expression, not a header.
    let depth = 0;
    for (const c of text) {
      if (c === '(') depth++;
      else if (c === ')') depth--;
    }
    return depth === 0;
  }
  return false;
}

/**
 * Whether `rows` end inside a block comment, and whether they start inside
 * one (a ` * ` continuation line, or a comment's close before any opening).
 * Strings, character literals and line comments are skipped.
 */
function commentEnds(rows: readonly SourceRow[]): { startsInside: boolean; endsInside: boolean } {
  let inside = false;
  let startsInside = false;
  let seenCode = false;
  for (const row of rows) {
    const text = row.text;
    if (!seenCode && !inside && /^\s*\*(?!\/)/.test(text) && !/^\s*\*\s*\w+\s*[=;(]/.test(text)) {
      // A hunk starting on ` * foo` lines: the middle of a comment the gap opened.
      startsInside = true;
      inside = true;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (inside) {
        if (c === '*' && text[i + 1] === '/') {
          inside = false;
          i++;
        }
        continue;
      }
      if (c === '/' && text[i + 1] === '/') break;
      if (c === '/' && text[i + 1] === '*') {
        inside = true;
        i++;
        continue;
      }
      if (c === '*' && text[i + 1] === '/' && !seenCode) {
        startsInside = true;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
        continue;
      }
      if (c !== ' ' && c !== '\t') seenCode = true;
    }
  }
  return { startsInside, endsInside: inside };
}

/**
 * From the patch alone: consecutive hunks of one function (the next hunk's
 * `@@` section names the function the previous one stops inside) are joined
 * into one window, with the unknown code between them standing as a gap
 * (`WINDOW_GAP`: paths go on through it holding nothing), so a `goto` added
 * in one hunk reaches the label another hunk adds. Each group comes back as
 * one hunk whose lines are all of its hunks' lines.
 */
export function joinedHunkImages(hunks: readonly Hunk[]): { hunk: Hunk; images: HunkImages }[] {
  const groups: Hunk[][] = [];
  let open: string | undefined;
  let rows = 0;
  for (const hunk of hunks) {
    const images = hunkImages(hunk);
    const last = groups[groups.length - 1];
    const joins =
      last !== undefined && open !== undefined && sectionFunction(hunk.section) === open && rows + images.post.length <= MAX_JOINED_ROWS;
    if (joins) last.push(hunk);
    else groups.push([hunk]);
    rows = (joins ? rows : 0) + Math.max(images.pre.length, images.post.length);
    open = functionLeftOpen(hunk, images.post);
  }
  return groups.map((group) => {
    if (group.length === 1) return { hunk: group[0] as Hunk, images: hunkImages(group[0] as Hunk) };
    const images = group.map(hunkImages);
    const lines = group.map((hunk) => hunk.headerLine);
    const first = group[0] as Hunk;
    return {
      hunk: { ...first, lines: group.flatMap((hunk) => hunk.lines), truncated: group.some((hunk) => hunk.truncated) },
      images: {
        pre: joinRows(
          images.map((image) => image.pre),
          lines,
        ),
        post: joinRows(
          images.map((image) => image.post),
          lines,
        ),
        widened: false,
      },
    };
  });
}
