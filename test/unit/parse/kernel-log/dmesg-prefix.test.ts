import { describe, expect, it } from 'vitest';
import { deviceOf, splitDmesgLine } from '../../../../src/parse/kernel-log/dmesg-prefix';

describe('splitDmesgLine', () => {
  it.each([
    ['[  812.339104] amdgpu 0000:03:00.0: amdgpu: x', { message: 'amdgpu 0000:03:00.0: amdgpu: x', prefixed: true, timestamp: 812.339104 }],
    ['<3>[    2.000001] BUG: KASAN: x', { message: 'BUG: KASAN: x', prefixed: true, timestamp: 2.000001, level: 3 }],
    ['<4>refcount_t: underflow; use-after-free.', { message: 'refcount_t: underflow; use-after-free.', prefixed: true, level: 4 }],
    ['kern  :warn  : [ 1200.120001] msg', { message: 'msg', prefixed: true, timestamp: 1200.120001 }],
    ['[Sat Nov 22 01:02:03 2026] msg', { message: 'msg', prefixed: true }],
    ['Nov 22 01:02:03 testbox kernel: msg', { message: 'msg', prefixed: true }],
    ['Nov  2 01:02:03.123456 testbox kernel: [   5.5] msg', { message: 'msg', prefixed: true, timestamp: 5.5 }],
    ['2026-11-22T01:02:03+0000 testbox kernel: msg', { message: 'msg', prefixed: true }],
    ['[   12.000000] [  T1234] msg', { message: 'msg', prefixed: true, timestamp: 12 }],
    ['[   12.000000] [    C3] msg', { message: 'msg', prefixed: true, timestamp: 12 }],
    ['msg with CR\r', { message: 'msg with CR', prefixed: false }],
    ['[gfxhub0] not a stamp', { message: '[gfxhub0] not a stamp', prefixed: false }],
    ['[ 12.] broken stamp', { message: '[ 12.] broken stamp', prefixed: false }],
    ['', { message: '', prefixed: false }],
  ])('splits %j', (line, expected) => {
    expect(splitDmesgLine(line)).toEqual(expected);
  });

  it('finds the device of a dev_* message', () => {
    expect(deviceOf('amdgpu 0000:03:00.0: amdgpu: [gfxhub] page fault')).toBe('amdgpu 0000:03:00.0');
    expect(deviceOf('panthor fb000000.gpu: [drm] *ERROR* Unhandled Page fault')).toBe('panthor fb000000.gpu');
    expect(deviceOf('refcount_t: underflow; use-after-free.')).toBeUndefined();
  });
});
