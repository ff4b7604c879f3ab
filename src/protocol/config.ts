/**
 * The settings of GPUVM Lens: their schema and defaults. This module is the
 * single source of truth; the extension's `contributes.configuration` in
 * package.json declares the same keys and a drift test compares the two, and
 * the language server reads its configuration through `readConfig`.
 *
 * Invariants: every setting has a key under `gpuvmLens.`, a scope, a
 * markdown description and a default; `readConfig` never throws and falls back
 * to the default for any value of the wrong shape, so a typo in a user's
 * settings degrades one setting, never the server.
 */

/** What a rule's severity can be overridden to (`off` drops its findings). */
export type RuleLevel = 'off' | 'error' | 'warning' | 'info' | 'hint';

export const RULE_LEVELS: readonly RuleLevel[] = ['off', 'error', 'warning', 'info', 'hint'];

export interface GpuvmLensConfig {
  /** Rule id -> level override. */
  readonly rules: Readonly<Record<string, RuleLevel>>;
  /** At most this many diagnostics per document; the rest are summarised by one diagnostic. */
  readonly maxDiagnosticsPerFile: number;
  readonly inlayHintsEnabled: boolean;
  readonly codeLensEnabled: boolean;
  /** Quiet time after an edit before the document is analyzed again. */
  readonly analysisDebounceMs: number;
  /** Documents with more lines than this are analyzed in the background with progress. */
  readonly backgroundThresholdLines: number;
  /** Patch review's kernel checkout: '' finds it (the patch's own checkout, else a workspace folder), 'off' uses none, else a path. */
  readonly reviewKernelTree: string;
}

export const DEFAULT_CONFIG: GpuvmLensConfig = {
  rules: {},
  maxDiagnosticsPerFile: 1000,
  inlayHintsEnabled: true,
  codeLensEnabled: true,
  analysisDebounceMs: 200,
  backgroundThresholdLines: 50_000,
  reviewKernelTree: '',
};

export type SettingScope = 'application' | 'machine' | 'window' | 'resource' | 'language-overridable' | 'machine-overridable';

/** One setting as package.json's `contributes.configuration` declares it. */
export interface SettingSpec {
  readonly key: string;
  readonly type: 'boolean' | 'number' | 'string' | 'object';
  readonly default: unknown;
  readonly scope: SettingScope;
  readonly markdownDescription: string;
  readonly enum?: readonly string[];
  readonly enumDescriptions?: readonly string[];
  readonly minimum?: number;
  /** For `object` settings: the schema of each property's value. */
  readonly additionalProperties?: { readonly type: 'string'; readonly enum: readonly string[] };
}

/** The configuration section the server asks the client for. */
export const CONFIG_SECTION = 'gpuvmLens';

export const SETTINGS: readonly SettingSpec[] = [
  {
    key: 'gpuvmLens.rules',
    type: 'object',
    default: {},
    scope: 'resource',
    markdownDescription:
      'Per-rule severity overrides, for example `{ "zero-range-request": "off" }`. Each value is one of `off`, `error`, `warning`, `info`, `hint`.',
    additionalProperties: { type: 'string', enum: RULE_LEVELS },
  },
  {
    key: 'gpuvmLens.diagnostics.maxPerFile',
    type: 'number',
    default: DEFAULT_CONFIG.maxDiagnosticsPerFile,
    minimum: 1,
    scope: 'resource',
    markdownDescription:
      'At most this many findings of one file are shown as diagnostics; one more diagnostic on line 1 says how many were left out (`gpuvm-lens check` lists them all).',
  },
  {
    key: 'gpuvmLens.inlayHints.enabled',
    type: 'boolean',
    default: DEFAULT_CONFIG.inlayHintsEnabled,
    scope: 'resource',
    markdownDescription: 'Show the operations each GPUVM script command produced at the end of its line.',
  },
  {
    key: 'gpuvmLens.codeLens.enabled',
    type: 'boolean',
    default: DEFAULT_CONFIG.codeLensEnabled,
    scope: 'resource',
    markdownDescription: 'Show a code lens above each VM with its live mappings, its findings and a link to its VA-space map.',
  },
  {
    key: 'gpuvmLens.analysis.debounceMs',
    type: 'number',
    default: DEFAULT_CONFIG.analysisDebounceMs,
    minimum: 0,
    scope: 'window',
    markdownDescription: 'Milliseconds of quiet after an edit before the document is analyzed again.',
  },
  {
    key: 'gpuvmLens.analysis.backgroundThresholdLines',
    type: 'number',
    default: DEFAULT_CONFIG.backgroundThresholdLines,
    minimum: 1,
    scope: 'window',
    markdownDescription: 'Documents with more lines than this are analyzed in the background, in slices, with a progress notification.',
  },
  {
    key: 'gpuvmLens.review.kernelTree',
    type: 'string',
    default: DEFAULT_CONFIG.reviewKernelTree,
    scope: 'resource',
    markdownDescription:
      'The kernel checkout patches are reviewed against (whole functions before and after each hunk). Empty: the checkout the patch file is in, else the first workspace folder that is one, as `gpuvm-lens review` uses the checkout it runs in. `off`: review from the patch alone (`--no-tree`). Otherwise a path.',
  },
  {
    key: 'gpuvmLens.trace.server',
    type: 'string',
    default: 'off',
    enum: ['off', 'messages', 'verbose'],
    enumDescriptions: ['No protocol log.', 'Log the name of each message.', 'Log each message with its parameters.'],
    scope: 'window',
    markdownDescription: 'Logs the messages between the editor and the GPUVM Lens language server in its output channel.',
  },
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOr(value: unknown, fallback: number, minimum: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= minimum ? value : fallback;
}

function booleanOr(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

/**
 * Reads the `gpuvmLens` section as a client returns it (nested objects, as
 * `workspace/configuration` answers, or flat dotted keys). Unknown keys are
 * ignored and malformed values fall back to their defaults.
 */
export function readConfig(section: unknown): GpuvmLensConfig {
  if (!isRecord(section)) return DEFAULT_CONFIG;
  const get = (path: string): unknown => {
    if (path in section) return section[path];
    let node: unknown = section;
    for (const part of path.split('.')) {
      if (!isRecord(node)) return undefined;
      node = node[part];
    }
    return node;
  };
  const rules: Record<string, RuleLevel> = {};
  const rawRules = get('rules');
  if (isRecord(rawRules)) {
    for (const [id, level] of Object.entries(rawRules)) {
      if (typeof level === 'string' && (RULE_LEVELS as readonly string[]).includes(level)) rules[id] = level as RuleLevel;
    }
  }
  return {
    rules,
    maxDiagnosticsPerFile: numberOr(get('diagnostics.maxPerFile'), DEFAULT_CONFIG.maxDiagnosticsPerFile, 1),
    inlayHintsEnabled: booleanOr(get('inlayHints.enabled'), DEFAULT_CONFIG.inlayHintsEnabled),
    codeLensEnabled: booleanOr(get('codeLens.enabled'), DEFAULT_CONFIG.codeLensEnabled),
    analysisDebounceMs: numberOr(get('analysis.debounceMs'), DEFAULT_CONFIG.analysisDebounceMs, 0),
    backgroundThresholdLines: numberOr(get('analysis.backgroundThresholdLines'), DEFAULT_CONFIG.backgroundThresholdLines, 1),
    reviewKernelTree:
      typeof get('review.kernelTree') === 'string' ? (get('review.kernelTree') as string).trim() : DEFAULT_CONFIG.reviewKernelTree,
  };
}

/**
 * Old-space limit (MB) the language server runs with when the extension
 * starts it. The server's working set is bounded by its own budgets
 * (checkpoints are thinned, the object index caps itself), about 125 MB on a
 * 1M-line trace; without a limit V8 lets the heap grow far past that before
 * collecting. `npm run bench:lsp` measures with the same limit.
 */
export const SERVER_HEAP_LIMIT_MB = 384;
