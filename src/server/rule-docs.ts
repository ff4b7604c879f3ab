/**
 * The rule pages shipped with the installed tool: docs/rules/<id>.md next to
 * dist/ (in the npm package, the .vsix and a checkout). The language server
 * links diagnostics to them and the command line prints them
 * (`gpuvm-lens explain`). Locations come from `ruleDocPath` in src/rules.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { docsUrlFor, ruleDocPath } from '../rules/rule';

let cachedRoot: string | null | undefined;

/** The package root holding docs/rules/: the bundle's parent (dist/..) or, from sources, src/server/../.. . */
export function packageRoot(): string | undefined {
  if (cachedRoot === undefined) {
    const candidates = [join(__dirname, '..'), join(__dirname, '..', '..')];
    cachedRoot = candidates.find((dir) => existsSync(join(dir, dirname(ruleDocPath('x'))))) ?? null;
  }
  return cachedRoot ?? undefined;
}

/** The absolute path of a rule's page, when it is installed. */
export function ruleDocFile(id: string): string | undefined {
  const root = packageRoot();
  if (root === undefined) return undefined;
  const file = join(root, ruleDocPath(id));
  return existsSync(file) ? file : undefined;
}

/** A link to a rule's page: a `file:` URI of the installed page, else the package-relative path. */
export function ruleDocHref(id: string): string {
  const root = packageRoot();
  return root === undefined ? docsUrlFor(id) : docsUrlFor(id, pathToFileURL(root).href);
}

/** The text of a rule's page, or undefined when it is not installed. */
export function readRuleDoc(id: string): string | undefined {
  const file = ruleDocFile(id);
  return file === undefined ? undefined : readFileSync(file, 'utf8');
}
