import { describe, expect, it } from 'vitest';
import { isVaViewState, parseFromWebview } from '../../../src/protocol/webview';

describe('webview messages', () => {
  it.each([
    [
      { type: 'ready', state: null },
      { type: 'ready', state: null },
    ],
    [
      { type: 'scrub', line: 12 },
      { type: 'scrub', line: 12 },
    ],
    [
      { type: 'reveal', line: 0 },
      { type: 'reveal', line: 0 },
    ],
    [
      { type: 'selectVm', vm: '000000005e6f7a8b' },
      { type: 'selectVm', vm: '000000005e6f7a8b' },
    ],
    [
      { type: 'mode', mode: 'timeline', vm: 'vm:xe:1', line: 4 },
      { type: 'mode', mode: 'timeline', vm: 'vm:xe:1', line: 4 },
    ],
    [
      { type: 'mode', mode: 'map', vm: null, line: 0 },
      { type: 'mode', mode: 'map', vm: null, line: 0 },
    ],
    [{ type: 'mode', mode: 'gantt', vm: null, line: 0 }, null],
    [{ type: 'mode', mode: 'map', vm: 3, line: 0 }, null],
    [{ type: 'scrub', line: -1 }, null],
    [{ type: 'scrub', line: 1.5 }, null],
    [{ type: 'reveal' }, null],
    [{ type: 'openFile', path: '/etc/passwd' }, null],
    ['scrub', null],
    [null, null],
  ])('%j -> %j', (message, expected) => {
    expect(parseFromWebview(message)).toEqual(expected);
  });

  it('accepts saved state only when well formed', () => {
    expect(isVaViewState({ uri: 'file:///t.trace', line: 3, vm: null, zoom: null })).toBe(true);
    expect(isVaViewState({ uri: 'file:///t.trace', line: 3, vm: 'a', zoom: { start: '0x0', end: '0x1000' } })).toBe(true);
    expect(isVaViewState({ uri: 'file:///t.trace', line: 3, vm: 'a', zoom: { start: '0', end: 'x' } })).toBe(false);
    expect(isVaViewState({ uri: 'file:///t.trace', line: -3, vm: null, zoom: null })).toBe(false);
    expect(isVaViewState({ uri: 'file:///t.trace', line: 3, vm: null, zoom: null, mode: 'timeline' })).toBe(true);
    expect(isVaViewState({ uri: 'file:///t.trace', line: 3, vm: null, zoom: null, mode: 'other' })).toBe(false);
    expect(isVaViewState(undefined)).toBe(false);
  });
});
