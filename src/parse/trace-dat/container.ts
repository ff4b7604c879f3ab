/**
 * The container of a trace-cmd `trace.dat`, versions 6 and 7 (the formats
 * `trace-cmd.dat.v6(5)` and `trace-cmd.dat.v7(5)` describe): the initial
 * header, the metadata (header_page/header_event, ftrace and event format
 * files, kallsyms, printk formats, saved command lines), the options (buffer
 * instances, trace clock, time offset, CPU count) and where each CPU's
 * ring-buffer data lies. Version 7 keeps these in sections, each possibly
 * compressed (zstd here; other algorithms through an injected decompressor).
 *
 * Reads only metadata: the event data is left in place for `ring-buffer.ts`
 * to stream. A problem in an optional part becomes a `TraceDatProblem` and
 * reading goes on; only an unreadable header or missing formats end it.
 */

import { decompress as zstdDecompress } from 'fzstd';
import { isTraceDatHead } from '../../base/detect-kind';
import { ByteCursor, decodeText, TraceDatError, type ByteSource } from './byte-source';
import { parseEventFormat, parsePageHeader, type EventFormat, type PageHeader } from './event-format';

/** True when `head` starts with the `\x17\x08\x44tracing` magic. */
export const isTraceDat = isTraceDatHead;

export interface TraceDatProblem {
  readonly offset: number;
  readonly message: string;
}

/** Decompresses `data` (algorithm as the file names it) into exactly `size` bytes. */
export type Decompressor = (algorithm: string, data: Uint8Array, size: number) => Uint8Array;

export interface CpuData {
  readonly cpu: number;
  readonly offset: number;
  readonly size: number;
}

export interface TraceBuffer {
  /** '' for the top instance. */
  readonly name: string;
  readonly clock: string;
  readonly pageSize: number;
  readonly cpus: readonly CpuData[];
  /** Version 7 with compression: each CPU's data is a list of compressed chunks. */
  readonly compressed: boolean;
}

export interface TraceDatMeta {
  readonly version: number;
  readonly littleEndian: boolean;
  readonly longSize: number;
  readonly pageSize: number;
  readonly compression: string;
  readonly pageHeader: PageHeader;
  readonly formats: ReadonlyMap<number, EventFormat>;
  readonly cmdlines: ReadonlyMap<number, string>;
  readonly buffers: readonly TraceBuffer[];
  /** The top instance's trace clock (`local` when the file does not say). */
  readonly clock: string;
  /** Nanoseconds added to every timestamp (the OFFSET option). */
  readonly timeOffset: bigint;
  readonly cpuCount: number;
  readonly uname?: string;
  readonly tracerVersion?: string;
  readonly problems: readonly TraceDatProblem[];
}

const OPTION = {
  done: 0,
  buffer: 3,
  traceClock: 4,
  uname: 5,
  offset: 7,
  cpuCount: 8,
  version: 9,
  headerInfo: 16,
  ftraceEvents: 17,
  eventFormats: 18,
  kallsyms: 19,
  printk: 20,
  cmdlines: 21,
} as const;

/** The clock in brackets in a copy of the `trace_clock` file, or the text itself. */
function selectedClock(text: string): string {
  return /\[(\S+)\]/.exec(text)?.[1] ?? (text.replace(/\0.*$/s, '').trim() || 'local');
}

class MetaBuilder {
  pageHeaderText = '';
  readonly formats = new Map<number, EventFormat>();
  readonly cmdlines = new Map<number, string>();
  readonly buffers: TraceBuffer[] = [];
  clock = '';
  timeOffset = 0n;
  cpuCount = 0;
  uname: string | undefined;
  tracerVersion: string | undefined;
  readonly problems: TraceDatProblem[] = [];

  constructor(readonly littleEndian: boolean) {}

  headerInfo(cursor: ByteCursor): void {
    const page = cursor.text(12, 'the header_page tag');
    if (page !== 'header_page\0')
      throw new TraceDatError(`expected "header_page", found ${JSON.stringify(page)}`, cursor.base + cursor.pos - 12);
    this.pageHeaderText = cursor.text(cursor.u64('the header_page size'), 'header_page');
    const event = cursor.text(13, 'the header_event tag');
    if (event !== 'header_event\0')
      throw new TraceDatError(`expected "header_event", found ${JSON.stringify(event)}`, cursor.base + cursor.pos - 13);
    cursor.text(cursor.u64('the header_event size'), 'header_event');
  }

  ftraceFormats(cursor: ByteCursor): void {
    const count = cursor.u32('the ftrace format count');
    for (let k = 0; k < count; k++) this.addFormat(cursor.text(cursor.u64('an ftrace format size'), 'an ftrace format'), 'ftrace');
  }

  eventFormats(cursor: ByteCursor): void {
    const systems = cursor.u32('the event system count');
    for (let s = 0; s < systems; s++) {
      const system = cursor.cstring('an event system name');
      const count = cursor.u32('an event count');
      for (let k = 0; k < count; k++) this.addFormat(cursor.text(cursor.u64('an event format size'), 'an event format'), system);
    }
  }

  private addFormat(text: string, system: string): void {
    const format = parseEventFormat(text, system);
    if (format) this.formats.set(format.id, format);
  }

  savedCmdlines(text: string): void {
    for (const line of text.split('\n')) {
      const match = /^\s*(\d+)\s+(.*)$/.exec(line);
      if (match) this.cmdlines.set(Number(match[1]), match[2] as string);
    }
  }
}

/** Reads `length` bytes at `offset`, or says where the file ended. */
function readExactly(source: ByteSource, offset: number, length: number, what: string): Uint8Array {
  const bytes = source.read(offset, length);
  if (bytes.length < length)
    throw new TraceDatError(`the file ends inside ${what} (${length} bytes wanted, ${bytes.length} there)`, offset);
  return bytes;
}

function defaultDecompress(algorithm: string, data: Uint8Array, size: number): Uint8Array {
  if (algorithm !== 'zstd') throw new Error(`compression "${algorithm}" is not supported`);
  return zstdDecompress(data, new Uint8Array(size));
}

export interface ReadMetaOptions {
  /** Decompressors for algorithms other than zstd (the host gives zlib). */
  readonly decompress?: Decompressor;
}

/** Reads the file's metadata. Throws `TraceDatError` only when the file cannot be read as a trace at all. */
export function readTraceDatMeta(source: ByteSource, options: ReadMetaOptions = {}): TraceDatMeta {
  const headBytes = source.read(0, 64);
  if (!isTraceDat(headBytes)) throw new TraceDatError('not a trace-cmd trace.dat (no \\x17\\x08\\x44tracing magic)', 0);
  const head = new ByteCursor(headBytes, true);
  head.pos = 10;
  const versionText = head.cstring('the file version');
  const version = Number(versionText);
  if (version !== 6 && version !== 7)
    throw new TraceDatError(`file version ${JSON.stringify(versionText)} is not one this reader knows (6 and 7)`, 10);
  const endian = head.bytesOf(1, 'the byte order')[0];
  const littleEndian = endian === 0;
  const longSize = head.bytesOf(1, 'the long size')[0] as number;
  const sized = new ByteCursor(headBytes, littleEndian);
  sized.pos = head.pos;
  const pageSize = sized.u32('the page size');
  head.pos = sized.pos;
  if (longSize !== 4 && longSize !== 8) throw new TraceDatError(`long size ${longSize} is neither 4 nor 8`, head.pos - 5);
  if (pageSize < 64 || pageSize > 1 << 24) throw new TraceDatError(`page size ${pageSize} is implausible`, head.pos - 4);
  const meta = new MetaBuilder(littleEndian);
  const decompress = (algorithm: string, data: Uint8Array, size: number): Uint8Array =>
    algorithm === 'zstd' || !options.decompress ? defaultDecompress(algorithm, data, size) : options.decompress(algorithm, data, size);
  let compression = 'none';
  let buffers: TraceBuffer[];
  if (version === 6) buffers = readVersion6(source, head.pos, meta, pageSize);
  else {
    const cursor = new ByteCursor(source.read(head.pos, 256), littleEndian, head.pos);
    compression = cursor.cstring('the compression name');
    cursor.cstring('the compression version');
    const firstOptions = cursor.u64('the first options offset');
    buffers = readVersion7(source, firstOptions, meta, compression, decompress);
  }
  if (meta.formats.size === 0) meta.problems.push({ offset: 0, message: 'the file holds no event formats: its events cannot be decoded' });
  return {
    version,
    littleEndian,
    longSize,
    pageSize,
    compression,
    pageHeader: parsePageHeader(meta.pageHeaderText, longSize),
    formats: meta.formats,
    cmdlines: meta.cmdlines,
    buffers,
    clock: buffers.find((buffer) => buffer.name === '')?.clock || meta.clock || 'local',
    timeOffset: meta.timeOffset,
    cpuCount: meta.cpuCount,
    ...(meta.uname !== undefined ? { uname: meta.uname } : {}),
    ...(meta.tracerVersion !== undefined ? { tracerVersion: meta.tracerVersion } : {}),
    problems: meta.problems,
  };
}

/** One option's effect on the metadata (both versions share the ids). */
function applyOption(meta: MetaBuilder, id: number, data: Uint8Array): void {
  const text = (): string => decodeText(data).replace(/\0+$/, '');
  switch (id) {
    case OPTION.traceClock:
      meta.clock = selectedClock(text());
      break;
    case OPTION.uname:
      meta.uname = text();
      break;
    case OPTION.version:
      meta.tracerVersion = text();
      break;
    case OPTION.offset: {
      const value = /^-?\d+/.exec(text().trim())?.[0];
      if (value !== undefined) meta.timeOffset = BigInt(value);
      break;
    }
    case OPTION.cpuCount:
      if (data.length >= 4) meta.cpuCount = new ByteCursor(data, meta.littleEndian).u32();
      break;
    default:
      break;
  }
}

function readVersion6(source: ByteSource, start: number, meta: MetaBuilder, pageSize: number): TraceBuffer[] {
  // Version 6 is one sequence; its metadata is small next to the data, read in one piece up to the data.
  const window = source.read(start, Math.min(source.size - start, 64 << 20));
  const cursor = new ByteCursor(window, meta.littleEndian, start);
  meta.headerInfo(cursor);
  meta.ftraceFormats(cursor);
  meta.eventFormats(cursor);
  cursor.bytesOf(cursor.u32('the kallsyms size'), 'kallsyms');
  cursor.bytesOf(cursor.u32('the printk formats size'), 'printk formats');
  meta.savedCmdlines(cursor.text(cursor.u64('the saved command lines size'), 'saved command lines'));
  const cpus = cursor.u32('the CPU count');
  meta.cpuCount = cpus;
  let tag = cursor.text(10, 'the data section tag');
  if (tag === 'options  \0') {
    for (;;) {
      const id = cursor.u16('an option id');
      if (id === OPTION.done) break;
      const data = cursor.bytesOf(cursor.u32('an option size'), 'an option');
      applyOption(meta, id, data);
    }
    tag = cursor.text(10, 'the data section tag');
  }
  if (tag === 'latency  \0') {
    meta.problems.push({
      offset: cursor.base + cursor.pos - 10,
      message: 'a latency-tracer capture holds text, not events: nothing to replay',
    });
    return [];
  }
  if (tag !== 'flyrecord\0') throw new TraceDatError(`expected "flyrecord", found ${JSON.stringify(tag)}`, cursor.base + cursor.pos - 10);
  const list: CpuData[] = [];
  for (let cpu = 0; cpu < cpus; cpu++) {
    const offset = cursor.u64('a CPU data offset');
    const size = cursor.u64('a CPU data size');
    list.push({ cpu, offset, size });
  }
  return [{ name: '', clock: meta.clock || 'local', pageSize, cpus: list, compressed: false }];
}

interface Section {
  readonly id: number;
  readonly data: Uint8Array;
  /** File offset of the section's data (after its header). */
  readonly dataOffset: number;
}

function readSection(
  source: ByteSource,
  offset: number,
  littleEndian: boolean,
  compression: string,
  decompress: Decompressor,
  expectId?: number,
): Section {
  const header = new ByteCursor(readExactly(source, offset, 16, 'a section header'), littleEndian, offset);
  const id = header.u16();
  const flags = header.u16();
  header.u32();
  const size = header.u64('a section size');
  if (expectId !== undefined && id !== expectId)
    throw new TraceDatError(`the section here has id ${id}, the options said ${expectId}`, offset);
  if ((flags & 1) === 0) return { id, data: readExactly(source, offset + 16, size, `section ${id}`), dataOffset: offset + 16 };
  const sizes = new ByteCursor(readExactly(source, offset + 16, 8, 'a compression header'), littleEndian, offset + 16);
  const packed = sizes.u32();
  const unpacked = sizes.u32();
  const data = readExactly(source, offset + 24, packed, `compressed section ${id}`);
  let out: Uint8Array;
  try {
    out = decompress(compression, data, unpacked);
  } catch (error) {
    throw new TraceDatError(
      `section ${id} does not decompress with ${compression}: ${error instanceof Error ? error.message : String(error)}`,
      offset + 24,
    );
  }
  if (out.length !== unpacked) throw new TraceDatError(`section ${id} decompressed to ${out.length} bytes, not ${unpacked}`, offset + 24);
  return { id, data: out, dataOffset: offset + 24 };
}

function readVersion7(
  source: ByteSource,
  firstOptions: number,
  meta: MetaBuilder,
  compression: string,
  decompress: Decompressor,
): TraceBuffer[] {
  const buffers: TraceBuffer[] = [];
  const sectionAt = new Map<number, number>();
  const seen = new Set<number>();
  let next = firstOptions;
  while (next !== 0 && !seen.has(next)) {
    seen.add(next);
    const section = readSection(source, next, meta.littleEndian, compression, decompress, 0);
    const cursor = new ByteCursor(section.data, meta.littleEndian, section.dataOffset);
    next = 0;
    while (cursor.remaining > 0) {
      const id = cursor.u16('an option id');
      const data = cursor.bytesOf(cursor.u32('an option size'), 'an option');
      if (id === OPTION.done) {
        next = data.length >= 8 ? new ByteCursor(data, meta.littleEndian).u64() : 0;
        break;
      }
      if (id === OPTION.buffer) buffers.push(bufferOption(data, meta.littleEndian, compression !== 'none'));
      else if (id >= OPTION.headerInfo && id <= OPTION.cmdlines && data.length >= 8)
        sectionAt.set(id, new ByteCursor(data, meta.littleEndian).u64());
      else applyOption(meta, id, data);
    }
  }
  const load = (id: number, what: string, read: (cursor: ByteCursor) => void, required: boolean): void => {
    const offset = sectionAt.get(id);
    if (offset === undefined) {
      if (required) throw new TraceDatError(`the file has no ${what} section`, firstOptions);
      return;
    }
    try {
      const section = readSection(source, offset, meta.littleEndian, compression, decompress, id);
      read(new ByteCursor(section.data, meta.littleEndian, section.dataOffset));
    } catch (error) {
      if (required || !(error instanceof TraceDatError)) throw error;
      meta.problems.push({ offset: error.offset, message: `${what}: ${error.message}` });
    }
  };
  load(OPTION.headerInfo, 'header info', (cursor) => meta.headerInfo(cursor), true);
  load(OPTION.ftraceEvents, 'ftrace formats', (cursor) => meta.ftraceFormats(cursor), false);
  load(OPTION.eventFormats, 'event formats', (cursor) => meta.eventFormats(cursor), true);
  load(
    OPTION.cmdlines,
    'saved command lines',
    (cursor) => meta.savedCmdlines(cursor.text(cursor.u64('the size'), 'saved command lines')),
    false,
  );
  return buffers;
}

function bufferOption(data: Uint8Array, littleEndian: boolean, compressed: boolean): TraceBuffer {
  const cursor = new ByteCursor(data, littleEndian);
  cursor.u64('the buffer section offset');
  const name = cursor.cstring('the buffer name');
  const clock = cursor.cstring('the buffer clock');
  const pageSize = cursor.u32('the buffer page size');
  const count = cursor.u32('the buffer CPU count');
  const cpus: CpuData[] = [];
  for (let k = 0; k < count; k++) {
    const cpu = cursor.u32('a CPU id');
    const offset = cursor.u64('a CPU data offset');
    const size = cursor.u64('a CPU data size');
    cpus.push({ cpu, offset, size });
  }
  return { name, clock, pageSize, cpus, compressed };
}
