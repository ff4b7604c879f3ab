/**
 * The language server under hostile input and failure: an analyzer that
 * throws, a cancelled file analysis, binary garbage, a patch with a
 * 10,000-line hunk, and a document large enough to be analyzed in the
 * background with progress. Every test ends by checking that the server
 * still answers.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  CancellationTokenSource,
  type Diagnostic,
  type DocumentSymbol,
  type FoldingRange,
  type Location,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol';
import type { Analyzer, DocumentKind } from '../../src/analysis/document';
import { analyzerFor } from '../../src/analysis/registry';
import type { AnalyzeFileResult } from '../../src/protocol/lsp-ext';
import { generateTrace, writeTrace } from '../../bench/generate-trace';
import { fileUri, startHarness, type Harness } from './harness';

const scratch = mkdtempSync(join(tmpdir(), 'gpuvm-lens-lsp-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let harness: Harness | undefined;
afterEach(() => harness?.dispose());

async function pullItems(h: Harness, uri: string): Promise<Diagnostic[]> {
  const report = await h.request<{ kind: string; items?: Diagnostic[] }>('textDocument/diagnostic', { textDocument: { uri } });
  return report.items ?? [];
}

async function stillAnswers(h: Harness): Promise<void> {
  const uri = 'file:///check/alive.gpuvm';
  h.open(uri, 'gpuvm-script', 'vm 0x0 0x100000 0x0 0x0\nmap 0x1000 0x0 none 0x0\n');
  expect((await pullItems(h, uri)).map((d) => d.code)).toEqual(['zero-range-request']);
}

/** The script analyzer, except that `line()` throws (after feeding it) on any line containing "explode". */
function explodingAnalyzerFor(kind: DocumentKind): Analyzer {
  const real = analyzerFor(kind);
  if (kind !== 'script') return real;
  return {
    kind,
    begin(options) {
      const sink = real.begin(options);
      return {
        line(text, lineNumber) {
          sink.line(text, lineNumber);
          if (text.includes('explode')) throw new Error('rule blew up');
        },
        end: () => sink.end(),
      };
    },
  };
}

describe('a rule that throws', () => {
  it('becomes one internal-error diagnostic, keeps the other findings and is logged', async () => {
    const h = (harness = await startHarness({ analyzerFor: explodingAnalyzerFor }));
    const uri = 'file:///w/exploding.gpuvm';
    h.open(uri, 'gpuvm-script', 'vm 0x0 0x100000 0x0 0x0\n# explode here\nexplode again\nunmap 0x1000 0x0\n');
    const items = await pullItems(h, uri);
    expect(items.map((d) => [d.range.start.line, d.code])).toEqual([
      [1, 'internal-error'],
      [2, 'script-bad-command'],
      [3, 'zero-range-request'],
    ]);
    expect(items[0]?.message).toContain('rule blew up');
    const logged = await h.waitFor<{ type: number; message: string }>('window/logMessage', (log) => log.message.includes('rule blew up'));
    expect(logged.type).toBe(1);
    await stillAnswers(h);
  });
});

describe('gpuvmLens/analyzeFile', () => {
  const tracePath = join(scratch, 'big.trace');
  writeTrace(tracePath, 40_000);

  it('streams a trace from disk with progress, returns and publishes its findings', async () => {
    const h = (harness = await startHarness());
    h.watchProgress('analyze-1');
    const result = await h.request<AnalyzeFileResult>('gpuvmLens/analyzeFile', { path: tracePath, workDoneToken: 'analyze-1' });
    expect(result.kind).toBe('trace');
    expect(result.lines).toBe(40_000);
    expect(result.findingCount).toBeGreaterThan(0);
    expect(result.diagnostics.length).toBe(result.findingCount);
    // Findings are published while the file is read, then all of them at the end.
    const first = await h.diagnosticsPushed(fileUri(tracePath));
    expect(first.diagnostics.length).toBeGreaterThan(0);
    expect(first.diagnostics.length).toBeLessThan(result.findingCount);
    await h.waitFor<PublishDiagnosticsParams>(
      'textDocument/publishDiagnostics',
      (params) => params.uri === fileUri(tracePath) && params.diagnostics.length === result.findingCount,
    );
    const kinds = h.notifications.filter((n) => n.method === '$/progress').map((n) => (n.params as { value: { kind: string } }).value.kind);
    expect(kinds[0]).toBe('begin');
    expect(kinds[kinds.length - 1]).toBe('end');
    // The file stays known: hovers read its lines back from disk.
    const hover = await h.request<{ contents: { value: string } } | null>('textDocument/hover', {
      textDocument: { uri: fileUri(tracePath) },
      position: { line: 10, character: 40 },
    });
    expect(hover?.contents.value).toContain('xe_vma_bind');
  });

  it('answers navigation and the outline of a file it read with every event, asked as soon as the findings are out', async () => {
    const h = (harness = await startHarness());
    const result = await h.request<AnalyzeFileResult>('gpuvmLens/analyzeFile', { path: tracePath });
    const uri = fileUri(tracePath);
    // Its objects are indexed after the findings: these wait for that instead of answering from a partial index.
    const lines = readFileSync(tracePath, 'utf8').split('\n');
    let last = lines.length - 1;
    while (last > 0 && !(lines[last] ?? '').includes('xe_vma_unbind:')) last--;
    const vma = /vma=([0-9a-f]+)/.exec(lines[last] ?? '')?.[1] ?? '';
    const at = { textDocument: { uri }, position: { line: last, character: (lines[last] ?? '').indexOf(vma) + 2 } };
    const [references, symbols] = await Promise.all([
      h.request<Location[]>('textDocument/references', { ...at, context: { includeDeclaration: true } }),
      h.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } }),
    ]);
    const touching = lines.flatMap((line, n) => (line.includes(`vma=${vma}`) ? [n] : []));
    expect(touching.length).toBeGreaterThan(1);
    expect(references.map((l) => l.range.start.line)).toEqual(touching);
    expect(symbols.length).toBeGreaterThan(0);
    expect(result.lines).toBe(40_000);
  });

  it('stops when the request is cancelled and answers RequestCancelled', async () => {
    const h = (harness = await startHarness());
    const source = new CancellationTokenSource();
    const pending = h.request('gpuvmLens/analyzeFile', { path: tracePath }, source);
    source.cancel();
    await expect(pending).rejects.toMatchObject({ code: -32800 });
    await h.waitFor<{ state: string }>('gpuvmLens/analysisStatus', (status) => status.state === 'cancelled');
    await stillAnswers(h);
  });

  it('answers InvalidParams for a file that does not exist', async () => {
    const h = (harness = await startHarness());
    await expect(h.request('gpuvmLens/analyzeFile', { path: join(scratch, 'missing.trace') })).rejects.toMatchObject({ code: -32602 });
  });
});

describe('hostile documents', () => {
  it('survives binary garbage without line breaks', async () => {
    const h = (harness = await startHarness());
    let garbage = '';
    let seed = 7;
    for (let i = 0; i < 1 << 20; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      garbage += String.fromCharCode(seed % 256);
    }
    const uri = 'file:///w/garbage.bin';
    h.open(uri, 'plaintext', garbage.replace(/\n/g, ''));
    const items = await pullItems(h, uri);
    expect(items.length).toBeGreaterThan(0);
    expect(await h.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 500_000 } })).toBeNull();
    expect(await h.request('textDocument/foldingRange', { textDocument: { uri } })).toEqual([]);
    await stillAnswers(h);
  });

  it('outlines and folds a patch with a 10,000-line hunk', async () => {
    const h = (harness = await startHarness());
    const body = Array.from({ length: 10_000 }, (_, i) => `+\tx[${i}] = drm_gpuvm_bo_obtain(vm, obj);`).join('\n');
    const patch = [
      'From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001',
      'From: A Developer <dev@example.org>',
      'Subject: [PATCH] drm/xe: a very long hunk',
      '',
      '---',
      'diff --git a/drivers/gpu/drm/xe/xe_vm.c b/drivers/gpu/drm/xe/xe_vm.c',
      '--- a/drivers/gpu/drm/xe/xe_vm.c',
      '+++ b/drivers/gpu/drm/xe/xe_vm.c',
      '@@ -1,0 +1,10000 @@ static int xe_vm_bind(void)',
      body,
      '',
    ].join('\n');
    const uri = 'file:///w/long.patch';
    h.open(uri, 'gpuvm-patch', patch);
    await pullItems(h, uri);
    const folds = await h.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri } });
    expect(folds.map((fold) => [fold.startLine, fold.endLine])).toEqual([
      [0, 10_009],
      [5, 10_009],
      [8, 10_009],
    ]);
    const symbols = await h.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    expect(symbols[0]?.name).toBe('[PATCH] drm/xe: a very long hunk');
    expect(symbols[0]?.children?.[0]?.name).toBe('drivers/gpu/drm/xe/xe_vm.c');
    expect(symbols[0]?.children?.[0]?.children?.[0]?.detail).toBe('static int xe_vm_bind(void)');
    await stillAnswers(h);
  });

  it('answers a pull on a long trace analysis with the findings so far, then asks for a refresh', async () => {
    // No background progress to set up (it would delay the first slice): the first slice runs as
    // the document opens, and five more follow, so the pull finds findings reported and work left.
    const h = (harness = await startHarness({
      partialDiagnosticsAfterMs: 0,
      initialSettings: { analysis: { backgroundThresholdLines: 10_000_000 } },
    }));
    const lines: string[] = [];
    generateTrace(120_000, (line) => lines.push(line));
    const uri = 'file:///w/open.trace';
    h.open(uri, 'gpuvm-trace', lines.join('\n'));
    const early = await h.request<{ kind: string; resultId?: string; items: Diagnostic[] }>('textDocument/diagnostic', {
      textDocument: { uri },
    });
    expect(early.resultId).toBeUndefined();
    expect(early.items.length).toBeGreaterThan(0);
    await h.waitFor('workspace/diagnostic/refresh');
    const full = await h.request<{ kind: string; resultId?: string; items: Diagnostic[] }>('textDocument/diagnostic', {
      textDocument: { uri },
    });
    expect(full.resultId).toMatch(/^1:/);
    expect(full.items.length).toBeGreaterThan(early.items.length);
  });

  it('answers navigation on an open trace over the background threshold with every event, asked as soon as its findings are out', async () => {
    const h = (harness = await startHarness({ initialSettings: { analysis: { backgroundThresholdLines: 1000 } } }));
    const lines: string[] = [];
    generateTrace(20_000, (line) => lines.push(line));
    const uri = 'file:///w/long-open.trace';
    h.open(uri, 'gpuvm-trace', lines.join('\n'));
    expect((await pullItems(h, uri)).length).toBeGreaterThan(0);
    let last = lines.length - 1;
    while (last > 0 && !(lines[last] ?? '').includes('xe_vma_unbind:')) last--;
    const vma = /vma=([0-9a-f]+)/.exec(lines[last] ?? '')?.[1] ?? '';
    const at = { textDocument: { uri }, position: { line: last, character: (lines[last] ?? '').indexOf(vma) + 2 } };
    const references = await h.request<Location[]>('textDocument/references', { ...at, context: { includeDeclaration: true } });
    const touching = lines.flatMap((line, n) => (line.includes(`vma=${vma}`) ? [n] : []));
    expect(touching.length).toBeGreaterThan(1);
    expect(references.map((l) => l.range.start.line)).toEqual(touching);
    await stillAnswers(h);
  });

  it('analyzes a document over the background threshold with work-done progress', async () => {
    const h = (harness = await startHarness({ settings: { analysis: { backgroundThresholdLines: 1000 } } }));
    // Settings are read after `initialized`; wait for them to be in force before opening.
    await h.request('textDocument/foldingRange', { textDocument: { uri: 'file:///nothing' } });
    const lines: string[] = ['vm 0x0 0x100000000 0x0 0x0', 'bo 1 0x100000'];
    for (let i = 0; i < 3000; i++) lines.push(`map 0x${(0x1000 * i).toString(16)} 0x1000 1 0x0`);
    const uri = 'file:///w/long.gpuvm';
    h.open(uri, 'gpuvm-script', lines.join('\n'));
    await pullItems(h, uri);
    const created = await h.waitFor<{ token: string }>('window/workDoneProgress/create');
    await h.waitFor<{ token: string; value: { kind: string } }>('$/progress', (p) => p.token === created.token && p.value.kind === 'end');
    await stillAnswers(h);
  });
});
