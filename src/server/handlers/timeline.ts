/**
 * `gpuvmLens/timeline`: carries the timeline query (src/ide/timeline.ts);
 * marks take the severity the user's settings give their findings.
 */

import { TimelineRequest, type Timeline, type TimelineParams } from '../../protocol/lsp-ext';
import { timelineOf, type SeverityOf } from '../../ide/timeline';
import { findingToDiagnostic } from '../convert';
import { guard, type ServerContext } from '../context';

export function register(ctx: ServerContext): void {
  ctx.connection.onRequest(
    TimelineRequest,
    guard<TimelineParams, Timeline | null>(ctx, TimelineRequest.method, null, async (params, token) => {
      const snapshot = await ctx.store.indexedSnapshot(params.textDocument.uri, token);
      if (!snapshot) return null;
      const config = ctx.config();
      const severityOf: SeverityOf = (finding) => {
        const diagnostic = findingToDiagnostic(finding, snapshot.uri, snapshot.lines, config);
        return diagnostic ? (diagnostic.severity ?? 2) : undefined;
      };
      return timelineOf(snapshot, severityOf, params);
    }),
  );
}
