/**
 * The exit-code contract, the same for every command (README, "Exit codes"):
 * 0 analysed and clean, 1 analysed with warnings or errors, 2 a usage error
 * or an input that could not be analysed at all — and then standard error
 * says which and why, and the other inputs are still analysed and reported.
 *
 * One table: each command × each kind of input, with the code it must give
 * and what standard error must name.
 */

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliCommand } from '../../../src/cli/commands/command';
import { checkCommand } from '../../../src/cli/commands/check';
import { diffCommand } from '../../../src/cli/commands/diff';
import { explainCommand } from '../../../src/cli/commands/explain';
import { replayCommand } from '../../../src/cli/commands/replay';
import { reviewCommand } from '../../../src/cli/commands/review';
import { stateCommand } from '../../../src/cli/commands/state';
import { Random } from '../../helpers/random';
import { runCommand } from '../../helpers/run-command';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'gpuvm-lens-exit-'));
const write = (name: string, content: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const random = new Random(87);

/** Inputs by kind: the bad ones, and good ones clean and with findings per command. */
const inputs = {
  missing: join(dir, 'no-such-file'),
  directory: dir,
  empty: write('empty', ''),
  blank: write('blank', '\n  \n\t\n'),
  randomBytes: write(
    'random.bin',
    Uint8Array.from({ length: 64 << 10 }, () => random.int(0, 255)),
  ),
  prose: write('notes.txt', 'Some notes about the GPU.\nNothing here is a trace, a dump or a patch.\n'),
  coverLetter: write(
    '0000-cover-letter.patch',
    'From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001\nFrom: A Developer <dev@example.org>\nSubject: [PATCH 0/3] drm/xe: a series\n\nThis series reworks the VM bind path.\n\nA Developer (3):\n  drm/xe: one\n  drm/xe: two\n  drm/xe: three\n\n-- \n2.43.0\n',
  ),
  cleanScript: write('clean.gpuvm', 'vm 0 0x100000 0 0\nbo 1 0x10000\nmap 0x1000 0x1000 1 0\n'),
  badLineScript: write('bad-line.gpuvm', 'vm 0 0x100000 0 0\nbo 1 0x10000\nfrobnicate 1 2\nmap 0x1000 0x1000 1 0\n'),
  cleanTrace: join(FIXTURES, 'traces', 'rules', 'xe-clean.trace'),
  leakTrace: join(FIXTURES, 'traces', 'rules', 'xe-bind-over-live.trace'),
  datTrace: join(FIXTURES, 'trace-dat', 'sched-v7-zstd.dat'),
  datLostEvents: join(FIXTURES, 'trace-dat', 'lost-events-v7-zstd.dat'),
  datUnknownVersion: write(
    'version-9.dat',
    Uint8Array.from(readFileSync(join(FIXTURES, 'trace-dat', 'sched-v7-zstd.dat')), (byte, index) => (index === 10 ? 0x39 : byte)),
  ),
  noVmTrace: write('no-vm.trace', '# tracer: nop\n#\n  kworker/0:1-42   [000] .....  100.000001: sched_switch: prev_comm=a prev_pid=1\n'),
  cleanDump: join(FIXTURES, 'dumps', 'nouveau-two-clients.gpuvas'),
  cleanPatch: join(FIXTURES, 'patches', 'corpus', 'xe-fix-missing-xe-vm-put.mbox'),
  findingPatch: join(FIXTURES, 'patches', 'corpus', 'gpuvm-allow-vas-soft-reference-v4.mbox'),
};
type Input = keyof typeof inputs;

interface Row {
  readonly command: CliCommand;
  /** Inputs in order (a diff takes two). */
  readonly given: readonly Input[];
  readonly extra?: readonly string[];
  readonly code: 0 | 1 | 2;
  /** What standard error must say (a usage error's message is appended by runCommand). */
  readonly stderr?: RegExp;
  /** What standard output must still hold (other inputs analysed and reported). */
  readonly stdout?: RegExp;
}

const UNREADABLE = /cannot read .*no-such-file/;
const DIRECTORY = /is a directory/;
const EMPTY = /empty: nothing to/;

const TABLE: readonly Row[] = [
  // check
  { command: checkCommand, given: ['cleanTrace'], code: 0 },
  { command: checkCommand, given: ['leakTrace'], code: 1 },
  { command: checkCommand, given: ['cleanDump'], code: 0 },
  { command: checkCommand, given: ['cleanScript'], code: 0 },
  { command: checkCommand, given: ['missing'], code: 2, stderr: UNREADABLE },
  { command: checkCommand, given: ['directory'], code: 2, stderr: DIRECTORY },
  { command: checkCommand, given: ['empty'], code: 2, stderr: EMPTY },
  { command: checkCommand, given: ['blank'], code: 2, stderr: /only white space/ },
  { command: checkCommand, given: ['randomBytes'], code: 2, stderr: /random\.bin is not a trace, gpuvas dump, patch/ },
  { command: checkCommand, given: ['prose'], code: 2, stderr: /notes\.txt is not a trace/ },
  { command: checkCommand, given: ['coverLetter'], code: 2, stderr: /cover-letter\.patch holds no diff/ },
  {
    command: checkCommand,
    given: ['missing', 'leakTrace'],
    code: 2,
    stderr: UNREADABLE,
    stdout: /xe-bind-over-live\.trace:\d+:\d+: error: .*\[trace-bind-over-live-mapping\]/,
  },
  { command: checkCommand, given: ['cleanTrace', 'empty', 'cleanDump'], code: 2, stderr: EMPTY, stdout: /^2 files analyzed/m },
  { command: checkCommand, given: ['missing'], extra: ['--format', 'nope'], code: 2, stderr: /unknown format nope/ },
  // review
  { command: reviewCommand, given: ['cleanPatch'], code: 0 },
  { command: reviewCommand, given: ['findingPatch'], code: 1 },
  { command: reviewCommand, given: ['missing'], code: 2, stderr: UNREADABLE },
  { command: reviewCommand, given: ['directory'], code: 2, stderr: DIRECTORY },
  { command: reviewCommand, given: ['empty'], code: 2, stderr: EMPTY },
  { command: reviewCommand, given: ['coverLetter'], code: 2, stderr: /holds no diff/ },
  { command: reviewCommand, given: ['randomBytes'], code: 2, stderr: /random\.bin holds no diff/ },
  {
    command: reviewCommand,
    given: ['coverLetter', 'findingPatch'],
    code: 2,
    stderr: /holds no diff/,
    stdout: /soft-reference-v4\.mbox:\d+:\d+: warning/,
  },
  {
    command: reviewCommand,
    given: ['cleanPatch'],
    extra: ['--kernel-tree', dir],
    code: 2,
    stderr: /is not a kernel tree \(no MAINTAINERS, no Makefile, no drivers\/ or include\/\)/,
  },
  { command: reviewCommand, given: ['cleanPatch'], extra: ['--kernel-tree', inputs.cleanTrace], code: 2, stderr: /is not a directory/ },
  // replay
  { command: replayCommand, given: ['cleanScript'], code: 0 },
  { command: replayCommand, given: ['badLineScript'], code: 1, stderr: /^.*bad-line\.gpuvm:3: bad line: unknown command: frobnicate\n$/ },
  { command: replayCommand, given: ['missing'], code: 2, stderr: UNREADABLE },
  { command: replayCommand, given: ['directory'], code: 2, stderr: DIRECTORY },
  { command: replayCommand, given: ['empty'], code: 2, stderr: EMPTY },
  {
    command: replayCommand,
    given: ['randomBytes'],
    code: 2,
    stderr: /random\.bin:1: bad line:[^\n]*\n(?:.*\n)*.*more bad line\(s\) from here on\n.*random\.bin is not a GPUVM script/,
  },
  { command: replayCommand, given: ['cleanScript'], extra: ['--kernel', '5.4'], code: 2, stderr: /unknown kernel version 5\.4/ },
  { command: checkCommand, given: ['datTrace'], code: 0 },
  {
    command: checkCommand,
    given: ['datLostEvents'],
    code: 1,
    stdout: /lost-events-v7-zstd\.dat:2:1: warning: The ring buffer lost 1374 event\(s\) here/,
  },
  {
    command: checkCommand,
    given: ['datUnknownVersion'],
    code: 1,
    stdout:
      /version-9\.dat:1:1: warning: trace\.dat: file version "9" is not one this reader knows \(6 and 7\) \(at byte 0xa of the file\)/,
  },
  // state
  { command: stateCommand, given: ['leakTrace'], code: 0 },
  { command: stateCommand, given: ['cleanTrace'], code: 0, stderr: /no VM is live at that point \(1 seen before it, all freed\)/ },
  { command: stateCommand, given: ['datTrace'], code: 0, stderr: /no VM in the capture: none of its 3528 event/ },
  { command: stateCommand, given: ['noVmTrace'], code: 0, stderr: /no VM in the capture: none of its 1 event/ },
  { command: stateCommand, given: ['missing'], code: 2, stderr: UNREADABLE },
  { command: stateCommand, given: ['directory'], code: 2, stderr: DIRECTORY },
  { command: stateCommand, given: ['empty'], code: 2, stderr: EMPTY },
  { command: stateCommand, given: ['randomBytes'], code: 2, stderr: /does not look like an ftrace trace/ },
  { command: stateCommand, given: ['cleanDump'], code: 2, stderr: /detected: dump/ },
  // diff
  { command: diffCommand, given: ['cleanDump', 'cleanDump'], code: 0 },
  { command: diffCommand, given: ['cleanDump', 'empty'], code: 1 },
  { command: diffCommand, given: ['cleanDump', 'missing'], code: 2, stderr: UNREADABLE },
  { command: diffCommand, given: ['directory', 'cleanDump'], code: 2, stderr: DIRECTORY },
  { command: diffCommand, given: ['cleanDump', 'randomBytes'], code: 2, stderr: /random\.bin was detected as unknown/ },
  { command: diffCommand, given: ['cleanDump', 'coverLetter'], code: 2, stderr: /detected as patch/ },
  { command: diffCommand, given: ['cleanDump'], code: 2, stderr: /exactly two files/ },
];

describe('exit codes', () => {
  it.each(
    TABLE.map(
      (row) => [`${row.command.name} ${row.given.join(' ')}${row.extra ? ` ${row.extra.join(' ')}` : ''} → ${row.code}`, row] as const,
    ),
  )('%s', async (_name, row) => {
    const run = await runCommand(row.command, [...row.given.map((input) => inputs[input]), ...(row.extra ?? [])]);
    expect(run.code, run.stderr).toBe(row.code);
    if (row.stderr) expect(run.stderr).toMatch(row.stderr);
    else if (row.code !== 2) expect(run.stderr).toBe('');
    if (row.stdout) expect(run.stdout).toMatch(row.stdout);
  });

  it('replay keeps standard output the canonical output, ERR line included, byte for byte', async () => {
    const run = await runCommand(replayCommand, [inputs.badLineScript]);
    expect(run.stdout).toBe('ERR bad-command\nMAP addr=0x1000 range=0x1000 obj=1 off=0x0\n');
  });

  it('explain: a rule page is 0, an unknown rule is a usage error', async () => {
    expect((await runCommand(explainCommand, ['kernel-warn'])).code).toBe(0);
    expect(await runCommand(explainCommand, ['no-such-rule'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/no rule no-such-rule/),
    });
  });

  it('a real kernel tree is accepted by --kernel-tree', async () => {
    const tree = join(dir, 'linux');
    mkdirSync(join(tree, 'include'), { recursive: true });
    writeFileSync(join(tree, 'MAINTAINERS'), '');
    writeFileSync(join(tree, 'Makefile'), '');
    const run = await runCommand(reviewCommand, [inputs.cleanPatch, '--kernel-tree', tree]);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(inputs.cleanPatch, 'utf8').length).toBeGreaterThan(0);
  });
});
