/**
 * `gpuvm-lens export --format perfetto <capture>`: the replayed capture as a
 * Chrome JSON trace that ui.perfetto.dev and Perfetto's trace processor open
 * (src/report/perfetto.ts says what goes where). The capture is held in
 * memory, like a document the editor holds: lifetimes and findings come from
 * the same replay as the editor's timeline and `check`.
 */

import { writeFileSync } from 'node:fs';
import { DETECT_HEAD_BYTES, detectKind } from '../../base/detect-kind';
import { analyzerFor } from '../../analysis/registry';
import { traceLifetimes } from '../../analysis/trace/trace-lifetimes';
import { EVENT_SPECS } from '../../parse/trace/event-tables';
import { parseTraceLine } from '../../parse/trace/trace-line';
import { readHead, streamLines } from '../../host/line-stream';
import { toChromeTrace, type ExportEvent } from '../../report/perfetto';
import { VERSION } from '../version';
import { isBlankText, parseArgs, statInputFile, UsageError, type CliCommand } from './command';
import { readTextInput } from './replay';

async function readLines(path: string): Promise<string[]> {
  if (path === '-') {
    const text = readTextInput('-');
    if (isBlankText(text)) throw new UsageError('standard input is empty: nothing to export');
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines;
  }
  statInputFile(path);
  const head = readHead(path, DETECT_HEAD_BYTES);
  if (isBlankText(head)) throw new UsageError(`${path} is empty: nothing to export`);
  const kind = detectKind(head, path);
  if (kind !== 'trace') throw new UsageError(`${path} is not a trace capture (detected: ${kind}); export reads ftrace text and trace.dat`);
  const lines: string[] = [];
  await streamLines(path, (text) => lines.push(text.endsWith('\r') ? text.slice(0, -1) : text));
  return lines;
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'export a replayed capture for Perfetto (Chrome JSON trace): VMs, mapping lifetimes, findings',
  usage: `usage: gpuvm-lens export --format perfetto <capture|-> [--output FILE]

Replays a capture (ftrace text or trace.dat) and writes a Chrome JSON trace
that ui.perfetto.dev and Perfetto's trace processor open: one process per VM,
each mapping a slice from its bind to its unbind (with its range, object,
offset and trace lines as arguments), findings as instant events on their VM,
and the capture's gpu_scheduler and dma_fence events alongside.
Exit code 0: written, no warning or error found; 1: written, with findings
of warning or error severity; 2: usage error, or an input that is no trace.

  --format perfetto   the only format (Chrome JSON trace events)
  --output FILE       write there instead of standard output
`,
  async run(args) {
    const parsed = parseArgs(args, ['--format', '--output']);
    if (parsed.flags.has('--help')) {
      process.stdout.write(this.usage);
      return 0;
    }
    const format = parsed.options.get('--format');
    if (format !== 'perfetto')
      throw new UsageError(format === undefined ? 'export needs --format perfetto' : `unknown format ${format} (perfetto)`);
    if (parsed.positional.length !== 1) throw new UsageError('export takes exactly one capture (or - for standard input)');
    const path = parsed.positional[0] as string;
    const lines = await readLines(path);

    const sink = analyzerFor('trace').begin({ path });
    const tsOf = new Float64Array(lines.length + 1).fill(Number.NaN);
    const events: ExportEvent[] = [];
    let lastTs = 0;
    lines.forEach((text, index) => {
      sink.line(text, index + 1, false);
      const parsed = parseTraceLine(text);
      if (parsed.kind !== 'event') return;
      tsOf[index + 1] = parsed.ts;
      lastTs = Math.max(lastTs, parsed.ts);
      const driver = EVENT_SPECS.get(parsed.event)?.driver;
      if (driver === 'gpu_scheduler' || driver === 'dma_fence')
        events.push({
          group: driver === 'gpu_scheduler' ? 'GPU scheduler' : 'dma_fence',
          name: parsed.event,
          ts: parsed.ts,
          line: index + 1,
          cpu: parsed.cpu,
          task: `${parsed.comm}-${parsed.pid}`,
          payload: parsed.payload,
        });
    });
    const result = await sink.end();
    const tsOfLine = (line: number): number | undefined => {
      const ts = tsOf[line];
      return ts === undefined || Number.isNaN(ts) ? undefined : ts;
    };
    const lives = traceLifetimes(lines.length, (index) => lines[index] ?? '');
    const vmId = (driver: string, key: string, createdLine: number) => `${driver}:${key}@${createdLine}`;
    const trace = toChromeTrace({
      source: path === '-' ? '<stdin>' : path,
      toolVersion: VERSION,
      vms: lives.vms.map((vm) => ({
        id: vmId(vm.driver, vm.key, vm.createdLine),
        label: `${vm.driver} VM ${vm.name}`,
        name: vm.name,
        createdTs: tsOfLine(vm.createdLine),
        freedTs: vm.freedLine === undefined ? undefined : tsOfLine(vm.freedLine),
      })),
      mappings: lives.mappings.map((mapping) => ({
        vm: vmId(mapping.driver, mapping.vmKey, mapping.vmCreatedLine),
        start: mapping.start,
        end: mapping.last + 1n,
        object: mapping.objectKey,
        offset: mapping.offset,
        key: mapping.key,
        boundTs: mapping.boundTs,
        boundLine: mapping.boundLine,
        boundEvent: mapping.boundEvent,
        unboundTs: mapping.unboundTs,
        unboundLine: mapping.unboundLine,
        unboundEvent: mapping.unboundEvent,
      })),
      findings: result.findings,
      tsOfLine,
      events,
      endTs: lastTs,
    });
    const json = JSON.stringify(trace) + '\n';
    const output = parsed.options.get('--output');
    if (output !== undefined) writeFileSync(output, json);
    else process.stdout.write(json);
    return result.findings.some((finding) => finding.severity === 'error' || finding.severity === 'warning') ? 1 : 0;
  },
};
