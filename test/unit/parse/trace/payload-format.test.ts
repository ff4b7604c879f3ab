/**
 * Matching payloads against TP_printk format strings: literals, adjacent
 * conversions, trailing literals, pointer spellings and value checks.
 */

import { describe, expect, it } from 'vitest';
import { compileFormat, isNullPointer, matchFormat, pointerKey } from '../../../../src/parse/trace/payload-format';

const CASES: readonly { format: string; payload: string; values: string[] | null }[] = [
  { format: 'pasid=%u', payload: 'pasid=32770', values: ['32770'] },
  { format: 'pasid=%u', payload: 'pasid=-1', values: null },
  { format: 'dev=%d, vm=%p', payload: 'dev=-1, vm=(nil)', values: ['-1', '(nil)'] },
  { format: 'vm=%p', payload: 'vm=0xffff88810e6f7a00', values: ['0xffff88810e6f7a00'] },
  { format: 'vm=%p', payload: 'vm=(____ptrval____)', values: ['(____ptrval____)'] },
  { format: 'vm=%p', payload: 'vm=zzzz', values: null },
  { format: 'fence=%llu:%llu signaled', payload: 'fence=2411:1834 signaled', values: ['2411', '1834'] },
  { format: 'fence=%llu:%llu signaled', payload: 'fence=2411:1834 done', values: null },
  {
    format: 'size=0x%llx%s vm=%p',
    payload: 'size=0x20000, mappable vm=000000004c5d6e7f',
    values: ['20000', ', mappable', '000000004c5d6e7f'],
  },
  { format: 'size=0x%llx%s vm=%p', payload: 'size=0x20000 vm=000000004c5d6e7f', values: ['20000', '', '000000004c5d6e7f'] },
  { format: 'align=0x%llx%s', payload: 'align=0x1000 ', values: ['1000', ''] },
  { format: 'align=0x%llx%s', payload: 'align=0x1000 , mappable', values: ['1000', ' , mappable'] },
  { format: 'userptr=0x%012llx,', payload: 'userptr=0x000000000000,', values: ['000000000000'] },
  { format: 'userptr=0x%012llx,', payload: 'userptr=0x000000000000', values: null },
  {
    format: '%s: events=0x%x duration_ns=%d',
    payload: 'fb000000.gpu: events=0x80000001 duration_ns=4210',
    values: ['fb000000.gpu', '80000001', '4210'],
  },
  { format: 'preempting %u -> %u wptr %x', payload: 'preempting 0 -> 1 wptr 3f', values: ['0', '1', '3f'] },
  { format: 'a=%u, b=%u', payload: 'a=1, b=2, c=3', values: null },
  { format: 'a=%u, b=%u', payload: 'a=1, b=2   ', values: ['1', '2'] },
];

describe('matchFormat', () => {
  it.each(CASES)('$format ← $payload', ({ format, payload, values }) => {
    expect(matchFormat(compileFormat(format), payload)).toEqual(values);
  });

  it('compiles conversions with widths and length modifiers', () => {
    expect(compileFormat('pe=%010Lx, n=%zu, s=%s, p=%p, d=%lld').types).toEqual(['hex', 'udec', 'str', 'ptr', 'dec']);
  });
});

describe('pointer identities', () => {
  it('normalises every spelling to 16 hex digits', () => {
    expect(pointerKey('00000000a1b2c3d4')).toBe('00000000a1b2c3d4');
    expect(pointerKey('0xffff8881a1b2c3d4')).toBe('ffff8881a1b2c3d4');
    expect(pointerKey('ffff88021f3c4800')).toBe('ffff88021f3c4800');
    expect(pointerKey('0x1f3c')).toBe('0000000000001f3c');
    expect(pointerKey('(nil)')).toBe('0000000000000000');
  });

  it('recognises NULL however printed', () => {
    for (const value of ['0000000000000000', '0x0', '(nil)', '(null)']) expect(isNullPointer(value)).toBe(true);
    expect(isNullPointer('00000000a1b2c3d4')).toBe(false);
  });
});
