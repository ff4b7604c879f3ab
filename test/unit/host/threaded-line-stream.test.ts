/**
 * A trace read on a second thread (`streamSinkLinesThreaded`) is analyzed
 * exactly as one read on the analyzing thread: the sink gets the same calls,
 * and `check --format json` prints the same bytes, for fixture traces and for
 * the inputs where line splitting is delicate (CRLF, an unterminated last
 * line, binary garbage, lines longer than a batch or than the cut, blank
 * lines by the batchful, a trace.dat); so does the server's analysis of a
 * file from disk, down to the lines it reads back. Every way the reader thread can fail
 * or be stopped ends the stream with an error instead of a hang.
 *
 * The reader runs from a bundle of its source built here, as `npm run build`
 * builds dist/line-reader.js; the threshold option forces the thread on these
 * small files.
 */

import { buildSync } from 'esbuild';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCommand, checkFile } from '../../../src/cli/commands/check';
import { render } from '../../../src/cli/render';
import { streamSinkLines, type MixedLineSink } from '../../../src/host/line-stream';
import { prestartLineReader, streamSinkLinesThreaded } from '../../../src/host/threaded-line-stream';
import { analyzerFor } from '../../../src/analysis/registry';
import { AnalysisCancelled } from '../../../src/ide/sliced-analysis';
import { analyzeFileFromDisk } from '../../../src/server/file-analysis';
import { runCommand } from '../../helpers/run-command';

const ROOT = resolve(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'gpuvm-lens-threaded-'));
let readerScript = '';

beforeAll(() => {
  readerScript = join(dir, 'line-reader.js');
  buildSync({
    entryPoints: [join(ROOT, 'src', 'host', 'line-reader-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: readerScript,
    logLevel: 'warning',
  });
});

/** A reader script of its own, for the failure cases. */
function script(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

function file(name: string, bytes: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Every call a sink gets, with copies of its bytes. */
function recordingSink(takeBytes: (bytes: Uint8Array, start: number, end: number) => boolean) {
  const calls: string[] = [];
  const sink: MixedLineSink = {
    line(text, lineNumber, unterminated, startByte) {
      calls.push(`text ${lineNumber} ${unterminated} ${startByte} ${JSON.stringify(text)}`);
    },
    lineBytes(bytes, start, end, lineNumber, unterminated, startByte) {
      if (!takeBytes(bytes, start, end)) return false;
      calls.push(`bytes ${lineNumber} ${unterminated} ${startByte} ${Buffer.from(bytes.subarray(start, end)).toString('latin1')}`);
      return true;
    },
  };
  return { sink, calls };
}

const CAPTURE = readFileSync(join(FIXTURES, 'traces', 'rules', 'xe-use-after-free.trace'), 'utf8');
const EVENT = CAPTURE.split('\n').find((line) => line.includes('xe_vma_bind')) as string;

/** The inputs where splitting lines is delicate. */
function delicateInputs(): Record<string, Buffer | string> {
  return {
    'crlf.trace': CAPTURE.replace(/\n/g, '\r\n'),
    'unterminated.trace': CAPTURE.trimEnd(),
    'garbage.trace': Buffer.concat([Buffer.from(CAPTURE), Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 0x80, 0x81]), Buffer.from(`\n${EVENT}\n`)]),
    'non-ascii.trace': `${CAPTURE}${EVENT.replace('xe_vma_bind', 'xe_vma_bind\u00e9')}\n${EVENT}\n`,
    // One line over the 4 MiB cut, one over the 4096-byte byte path, and a line of binary without any break.
    'long-lines.trace': `${CAPTURE}${EVENT}${'x'.repeat((4 << 20) + 10)}\n${EVENT}${' y'.repeat(3000)}\n${CAPTURE}`,
    'blank-lines.trace': `${CAPTURE}${'\n'.repeat(40_000)}${CAPTURE}`,
    'one-binary-line.trace': Buffer.alloc(3 << 20, 0x07),
  };
}

describe('streamSinkLinesThreaded', () => {
  it('gives a sink the calls streamSinkLines gives, across batch boundaries of every size', async () => {
    for (const [name, bytes] of Object.entries(delicateInputs())) {
      const path = file(name, bytes);
      // A sink that takes some lines as bytes and leaves the others to be decoded.
      const takes = (data: Uint8Array, start: number, end: number) => end - start < 200 && data[start] !== 0x20;
      const single = recordingSink(takes);
      const singleSummary = await streamSinkLines(path, single.sink);
      // Tiny chunks put batch boundaries everywhere; on the big inputs they would only take long.
      for (const chunkBytes of Buffer.byteLength(bytes) < 1 << 16 ? [64, 4096, undefined] : [4096, undefined]) {
        const threaded = recordingSink(takes);
        const summary = await streamSinkLinesThreaded(path, threaded.sink, {
          threadFromBytes: 0,
          readerScript,
          ...(chunkBytes === undefined ? {} : { chunkBytes }),
        });
        expect(summary, `${name} in chunks of ${chunkBytes}`).toEqual(singleSummary);
        expect(threaded.calls, `${name} in chunks of ${chunkBytes}`).toEqual(single.calls);
      }
    }
  });

  it('gives the same calls from a reader started ahead of its file, and starts one again after', async () => {
    const path = file('prestarted.trace', CAPTURE.repeat(20));
    const single = recordingSink(() => true);
    const singleSummary = await streamSinkLines(path, single.sink);
    prestartLineReader(readerScript);
    for (let round = 0; round < 2; round++) {
      const threaded = recordingSink(() => true);
      const summary = await streamSinkLinesThreaded(path, threaded.sink, { threadFromBytes: 0, readerScript, chunkBytes: 4096 });
      expect(summary).toEqual(singleSummary);
      expect(threaded.calls).toEqual(single.calls);
    }
  });

  it('reports progress after each batch, ending at the file size', async () => {
    const path = file('progress.trace', CAPTURE.repeat(20));
    const seen: number[] = [];
    await streamSinkLinesThreaded(path, recordingSink(() => true).sink, {
      threadFromBytes: 0,
      readerScript,
      chunkBytes: 1024,
      onChunk: (bytes) => void seen.push(bytes),
    });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(Buffer.byteLength(CAPTURE) * 20);
  });

  it('stays on this thread below the threshold and when the reader script is missing', async () => {
    const path = file('small.trace', CAPTURE);
    const broken = script('never-runs.js', 'throw new Error("started");');
    const below = recordingSink(() => true);
    await streamSinkLinesThreaded(path, below.sink, { threadFromBytes: Buffer.byteLength(CAPTURE) + 1, readerScript: broken });
    const missing = recordingSink(() => true);
    await streamSinkLinesThreaded(path, missing.sink, { threadFromBytes: 0, readerScript: join(dir, 'no-such-reader.js') });
    const single = recordingSink(() => true);
    await streamSinkLines(path, single.sink);
    expect(below.calls).toEqual(single.calls);
    expect(missing.calls).toEqual(single.calls);
  });

  it('rejects with the reason when the reader thread fails, exits early or cannot read the file', async () => {
    const path = file('failing.trace', CAPTURE);
    const sink = recordingSink(() => true).sink;
    await expect(
      streamSinkLinesThreaded(path, sink, { threadFromBytes: 0, readerScript: script('throws.js', 'throw new Error("no luck");') }),
    ).rejects.toThrow(/line reader thread failed on .*failing\.trace: no luck/);
    await expect(
      streamSinkLinesThreaded(path, sink, { threadFromBytes: 0, readerScript: script('exits.js', 'process.exit(3);') }),
    ).rejects.toThrow(/line reader thread stopped \(exit code 3\) before the end/);
    const directory = join(dir, 'a-directory');
    mkdirSync(directory, { recursive: true });
    const single = await streamSinkLines(directory, sink).catch((error: NodeJS.ErrnoException) => error);
    const threaded = await streamSinkLinesThreaded(directory, sink, { threadFromBytes: 0, readerScript }).catch(
      (error: NodeJS.ErrnoException) => error,
    );
    expect(threaded).toBeInstanceOf(Error);
    expect((threaded as NodeJS.ErrnoException).code).toBe((single as NodeJS.ErrnoException).code);
    // A file that is not there is a rejection too, not an exception.
    const missing = streamSinkLinesThreaded(join(dir, 'no-such.trace'), sink, { threadFromBytes: 0, readerScript });
    await expect(missing).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('stops the reader and rejects when the sink throws or progress says stop', async () => {
    const path = file('stopped.trace', CAPTURE.repeat(200));
    let lines = 0;
    const throwing: MixedLineSink = {
      line() {
        if (++lines === 500) throw new Error('sink gave up');
      },
    };
    await expect(streamSinkLinesThreaded(path, throwing, { threadFromBytes: 0, readerScript, chunkBytes: 4096 })).rejects.toThrow(
      'sink gave up',
    );
    expect(lines).toBe(500);
    let chunks = 0;
    const cancelled = streamSinkLinesThreaded(path, recordingSink(() => true).sink, {
      threadFromBytes: 0,
      readerScript,
      chunkBytes: 4096,
      onChunk: async () => {
        if (++chunks === 3) throw new Error('cancelled');
      },
    });
    await expect(cancelled).rejects.toThrow('cancelled');
    expect(chunks).toBe(3);
  });
});

describe('check on two threads', () => {
  const traces = [
    ...readdirSync(join(FIXTURES, 'traces', 'rules'))
      .filter((name) => name.endsWith('.trace'))
      .map((name) => join(FIXTURES, 'traces', 'rules', name)),
    ...readdirSync(join(FIXTURES, 'traces', 'layouts'))
      .filter((name) => name.endsWith('.trace'))
      .map((name) => join(FIXTURES, 'traces', 'layouts', name)),
    join(FIXTURES, 'traces', 'all-events.trace'),
    join(FIXTURES, 'traces', 'spec-examples.trace'),
  ];

  async function json(path: string, threaded: boolean): Promise<string> {
    const result = await checkFile(path, undefined, threaded ? { threadFromBytes: 0, readerScript } : { threadFromBytes: Infinity });
    return render('json', [{ path, result }]);
  }

  it('prints the same JSON for every fixture trace and every delicate input', async () => {
    const inputs = [...traces, ...Object.entries(delicateInputs()).map(([name, bytes]) => file(`check-${name}`, bytes))];
    for (const path of inputs) expect(await json(path, true), path).toBe(await json(path, false));
    expect(inputs.length).toBeGreaterThan(20);
  });

  it('analyzes a trace.dat on this thread, as before', async () => {
    const dat = join(dir, 'sched-v7-zstd.dat');
    copyFileSync(join(FIXTURES, 'trace-dat', 'sched-v7-zstd.dat'), dat);
    // The reader would fail if it were started: the capture must not reach it.
    const failing = script('dat-reader.js', 'throw new Error("started for a trace.dat");');
    const result = await checkFile(dat, undefined, { threadFromBytes: 0, readerScript: failing });
    expect(render('json', [{ path: dat, result }])).toBe(await json(dat, false));
    expect(result.stats.lines).toBeGreaterThan(0);
  });

  it('takes the threshold as --thread-from-bytes, a number of bytes', async () => {
    const path = file('option.trace', CAPTURE);
    const usage = await runCommand(checkCommand, ['--thread-from-bytes', '32M', path]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--thread-from-bytes takes a number of bytes, not 32M/);
    const forced = await runCommand(checkCommand, ['--format', 'json', '--thread-from-bytes', '0', path]);
    const plain = await runCommand(checkCommand, ['--format', 'json', path]);
    expect(forced).toEqual(plain);
  });
});

describe("the server's analysis of a file from disk on two threads", () => {
  const quiet = { error: () => undefined, info: () => undefined };

  async function analysis(path: string, threaded: boolean) {
    const options = { path, token: { isCancellationRequested: false }, logger: quiet };
    const reading = threaded ? { threadFromBytes: 0, readerScript } : {};
    const { result, lines, bytes } = await analyzeFileFromDisk('trace', analyzerFor('trace'), path, options, reading);
    const text: string[] = [];
    for (let n = 0; n < lines.lineCount; n++) text.push(lines.line(n));
    return { json: render('json', [{ path, result }]), text, bytes };
  }

  it('finds the same, and reads back the same lines, as on one thread', async () => {
    const inputs = [
      join(FIXTURES, 'traces', 'all-events.trace'),
      ...Object.entries(delicateInputs()).map(([name, bytes]) => file(`server-${name}`, bytes)),
    ];
    for (const path of inputs) expect(await analysis(path, true), path).toEqual(await analysis(path, false));
  });

  it('stops reading when the analysis is cancelled', async () => {
    const path = file('server-cancelled.trace', CAPTURE.repeat(2000));
    const token = { isCancellationRequested: false };
    let reports = 0;
    const options = {
      path,
      token,
      logger: quiet,
      onProgress: () => {
        if (++reports === 2) token.isCancellationRequested = true;
      },
    };
    await expect(
      analyzeFileFromDisk('trace', analyzerFor('trace'), path, options, { threadFromBytes: 0, readerScript }),
    ).rejects.toBeInstanceOf(AnalysisCancelled);
  });
});
