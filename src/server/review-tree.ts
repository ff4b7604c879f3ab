/**
 * Patch review in the editor with the kernel checkout around it, as
 * `gpuvm-lens review` uses the checkout it runs in (README, "Patch review"):
 * a patch document is reviewed against the `gpuvmLens.review.kernelTree`
 * setting when it names a path, else the checkout the patch file sits in,
 * else the first workspace folder that is one; `off` reviews from the patch
 * alone. Which tree was used shows in the analysis stats (`mode`).
 *
 * Invariant: one patch analyzer per tree, kept, so the learned pairs of a tree
 * are indexed once per server; every other kind goes to the plain analyzer.
 */

import { dirname, isAbsolute } from 'node:path';
import type { Analyzer, DocumentKind } from '../analysis/document';
import { createPatchAnalyzer } from '../analysis/patch-analyzer';
import { enclosingKernelTree, kernelTreeSources } from '../host/kernel-tree';

export interface ReviewTreeSource {
  /** The `gpuvmLens.review.kernelTree` setting. */
  readonly setting: () => string;
  /** The workspace folders as file-system paths, in the client's order. */
  readonly workspaceFolders: () => readonly string[];
}

/** The kernel checkout a patch at `path` is reviewed against, if any. */
export function reviewTreeFor(path: string, source: ReviewTreeSource): string | undefined {
  const setting = source.setting();
  if (setting === 'off') return undefined;
  if (setting !== '') return setting;
  const own = isAbsolute(path) ? enclosingKernelTree(dirname(path)) : undefined;
  if (own) return own;
  for (const folder of source.workspaceFolders()) {
    const tree = enclosingKernelTree(folder);
    if (tree) return tree;
  }
  return undefined;
}

/** `analyzerFor` with patches reviewed against their kernel checkout. */
export function withReviewTree(analyzerFor: (kind: DocumentKind) => Analyzer, source: ReviewTreeSource): (kind: DocumentKind) => Analyzer {
  const byTree = new Map<string, Analyzer>();
  const patch: Analyzer = {
    kind: 'patch',
    begin(options) {
      const tree = reviewTreeFor(options.path, source);
      if (tree === undefined) return analyzerFor('patch').begin(options);
      let analyzer = byTree.get(tree);
      if (!analyzer) {
        analyzer = createPatchAnalyzer(kernelTreeSources(tree));
        byTree.set(tree, analyzer);
      }
      return analyzer.begin(options);
    },
  };
  return (kind) => (kind === 'patch' ? patch : analyzerFor(kind));
}
