import { describe, expect, it } from 'vitest';
import { objectKey } from '../../../src/analysis/trace/replay-context';
import { KeyTable } from '../../../src/ide/key-table';
import { parsePointer, pointerText } from '../../../src/base/hex-words';
import { LoggedKeyNumbers, TouchLog, type LoggedTouch } from '../../../src/ide/touch-log';

type Touch = [line: number, kind: string, driver: string, id: string, sub: string | undefined];

/** The touches of `log` from its start, each as its line and its key. */
function readBack(log: TouchLog, keys: KeyTable): [number, string][] {
  const numbers = new LoggedKeyNumbers(keys);
  const out: [number, string][] = [];
  log.forEach(log.cursor(), (touch: LoggedTouch) => {
    out.push([touch.line, keys.keyOf(numbers.numberOf(touch)) as string]);
    return true;
  });
  return out;
}

describe('TouchLog', () => {
  const vm = '000000005e6f7a01';
  const touches: Touch[] = [
    [3, 'vm', 'xe', vm, undefined],
    [3, 'mapping', 'xe', vm, '00000000a100c319'],
    [3, 'mapping', 'xe', vm, '00000000a100c319'],
    [4, 'vm', 'xe', 'ffffffffffffffff', undefined],
    [4, 'mapping', 'xe', 'ffffffffffffffff', '8000000000000000'],
    // Not pointers as keys print them: upper case, short, empty, 17 digits, not hex: kept as text.
    [5, 'vm', 'xe', '000000005E6F7A01', undefined],
    [5, 'bo', 'i915', '1f', undefined],
    [6, 'pasid', 'amdgpu', '', undefined],
    [6, 'mapping', 'amdgpu', '', '0000000000000001'],
    [7, 'mapping', 'xe', vm, '00000000a100c3190'],
    [7, 'mapping', 'xe', vm, 'g000000000000000'],
    [8, 'fence', '12', '3456', undefined],
    [8, 'fence', '13', '3456', undefined],
    [9, 'mapping', 'xe', vm, '00000000a100c319'],
  ];

  it('gives back every touch in order with its line and the key the replay named', () => {
    const log = new TouchLog();
    for (const [line, kind, driver, id, sub] of touches) log.touch(line, kind, driver, id, sub);
    expect(log.size).toBe(touches.length);
    const keys = new KeyTable();
    expect(readBack(log, keys)).toEqual(touches.map(([line, kind, driver, id, sub]) => [line, objectKey(kind, driver, id, sub)]));
    // One number per distinct key, whichever way (words or text) it was logged.
    expect(keys.size).toBe(new Set(touches.map(([, kind, driver, id, sub]) => objectKey(kind, driver, id, sub))).size);
  });

  it('numbers a key logged as words and the same key named as text alike', () => {
    const keys = new KeyTable();
    const text = keys.numberOfParts('mapping', 'xe', vm, '00000000a100c319');
    const log = new TouchLog();
    log.touch(1, 'mapping', 'xe', vm, '00000000a100c319');
    expect(readBack(log, keys)).toEqual([[1, `mapping:xe:${vm}/00000000a100c319`]]);
    expect(keys.size).toBe(text + 1);
  });

  it('starts afresh after clear, and resumes a cursor where a refused touch stopped it', () => {
    const log = new TouchLog();
    log.touch(1, 'vm', 'xe', vm, undefined);
    log.clear();
    expect(log.size).toBe(0);
    // After clear the first touch names its line and id again.
    for (const [line, kind, driver, id, sub] of touches) log.touch(line, kind, driver, id, sub);
    const cursor = log.cursor();
    const lines: number[] = [];
    let budget = 4;
    for (let done = false; !done; budget = 4) {
      done = log.forEach(cursor, (touch) => {
        if (budget-- === 0) return false;
        lines.push(touch.line);
        return true;
      });
    }
    expect(lines).toEqual(touches.map(([line]) => line));
  });

  it('gives back the ids of more interleaved VMs than it keeps as recent, across refused touches and a clear', () => {
    // VMs cycling in a period longer than the recent ids, then shorter; some names as text, some repeated at once.
    const vms = Array.from({ length: 11 }, (_, n) => `00000000000000${(n + 0xa0).toString(16)}`);
    const named: Touch[] = [];
    for (let n = 0; n < 60; n++) {
      const vmId = n < 30 ? (vms[n % 11] as string) : (vms[n % 3] as string);
      named.push([n + 1, 'mapping', 'xe', vmId, `00000000a100${(0xc000 + n).toString(16)}`]);
      if (n % 7 === 0) named.push([n + 1, 'vm', 'xe', vmId, undefined]);
      if (n % 13 === 0) named.push([n + 1, 'vm', 'xe', `asid-0x${n}`, undefined]);
    }
    const log = new TouchLog();
    for (const [line, kind, driver, id, sub] of named.slice(0, 10)) log.touch(line, kind, driver, id, sub);
    log.clear();
    for (const [line, kind, driver, id, sub] of named) log.touch(line, kind, driver, id, sub);
    const keys = new KeyTable();
    const numbers = new LoggedKeyNumbers(keys);
    const cursor = log.cursor();
    const read: [number, string][] = [];
    let budget = 3;
    for (let done = false; !done; budget = 3) {
      done = log.forEach(cursor, (touch) => {
        if (budget-- === 0) return false;
        read.push([touch.line, keys.keyOf(numbers.numberOf(touch)) as string]);
        return true;
      });
    }
    expect(read).toEqual(named.map(([line, kind, driver, id, sub]) => [line, objectKey(kind, driver, id, sub)]));
  });
});

describe('pointerText', () => {
  it('writes the 16 lower-case digits of two words, as parsePointer reads them', () => {
    const words = new Int32Array(2);
    const values = [0, 1, 0xf, 0x10, 0x7fffffff, -0x80000000, -1, 0x5e6f7a01, -0x5f000000];
    for (let k = 0; k < 1000; k++) values.push(Math.imul(k, 0x9e3779b9));
    for (const high of values) {
      for (const low of [0, -1, 0xa1000000 | 0, Math.imul(high, 31) ^ 0x1234]) {
        const text = pointerText(high, low);
        expect(text).toBe((high >>> 0).toString(16).padStart(8, '0') + (low >>> 0).toString(16).padStart(8, '0'));
        expect(parsePointer(text, words, 0)).toBe(true);
        expect([words[0], words[1]]).toEqual([high | 0, low | 0]);
      }
    }
  });
});
