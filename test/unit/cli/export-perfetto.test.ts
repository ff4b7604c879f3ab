/**
 * `gpuvm-lens export --format perfetto`: the output validates against the
 * schema of the Trace Event Format subset it writes
 * (test/fixtures/perfetto/trace-event.schema.json), a known trace gives known
 * slices, instants and arguments, and for every bundled example capture the
 * mapping slices are exactly the lifetimes the replay computes.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { exportCommand } from '../../../src/cli/commands/export';
import { traceLifetimes } from '../../../src/analysis/trace/trace-lifetimes';
import type { ChromeTrace, TraceEvent } from '../../../src/report/perfetto';
import { runCommand } from '../../helpers/run-command';

const ROOT = join(__dirname, '..', '..', '..');
const schema = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'perfetto', 'trace-event.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true }).compile(schema);

const EXAMPLES = [
  ...readdirSync(join(ROOT, 'examples', 'traces')).map((name) => join('examples', 'traces', name)),
  join('examples', 'xe-run', 'trace.txt'),
];

async function exported(path: string): Promise<{ code: number; trace: ChromeTrace }> {
  const run = await runCommand(exportCommand, ['--format', 'perfetto', join(ROOT, path)]);
  return { code: run.code, trace: JSON.parse(run.stdout) as ChromeTrace };
}

describe('export --format perfetto', () => {
  it.each(EXAMPLES)('%s validates against the trace event schema', async (path) => {
    const { trace } = await exported(path);
    expect(validate(trace), JSON.stringify(validate.errors)).toBe(true);
    expect(trace.traceEvents.length).toBeGreaterThan(0);
  });

  it.each(EXAMPLES)('%s has one slice per mapping lifetime of the replay', async (path) => {
    const { trace } = await exported(path);
    const lines = readFileSync(join(ROOT, path), 'utf8').replace(/\n$/, '').split('\n');
    const lives = traceLifetimes(lines.length, (index) => lines[index] ?? '');
    const processOf = new Map(
      trace.traceEvents.filter((event) => event.ph === 'M' && event.name === 'process_name').map((event) => [event.pid, event.args.name]),
    );
    const slices = trace.traceEvents
      .filter((event) => event.cat === 'mapping')
      .map((event) => [processOf.get(event.pid), event.args.start, event.args.end, event.args.bound_line, event.args.unbound_line]);
    const replayed = lives.mappings.map((mapping) => [
      `${mapping.driver} VM ${mapping.vmName}`,
      `0x${mapping.start.toString(16)}`,
      `0x${(mapping.last + 1n).toString(16)}`,
      mapping.boundLine,
      mapping.unboundLine ?? null,
    ]);
    expect(slices.length).toBeGreaterThan(0);
    expect(slices.sort()).toEqual(replayed.sort());
  });

  it('places the Xe use-after-free example on the timeline to the microsecond', async () => {
    const { code, trace } = await exported(join('examples', 'traces', 'xe-use-after-free.trace'));
    expect(code).toBe(1);
    const byName = (name: string): TraceEvent[] => trace.traceEvents.filter((event) => event.name === name);
    expect(byName('process_name').map((event) => event.args.name)).toEqual(['xe VM 000000005e6f7a8b', 'xe VM 000000005e6f7a8b']);
    expect(byName('[0x1a0000000, 0x1a0200000)')[0]).toEqual({
      name: '[0x1a0000000, 0x1a0200000)',
      cat: 'mapping',
      ph: 'X',
      ts: 1524031000,
      dur: 1000,
      pid: 1,
      tid: 3,
      args: {
        start: '0x1a0000000',
        end: '0x1a0200000',
        size: '0x200000',
        object: '',
        offset: '0x0',
        mapping: '00000000a1b2c3d4',
        bound_line: 8,
        bound_event: 'xe_vma_bind',
        unbound_line: 9,
        unbound_event: 'xe_vma_unbind',
        live_at_end: false,
      },
    });
    const findings = trace.traceEvents.filter((event) => event.cat === 'finding');
    expect(findings.map((event) => [event.name, event.ts, event.pid, event.args.line])).toEqual([
      // Lines 16 and 17 use and free the first VM after its free, before the second is created (line 18).
      ['trace-use-after-free', 1524033000, 1, 10],
      ['trace-use-after-free', 1524034000, 1, 11],
      ['trace-use-after-free', 1524039000, 1, 16],
      ['trace-use-after-free', 1524040000, 1, 17],
    ]);
  });

  it('gives every thread a tid of its own, the main thread of a process its pid, as the importer expects', async () => {
    const { trace } = await exported(join('examples', 'traces', 'xe-use-after-free.trace'));
    const processesOfTid = new Map<number, Set<number>>();
    for (const event of trace.traceEvents) processesOfTid.set(event.tid, (processesOfTid.get(event.tid) ?? new Set()).add(event.pid));
    for (const [tid, pids] of processesOfTid) expect([tid, [...pids]]).toEqual([tid, [[...pids][0]]]);
    for (const event of trace.traceEvents.filter((e) => e.name === 'process_name')) expect(event.tid).toBe(event.pid);
    expect(processesOfTid.size).toBe(4);
  });

  it('refuses what is no trace and a missing format', async () => {
    expect((await runCommand(exportCommand, ['--format', 'perfetto', join(ROOT, 'examples', 'scripts', 'locking.gpuvm')])).code).toBe(2);
    expect((await runCommand(exportCommand, [join(ROOT, 'examples', 'traces', 'xe-vm-leak.trace')])).stderr).toMatch(
      /needs --format perfetto/,
    );
  });
});
