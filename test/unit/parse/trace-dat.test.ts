/**
 * The `trace.dat` reader against real recordings (test/fixtures/trace-dat/README.md):
 * every line it produces equals `trace-cmd report -R` of the same file (task,
 * PID, CPU, time, event, every raw field, lost-event markers, counts), for
 * version 6, version 7 uncompressed and version 7 zstd; and damaged files give
 * a finding line with the file offset, never an exception or a hang.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bytesSource, isTraceDat, readTraceDatMeta, traceDatTextLines } from '../../../src/parse/trace-dat/index';

const DIR = join(__dirname, '..', '..', 'fixtures', 'trace-dat');

function fixture(name: string): Uint8Array {
  const bytes = readFileSync(join(DIR, name));
  return name.endsWith('.gz') ? gunzipSync(bytes) : bytes;
}

/** The file as `trace-cmd report -R` shows it (raw fields). */
function reportOf(bytes: Uint8Array): string[] {
  return [...traceDatTextLines(bytesSource(bytes), { raw: true })].map((line) => line.text);
}

function expected(name: string): string[] {
  return gunzipSync(readFileSync(join(DIR, name)))
    .toString('utf8')
    .replace(/\n$/, '')
    .split('\n');
}

describe('trace.dat recordings read as trace-cmd report -R shows them', () => {
  it.each([
    ['sched-v7-zstd.dat', 'sched-v7-zstd.report-R.txt.gz', 3529],
    ['sched-v7-uncompressed.dat.gz', 'sched-v7-zstd.report-R.txt.gz', 3529],
    ['sched-v6.dat.gz', 'sched-v7-zstd.report-R.txt.gz', 3529],
    ['lost-events-v7-zstd.dat', 'lost-events-v7-zstd.report-R.txt.gz', 317],
    ['mono-clock-v7-zstd.dat', 'mono-clock-v7-zstd.report-R.txt.gz', 3541],
  ])('%s', (file, report, lines) => {
    const ours = reportOf(fixture(file));
    expect(ours).toHaveLength(lines);
    expect(ours).toEqual(expected(report));
  });

  it('reads the metadata: version, compression, clock, CPUs, command lines', () => {
    const zstd = readTraceDatMeta(bytesSource(fixture('sched-v7-zstd.dat')));
    expect({ version: zstd.version, compression: zstd.compression, clock: zstd.clock, cpus: zstd.buffers[0]?.cpus.length }).toEqual({
      version: 7,
      compression: 'zstd',
      clock: 'local',
      cpus: 2,
    });
    expect(zstd.cmdlines.get(9930)).toBe('record.sh');
    expect(readTraceDatMeta(bytesSource(fixture('sched-v6.dat.gz'))).version).toBe(6);
    expect(readTraceDatMeta(bytesSource(fixture('mono-clock-v7-zstd.dat'))).clock).toBe('mono');
  });

  it('marks lost events where the kernel flagged them, with their count when stored', () => {
    const lost = reportOf(fixture('lost-events-v7-zstd.dat')).filter((line) => line.startsWith('CPU:'));
    expect(lost).toEqual(['CPU:1 [1374 EVENTS DROPPED]', 'CPU:0 [EVENTS DROPPED]']);
  });
});

describe('damaged trace.dat files', () => {
  const good = fixture('sched-v7-uncompressed.dat.gz');
  const meta = readTraceDatMeta(bytesSource(good));
  const cpu0 = meta.buffers[0]?.cpus[0] as { offset: number; size: number };
  const damagedLines = (bytes: Uint8Array) => [...traceDatTextLines(bytesSource(bytes))].filter((line) => line.problem);

  it('a wrong magic is not a trace.dat, and reading it anyway says so at offset 0', () => {
    const bytes = Uint8Array.from(good);
    bytes[3] = 0x58;
    expect(isTraceDat(bytes)).toBe(false);
    expect(damagedLines(bytes).map((line) => line.text)).toEqual([
      '# trace.dat: not a trace-cmd trace.dat (no \\x17\\x08\\x44tracing magic) (file offset 0)',
    ]);
  });

  it('an unknown version is named', () => {
    const bytes = Uint8Array.from(good);
    bytes[10] = 0x39; // "9"
    expect(damagedLines(bytes)[0]?.text).toMatch(/file version "9" is not one this reader knows \(6 and 7\) \(file offset 10\)/);
  });

  it('a truncated version 6 file keeps every event before the cut and says where it ends', () => {
    const v6 = fixture('sched-v6.dat.gz');
    const [first, second] = readTraceDatMeta(bytesSource(v6)).buffers[0]?.cpus ?? [];
    const at = (first as { offset: number }).offset;
    const lines = reportOf(v6.subarray(0, at + 3 * meta.pageSize + 100));
    expect(lines.filter((line) => line.includes(': kmalloc:')).length).toBeGreaterThan(50);
    expect(lines.filter((line) => line.startsWith('# trace.dat:'))).toEqual([
      `# trace.dat: CPU 1: the file ends inside this CPU data (file offset ${(second as { offset: number }).offset})`,
      `# trace.dat: CPU 0: the file ends inside this CPU data (file offset ${at + 3 * meta.pageSize})`,
    ]);
  });

  it('a truncated version 7 file, whose buffer options follow the data, says where it ends', () => {
    const lines = reportOf(good.subarray(0, cpu0.offset + 3 * meta.pageSize + 100));
    expect(lines).toEqual([
      `# trace.dat: the file ends inside a section header (16 bytes wanted, 0 there) (file offset ${good.length - 231})`,
    ]);
  });

  it('a page with an impossible commit size is skipped with its offset; the other pages are read', () => {
    const bytes = Uint8Array.from(good);
    const page = cpu0.offset + meta.pageSize;
    new DataView(bytes.buffer).setUint32(page + 8, 0x0fffff00, true);
    const lines = reportOf(bytes);
    expect(lines.filter((line) => line.startsWith('# trace.dat:'))).toEqual([
      `# trace.dat: CPU 0: a ring-buffer page says it holds 268435200 bytes, more than the 4080 a page has; the page is skipped (file offset ${page})`,
    ]);
    expect(lines.length).toBeGreaterThan(3000);
    expect(lines.length).toBeLessThan(3529);
  });

  it('a compressed section that does not decompress is named with its offset', () => {
    const bytes = Uint8Array.from(fixture('sched-v7-zstd.dat'));
    const zmeta = readTraceDatMeta(bytesSource(bytes));
    const data = zmeta.buffers[0]?.cpus[0] as { offset: number };
    // Inside the first compressed chunk of CPU 0 (after its count and sizes).
    for (let k = 0; k < 64; k++) bytes[data.offset + 12 + k] = 0xff;
    const problems = damagedLines(bytes).map((line) => line.text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      new RegExp(`^# trace\\.dat: CPU 0: a chunk does not decompress with zstd: .* \\(file offset ${data.offset + 4}\\)$`),
    );
  });

  it('random bytes after a valid magic never throw', () => {
    let seed = 7;
    for (let round = 0; round < 200; round++) {
      const bytes = Uint8Array.from(good.subarray(0, 4096 + round * 97));
      for (let k = 0; k < 40; k++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        bytes[10 + (seed % (bytes.length - 10))] = seed & 0xff;
      }
      expect(() => reportOf(bytes)).not.toThrow();
    }
  });
});
