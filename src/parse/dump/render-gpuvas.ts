/**
 * Prints VA-space snapshots in the exact layout of the kernel's `gpuvas`
 * debugfs file (docs/model.md, "The gpuvas debugfs dump"): the same widths, padding, separators and
 * trailing spaces, so that a replayed state can be compared with a real dump
 * by eye or with `diff(1)`, and parse → render is byte-identical.
 *
 * Every line ends with a single LF; nothing follows the last row of a block
 * except what the snapshot's layout fields ask for (nouveau's region table,
 * panthor's blank line).
 */

import { hex16 } from '../../base/u64';
import type { VaSpaceSnapshot } from './snapshot';

/** The VA table header: 104 characters. */
export const VA_TABLE_HEADER = ' VAs | start              | range              | end                | object             | object offset';
/** The line under the VA table header: 109 hyphens. */
export const VA_TABLE_RULE = '-'.repeat(109);
/** Start of every VA row: five spaces before the first field separator. */
export const VA_ROW_INDENT = '     ';
/** nouveau's region table header: 76 characters, the last 16 of them spaces. */
export const REGION_TABLE_HEADER = ' VA regions  | start              | range              | end                ';
/** The line under the region table header: 76 hyphens. */
export const REGION_TABLE_RULE = '-'.repeat(76);
/** Start of every region row: thirteen spaces. */
export const REGION_ROW_INDENT = '             ';

export interface RenderGpuvasOptions {
  /**
   * Put one empty line between blocks that do not already end with one (the
   * `state` command's "separated by one empty line"). Off by default, which
   * prints blocks back to back as msm does.
   */
  readonly separateBlocks?: boolean;
}

/** Renders one block (and its layout extras) as lines without line breaks. */
function blockLines(snapshot: VaSpaceSnapshot, out: string[]): void {
  out.push(`DRM GPU VA space (${snapshot.name}) [${hex16(snapshot.start)};${hex16(snapshot.end)}]`);
  out.push(`Kernel reserved node [${hex16(snapshot.reservedStart)};${hex16(snapshot.reservedEnd)}]`);
  out.push('');
  out.push(VA_TABLE_HEADER);
  out.push(VA_TABLE_RULE);
  for (const row of snapshot.rows) {
    out.push(
      `${VA_ROW_INDENT}| ${hex16(row.addr)} | ${hex16(row.range)} | ${hex16(row.end)} | ${hex16(row.object)} | ${hex16(row.offset)}`,
    );
  }
  if (snapshot.regions) {
    out.push('');
    out.push(REGION_TABLE_HEADER);
    out.push(REGION_TABLE_RULE);
    for (const region of snapshot.regions) {
      out.push(`${REGION_ROW_INDENT}| ${hex16(region.start)} | ${hex16(region.range)} | ${hex16(region.end)}`);
    }
  }
  if (snapshot.blankAfter) out.push('');
}

/** Prints snapshots as the `gpuvas` debugfs file would. */
export function renderGpuvas(snapshots: readonly VaSpaceSnapshot[], options: RenderGpuvasOptions = {}): string {
  const lines: string[] = [];
  snapshots.forEach((snapshot, index) => {
    const previous = snapshots[index - 1];
    if (options.separateBlocks && previous && !previous.blankAfter) lines.push('');
    blockLines(snapshot, lines);
  });
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
