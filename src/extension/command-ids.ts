/**
 * Every command the extension registers. The command table in
 * `commands/index.ts` is typed as a total map over these ids, so a command
 * cannot be registered without being listed here, and a drift test
 * (test/meta/commands.test.ts) checks this list against package.json
 * `contributes.commands` both ways. No `vscode` import: tests load it.
 */

import { CLIENT_COMMANDS } from '../protocol/lsp-ext';

export const COMMAND_IDS = {
  analyzeTraceFile: 'gpuvmLens.analyzeTraceFile',
  /** Also invoked by the server's code lenses, hence shared through the protocol. */
  showVaSpace: CLIENT_COMMANDS.showVaSpace,
  showTimeline: CLIENT_COMMANDS.showTimeline,
  analyzeAs: 'gpuvmLens.analyzeAs',
  compareDumps: 'gpuvmLens.compareDumps',
  reviewPatch: 'gpuvmLens.reviewPatch',
  reviewCommits: 'gpuvmLens.reviewCommits',
  exportSarif: 'gpuvmLens.exportSarif',
  copyCaptureRecipe: 'gpuvmLens.copyCaptureRecipe',
  restartServer: 'gpuvmLens.restartServer',
  setLanguageTrace: 'gpuvmLens.setLanguageTrace',
  revealFinding: 'gpuvmLens.findings.reveal',
  clearFindings: 'gpuvmLens.findings.clear',
} as const;

export type CommandKey = keyof typeof COMMAND_IDS;

/** Context key set while the findings view holds results of files analyzed from disk. */
export const HAS_FILE_FINDINGS_CONTEXT = 'gpuvmLens.hasFileFindings';

/** The findings tree view's id (package.json `contributes.views`). */
export const FINDINGS_VIEW_ID = 'gpuvmLens.findings';
