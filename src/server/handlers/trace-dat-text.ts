/**
 * `gpuvmLens/traceDatText`: a binary `trace.dat` as the text of its
 * `trace-cmd report`, for the editor's read-only view of it
 * (src/protocol/lsp-ext.ts). The lines come from the one reader
 * (src/host/trace-dat-file.ts), so the view, `gpuvm-lens check` and Analyze
 * Trace File… see the same lines.
 */

import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import { TraceDatTextRequest, type TraceDatTextParams, type TraceDatTextResult } from '../../protocol/lsp-ext';
import { isTraceDatFile, openTraceDatLines } from '../../host/trace-dat-file';
import { guard, type ServerContext } from '../context';
import { pathOfUri } from '../documents';

/** Lines shown by default: about 40 MB of text, which the editor still handles. */
export const TRACE_DAT_VIEW_LINES = 250_000;

export function traceDatText(params: TraceDatTextParams): TraceDatTextResult {
  const path = pathOfUri(params.path);
  if (!isTraceDatFile(path)) throw new ResponseError(ErrorCodes.InvalidParams, `${path} is not a trace-cmd trace.dat`);
  const max = Math.max(1, params.maxLines ?? TRACE_DAT_VIEW_LINES);
  const file = openTraceDatLines(path);
  const shown: string[] = [];
  let total = 0;
  try {
    for (const line of file.lines) {
      if (total++ < max) shown.push(line.text);
    }
  } finally {
    file.close();
  }
  if (total > max) shown.push(`# … ${total - max} more lines: GPUVM: Analyze Trace File… reads the whole capture.`);
  return { text: shown.join('\n') + '\n', lines: Math.min(total, max), totalLines: total };
}

export function register(ctx: ServerContext): void {
  ctx.connection.onRequest(
    TraceDatTextRequest,
    guard<TraceDatTextParams, TraceDatTextResult | null>(ctx, 'gpuvmLens/traceDatText', null, async (params) => traceDatText(params)),
  );
}
