/**
 * `gpuvm-lens state`: the gpuvas layout byte for byte, stop points, VM
 * selection, usage errors, and the round trip replay → state → parse as a
 * dump → diff, with no difference.
 */

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffSnapshots, vmDiffers } from '../../../src/analysis/dump/diff-snapshots';
import { TraceReplayer } from '../../../src/analysis/trace/trace-replayer';
import { stateSnapshots } from '../../../src/analysis/trace/trace-snapshots';
import { stateCommand } from '../../../src/cli/commands/state';
import { parseGpuvasDump } from '../../../src/parse/dump/parse-gpuvas';
import { generateTraceText } from '../../../bench/trace-generator';
import { runCommand } from '../../helpers/run-command';

const TRACES = join(__dirname, '..', '..', 'fixtures', 'traces');
const xeClean = join(TRACES, 'rules', 'xe-clean.trace');

describe('gpuvm-lens state', () => {
  it('prints the VA space at a line in the exact gpuvas layout', async () => {
    const run = await runCommand(stateCommand, [xeClean, '--at', '14']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(readFileSync(join(TRACES, 'state', 'xe-clean-at-14.gpuvas'), 'utf8'));
  });

  it('stops at a timestamp', async () => {
    const byLine = await runCommand(stateCommand, [xeClean, '--at', '8']);
    const byTime = await runCommand(stateCommand, [xeClean, '--ts', '1524.001500']);
    expect(byTime.stdout).toBe(byLine.stdout);
  });

  it('prints nothing once every VM is freed, and one block per VM, blank-separated', async () => {
    expect((await runCommand(stateCommand, [xeClean])).stdout).toBe('');
    const two = await runCommand(stateCommand, [join(TRACES, 'rules', 'xe-bind-over-live.trace')]);
    expect(two.stdout.split('\n').filter((line) => line.startsWith('DRM GPU VA space'))).toEqual([
      'DRM GPU VA space (000000005e6f7a8b) [0x0000000000000000;0x0001000000000000]',
      'DRM GPU VA space (000000009f8e7d6c) [0x0000000000000000;0x0001000000000000]',
    ]);
    expect(two.stdout).toContain('\n\nDRM GPU VA space (000000009f8e7d6c)');
    const one = await runCommand(stateCommand, [join(TRACES, 'rules', 'xe-bind-over-live.trace'), '--vm', '9f8e7d6c']);
    expect(one.stdout.startsWith('DRM GPU VA space (000000009f8e7d6c)')).toBe(true);
    expect(one.stdout).not.toContain('5e6f7a8b');
  });

  it('prints amdgpu objects and byte addresses', async () => {
    const run = await runCommand(stateCommand, [join(TRACES, 'rules', 'amdgpu-clean.trace'), '--at', '15']);
    expect(run.stdout.split('\n')).toEqual([
      'DRM GPU VA space (vkcube[5120]) [0x0000000000000000;0x0001000000000000]',
      'Kernel reserved node [0x0000000000000000;0x0000000000000000]',
      '',
      ' VAs | start              | range              | end                | object             | object offset',
      '-'.repeat(109),
      '     | 0x0000800100200000 | 0x0000000000040000 | 0x0000800100240000 | 0x00000000d2e1c3b4 | 0x0000000000000000',
      '     | 0x0000800100280000 | 0x0000000000080000 | 0x0000800100300000 | 0x00000000d2e1c3b4 | 0x0000000000080000',
      '',
    ]);
  });

  it('rejects bad arguments with exit code 2', async () => {
    expect((await runCommand(stateCommand, [xeClean, '--at', 'x'])).code).toBe(2);
    expect((await runCommand(stateCommand, [xeClean, '--at', '3', '--ts', '1'])).code).toBe(2);
    expect((await runCommand(stateCommand, [xeClean, '--at', '9', '--vm', 'nope'])).code).toBe(2);
    expect((await runCommand(stateCommand, [join(TRACES, 'missing.trace')])).code).toBe(2);
    expect((await runCommand(stateCommand, [join(__dirname, '..', '..', 'fixtures', 'dumps', 'nouveau-two-clients.gpuvas')])).code).toBe(2);
  });
});

describe('round trip: replay, print state, parse it as a dump, diff', () => {
  it.each(['xe', 'amdgpu'] as const)('%s', async (driver) => {
    const text = generateTraceText({ driver, lines: 20_000, seed: 5, vms: 12, mappingsPerVm: 80 });
    const path = join(mkdtempSync(join(tmpdir(), 'gpuvm-lens-state-')), `${driver}.trace`);
    writeFileSync(path, text);
    const run = await runCommand(stateCommand, [path, '--at', '15000']);
    expect(run.code).toBe(0);
    const dump = parseGpuvasDump(run.stdout);
    expect(dump.errors).toEqual([]);
    expect(dump.snapshots.length).toBeGreaterThan(5);

    const replayer = new TraceReplayer({ quiet: true });
    text
      .split('\n')
      .slice(0, 15_000)
      .forEach((line, index) => replayer.line(line, index + 1));
    const expected = stateSnapshots(replayer.state);
    const diff = diffSnapshots(dump.snapshots, expected);
    expect(diff.vms.filter(vmDiffers)).toEqual([]);
    expect(diff.equal).toBe(true);
    expect(dump.snapshots.map((snapshot) => snapshot.rows.length)).toEqual(expected.map((snapshot) => snapshot.rows.length));
  });
});
