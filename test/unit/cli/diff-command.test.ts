import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffCommand } from '../../../src/cli/commands/diff';
import { stateCommand } from '../../../src/cli/commands/state';
import { parseGpuvasDump } from '../../../src/parse/dump/parse-gpuvas';
import { renderGpuvas } from '../../../src/parse/dump/render-gpuvas';
import { runCommand } from '../../helpers/run-command';

const DUMPS = join(__dirname, '..', '..', 'fixtures', 'dumps');
const nouveau = join(DUMPS, 'nouveau-two-clients.gpuvas');

function changedCopy(): string {
  const lines = readFileSync(nouveau, 'utf8').split('\n');
  lines[5] = (lines[5] as string).replace('0xffff9a0c4b6e1800', '0xffff9a0c4b6e2000');
  lines.splice(6, 0, '     | 0x0000000800010000 | 0x0000000000001000 | 0x0000000800011000 | 0xffff9a0c4b6e1800 | 0x0000000000000000');
  lines.splice(lines.indexOf('DRM GPU VA space (glxgears[3001]) [0x0000000000000000;0x0000800000000000]'));
  const path = join(mkdtempSync(join(tmpdir(), 'gpuvm-lens-diff-')), 'b.gpuvas');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

describe('gpuvm-lens diff', () => {
  it('exits 0 and says so when two dumps hold the same VA spaces', async () => {
    const run = await runCommand(diffCommand, [nouveau, nouveau]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${nouveau} and ${nouveau}: the same VA spaces (2 VMs, 2 mappings)\n`);
  });

  it('exits 1 and lists changed mappings, new mappings and missing VMs with their lines', async () => {
    const other = changedCopy();
    const run = await runCommand(diffCommand, [nouveau, other]);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')).toEqual([
      'VM "vkcube[2742]":',
      `  ~ ${other}:6: changed at 0x0000000800000000: object 0xffff9a0c4b6e1800 -> 0xffff9a0c4b6e2000 (a: ${nouveau}:6)`,
      `  + ${other}:7: only in b: [0x0000000800010000, 0x0000000800011000) range 0x0000000000001000 object 0xffff9a0c4b6e1800 offset 0x0000000000000000`,
      `${nouveau}:13: VM "glxgears[3001]" only in a (0 mappings)`,
      `${nouveau} vs ${other}: 0 mappings only in a, 1 only in b, 1 changed; 1 VM only in a, 0 only in b`,
      '',
    ]);
  });

  it('prints JSON with hex strings and the same verdict', async () => {
    const other = changedCopy();
    const run = await runCommand(diffCommand, [nouveau, other, '--format', 'json', '--vm', 'vkcube[2742]']);
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout);
    expect(document.equal).toBe(false);
    expect(document.vms).toHaveLength(1);
    expect(document.vms[0].changed).toEqual([
      {
        start: '0x0000000800000000',
        fields: ['object'],
        a: {
          start: '0x0000000800000000',
          range: '0x0000000000010000',
          end: '0x0000000800010000',
          object: '0xffff9a0c4b6e1800',
          offset: '0x0000000000000000',
          line: 6,
        },
        b: {
          start: '0x0000000800000000',
          range: '0x0000000000010000',
          end: '0x0000000800010000',
          object: '0xffff9a0c4b6e2000',
          offset: '0x0000000000000000',
          line: 6,
        },
      },
    ]);
    expect(document.vms[0].onlyInB.map((row: { start: string }) => row.start)).toEqual(['0x0000000800010000']);
  });

  it('lists unreadable dump lines on standard error and still compares the rest', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gpuvm-lens-diff-')), 'cut.gpuvas');
    writeFileSync(
      path,
      readFileSync(nouveau, 'utf8').replace('0x0000000000000000\n     | 0x0000001000000000', '0xzz\n     | 0x0000001000000000'),
    );
    const run = await runCommand(diffCommand, [nouveau, path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${path}:6: not compared:`);
    expect(run.stdout).toContain(`- ${nouveau}:6: only in a:`);
  });

  it('exits 2 on usage errors: wrong arity, missing file, not a snapshot', async () => {
    expect((await runCommand(diffCommand, [nouveau])).code).toBe(2);
    expect((await runCommand(diffCommand, [nouveau, join(DUMPS, 'no-such-file')])).code).toBe(2);
    const notADump = await runCommand(diffCommand, [nouveau, join(DUMPS, 'findings', 'invariants.gpuvas.expected')]);
    expect(notADump.code).toBe(2);
    expect(notADump.stderr).toContain('diff compares VA-space snapshots');
    expect((await runCommand(diffCommand, [nouveau, nouveau, '--format', 'sarif'])).code).toBe(2);
  });
});

describe('gpuvm-lens diff with a trace', () => {
  const DIR = join(__dirname, '..', '..', 'fixtures', 'kernel-logs', 'with-trace');
  const trace = join(DIR, 'xe-run.trace');

  it('compares the state a trace replays to against a dump', async () => {
    const same = await runCommand(diffCommand, [trace, join(DIR, 'xe-run-asid3.gpuvas'), '--vm', '000000007a6b5c4d']);
    expect(same.stdout).toBe(`${trace} and ${join(DIR, 'xe-run-asid3.gpuvas')}: the same VA spaces (1 VM, 1 mapping)\n`);
    expect(same.code).toBe(0);
    const changed = join(DIR, 'xe-run-asid3-changed.gpuvas');
    const different = await runCommand(diffCommand, [trace, changed, '--vm', '000000007a6b5c4d']);
    expect(different.code).toBe(1);
    expect(different.stdout.split('\n').slice(0, 3)).toEqual([
      'VM "000000007a6b5c4d":',
      `  ~ ${changed}:6: changed at 0x0000000200000000: range 0x0000000000200000 -> 0x0000000000100000 (a: ${trace})`,
      `  + ${changed}:7: only in b: [0x0000000300000000, 0x0000000300001000) range 0x0000000000001000 object 0x0000000000000000 offset 0x0000000000000000`,
    ]);
  });
});

describe('gpuvm-lens diff at a point of a trace', () => {
  const DIR = join(__dirname, '..', '..', 'fixtures', 'kernel-logs', 'with-trace');
  const trace = join(DIR, 'xe-run.trace');

  it('replays the trace only up to --ts or --at before comparing', async () => {
    // VM 000000007a6b5c4d gets its only mapping at 1527.004530 (line 23).
    const before = await runCommand(diffCommand, [trace, join(DIR, 'xe-run-asid3.gpuvas'), '--ts', '1527.0', '--vm', '000000007a6b5c4d']);
    expect(before.code).toBe(1);
    expect(before.stdout).toContain('VM "000000007a6b5c4d" only in b (1 mapping)');
    const after = await runCommand(diffCommand, [trace, join(DIR, 'xe-run-asid3.gpuvas'), '--at', '23', '--vm', '000000007a6b5c4d']);
    expect(after.code).toBe(0);
    expect((await runCommand(diffCommand, [trace, trace, '--at', '0'])).code).toBe(2);
    expect((await runCommand(diffCommand, [trace, trace, '--at', '3', '--ts', '1'])).code).toBe(2);
  });
});

describe('state, parse, diff round trip', () => {
  const TRACES = join(__dirname, '..', '..', 'fixtures', 'traces');
  const traces = [
    join(__dirname, '..', '..', 'fixtures', 'kernel-logs', 'with-trace', 'xe-run.trace'),
    join(TRACES, 'spec-examples.trace'),
    join(TRACES, 'all-events.trace'),
    join(TRACES, 'rules', 'amdgpu-clean.trace'),
    join(TRACES, 'rules', 'i915.trace'),
    join(TRACES, 'rules', 'xe-clean.trace'),
  ];

  it.each(traces)('prints the state of %s as a dump that parses back byte for byte and diffs as equal', async (trace) => {
    const state = await runCommand(stateCommand, [trace]);
    expect(state.code).toBe(0);
    const dump = parseGpuvasDump(state.stdout);
    expect(dump.errors).toEqual([]);
    expect(renderGpuvas(dump.snapshots)).toBe(state.stdout);
    const path = join(mkdtempSync(join(tmpdir(), 'gpuvm-lens-state-')), 'state.gpuvas');
    writeFileSync(path, state.stdout);
    const diff = await runCommand(diffCommand, [trace, path]);
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(0);
  });
});
