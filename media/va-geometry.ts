/**
 * Address arithmetic of the VA-space view, kept free of the DOM so it is
 * unit-tested: which address interval to show (whole window, fitted to the
 * mappings, clamped when zooming and panning), where an address falls on the
 * bar, how sizes read, and a stable colour per backing object.
 *
 * Addresses are u64 and handled as BigInt throughout; only the final screen
 * fraction is a float. Intervals are half-open [start, end).
 */

import type { VaSpace } from '../src/protocol/lsp-ext';

export interface AddressRange {
  readonly start: bigint;
  readonly end: bigint;
}

export const PAGE = 0x1000n;
/** Fully zoomed in, one page spans the whole map. */
export const MIN_SPAN = PAGE;
/** The window drawn when the server knows none and there is nothing mapped (48-bit GPU VA). */
const DEFAULT_END = 1n << 48n;

export const big = (hex: string): bigint => BigInt(hex);
export const hex = (value: bigint): string => `0x${value.toString(16)}`;

const UNITS: readonly (readonly [bigint, string])[] = [
  [1n << 40n, 'TiB'],
  [1n << 30n, 'GiB'],
  [1n << 20n, 'MiB'],
  [1n << 10n, 'KiB'],
];

/**
 * `2 MiB`, `1.50 GiB`, `512 B`: the largest binary unit that fits, exact when
 * it divides, else two decimals (never `139342171472 KiB`).
 */
export function sizeText(bytes: bigint): string {
  for (const [unit, name] of UNITS) {
    if (bytes >= unit && bytes % unit === 0n && (bytes / unit < 1024n || name === 'TiB')) return `${bytes / unit} ${name}`;
  }
  for (const [unit, name] of UNITS) {
    if (bytes >= unit) return `${(Number((bytes * 100n) / unit) / 100).toFixed(2)} ${name}`;
  }
  return `${bytes} B`;
}

/** Fraction of the view (0..1) at which `address` lies. */
export function fraction(address: bigint, from: bigint, span: bigint): number {
  return Number(((address - from) * 1_000_000n) / span) / 1_000_000;
}

/** The whole window, or the extent of the mappings when the window is unknown. */
export function fullExtent(s: VaSpace): AddressRange {
  if (s.window) return { start: big(s.window.start), end: big(s.window.end) };
  if (s.mappings.length === 0) return { start: 0n, end: DEFAULT_END };
  let start = big(s.mappings[0]!.start);
  let end = big(s.mappings[0]!.end);
  for (const m of s.mappings) {
    if (big(m.start) < start) start = big(m.start);
    if (big(m.end) > end) end = big(m.end);
  }
  if (end - start < MIN_SPAN) end = start + MIN_SPAN;
  return { start, end };
}

/** Keeps a view inside the full extent and between one page and the whole extent wide. */
export function clampView(start: bigint, end: bigint, s: VaSpace): AddressRange {
  const full = fullExtent(s);
  let span = end - start;
  if (span < MIN_SPAN) span = MIN_SPAN;
  const fullSpan = full.end - full.start;
  if (span > fullSpan) span = fullSpan;
  if (start < full.start) start = full.start;
  if (start + span > full.end) start = full.end - span;
  return { start, end: start + span };
}

/** The mapped part of the window (kernel-reserved node left out), padded and rounded out to pages. */
export function fitMappings(s: VaSpace): AddressRange | null {
  const user = s.mappings.filter((m) => !m.kernelReserved);
  if (user.length === 0) return null;
  let start = big(user[0]!.start);
  let end = big(user[0]!.end);
  for (const m of user) {
    if (big(m.start) < start) start = big(m.start);
    if (big(m.end) > end) end = big(m.end);
  }
  const pad = (end - start) / 50n;
  const from = start - pad < 0n ? 0n : ((start - pad) / PAGE) * PAGE;
  const to = ((end + pad + PAGE - 1n) / PAGE) * PAGE;
  return clampView(from, to, s);
}

/**
 * The first view of a VM: its whole window, unless the mappings occupy less than 1% of it (a 48-bit
 * window with a few MiB mapped would draw nothing visible); then the mapped part.
 */
export function initialView(s: VaSpace): AddressRange {
  const full = fullExtent(s);
  const fit = fitMappings(s);
  return fit && (fit.end - fit.start) * 100n < full.end - full.start ? fit : full;
}

/** A stable hue (0..359) per object identity (FNV-1a). */
export function hue(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h >>> 0) % 360;
}

/** A piece of the compact axis: a mapping (by index into the input) or an empty stretch. */
export interface AxisSegment {
  readonly kind: 'mapping' | 'gap';
  /** Index of the mapping in the list given to `compactLayout` (mappings only). */
  readonly index: number;
  readonly start: bigint;
  readonly end: bigint;
  /** Position and width as fractions (0..1) of the map's width. */
  readonly x: number;
  readonly width: number;
}

/** Pixels an empty stretch takes on the compact axis, at most (fewer when there are many). */
export const GAP_PX = 64;
/** The narrowest a mapping is drawn on the compact axis while the width allows. */
export const MIN_MAPPING_PX = 6;

/**
 * The compact axis of a view: empty stretches collapse to a few pixels
 * (their size is shown as a label), and mapped bytes share the rest: every
 * mapping gets `MIN_MAPPING_PX` first, the remaining room is shared by size.
 * So mappings of a few KiB in a 48- or 57-bit space are visible and
 * clickable. `ranges` are sorted by start and do not overlap (a VM's VAs
 * never do; an overlap is clipped). Linear in the number of ranges.
 */
export function compactLayout(ranges: readonly AddressRange[], v: AddressRange, widthPx: number): AxisSegment[] {
  const kinds: ('mapping' | 'gap')[] = [];
  const indexes: number[] = [];
  const starts: bigint[] = [];
  const ends: bigint[] = [];
  const push = (kind: 'mapping' | 'gap', index: number, start: bigint, end: bigint) => {
    kinds.push(kind);
    indexes.push(index);
    starts.push(start);
    ends.push(end);
  };
  let cursor = v.start;
  for (let index = 0; index < ranges.length; index++) {
    const range = ranges[index] as AddressRange;
    if (range.end <= v.start && range.start < v.start) continue;
    if (range.start >= v.end && !(range.start === v.end && range.end === v.end && v.end === v.start)) continue;
    const start = range.start < cursor ? cursor : range.start;
    const end = range.end > v.end ? v.end : range.end < start ? start : range.end;
    if (start > cursor) push('gap', -1, cursor, start);
    push('mapping', index, start, end);
    if (end > cursor) cursor = end;
  }
  if (cursor < v.end) push('gap', -1, cursor, v.end);
  const count = kinds.length;
  let gaps = 0;
  let bytes = 0;
  for (let k = 0; k < count; k++) {
    if (kinds[k] === 'gap') gaps++;
    else bytes += Number((ends[k] as bigint) - (starts[k] as bigint));
  }
  const mapped = count - gaps;
  const width = Math.max(1, widthPx);
  const gapPx = gaps === 0 ? 0 : mapped === 0 ? width / gaps : Math.min(GAP_PX, (width * 0.3) / gaps);
  const room = width - gapPx * gaps;
  const minimum = mapped * MIN_MAPPING_PX <= room ? MIN_MAPPING_PX : room / Math.max(1, mapped);
  const extra = room - minimum * mapped;
  const segments: AxisSegment[] = new Array(count);
  let x = 0;
  for (let k = 0; k < count; k++) {
    const kind = kinds[k] as 'mapping' | 'gap';
    const size = kind === 'gap' ? 0 : Number((ends[k] as bigint) - (starts[k] as bigint));
    const px = kind === 'gap' ? gapPx : minimum + (bytes > 0 ? (extra * size) / bytes : extra / mapped);
    segments[k] = {
      kind,
      index: indexes[k] as number,
      start: starts[k] as bigint,
      end: ends[k] as bigint,
      x: x / width,
      width: px / width,
    };
    x += px;
  }
  return segments;
}
