/**
 * A reader thread's tokenising record of a line (`prescanTraceLine`) must
 * give the replaying thread exactly what `scanTraceLine` would: for every
 * line of the fixture traces, in every layout, and for lines that are not
 * byte lines or not events, the record either refills a `ScannedLine` with
 * the same fields or says to scan the line as usual.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  acceptPrescanned,
  BYTE_LINE_LIMIT,
  isByteLine,
  lineEndsWithCr,
  PRESCAN_EVENT,
  PRESCAN_NOT_BYTES,
  PRESCAN_STRIDE,
  PRESCAN_UNKNOWN,
  prescannedSpec,
  prescanTraceLine,
  readPrescan,
} from '../../../../src/parse/trace/prescan';
import { EventDecoder, hexField, hexKeyField, objectField, pointerField, type LineEvent } from '../../../../src/parse/trace/decode-event';
import { specOfUnits } from '../../../../src/parse/trace/event-tables';
import { ScannedLine, scanTraceLine } from '../../../../src/parse/trace/trace-line';

const TRACES = join(__dirname, '../../../fixtures/traces');

function fields(scanned: ScannedLine) {
  const { kind, start, end, commStart, commEnd, commText, pid, tgid, cpu, ts, nameStart, nameEnd, payloadStart, count, markerCpu } =
    scanned;
  return { kind, start, end, commStart, commEnd, commText, pid, tgid, cpu, ts, nameStart, nameEnd, payloadStart, count, markerCpu };
}

/** Lines of every fixture trace, plus lines the record must decline. */
function lines(): string[] {
  const all: string[] = [];
  for (const name of readdirSync(TRACES, { recursive: true }) as string[]) {
    if (name.endsWith('.trace')) all.push(...readFileSync(join(TRACES, name), 'utf8').split('\n'));
  }
  return all.concat([
    '',
    '\r',
    '# tracer: nop',
    'CPU:3 [LOST 12 EVENTS]',
    '  kworker-1 [000] ..... 1.000001: xe_vm_free: dev=0, vm=0000000000000001\r',
    '  kworker-1 [000] ..... 1.000001: xe_vm_free: dev=0\tvm=0000000000000001',
    '  kwörker-1 [000] ..... 1.000001: xe_vm_free: dev=0, vm=0000000000000001',
    `  kworker-1 [000] ..... 1.000001: xe_vm_free: dev=0, vm=${'0'.repeat(BYTE_LINE_LIMIT)}`,
  ]);
}

describe('prescanTraceLine', () => {
  it('gives the scan of every line, or declines it', () => {
    const records = new Float64Array(PRESCAN_STRIDE + 8);
    const scratch = new ScannedLine();
    const counts = { [PRESCAN_EVENT]: 0, [PRESCAN_UNKNOWN]: 0, [PRESCAN_NOT_BYTES]: 0 };
    for (const text of lines()) {
      // At an offset in a bigger buffer, as in a batch.
      const bytes = Buffer.concat([Buffer.from('xyz\n'), Buffer.from(text, 'utf8'), Buffer.from('\nabc')]);
      const start = 4;
      const end = start + Buffer.byteLength(text, 'utf8');
      records.fill(-7);
      prescanTraceLine(bytes, start, end, scratch, new EventDecoder(), records, 3);
      const code = records[3] as 0 | 1 | 2;
      counts[code]++;
      expect(code === PRESCAN_NOT_BYTES).toBe(!isByteLine(bytes, start, end));
      expect(lineEndsWithCr(bytes, start, end, { scans: records, at: 3 })).toBe(text.endsWith('\r'));
      if (code !== PRESCAN_EVENT) continue;
      const expected = new ScannedLine();
      expect(scanTraceLine(bytes, start, end, expected)).toBe('event');
      const refilled = new ScannedLine();
      refilled.pid = 99;
      refilled.count = 5;
      readPrescan({ scans: records, at: 3 }, bytes, start, refilled);
      expect(fields(refilled)).toEqual(fields(expected));
      expect(refilled.units).toBe(bytes);
      expect(prescannedSpec({ scans: records, at: 3 })).toBe(specOfUnits(bytes, expected.nameStart, expected.nameEnd));
    }
    // All three answers were given.
    expect(counts[PRESCAN_EVENT]).toBeGreaterThan(100);
    expect(counts[PRESCAN_UNKNOWN]).toBeGreaterThan(0);
    expect(counts[PRESCAN_NOT_BYTES]).toBeGreaterThan(0);
  });

  it("decodes the payload as the replaying thread's own decoder would, or leaves it to it", () => {
    const records = new Float64Array(PRESCAN_STRIDE);
    const scratch = new ScannedLine();
    const reader = new EventDecoder();
    const replaying = new EventDecoder();
    const reference = new EventDecoder();
    let accepted = 0;
    let readAhead = 0;
    for (const text of lines()) {
      const bytes = Buffer.from(text, 'utf8');
      prescanTraceLine(bytes, 0, bytes.length, scratch, reader, records, 0);
      if (records[0] !== PRESCAN_EVENT) continue;
      const scanned = new ScannedLine();
      scanTraceLine(bytes, 0, bytes.length, scanned);
      const spec = specOfUnits(bytes, scanned.nameStart, scanned.nameEnd);
      if (!spec) continue;
      const expected = reference.decodeLine(spec, bytes, scanned.payloadStart, scanned.end);
      const expectedValues = expected ? { layout: expected.layout.id, values: [...expected.values] } : null;
      const taken = acceptPrescanned(replaying, spec, { scans: records, at: 0 }, bytes, 0);
      if (taken) accepted++;
      const decoded = taken ?? replaying.decodeLine(spec, bytes, scanned.payloadStart, scanned.end);
      expect(decoded ? { layout: decoded.layout.id, values: [...decoded.values] } : null).toEqual(expectedValues);
      // Fields read through the numbers the record holds read as from the digits.
      if (taken && expected) {
        for (const name of expected.layout.fields) {
          const read = (event: LineEvent) => [
            pointerField(event, name),
            objectField(event, name),
            hexField(event, name),
            hexKeyField(event, name),
          ];
          const fromDigits = read(expected);
          expect(read(taken), `${name} of ${text}`).toEqual(fromDigits);
          if (taken.numbers !== null && !Number.isNaN(taken.numbers[taken.numbersAt + expected.layout.index[name]!])) readAhead++;
        }
      }
    }
    expect(accepted).toBeGreaterThan(100);
    expect(readAhead).toBeGreaterThan(100);
  });

  it('is refused for a layout the decoder would not try first', () => {
    // The v6.12 layout of xe_vm, the second of its table.
    const text = '  kworker-1 [000] ..... 1.000001: xe_vm_free: dev=0000:03:00.0, vm=0000000000000001, asid=0x00001';
    const bytes = Buffer.from(text);
    const records = new Float64Array(PRESCAN_STRIDE);
    const scanned = new ScannedLine();
    prescanTraceLine(bytes, 0, bytes.length, scanned, new EventDecoder(), records, 0);
    const spec = specOfUnits(bytes, scanned.nameStart, scanned.nameEnd);
    if (!spec) throw new Error('xe_vm_free is a known event');
    const replaying = new EventDecoder();
    // A fresh decoder tries the newest layout first: it must decode the line itself.
    expect(acceptPrescanned(replaying, spec, { scans: records, at: 0 }, bytes, 0)).toBeNull();
    expect(replaying.decodeLine(spec, bytes, scanned.payloadStart, scanned.end)?.layout).toBe(spec.layouts[1]);
    // Now it tries that layout first.
    expect(acceptPrescanned(replaying, spec, { scans: records, at: 0 }, bytes, 0)?.values).toEqual([
      '0000:03:00.0',
      '0000000000000001',
      '00001',
    ]);
  });
});
