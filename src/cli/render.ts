/**
 * Renders analysis results for the command line: `text` (gcc / checkpatch
 * --emacs shape), `json` (README.md, "The command line") and SARIF 2.1.0.
 */

import type { AnalysisResult } from '../analysis/document';
import { ruleById } from '../rules/index';
import { docsUrlFor, type Finding } from '../rules/rule';
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
  lines.push(
    `${plural(files.length, 'file')} analyzed: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}, ${infos} info`,
  );
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
      })),
    ),
  };
  return JSON.stringify(document, null, 2) + '\n';
}

function sarifLevel(severity: Finding['severity']): string {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

export function renderSarif(files: readonly FileResult[]): string {
  const used = [...new Set(files.flatMap(({ result }) => result.findings.map((finding) => finding.rule)))].sort();
  const rules = used.map((id) => {
    const rule = ruleById(id);
    return {
      id,
      shortDescription: { text: rule?.summary ?? id },
      helpUri: rule?.docsUrl ?? docsUrlFor(id),
      defaultConfiguration: { level: sarifLevel(rule?.defaultSeverity ?? 'warning') },
      properties: { tags: rule?.tags ?? [] },
    };
  });
  const location = (path: string, line: number, column = 1, endLine = line, endColumn = column, message?: string) => ({
    physicalLocation: {
      artifactLocation: { uri: path },
      region: { startLine: line, startColumn: column, endLine, endColumn: Math.max(endColumn, column) },
    },
    ...(message ? { message: { text: message } } : {}),
  });
  const results = files.flatMap(({ path, result }) =>
    sortFindings(result.findings).map((finding) => ({
      ruleId: finding.rule,
      ruleIndex: rules.findIndex((rule) => rule.id === finding.rule),
      level: sarifLevel(finding.severity),
      message: { text: finding.message },
      locations: [location(path, finding.line, finding.column, finding.endLine, finding.endColumn)],
      relatedLocations: finding.related.map((related, index) => ({
        id: index + 1,
        ...location(related.path ?? path, related.line, 1, related.line, 1, related.message),
      })),
      ...(finding.related.length > 0
        ? {
            codeFlows: [
              {
                threadFlows: [
                  {
                    locations: [
                      ...finding.related.map((related) => ({
                        location: location(related.path ?? path, related.line, 1, related.line, 1, related.message),
                      })),
                      { location: location(path, finding.line, finding.column, finding.endLine, finding.endColumn, finding.message) },
                    ],
                  },
                ],
              },
            ],
          }
        : {}),
    })),
  );
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'gpuvm-lens',
            version: VERSION,
            informationUri: 'https://gpuvm-lens.github.io/gpuvm-lens/',
            rules,
          },
        },
        artifacts: files.map(({ path }) => ({ location: { uri: path } })),
        results,
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

export function render(format: OutputFormat, files: readonly FileResult[]): string {
  return format === 'json' ? renderJson(files) : format === 'sarif' ? renderSarif(files) : renderText(files);
}

/** 1 when any finding is a warning or an error (README.md, "The command line": exit codes). */
export function exitCodeFor(files: readonly FileResult[]): number {
  return files.some(({ result }) => result.findings.some((f) => f.severity === 'error' || f.severity === 'warning')) ? 1 : 0;
}
