/**
 * Turns domain findings (1-based lines and columns, rule ids) into LSP
 * diagnostics: `code` is the rule id, `codeDescription.href` the rule's docs
 * page, `source` is `gpuvm-lens`, related locations become
 * `relatedInformation`, and the user's per-rule level overrides apply here.
 *
 * Invariants: ranges are clamped into the document; a finding without a
 * column span covers its whole line (a zero-width squiggle is invisible in
 * most editors); at most `maxPerFile` diagnostics are produced, plus one
 * summary diagnostic saying how many were left out.
 */

import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import { ruleById } from '../rules/index';
import type { Finding, Severity } from '../rules/rule';
import type { GpuvmLensConfig, RuleLevel } from '../protocol/config';
import type { LineSource } from '../ide/line-source';
import { ruleDocHref } from './rule-docs';

export const DIAGNOSTIC_SOURCE = 'gpuvm-lens';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** Rules whose findings mark lines that have no effect: editors fade them. */
const UNNECESSARY_RULES = new Set(['script-bad-command']);

function levelFor(finding: Finding, rules: Readonly<Record<string, RuleLevel>>): Severity | undefined {
  const level = rules[finding.rule];
  if (level === 'off') return undefined;
  return level ?? finding.severity;
}

function uriForRelated(path: string | undefined, documentUri: string): string {
  if (path === undefined) return documentUri;
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) && !/^[a-z]:[\\/]/i.test(path)) return path;
  return pathToFileURL(path).toString();
}

function lineRange(lines: LineSource, line0: number) {
  const clamped = Math.max(0, Math.min(line0, Math.max(0, lines.lineCount - 1)));
  return { start: { line: clamped, character: 0 }, end: { line: clamped, character: lines.line(clamped).length } };
}

export function findingToDiagnostic(finding: Finding, uri: string, lines: LineSource, config: GpuvmLensConfig): Diagnostic | undefined {
  const severity = levelFor(finding, config.rules);
  if (!severity) return undefined;
  const whole = lineRange(lines, finding.line - 1);
  const sameLine = finding.endLine === finding.line;
  const hasSpan = !sameLine || finding.endColumn > finding.column;
  const range = hasSpan
    ? {
        start: { line: whole.start.line, character: Math.max(0, finding.column - 1) },
        end: {
          line: Math.max(whole.start.line, Math.min(finding.endLine - 1, lines.lineCount - 1)),
          character: Math.max(0, finding.endColumn - 1),
        },
      }
    : whole;
  const rule = ruleById(finding.rule);
  const related: DiagnosticRelatedInformation[] = finding.related.map((location) => {
    const relatedUri = uriForRelated(location.path, uri);
    const relatedRange =
      relatedUri === uri
        ? lineRange(lines, location.line - 1)
        : { start: { line: location.line - 1, character: 0 }, end: { line: location.line - 1, character: 0 } };
    return { location: { uri: relatedUri, range: relatedRange }, message: location.message };
  });
  const diagnostic: Diagnostic = {
    range,
    severity: SEVERITY[severity],
    code: finding.rule,
    source: DIAGNOSTIC_SOURCE,
    message: finding.message,
    ...(rule ? { codeDescription: { href: ruleDocHref(rule.id) } } : {}),
    ...(related.length ? { relatedInformation: related } : {}),
    ...(UNNECESSARY_RULES.has(finding.rule) ? { tags: [DiagnosticTag.Unnecessary] } : {}),
  };
  return diagnostic;
}

export interface DiagnosticSet {
  readonly diagnostics: Diagnostic[];
  /** Findings that survived the level overrides (shown or not). */
  readonly total: number;
}

/**
 * `lines` reading each line at most once: a file analyzed from disk reads a
 * line back with its own open and read, and findings often point at the same
 * lines (a finding's line is another's related location; on a 1M-line trace
 * 1,754 reads were of 1,256 lines). Lives for one conversion only.
 */
function rememberingLines(lines: LineSource): LineSource {
  if (lines.text !== undefined) return lines;
  const read = new Map<number, string>();
  return {
    lineCount: lines.lineCount,
    text: undefined,
    line(n) {
      let text = read.get(n);
      if (text === undefined) {
        text = lines.line(n);
        read.set(n, text);
      }
      return text;
    },
    range: (from, to) => lines.range(from, to),
  };
}

/** Converts findings in line order, keeping at most `config.maxDiagnosticsPerFile` of them. */
export function findingsToDiagnostics(
  findings: readonly Finding[],
  uri: string,
  lines: LineSource,
  config: GpuvmLensConfig,
): DiagnosticSet {
  const sorted = [...findings].sort((a, b) => a.line - b.line || a.column - b.column);
  lines = rememberingLines(lines);
  const diagnostics: Diagnostic[] = [];
  let total = 0;
  for (const finding of sorted) {
    const diagnostic = findingToDiagnostic(finding, uri, lines, config);
    if (!diagnostic) continue;
    total++;
    if (diagnostics.length < config.maxDiagnosticsPerFile) diagnostics.push(diagnostic);
  }
  if (total > diagnostics.length) {
    diagnostics.push({
      range: lineRange(lines, 0),
      severity: DiagnosticSeverity.Information,
      source: DIAGNOSTIC_SOURCE,
      code: 'findings-truncated',
      message: `${total - diagnostics.length} more findings are not shown (gpuvmLens.diagnostics.maxPerFile is ${config.maxDiagnosticsPerFile}); \`gpuvm-lens check\` lists them all.`,
    });
  }
  return { diagnostics, total };
}
