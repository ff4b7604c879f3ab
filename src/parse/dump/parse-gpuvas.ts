/**
 * Parses the kernel's `gpuvas` debugfs file (docs/model.md, "The gpuvas debugfs dump") into
 * VA-space snapshots: the generic `drm_debugfs_gpuva_info()` block, nouveau's
 * region table after it, panthor's blank line after each VM, msm's blocks back
 * to back, and any number of VMs in one file.
 *
 * Fed one line at a time (so the dump analyzer can stream), or a whole text
 * through `parseGpuvasDump`. Never throws on user input: a line that does not
 * fit becomes an error with its line number and parsing carries on with the
 * next line, so one mangled row does not hide the rest of the VA space.
 *
 * Leniency, because dumps travel through terminals, mail and bug trackers:
 * trailing whitespace (including a CR) is ignored, the table headers are
 * matched with collapsed spaces, and hex fields may be upper case or shorter
 * than 16 digits. Only canonical input round-trips byte for byte through
 * `renderGpuvas`.
 */

import { forEachLine } from '../../base/lines';
import type { U64 } from '../../base/u64';
import type { RegionRow, VaRow, VaSpaceSnapshot } from './snapshot';
import { isTableRow, readFields } from './table-row';

export type DumpErrorCode =
  /** A "DRM GPU VA space" or "Kernel reserved node" line whose numbers cannot be read. */
  | 'malformed-header'
  /** A table row that does not have the expected hex fields. */
  | 'malformed-row'
  /** A line that belongs to no part of the format at this point. */
  | 'unexpected-line'
  /** A block that stops before its VA table starts (missing lines). */
  | 'truncated-block'
  /** VA rows before any "DRM GPU VA space" header (the head of the dump is missing). */
  | 'orphan-rows';

export interface DumpParseError {
  /** 1-based line. */
  readonly line: number;
  readonly code: DumpErrorCode;
  /** What is wrong, in words, without the line number. */
  readonly message: string;
}

export interface GpuvasDump {
  readonly snapshots: VaSpaceSnapshot[];
  readonly errors: DumpParseError[];
  /** Lines seen (including blank ones). */
  readonly lines: number;
}

const HEADER_PREFIX = 'DRM GPU VA space';
const HEADER = /^DRM GPU VA space \((.*)\) \[0x([0-9a-fA-F]{1,16});0x([0-9a-fA-F]{1,16})\]$/;
const RESERVED = /^Kernel reserved node \[0x([0-9a-fA-F]{1,16});0x([0-9a-fA-F]{1,16})\]$/;
const VA_HEADER_WORDS = 'VAs | start | range | end | object | object offset';
const REGION_HEADER_WORDS = 'VA regions | start | range | end';
const RULE_LINE = /^-{20,}$/;

/** Where in a block the next line is expected. */
type State =
  | 'outside' // between blocks: a header, or blank lines
  | 'reserved' // after the header: "Kernel reserved node"
  | 'blank' // the empty line before the VA table
  | 'vaHeader'
  | 'vaRule'
  | 'rows'
  | 'afterBlank' // an empty line after the rows: nouveau's region table or panthor's separator
  | 'regionRule'
  | 'regions'
  | 'skip'; // a block whose header could not be read: ignore up to the next header

interface OpenBlock {
  name: string;
  start: U64;
  end: U64;
  reservedStart: U64;
  reservedEnd: U64;
  rows: VaRow[];
  regions?: RegionRow[];
  blankAfter?: boolean;
  line: number;
}

/** Collapses runs of spaces so headers match after a mail client or editor touched them. */
function words(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/** Streaming parser: call `line()` for each line in order, then `end()` once. */
export class GpuvasDumpParser {
  private state: State = 'outside';
  private block: OpenBlock | undefined;
  private readonly snapshots: VaSpaceSnapshot[] = [];
  private readonly errors: DumpParseError[] = [];
  private lines = 0;
  private orphanRows = 0;
  private orphanLine = 0;
  private strayLines = 0;
  private strayFirst = 0;
  private strayLast = 0;

  line(raw: string, lineNumber: number): void {
    this.lines++;
    const text = raw.trimEnd();
    if (text.startsWith(HEADER_PREFIX)) {
      this.openBlock(text, lineNumber);
      return;
    }
    switch (this.state) {
      case 'outside':
        this.outside(text, lineNumber);
        return;
      case 'skip':
        // Rows of a VM whose identity is unknown cannot be attributed; the next header resynchronises.
        return;
      case 'reserved':
      case 'blank':
      case 'vaHeader':
      case 'vaRule':
        this.preamble(text, lineNumber);
        return;
      case 'rows':
        this.row(text, lineNumber);
        return;
      case 'afterBlank':
        this.afterBlank(text, lineNumber);
        return;
      case 'regionRule':
        if (RULE_LINE.test(text)) this.state = 'regions';
        else {
          this.error(lineNumber, 'unexpected-line', 'expected the line of hyphens under the "VA regions" header');
          this.state = 'regions';
          this.region(text, lineNumber);
        }
        return;
      case 'regions':
        this.region(text, lineNumber);
        return;
    }
  }

  end(): GpuvasDump {
    if (this.block && this.isBeforeRows()) {
      this.error(this.lines, 'truncated-block', `the block of VM "${this.block.name}" ends before its VA table`);
    }
    if (this.block && this.state === 'afterBlank') this.block.blankAfter = true;
    this.closeBlock();
    this.flushStray();
    this.flushOrphans();
    this.errors.sort((a, b) => a.line - b.line);
    return { snapshots: this.snapshots, errors: this.errors, lines: this.lines };
  }

  private isBeforeRows(): boolean {
    return this.state === 'reserved' || this.state === 'blank' || this.state === 'vaHeader' || this.state === 'vaRule';
  }

  private error(line: number, code: DumpErrorCode, message: string): void {
    this.errors.push({ line, code, message });
  }

  private openBlock(text: string, lineNumber: number): void {
    if (this.block && this.isBeforeRows()) {
      this.error(lineNumber, 'truncated-block', `the block of VM "${this.block.name}" (line ${this.block.line}) ends before its VA table`);
    }
    // An empty line after the rows and before the next header is panthor's separator.
    if (this.block && this.state === 'afterBlank') this.block.blankAfter = true;
    this.closeBlock();
    this.flushStray();
    this.flushOrphans();
    const match = HEADER.exec(text);
    if (!match) {
      this.error(
        lineNumber,
        'malformed-header',
        'a "DRM GPU VA space (name) [0x…;0x…]" line whose name or window cannot be read; the block is skipped',
      );
      this.state = 'skip';
      return;
    }
    this.block = {
      name: match[1] as string,
      start: BigInt('0x' + (match[2] as string)),
      end: BigInt('0x' + (match[3] as string)),
      reservedStart: 0n,
      reservedEnd: 0n,
      rows: [],
      line: lineNumber,
    };
    this.state = 'reserved';
  }

  private closeBlock(): void {
    const block = this.block;
    if (!block) return;
    this.snapshots.push(block);
    this.block = undefined;
  }

  private outside(text: string, lineNumber: number): void {
    if (text === '') {
      // One empty line right after a block is panthor's separator; more are tolerated.
      const last = this.snapshots[this.snapshots.length - 1] as OpenBlock | undefined;
      if (last && last.blankAfter === undefined) last.blankAfter = true;
      return;
    }
    if (isTableRow(text) && typeof readFields(text, 5) !== 'string') {
      this.flushStray();
      if (this.orphanRows++ === 0) this.orphanLine = lineNumber;
      return;
    }
    // A run of foreign lines (a binary file, a mail around the dump) is one error, not one per line.
    if (this.strayLines === 0) this.strayFirst = lineNumber;
    this.strayLines++;
    this.strayLast = lineNumber;
  }

  private flushStray(): void {
    if (this.strayLines === 0) return;
    const what = 'not part of a gpuvas dump (expected a "DRM GPU VA space" line)';
    this.error(this.strayFirst, 'unexpected-line', this.strayLines === 1 ? what : `lines ${this.strayFirst}-${this.strayLast} are ${what}`);
    this.strayLines = 0;
  }

  private flushOrphans(): void {
    if (this.orphanRows === 0) return;
    this.error(
      this.orphanLine,
      'orphan-rows',
      `${this.orphanRows} VA row${this.orphanRows === 1 ? '' : 's'} before any "DRM GPU VA space" line (the start of the dump is missing); they belong to no known VM and are not analyzed`,
    );
    this.orphanRows = 0;
  }

  /** The four fixed lines between the header and the rows; a missing one is reported and skipped over. */
  private preamble(text: string, lineNumber: number): void {
    const block = this.block as OpenBlock;
    const reserved = RESERVED.exec(text);
    if (reserved) {
      if (this.state !== 'reserved') this.error(lineNumber, 'unexpected-line', 'a second "Kernel reserved node" line');
      block.reservedStart = BigInt('0x' + (reserved[1] as string));
      block.reservedEnd = BigInt('0x' + (reserved[2] as string));
      this.state = 'blank';
      return;
    }
    if (this.state === 'reserved' && text.startsWith('Kernel reserved node')) {
      this.error(
        lineNumber,
        'malformed-header',
        'a "Kernel reserved node [0x…;0x…]" line whose numbers cannot be read; assuming no reserved node',
      );
      this.state = 'blank';
      return;
    }
    if (text === '' && (this.state === 'reserved' || this.state === 'blank')) {
      if (this.state === 'reserved') this.error(lineNumber, 'truncated-block', 'the "Kernel reserved node" line is missing');
      this.state = 'vaHeader';
      return;
    }
    if (words(text) === VA_HEADER_WORDS) {
      if (this.state !== 'vaHeader') this.error(lineNumber, 'truncated-block', 'lines are missing before the VA table header');
      this.state = 'vaRule';
      return;
    }
    if (RULE_LINE.test(text) && this.state === 'vaRule') {
      this.state = 'rows';
      return;
    }
    if (isTableRow(text)) {
      this.error(lineNumber, 'truncated-block', 'VA rows start before the table header lines');
      this.state = 'rows';
      this.row(text, lineNumber);
      return;
    }
    const expected: Record<string, string> = {
      reserved: 'a "Kernel reserved node [0x…;0x…]" line',
      blank: 'an empty line',
      vaHeader: 'the " VAs | start | range | end | object | object offset" header',
      vaRule: 'a line of 109 hyphens',
    };
    this.error(lineNumber, 'unexpected-line', `expected ${expected[this.state] ?? 'the VA table'}`);
  }

  private row(text: string, lineNumber: number): void {
    if (text === '') {
      this.state = 'afterBlank';
      return;
    }
    const fields = readFields(text, 5);
    if (typeof fields === 'string') {
      if (words(text) === REGION_HEADER_WORDS) {
        // nouveau's table without the empty line before it: accept, but say the layout is off.
        this.error(lineNumber, 'unexpected-line', 'the "VA regions" table should follow an empty line');
        (this.block as OpenBlock).regions = [];
        this.state = 'regionRule';
        return;
      }
      this.error(
        lineNumber,
        'malformed-row',
        `not a VA row (${fields}); expected "     | 0x<start> | 0x<range> | 0x<end> | 0x<object> | 0x<offset>"`,
      );
      return;
    }
    const [addr, range, end, object, offset] = fields as [U64, U64, U64, U64, U64];
    (this.block as OpenBlock).rows.push({ addr, range, end, object, offset, line: lineNumber });
  }

  private afterBlank(text: string, lineNumber: number): void {
    const block = this.block as OpenBlock;
    if (words(text) === REGION_HEADER_WORDS) {
      block.regions = [];
      this.state = 'regionRule';
      return;
    }
    // The block ended with an empty line (panthor).
    block.blankAfter = true;
    this.closeBlock();
    this.state = 'outside';
    this.outside(text, lineNumber);
  }

  private region(text: string, lineNumber: number): void {
    const block = this.block as OpenBlock;
    if (text === '') {
      block.blankAfter = true;
      this.closeBlock();
      this.state = 'outside';
      return;
    }
    const fields = readFields(text, 3);
    if (typeof fields === 'string') {
      this.error(lineNumber, 'malformed-row', `not a region row (${fields}); expected "             | 0x<start> | 0x<range> | 0x<end>"`);
      return;
    }
    const [start, range, end] = fields as [U64, U64, U64];
    (block.regions as RegionRow[]).push({ start, range, end, line: lineNumber });
  }
}

/** Parses a whole dump held in memory (LF or CRLF line ends). */
export function parseGpuvasDump(text: string): GpuvasDump {
  const parser = new GpuvasDumpParser();
  forEachLine(text, (line, lineNumber) => parser.line(line, lineNumber));
  return parser.end();
}
