import { describe, expect, it } from 'vitest';
import {
  clampView,
  compactLayout,
  fitMappings,
  fraction,
  fullExtent,
  hue,
  initialView,
  MIN_MAPPING_PX,
  sizeText,
} from '../../../media/va-geometry';
import type { VaMapping, VaSpace } from '../../../src/protocol/lsp-ext';

const m = (start: string, end: string, kernelReserved = false): VaMapping => ({
  start,
  end,
  range: `0x${(BigInt(end) - BigInt(start)).toString(16)}`,
  object: kernelReserved ? null : 'bo',
  offset: '0x0',
  objectTraced: true,
  kernelReserved,
  createdAtLine: null,
});

const space = (window: { start: string; end: string } | null, mappings: VaMapping[]): VaSpace => ({
  uri: 'file:///s.gpuvm',
  line: 0,
  lineCount: 1,
  kind: 'script',
  vms: [],
  vm: null,
  window,
  mappings,
  gaps: [],
  objects: [],
  changeLines: [],
});

describe('VA-space view geometry', () => {
  it.each([
    [0n, '0 B'],
    [512n, '512 B'],
    [0x1000n, '4 KiB'],
    [0x200000n, '2 MiB'],
    [0x180000n, '1.50 MiB'],
    [0x81c5c3354000n, '129.77 TiB'],
    [1n << 50n, '1024 TiB'],
    [0x180001n, '1.50 MiB'],
    [1n << 48n, '256 TiB'],
  ])('sizeText(%s) = %s', (bytes, text) => {
    expect(sizeText(bytes)).toBe(text);
  });

  it('places addresses on the bar exactly, even near 2^64', () => {
    expect(fraction(0x8000n, 0n, 0x10000n)).toBe(0.5);
    const top = 0xffff_ffff_ffff_0000n;
    expect(fraction(top + 0x4000n, top, 0x10000n)).toBe(0.25);
  });

  it('uses the window when known, else the mappings, else 48 bits', () => {
    expect(fullExtent(space({ start: '0x0', end: '0x100000' }, []))).toEqual({ start: 0n, end: 0x100000n });
    expect(fullExtent(space(null, [m('0x2000', '0x3000'), m('0x10000', '0x18000')]))).toEqual({ start: 0x2000n, end: 0x18000n });
    expect(fullExtent(space(null, []))).toEqual({ start: 0n, end: 1n << 48n });
  });

  it('never zooms past one page nor out of the window', () => {
    const s = space({ start: '0x0', end: '0x100000' }, []);
    expect(clampView(0x5000n, 0x5001n, s)).toEqual({ start: 0x5000n, end: 0x6000n });
    expect(clampView(0xff800n, 0x100800n, s)).toEqual({ start: 0xff000n, end: 0x100000n });
    expect(clampView(0n, 1n << 60n, s)).toEqual({ start: 0n, end: 0x100000n });
  });

  it('fits the user mappings (not the kernel-reserved node), rounded out to pages', () => {
    const s = space({ start: '0x0', end: '0x100000' }, [m('0x10000', '0x14000'), m('0x20000', '0x28000'), m('0xf0000', '0x100000', true)]);
    const fit = fitMappings(s)!;
    expect(fit.start % 0x1000n).toBe(0n);
    expect(fit.end % 0x1000n).toBe(0n);
    expect(fit.start).toBeLessThanOrEqual(0x10000n);
    expect(fit.end).toBeGreaterThanOrEqual(0x28000n);
    expect(fit.end).toBeLessThan(0xf0000n);
  });

  it('opens on the whole window unless the mappings would be invisible in it', () => {
    const small = space({ start: '0x0', end: '0x100000' }, [m('0x10000', '0x28000')]);
    expect(initialView(small)).toEqual({ start: 0n, end: 0x100000n });
    const huge = space({ start: '0x0', end: '0x1000000000000' }, [m('0x1a0000000', '0x1a0200000')]);
    const view = initialView(huge);
    expect(view.start).toBeLessThanOrEqual(0x1a0000000n);
    expect(view.end - view.start).toBeLessThan(0x1000000n);
  });

  it('gives each object a stable hue', () => {
    expect(hue('0xffff8881a2b3c000')).toBe(hue('0xffff8881a2b3c000'));
    expect(hue('1')).not.toBe(hue('2'));
    expect(hue('x')).toBeGreaterThanOrEqual(0);
    expect(hue('x')).toBeLessThan(360);
  });
});

describe('compact axis', () => {
  const WINDOW = { start: 0n, end: 1n << 48n };
  const WIDTH = 1200;

  it('draws 128 KiB mappings in a 256 TiB window at least a few pixels wide, in address order', () => {
    const ranges = [0x1a0000000n, 0x1a0040000n, 0x81c5c3334000n].map((start) => ({ start, end: start + 0x20000n }));
    const segments = compactLayout(ranges, WINDOW, WIDTH);
    const mappings = segments.filter((segment) => segment.kind === 'mapping');
    expect(mappings.map((segment) => segment.index)).toEqual([0, 1, 2]);
    for (const segment of mappings) expect(segment.width * WIDTH).toBeGreaterThanOrEqual(MIN_MAPPING_PX);
    // Segments tile the map from left to right.
    let x = 0;
    for (const segment of segments) {
      expect(segment.x).toBeCloseTo(x, 9);
      x += segment.width;
    }
    expect(x).toBeCloseTo(1, 9);
    // The empty stretches are there, with their exact sizes.
    expect(segments.filter((segment) => segment.kind === 'gap').map((segment) => segment.end - segment.start)).toEqual([
      0x1a0000000n,
      0x20000n,
      0x81c5c3334000n - 0x1a0060000n,
      (1n << 48n) - 0x81c5c3354000n,
    ]);
  });

  it('gives mapped bytes their share when there is room: a 4x larger mapping is drawn wider', () => {
    const segments = compactLayout(
      [
        { start: 0x1000n, end: 0x2000n },
        { start: 0x10000n, end: 0x14000n },
      ],
      WINDOW,
      WIDTH,
    );
    const [small, large] = segments.filter((segment) => segment.kind === 'mapping');
    expect(large!.width).toBeGreaterThan(small!.width * 3.5);
  });

  it('clips mappings to the view and keeps zero-size ones visible', () => {
    const segments = compactLayout(
      [
        { start: 0n, end: 0x3000n },
        { start: 0x5000n, end: 0x5000n },
      ],
      { start: 0x2000n, end: 0x8000n },
      WIDTH,
    );
    expect(segments.map((segment) => [segment.kind, segment.start, segment.end])).toEqual([
      ['mapping', 0x2000n, 0x3000n],
      ['gap', 0x3000n, 0x5000n],
      ['mapping', 0x5000n, 0x5000n],
      ['gap', 0x5000n, 0x8000n],
    ]);
    expect(segments[2]!.width * WIDTH).toBeGreaterThanOrEqual(MIN_MAPPING_PX);
  });

  it('lays out 100k mappings in linear time and fills exactly the width', () => {
    const ranges = Array.from({ length: 100_000 }, (_, k) => ({ start: BigInt(k) * 0x40000n, end: BigInt(k) * 0x40000n + 0x20000n }));
    const segments = compactLayout(ranges, WINDOW, WIDTH);
    expect(segments.filter((segment) => segment.kind === 'mapping')).toHaveLength(100_000);
    const last = segments[segments.length - 1]!;
    expect(last.x + last.width).toBeCloseTo(1, 6);
  });
});
