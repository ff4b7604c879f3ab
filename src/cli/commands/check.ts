/**
 * `gpuvm-lens check <file>...`: detects each file's kind from its content,
 * streams it through that kind's analyzer and prints the findings.
 */

import type { AnalysisResult, DocumentKind } from '../../analysis/document';
import { DOCUMENT_KINDS } from '../../analysis/document';
import { detectKind, DETECT_HEAD_BYTES } from '../../base/detect-kind';
import { analyzerFor, analyzeText } from '../../analysis/registry';
import { readHead } from '../../host/line-stream';
import { streamSinkLinesThreaded, TRACE_THREAD_FROM_BYTES } from '../../host/threaded-line-stream';
import { correlateLogsWithTraces } from '../log-trace-correlation';
import { exitCodeFor, render, type FileResult, type OutputFormat } from '../render';
import { combineExitCodes, isBlankText, parseArgs, reportUnanalysable, UsageError, statInputFile, type CliCommand } from './command';
import { readTextInput } from './replay';

export const FORMATS: readonly OutputFormat[] = ['text', 'json', 'sarif'];

export function parseFormat(value: string | undefined, allowed: readonly string[] = FORMATS): string {
  const format = value ?? 'text';
  if (!allowed.includes(format)) throw new UsageError(`unknown format ${format} (one of ${allowed.join(', ')})`);
  return format;
}

function parseByteCount(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} takes a number of bytes, not ${value}`);
  return Number(value);
}

export function parseKind(value: string | undefined): DocumentKind | undefined {
  if (value === undefined) return undefined;
  if (!(DOCUMENT_KINDS as readonly string[]).includes(value)) throw new UsageError(`unknown kind ${value}`);
  return value as DocumentKind;
}

/**
 * Why an analyzed input counts as not analysed at all (exit 2, README.md, "The command line"):
 * content of no recognised kind, or a patch mail without a diff (a cover
 * letter). Undefined when it was analysed.
 */
export function unanalysedReason(result: AnalysisResult): string | undefined {
  if (result.kind === 'unknown') return 'is not a trace, gpuvas dump, patch, GPUVM script or kernel log (--kind forces one)';
  if (result.findings.some((finding) => finding.rule === 'patch-no-diff')) return 'holds no diff to review (a cover letter?)';
  return undefined;
}

export interface CheckFileOptions {
  /** Traces of at least this many bytes are read on a second thread (default `TRACE_THREAD_FROM_BYTES`). */
  readonly threadFromBytes?: number;
  /** The line reader thread's script (default: next to the running bundle). */
  readonly readerScript?: string;
}

/** Analyzes one file from disk, streaming it; `-` reads standard input. Throws `UsageError` for an input that cannot be read or is empty. */
export async function checkFile(path: string, kind: DocumentKind | undefined, options: CheckFileOptions = {}): Promise<AnalysisResult> {
  if (path === '-') {
    const text = readTextInput('-');
    if (isBlankText(text)) throw new UsageError('standard input is empty: nothing to analyse');
    return analyzeText(text, { path: '<stdin>', ...(kind ? { kind } : {}) });
  }
  const size = statInputFile(path).size;
  const head = readHead(path, DETECT_HEAD_BYTES);
  if (size <= DETECT_HEAD_BYTES && isBlankText(head)) throw new UsageError(`${path} holds only white space: nothing to analyse`);
  const chosen = kind ?? detectKind(head, path);
  const sink = analyzerFor(chosen).begin({ path });
  const showProgress = process.stderr.isTTY && size > 64 << 20;
  let lastShown = 0;
  await streamSinkLinesThreaded(path, sink, {
    ...(chosen === 'trace' ? { threadFromBytes: options.threadFromBytes ?? TRACE_THREAD_FROM_BYTES } : {}),
    ...(options.readerScript === undefined ? {} : { readerScript: options.readerScript }),
    ...(showProgress
      ? {
          onChunk: (bytes: number) => {
            const percent = Math.floor((bytes / size) * 100);
            if (percent !== lastShown) {
              lastShown = percent;
              process.stderr.write(`\r${path}: ${percent}%`);
            }
          },
        }
      : {}),
  });
  if (showProgress) process.stderr.write('\r\x1b[K');
  return await sink.end();
}

export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'analyze traces, dumps, patches, GPUVM scripts and kernel logs and print findings',
  usage: `usage: gpuvm-lens check <file>... [--format text|json|sarif] [--kind KIND]

Detects each file's kind from its content (ftrace text, trace-cmd report, a
gpuvas debugfs dump, a patch or mail, a GPUVM script, a kernel log), analyzes
it and prints the findings.

Exit codes (the same for every command):
  0  analysed; no finding of severity warning or error
  1  analysed; at least one warning or error
  2  usage error, or an input that could not be analysed at all (missing,
     unreadable, a directory, empty, of no recognised kind, a mail without a
     diff); standard error says which and why, the other files are still
     analysed and reported

A kernel log checked together with a trace of the same run gets, for each GPU
page fault, the mapping that covered the faulting address and the event that
unmapped it (log-fault-history).

  --format FORMAT   text (default), json or sarif
  --kind KIND       force the kind: ${DOCUMENT_KINDS.join(', ')}
  --thread-from-bytes N
                    read traces of at least N bytes on a second thread while
                    this one replays them (default ${TRACE_THREAD_FROM_BYTES}, 32 MiB; the
                    findings are the same either way)
`,
  async run(args) {
    const parsed = parseArgs(args, ['--format', '--kind', '--thread-from-bytes']);
    if (parsed.flags.has('--help')) {
      process.stdout.write(this.usage);
      return 0;
    }
    const format = parseFormat(parsed.options.get('--format')) as OutputFormat;
    const kind = parseKind(parsed.options.get('--kind'));
    const threadFromBytes = parseByteCount('--thread-from-bytes', parsed.options.get('--thread-from-bytes'));
    if (parsed.positional.length === 0) throw new UsageError('check needs at least one file');
    const files: FileResult[] = [];
    let unanalysed = 0;
    for (const path of parsed.positional) {
      let result: AnalysisResult;
      try {
        result = await checkFile(path, kind, threadFromBytes === undefined ? {} : { threadFromBytes });
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        reportUnanalysable('check', error.message);
        unanalysed++;
        continue;
      }
      const reason = unanalysedReason(result);
      if (reason !== undefined) {
        reportUnanalysable('check', `${path} ${reason}`);
        unanalysed++;
      }
      files.push({ path, result });
    }
    // A kernel log checked with a trace of the same run: explain each GPU fault from the trace.
    await correlateLogsWithTraces(files);
    process.stdout.write(render(format, files));
    return combineExitCodes(exitCodeFor(files), unanalysed > 0 ? 2 : 0);
  },
};
