/**
 * What the fuzzer drives: one target per input kind (each runs the kind's
 * pure parser, then its analyzer with every rule), patch review against a
 * checkout made from the input, and the language server on random documents
 * and edits. A target throws, or returns a problem
 * description, when the input broke a promise of the project: parsers and
 * analyzers never throw, findings carry a line of the document, the server
 * answers every request and never reports an internal error.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentKind } from '../../src/analysis/document';
import { analyzeText } from '../../src/analysis/registry';
import { detectKind, DETECT_HEAD_BYTES } from '../../src/base/detect-kind';
import { parseScript } from '../../src/parse/script/parse-script';
import { parseTraceLine } from '../../src/parse/trace/trace-line';
import { parseGpuvasDump } from '../../src/parse/dump/parse-gpuvas';
import { parseKernelLog } from '../../src/parse/kernel-log/parse-kernel-log';
import { diffPath, parsePatch } from '../../src/parse/patch/parse-patch';
import { reviewPatchLines } from '../../src/analysis/patch-analyzer';
import type { AnalysisResult } from '../../src/analysis/document';
import { provideTreeSitterAssets } from '../../src/parse/c/tree-sitter-c';
import { startHarness, type Harness } from '../lsp/harness';
import type { Random } from '../helpers/random';
import { ROOT } from './corpus';

export interface FuzzTarget {
  readonly name: string;
  /** The kind whose seeds it starts from. */
  readonly kind: DocumentKind;
  /** File extension of its regression fixtures. */
  readonly ext: string;
  /** Runs one input; throws or resolves to a problem description when the input broke a promise. */
  run(text: string, rng: Random): Promise<string | undefined> | string | undefined;
}

let treeSitterReady = false;

function useTreeSitter(): void {
  if (treeSitterReady) return;
  treeSitterReady = true;
  provideTreeSitterAssets(async () => ({
    runtime: readFileSync(join(ROOT, 'node_modules', 'web-tree-sitter', 'tree-sitter.wasm')),
    language: readFileSync(join(ROOT, 'node_modules', 'tree-sitter-c', 'tree-sitter-c.wasm')),
  }));
}

/** Every finding points at a line of the document (1-based; one past the end for "missing at end of file"). */
async function analyzeChecked(text: string, kind: DocumentKind): Promise<string | undefined> {
  return linesChecked(text, await analyzeText(text, { kind, path: `fuzz.${kind}` }));
}

function linesChecked(text: string, result: AnalysisResult): string | undefined {
  const lines = text.split('\n').length;
  for (const finding of result.findings) {
    const { line, endLine } = finding;
    if (!Number.isInteger(line) || line < 1 || line > lines + 1 || !Number.isInteger(endLine) || endLine < line) {
      return `finding ${finding.rule} at line ${line}-${endLine} of a ${lines}-line document`;
    }
  }
  return undefined;
}

function splitLines(text: string): string[] {
  return text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** Blank lines between two hunks of a pre-image at most: a mutated `@@ -999999999` header must not make a huge file. */
const MAX_IMAGE_GAP = 2000;

/** The directory of a path as a patch names it, without the final `/` (`''` at the top). */
function dirOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
}

/**
 * The checkout a patch would be reviewed against, made from the patch itself:
 * each touched file's pre-image as its hunks show it (context and removed
 * lines at their old line numbers, blank lines between), and in each touched
 * directory one more C file holding the whole input, so that learning from
 * the rest of the driver reads damaged C too.
 */
export function checkoutOf(lines: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of parsePatch(lines).files) {
    const path = diffPath(file);
    if (path === '' || files.has(path)) continue;
    const image: string[] = [];
    let previous = 0;
    for (const hunk of file.hunks) {
      for (const line of hunk.lines) {
        if (line.kind === '+' || line.oldLine === undefined) continue;
        for (let gap = Math.min(line.oldLine - previous - 1, MAX_IMAGE_GAP); gap > 0; gap--) image.push('');
        image.push(line.text);
        previous = line.oldLine;
      }
    }
    files.set(path, image.join('\n'));
    const dir = dirOf(path);
    files.set(dir === '' ? 'fuzz-sibling.c' : `${dir}/fuzz-sibling.c`, lines.join('\n'));
  }
  return files;
}

/** Patch review against a checkout made from the input (`checkoutOf`): whole functions, learning from the tree. */
async function reviewWithTree(text: string): Promise<string | undefined> {
  useTreeSitter();
  const lines = splitLines(text);
  const files = checkoutOf(lines);
  const result = await reviewPatchLines(lines, {
    readSource: (path) => files.get(path),
    listSources: (dir) => {
      const prefix = dir.replace(/\/+$/, '');
      return [...files.keys()].filter((path) => dirOf(path) === prefix).sort();
    },
  });
  return linesChecked(text, result);
}

const LANGUAGE_IDS: Readonly<Record<string, string>> = {
  script: 'gpuvm-script',
  trace: 'gpuvm-trace',
  dump: 'gpuvm-dump',
  patch: 'gpuvm-patch',
  'kernel-log': 'plaintext',
};

let harness: Promise<Harness> | undefined;
const problems: string[] = [];
let documentCount = 0;

function server(): Promise<Harness> {
  harness ??= startHarness({
    initialSettings: { analysis: { debounceMs: 0 } },
    settings: { analysis: { debounceMs: 0 } },
  }).then((h) => {
    h.client.onNotification('window/logMessage', (log: { type: number; message: string }) => {
      if (log.type === 1) problems.push(`server logged an error: ${log.message}`);
    });
    return h;
  });
  return harness;
}

/**
 * Opens the input as a document of the language its content suggests (as the
 * extension's first-line patterns would), edits it, asks every request the
 * server answers, closes it.
 */
async function runServer(text: string, rng: Random): Promise<string | undefined> {
  useTreeSitter();
  const h = await server();
  problems.length = 0;
  h.notifications.length = 0;
  const detected = detectKind(text.slice(0, DETECT_HEAD_BYTES));
  const kind = detected === 'unknown' ? 'script' : detected;
  const uri = `file:///fuzz/doc-${documentCount++}.${kind}`;
  const textDocument = { uri };
  h.open(uri, LANGUAGE_IDS[kind] as string, text);
  let current = text;
  for (let version = 2, edits = rng.int(0, 3); edits > 0; edits--, version++) {
    const lines = current.split('\n');
    const line = rng.int(0, lines.length);
    const insert = rng.pick(['', '\n', 'map 0x1000 0x1000 1 0x0\n', '\r\n', '\0', 'x'.repeat(rng.int(1, 2000)), rng.pick(lines) ?? '']);
    const range = { start: { line, character: rng.int(0, 200) }, end: { line: line + rng.int(0, 3), character: rng.int(0, 200) } };
    h.client.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text: insert }] });
    current = lines.slice(0, line).join('\n') + insert + lines.slice(line).join('\n');
  }
  const lineCount = current.split('\n').length;
  const position = () => ({ line: rng.int(0, lineCount + 1), character: rng.int(0, 120) });
  const range = () => {
    const start = position();
    return { start, end: { line: start.line + rng.int(0, 50), character: rng.int(0, 120) } };
  };
  const report = await h.request<{ items?: { code?: unknown; message: string }[] }>('textDocument/diagnostic', { textDocument });
  for (const item of report.items ?? []) {
    if (item.code === 'internal-error') return `internal-error diagnostic: ${item.message}`;
  }
  await Promise.all([
    h.request('textDocument/documentSymbol', { textDocument }),
    h.request('textDocument/foldingRange', { textDocument }),
    h.request('textDocument/hover', { textDocument, position: position() }),
    h.request('textDocument/definition', { textDocument, position: position() }),
    h.request('textDocument/references', { textDocument, position: position(), context: { includeDeclaration: true } }),
    h.request('textDocument/documentHighlight', { textDocument, position: position() }),
    h.request('textDocument/inlayHint', { textDocument, range: range() }),
    h.request('textDocument/codeLens', { textDocument }),
    h.request('textDocument/codeAction', { textDocument, range: range(), context: { diagnostics: [] } }),
  ]);
  h.client.sendNotification('textDocument/didClose', { textDocument });
  return problems[0];
}

export const TARGETS: readonly FuzzTarget[] = [
  {
    name: 'script',
    kind: 'script',
    ext: 'gpuvm',
    run(text) {
      parseScript(text);
      return analyzeChecked(text, 'script');
    },
  },
  {
    name: 'trace',
    kind: 'trace',
    ext: 'trace',
    run(text) {
      for (const line of splitLines(text)) parseTraceLine(line);
      return analyzeChecked(text, 'trace');
    },
  },
  {
    name: 'dump',
    kind: 'dump',
    ext: 'gpuvas',
    run(text) {
      parseGpuvasDump(text);
      return analyzeChecked(text, 'dump');
    },
  },
  {
    name: 'kernel-log',
    kind: 'kernel-log',
    ext: 'log',
    run(text) {
      parseKernelLog(text);
      return analyzeChecked(text, 'kernel-log');
    },
  },
  {
    name: 'patch',
    kind: 'patch',
    ext: 'patch',
    run(text) {
      useTreeSitter();
      parsePatch(splitLines(text));
      return analyzeChecked(text, 'patch');
    },
  },
  { name: 'tree', kind: 'patch', ext: 'patch', run: reviewWithTree },
  { name: 'lsp', kind: 'unknown', ext: 'txt', run: runServer },
];

export function targetNamed(name: string): FuzzTarget {
  const target = TARGETS.find((candidate) => candidate.name === name);
  if (!target) throw new Error(`unknown fuzz target ${name} (${TARGETS.map((t) => t.name).join(', ')})`);
  return target;
}

/** Ends the language server of the `lsp` target, if it was started. */
export async function stopTargets(): Promise<void> {
  if (harness) (await harness).dispose();
  harness = undefined;
}
