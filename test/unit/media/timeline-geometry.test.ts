import { describe, expect, it } from 'vitest';
import { barBox, MIN_BAR_PX, visibleRows, vmLifetime, wholeDocument, zoomWindow } from '../../../media/timeline-geometry';
import type { Timeline, TimelineBar } from '../../../src/protocol/lsp-ext';

const bar = (boundLine: number, unboundLine: number | null): TimelineBar => ({
  start: '0x1000',
  end: '0x2000',
  key: null,
  boundLine,
  boundEvent: 'bind',
  unboundLine,
  unboundEvent: unboundLine === null ? null : 'unbind',
});

const timeline = (bars: TimelineBar[], vm = { line: 100, freedLine: 199 as number | null }): Timeline => ({
  uri: 'file:///t.trace',
  kind: 'trace',
  lineCount: 1000,
  vms: [],
  vm: { id: 'vm:xe:1@101', label: 'xe VM 1', line: vm.line, freedLine: vm.freedLine, vaSpaceId: 'vm:xe:1' },
  bars,
  omitted: 0,
  marks: [],
});

describe('mapping timeline geometry', () => {
  it('starts on the VM lifetime, and a live VM runs to the end of the document', () => {
    expect(vmLifetime(timeline([bar(120, 150)]))).toEqual({ from: 100, to: 200 });
    expect(vmLifetime(timeline([bar(120, null)], { line: 100, freedLine: null }))).toEqual({ from: 100, to: 1000 });
    expect(wholeDocument(timeline([]))).toEqual({ from: 0, to: 1000 });
  });

  it('places a bar from its bind to its unbind, a live one to the end, clipped to the window', () => {
    const t = timeline([]);
    expect(barBox(bar(100, 150), { from: 100, to: 200 }, t, 1000)).toEqual({ left: 0, width: 0.5 });
    expect(barBox(bar(150, null), { from: 100, to: 200 }, t, 1000)).toEqual({ left: 0.5, width: 0.5 });
    expect(barBox(bar(10, 20), { from: 100, to: 200 }, t, 1000)).toBeNull();
  });

  it('keeps every lifetime at least a few pixels wide, even one line in a million', () => {
    const t = { ...timeline([]), lineCount: 1_000_000 };
    const box = barBox(bar(500_000, 500_001), { from: 0, to: 1_000_000 }, t, 800);
    expect((box?.width ?? 0) * 800).toBeCloseTo(MIN_BAR_PX);
    // A bar at the very end still fits inside the track.
    const last = barBox(bar(999_999, null), { from: 0, to: 1_000_000 }, t, 800);
    expect((last?.left ?? 0) + (last?.width ?? 0)).toBeLessThanOrEqual(1);
  });

  it('zooms around an anchor inside the document', () => {
    const t = timeline([]);
    expect(zoomWindow({ from: 100, to: 200 }, 0.5, 0.5, t)).toEqual({ from: 125, to: 175 });
    expect(zoomWindow({ from: 0, to: 1000 }, 4, 0.5, t)).toEqual({ from: 0, to: 1000 });
    expect(zoomWindow({ from: 0, to: 10 }, 0.1, 0, t).to - zoomWindow({ from: 0, to: 10 }, 0.1, 0, t).from).toBe(8);
  });

  it('renders only the rows on screen, whatever the number of mappings', () => {
    expect(visibleRows(0, 360, 18, 100_000, 10)).toEqual({ first: 0, last: 30 });
    expect(visibleRows(18 * 50_000, 360, 18, 100_000, 10)).toEqual({ first: 49_990, last: 50_030 });
    expect(visibleRows(0, 360, 18, 5, 10)).toEqual({ first: 0, last: 5 });
  });
});
