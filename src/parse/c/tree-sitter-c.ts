/**
 * The one place that talks to web-tree-sitter. Pure: it never reads a file.
 * Whoever hosts the analysis (the CLI, the language server, a test) installs
 * an asset loader once with `provideTreeSitterAssets`, giving the bytes of
 * `tree-sitter.wasm` (the runtime) and `tree-sitter-c.wasm` (the grammar);
 * `Parser.init()` then runs exactly once per process.
 *
 * Callers must `delete()` every tree they get from `parseC` once they have
 * read it; `withCTree` does that for them.
 */

import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';

export interface TreeSitterAssets {
  /** Bytes of web-tree-sitter's `tree-sitter.wasm`. */
  readonly runtime: Uint8Array;
  /** Bytes of tree-sitter-c's `tree-sitter-c.wasm`. */
  readonly language: Uint8Array;
}

export type TreeSitterAssetLoader = () => Promise<TreeSitterAssets>;

let loader: TreeSitterAssetLoader | undefined;
let ready: Promise<Parser> | undefined;

/** Installs where the WASM comes from. Later calls before first use replace it. */
export function provideTreeSitterAssets(load: TreeSitterAssetLoader): void {
  if (ready === undefined) loader = load;
}

export function treeSitterAvailable(): boolean {
  return loader !== undefined;
}

/** Resolves to a ready C parser, or rejects with why it could not be loaded. */
export function cParser(): Promise<Parser> {
  if (ready) return ready;
  const load = loader;
  if (!load) return Promise.reject(new Error('no tree-sitter assets were provided to the analysis'));
  ready = (async () => {
    const assets = await load();
    await Parser.init({ wasmBinary: assets.runtime });
    const language = await Language.load(assets.language);
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  // A failed load may be retried with another loader (e.g. after a fix of the install).
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
}

/**
 * Progress calls a parse may take per character of source, beyond a base.
 * Real C takes at most 0.015 per character (every hunk and every function of
 * the review corpus's trees); error recovery over garbage that looks like C
 * (lines of `*\/` repeated) takes over 4, and minutes. Counting calls, not
 * time, keeps the cut deterministic.
 */
const PARSE_CALLS_PER_CHAR = 0.05;
const PARSE_CALLS_BASE = 300;

/** The error `withCTree` throws for source that would take tree-sitter far too long. */
export class ParseBudgetExceeded extends Error {}

/** Parses `source`, hands the root to `use`, and frees the tree whatever happens. */
export function withCTree<T>(parser: Parser, source: string, use: (root: Node) => T): T {
  const budget = PARSE_CALLS_BASE + source.length * PARSE_CALLS_PER_CHAR;
  let calls = 0;
  // The callback's `true` cancels the parse (web-tree-sitter's ParseOptions), though it is typed void.
  const progressCallback = (() => ++calls > budget) as unknown as () => void;
  const tree: Tree | null = parser.parse(source, null, { progressCallback });
  if (!tree) {
    // tree-sitter resumes a cancelled parse on the parser's next call, whatever text that call gives:
    // without a reset the next review would get a tree built from this source's half-parsed state.
    parser.reset();
    if (calls > budget) throw new ParseBudgetExceeded(`tree-sitter gave up on ${source.length} characters that are not C`);
    throw new Error('tree-sitter returned no tree');
  }
  try {
    return use(tree.rootNode);
  } finally {
    tree.delete();
  }
}

export type { Node as CNode, Parser as CParser } from 'web-tree-sitter';
