/**
 * What a patch rule sees: one hunk of C, with the functions of its pre-image
 * (context and removed lines) and of its post-image (context and added
 * lines), each with its control-flow view, the patch line of every row, and
 * the resource paths already walked.
 *
 * A rule reports issues against rows of one function view; the patch
 * analyzer keeps an issue of the post-image only when it involves a line the
 * patch adds and the same issue (same key) is not already in the pre-image,
 * and turns an issue of the pre-image that the post-image no longer has into
 * an info finding saying what the patch fixes.
 */

import { regExpLiteral } from '../../base/regexp-literal';
import type { FunctionIr } from '../../parse/c/function-ir';
import type { SourceRow } from '../../parse/c/fragment';
import type { Hunk } from '../../parse/patch/parse-patch';
import type { Rule } from '../rule';
import type { LockFacts } from './lock-facts';
import type { PairIndex } from './resource-pairs';
import type { PathResult } from './resource-paths';
import type { ErrnoFunctions } from './errno-functions';
import type { FailureStyles } from './failure-styles';
import type { ManagedMemory } from './managed-memory';
import type { NullBeliefs } from './null-beliefs';
import type { UntakenUnlocks } from './untaken-unlocks';
import type { CompleteFills, PartialFills } from './partial-fills';
import { withoutComments } from '../../parse/c/c-text';

export type ImageSide = 'pre' | 'post';

export interface FunctionView {
  readonly ir: FunctionIr;
  /** Fragment row → source row (undefined for synthetic rows). */
  readonly rows: readonly (SourceRow | undefined)[];
  readonly paths: PathResult;
  /** The file the function is in, as the patch names it. */
  readonly file?: string;
}

export interface HunkReview {
  readonly path: string;
  readonly hunk: Hunk;
  readonly pre: readonly FunctionView[];
  readonly post: readonly FunctionView[];
  readonly pairs: PairIndex;
  /** Lock order and field beliefs learned from the patch and the tree. */
  readonly locks: LockFacts;
  /** Every line the patch adds (in any hunk), white space removed, joined: to see code moved elsewhere. */
  readonly patchAddedText: string;
  /** Every line the patch removes, likewise. */
  readonly patchRemovedText: string;
  /** Functions the patch's code shows failing with a negative errno (`errno-functions.ts`). */
  readonly errnoFunctions?: ErrnoFunctions;
  /** What the code tests for NULL: lookups and fields (`null-beliefs.ts`). */
  readonly nullBeliefs?: NullBeliefs;
  /** How pointer functions fail, error pointer or NULL (`failure-styles.ts`). */
  readonly failureStyles?: FailureStyles;
  /** Fields filled by devm_/drmm_ allocators and fields freed plainly (`managed-memory.ts`). */
  readonly managedMemory?: ManagedMemory;
  /** Functions whose result some caller keeps (`ret = f(...)`), in the patch or the files it touches: they report failure. */
  readonly keptResults?: ReadonlySet<string>;
  /** Functions the patch's hunks define or change: C functions, not macros, so they cannot assign a bare argument. */
  readonly definedFunctions?: ReadonlySet<string>;
  /** Functions some hunk defines before the patch and none after it: the patch deletes them. */
  readonly removedFunctions?: ReadonlySet<string>;
  /** Locks the patch's functions release without taking them, per side (`untaken-unlocks.ts`). */
  readonly untakenUnlocks: Readonly<Record<ImageSide, UntakenUnlocks>>;
  /** Out-parameters the patch's void functions may leave unwritten, per side (`partial-fills.ts`). */
  readonly partialFills?: Readonly<Record<ImageSide, PartialFills>>;
  /** Out-parameters the patch's whole functions store through on every path, per side (`partial-fills.ts`). */
  readonly completeFills?: Readonly<Record<ImageSide, CompleteFills>>;
}

export interface PatchIssue {
  readonly view: FunctionView;
  /** Identity used to match the same issue across the pre- and post-image. */
  readonly key: string;
  readonly row: number;
  readonly column?: number;
  readonly messageId: string;
  readonly data: Readonly<Record<string, string | number>>;
  readonly related: readonly { readonly row: number; readonly message: string }[];
}

export interface PatchRuleCheck {
  readonly rule: Rule;
  /** The message id for the info finding when a patch removes the problem; none: no fix report. */
  readonly fixedMessage?: string;
  check(review: HunkReview, side: ImageSide): PatchIssue[];
}

export function rowChanged(view: FunctionView, row: number): boolean {
  return view.rows[row]?.changed ?? false;
}

/**
 * A row's line for a message: its line in the patch, and for a line of the
 * checkout the patch does not show, where it is in the checkout too
 * (`30 (drivers/gpu/drm/foo/foo_ctx.c:112 in the checkout)`): the patch line
 * alone would point at the nearest hunk, not at the code. A line an earlier
 * patch of the series adds is cited where the document adds it.
 */
export function rowLine(view: FunctionView, row: number): number | string {
  return sourceRowLine(view.rows[row], view.file);
}

/** `rowLine` for a row of a file's image outside any view (`file`: its path in the checkout). */
export function sourceRowLine(source: SourceRow | undefined, file: string | undefined): number | string {
  if (!source) return 0;
  if (source.seriesLine !== undefined) return source.seriesLine;
  if (source.fileLine === undefined) return source.line;
  return `${source.line} (${file ? `${file}:` : 'line '}${source.fileLine} in the checkout)`;
}

/** The width of a line's indentation, a tab counting 8 columns as the kernel's style has it. */
export function indentWidth(text: string): number {
  return (/^\s*/.exec(text)?.[0] ?? '').replace(/\t/g, '        ').length;
}

export function rowText(view: FunctionView, row: number): string {
  // Comments are dropped: messages quote code.
  return withoutComments(view.rows[row]?.text ?? '').trim();
}

/** Function name for messages. */
export function functionLabel(view: FunctionView): string {
  return view.ir.name ? `${view.ir.name}()` : 'this function';
}

/**
 * The body of `fn` as the patch's added code defines it, white space removed
 * (`patchAddedText`), or undefined when the patch does not add it. In that
 * text a definition is the name, a parameter list without calls in it, and a
 * brace; a call is followed by `;` or an operator instead.
 */
export function addedBody(review: HunkReview, fn: string): string | undefined {
  const text = review.patchAddedText;
  const header = new RegExp(`(?<![>.])${regExpLiteral(fn)}\\([^;{}()]*\\)\\n?\\{`).exec(text);
  if (!header) return undefined;
  let depth = 0;
  let end = text.length;
  for (let i = header.index + header[0].length - 1; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) {
      end = i;
      break;
    }
  }
  return text.slice(header.index + header[0].length, end);
}
