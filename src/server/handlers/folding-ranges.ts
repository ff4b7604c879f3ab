/**
 * Folding ranges: VM sections and comment paragraphs of a script, mails,
 * files and hunks of a patch, VM blocks of a dump, the header of a trace.
 * Computed from the text alone, so folding works before the analysis ends.
 */

import { FoldingRangeKind, type FoldingRange, type FoldingRangeParams } from 'vscode-languageserver';
import { kindOfDocument } from '../documents';
import { guard, type ServerContext } from '../context';
import type { LineSource } from '../../ide/line-source';
import { dumpOutline, outlineFolds, patchOutline, traceHeaderFold, type Fold } from '../../ide/text-outline';

/** Script folds: each `vm` line up to the next, and each `#` comment with the commands under it up to a blank line. */
export function scriptFolds(lines: LineSource): Fold[] {
  const folds: Fold[] = [];
  let vmStart = -1;
  let paragraph = -1;
  let lastNonBlank = -1;
  const closeParagraph = (): void => {
    if (paragraph >= 0 && lastNonBlank > paragraph) folds.push({ start: paragraph, end: lastNonBlank });
    paragraph = -1;
  };
  for (let n = 0; n < lines.lineCount; n++) {
    const text = lines.line(n).trim();
    if (text === '') {
      closeParagraph();
      continue;
    }
    if (text.startsWith('#') && paragraph < 0) paragraph = n;
    if (/^vm\s/.test(text)) {
      if (vmStart >= 0 && lastNonBlank > vmStart) folds.push({ start: vmStart, end: lastNonBlank });
      vmStart = n;
    }
    lastNonBlank = n;
  }
  closeParagraph();
  if (vmStart >= 0 && lastNonBlank > vmStart) folds.push({ start: vmStart, end: lastNonBlank });
  return folds;
}

export function foldsFor(kind: string, lines: LineSource): Fold[] {
  switch (kind) {
    case 'script':
      return scriptFolds(lines);
    case 'patch':
      return outlineFolds(patchOutline(lines));
    case 'dump':
      return outlineFolds(dumpOutline(lines));
    case 'trace':
      return traceHeaderFold(lines);
    default:
      return [];
  }
}

export function register(ctx: ServerContext): void {
  ctx.connection.onFoldingRanges(
    guard<FoldingRangeParams, FoldingRange[]>(ctx, 'textDocument/foldingRange', [], (params) => {
      const uri = params.textDocument.uri;
      const lines = ctx.store.lines(uri);
      if (!lines) return [];
      const kind = ctx.store.latest(uri)?.kind ?? kindOfDocument(lines.text ?? lines.line(0), uri, '');
      return foldsFor(kind, lines).map((fold) => ({
        startLine: fold.start,
        endLine: fold.end,
        ...(fold.comment ? { kind: FoldingRangeKind.Comment } : {}),
      }));
    }),
  );
}
