/**
 * A kernel log is most useful next to the trace of the same run: when a log
 * is opened, the traces in its folder (`trace.txt`, `*.trace`, a
 * `trace-cmd report` output…) are analyzed by the server from disk in the
 * background (`gpuvmLens/analyzeFile`, not published: they are not open), so
 * it answers the log's page faults from them. Only files whose name suggests
 * a trace and whose first bytes the shared detector calls a trace are read;
 * at most a few, and none larger than `MAX_BYTES`.
 */

import * as vscode from 'vscode';
import { open } from 'node:fs/promises';
import { DETECT_HEAD_BYTES, detectKind } from '../base/detect-kind';
import { AnalyzeFileRequest, LANGUAGE_IDS } from '../protocol/lsp-ext';
import type { Ctx } from './ctx';

const MAX_TRACES = 4;
/** Traces already read since activation (the server keeps them). */
const analyzed = new Set<string>();
/** A background read stays a few seconds at most. */
const MAX_BYTES = 64 * 1024 * 1024;
const TRACE_NAME = /(?:trace|\.dat\.txt$|\.trace$)/i;

async function head(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(DETECT_HEAD_BYTES);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}

/** Has the server analyze the traces beside `log` (a kernel-log document on disk) that are not open. */
export async function analyzeSiblingTraces(ctx: Ctx, log: vscode.TextDocument): Promise<void> {
  if (log.uri.scheme !== 'file' || log.languageId !== LANGUAGE_IDS['kernel-log'] || !vscode.workspace.isTrusted) return;
  const folder = vscode.Uri.joinPath(log.uri, '..');
  let entries: [string, vscode.FileType][];
  try {
    entries = await vscode.workspace.fs.readDirectory(folder);
  } catch {
    return;
  }
  let opened = 0;
  for (const [name, type] of entries) {
    if (opened >= MAX_TRACES) break;
    if (type !== vscode.FileType.File || !TRACE_NAME.test(name)) continue;
    const uri = vscode.Uri.joinPath(folder, name);
    if (vscode.workspace.textDocuments.some((document) => document.uri.toString() === uri.toString())) continue;
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size > MAX_BYTES || detectKind(await head(uri.fsPath), name) !== 'trace') continue;
      if (analyzed.has(uri.toString())) continue;
      analyzed.add(uri.toString());
      const client = await ctx.client();
      await client.sendRequest(AnalyzeFileRequest, { path: uri.fsPath, kind: 'trace', publish: false });
      opened++;
    } catch (error) {
      // Unreadable, vanished or the server is restarting: the log is still analyzed on its own.
      ctx.output.warn(`reading the trace beside ${log.uri.fsPath}: ${String(error)}`);
    }
  }
}
