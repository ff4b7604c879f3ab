/**
 * Renders analysis results for the command line: `text` (gcc / checkpatch
 * --emacs shape), `json` (the document README.md describes under "Traces") and SARIF 2.1.0 (src/report).
 */

import type { AnalysisResult } from '../analysis/document';
import type { Finding } from '../rules/rule';
import { sarifFindingOf, toSarif } from '../report/sarif';
import { ruleDocHref } from '../server/rule-docs';
import { VERSION } from './version';

export type OutputFormat = 'text' | 'json' | 'sarif';

export interface FileResult {
  readonly path: string;
  readonly result: AnalysisResult;
}

function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
}

export function renderText(files: readonly FileResult[]): string {
  const lines: string[] = [];
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const { path, result } of files) {
    for (const finding of sortFindings(result.findings)) {
      lines.push(`${path}:${finding.line}:${finding.column}: ${finding.severity}: ${finding.message} [${finding.rule}]`);
      if (finding.severity === 'error') errors++;
      else if (finding.severity === 'warning') warnings++;
      else infos++;
    }
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(`${plural(files.length, 'file')} analyzed: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}, ${infos} info`);
  return lines.join('\n') + '\n';
}

export function renderJson(files: readonly FileResult[]): string {
  const document = {
    tool: { name: 'gpuvm-lens', version: VERSION },
    files: files.map(({ path, result }) => ({ path, kind: result.kind, stats: result.stats })),
    findings: files.flatMap(({ path, result }) =>
      sortFindings(result.findings).map((finding) => ({
        rule: finding.rule,
        severity: finding.severity === 'hint' ? 'info' : finding.severity,
        message: finding.message,
        path,
        line: finding.line,
        column: finding.column,
        endLine: finding.endLine,
        endColumn: finding.endColumn,
        related: finding.related.map((related) => ({ path: related.path ?? path, line: related.line, message: related.message })),
        ...(finding.patch ? { patch: finding.patch } : {}),
      })),
    ),
  };
  return JSON.stringify(document, null, 2) + '\n';
}

/** SARIF through the writer the editor's export uses too, with links to the installed rule pages. */
export function renderSarif(files: readonly FileResult[]): string {
  const findings = files.flatMap(({ path, result }) => result.findings.map((finding) => sarifFindingOf(path, finding)));
  return toSarif(findings, { toolVersion: VERSION, helpUri: ruleDocHref, artifacts: files.map(({ path }) => path) });
}

export function render(format: OutputFormat, files: readonly FileResult[]): string {
  return format === 'json' ? renderJson(files) : format === 'sarif' ? renderSarif(files) : renderText(files);
}

/** 1 when any finding is a warning or an error (README.md, "The command line": exit codes). */
export function exitCodeFor(files: readonly FileResult[]): number {
  return files.some(({ result }) => result.findings.some((f) => f.severity === 'error' || f.severity === 'warning')) ? 1 : 0;
}
