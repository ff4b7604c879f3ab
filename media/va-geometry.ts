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

/** `2 MiB`, `1.50 GiB`, `512 B`: exact units when they divide, else two decimals. */
export function sizeText(bytes: bigint): string {
  for (const [unit, name] of UNITS) {
    if (bytes >= unit && bytes % unit === 0n) return `${bytes / unit} ${name}`;
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
