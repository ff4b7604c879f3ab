/**
 * Rules as data: every finding GPUVM Lens reports comes from
 * a rule declared with `defineRule`, carrying a stable kebab-case ID, a
 * one-sentence summary, a default severity, tags and message templates. The
 * docs location is derived from the ID, never written by hand.
 *
 * Findings are plain data with 1-based lines and columns into the analyzed
 * file; the server turns them into LSP diagnostics, the CLI into text, JSON
 * or SARIF. Nothing here knows about either.
 */
import type { MessageHead } from '../parse/patch/mail-lines';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface RelatedLocation {
  /** Another file, when the related event is not in the analyzed one. */
  readonly path?: string;
  readonly line: number;
  readonly message: string;
}

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
  /** 1-based. */
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly related: readonly RelatedLocation[];
  /**
   * The message of a series (an mbox, a thread) the finding is in, when the
   * reviewed document holds several: which patch a reply or a bot answers.
   */
  readonly patch?: FindingPatch;
}

/** A message of a series, as a finding names it (its head as `parse/patch/mail-lines.ts` reads it, without the author). */
export type FindingPatch = Omit<MessageHead, 'from'>;

export interface RuleMeta<M extends string = string> {
  readonly id: string;
  readonly summary: string;
  readonly defaultSeverity: Severity;
  readonly tags: readonly string[];
  /** messageId -> template; `{name}` placeholders are filled from `data`. */
  readonly messages: Readonly<Record<M, string>>;
}

export interface Rule<M extends string = string> extends RuleMeta<M> {
  /** The rule's page, package-relative (`docsUrlFor`). */
  readonly docsUrl: string;
  /** Builds a finding of this rule. */
  report(at: FindingSpan, messageId: M, data?: Readonly<Record<string, string | number>>, related?: readonly RelatedLocation[]): Finding;
}

export interface FindingSpan {
  readonly line: number;
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
}

/**
 * Where a rule's page is, relative to the package root. The pages travel with
 * the tool (the npm package and the .vsix both ship docs/rules/), so a link
 * never points at a web site that may not exist. This is the one place that
 * says where a rule's documentation lives; every consumer derives from it.
 */
export function ruleDocPath(id: string): string {
  return `docs/rules/${id}.md`;
}

/**
 * A rule's page as a link: under `packageRootUri` (a `file:` URI of the
 * installed package, which only the node-side layers know) when given, else
 * the package-relative path of `ruleDocPath`.
 */
export function docsUrlFor(id: string, packageRootUri?: string): string {
  return packageRootUri === undefined ? ruleDocPath(id) : `${packageRootUri.replace(/\/+$/, '')}/${ruleDocPath(id)}`;
}

function fill(template: string, data: Readonly<Record<string, string | number>> | undefined): string {
  if (!data) return template;
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in data ? String(data[key]) : whole));
}

export function defineRule<M extends string>(meta: RuleMeta<M>): Rule<M> {
  return {
    ...meta,
    docsUrl: docsUrlFor(meta.id),
    report(at, messageId, data, related = []) {
      return {
        rule: meta.id,
        severity: meta.defaultSeverity,
        message: fill(meta.messages[messageId], data),
        line: at.line,
        column: at.column ?? 1,
        endLine: at.endLine ?? at.line,
        endColumn: at.endColumn ?? at.column ?? 1,
        related,
      };
    },
  };
}
