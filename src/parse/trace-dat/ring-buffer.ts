/**
 * The events of one CPU, read from its ring-buffer pages as the kernel wrote
 * them (the `header_page`/`header_event` layout): each page starts with a
 * timestamp and a commit word (data size, plus flags for events lost before
 * the page), then 32-bit event headers (5-bit type, 27-bit time delta) with
 * data, time extends, absolute timestamps and padding.
 *
 * A page at a time: memory is one page (or one decompressed chunk) per CPU.
 * A page that cannot be right (a commit beyond the page) is reported with its
 * file offset and skipped; the next page is read.
 */

import { zstdChunks, type ChunkReader } from './chunks';
import type { TraceBuffer, TraceDatMeta } from './container';
import type { ByteSource } from './byte-source';

/** An event record on a CPU: its bytes (common fields first) and when it happened. */
export interface RawEvent {
  readonly kind: 'event';
  readonly cpu: number;
  /** Nanoseconds (or clock ticks) as the trace clock counts, plus the file's offset option. */
  readonly ts: bigint;
  readonly data: Uint8Array;
  /** File offset of the record (in the decompressed data for a compressed file). */
  readonly offset: number;
}

/** Events the kernel dropped before this point on a CPU (`count` -1: unknown how many). */
export interface LostEvents {
  readonly kind: 'lost';
  readonly cpu: number;
  readonly ts: bigint;
  readonly count: number;
  readonly offset: number;
}

export interface PageProblem {
  readonly kind: 'problem';
  readonly cpu: number;
  readonly offset: number;
  readonly message: string;
}

export type CpuItem = RawEvent | LostEvents | PageProblem;

const MISSED_EVENTS = 0x80000000;
const MISSED_STORED = 0x40000000;
const TS_SHIFT = 27n;
const TYPE_PADDING = 29;
const TYPE_TIME_EXTEND = 30;
const TYPE_TIME_STAMP = 31;

/** The pages of one CPU's data, uncompressed, with the file offset each starts at. */
function* pagesOf(
  source: ByteSource,
  meta: TraceDatMeta,
  buffer: TraceBuffer,
  cpu: { cpu: number; offset: number; size: number },
  chunks: ChunkReader,
): Generator<{ page: Uint8Array; offset: number } | PageProblem> {
  const pageSize = buffer.pageSize || meta.pageSize;
  if (!buffer.compressed) {
    for (let at = 0; at < cpu.size; at += pageSize) {
      const page = source.read(cpu.offset + at, Math.min(pageSize, cpu.size - at));
      if (page.length < Math.min(pageSize, cpu.size - at)) {
        yield { kind: 'problem', cpu: cpu.cpu, offset: cpu.offset + at, message: 'the file ends inside this CPU data' };
        return;
      }
      yield { page, offset: cpu.offset + at };
    }
    return;
  }
  for (const chunk of chunks(source, meta, cpu)) {
    if ('message' in chunk) {
      yield { kind: 'problem', cpu: cpu.cpu, offset: chunk.offset, message: chunk.message };
      return;
    }
    for (let at = 0; at + 16 <= chunk.data.length; at += pageSize)
      yield { page: chunk.data.subarray(at, at + pageSize), offset: chunk.offset };
  }
}

/** Every event of one CPU, in its order. */
export function* cpuEvents(
  source: ByteSource,
  meta: TraceDatMeta,
  buffer: TraceBuffer,
  cpu: { cpu: number; offset: number; size: number },
  chunks: ChunkReader = zstdChunks,
): Generator<CpuItem> {
  const little = meta.littleEndian;
  const { commitOffset, commitSize, dataOffset } = meta.pageHeader;
  for (const item of pagesOf(source, meta, buffer, cpu, chunks)) {
    if ('kind' in item) {
      yield item;
      continue;
    }
    const { page, offset } = item;
    if (page.length < dataOffset) continue;
    const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
    let ts = view.getBigUint64(0, little) + meta.timeOffset;
    const commitWord =
      commitSize === 8 ? Number(view.getBigUint64(commitOffset, little) & 0xffffffffn) : view.getUint32(commitOffset, little);
    const size = commitWord & 0x0fffffff;
    if (commitWord & MISSED_EVENTS) {
      let count = -1;
      if (commitWord & MISSED_STORED && dataOffset + size + commitSize <= page.length)
        count = commitSize === 8 ? Number(view.getBigUint64(dataOffset + size, little)) : view.getUint32(dataOffset + size, little);
      yield { kind: 'lost', cpu: cpu.cpu, ts, count, offset };
    }
    if (size === 0) continue;
    if (dataOffset + size > page.length) {
      yield {
        kind: 'problem',
        cpu: cpu.cpu,
        offset,
        message: `a ring-buffer page says it holds ${size} bytes, more than the ${page.length - dataOffset} a page has; the page is skipped`,
      };
      continue;
    }
    const end = dataOffset + size;
    let at = dataOffset;
    while (at + 4 <= end) {
      const header = view.getUint32(at, little);
      const type = header & 0x1f;
      const delta = BigInt(header >>> 5);
      if (type === TYPE_PADDING) {
        if (delta === 0n || at + 8 > end) break;
        at += 4 + view.getUint32(at + 4, little);
        continue;
      }
      if (type === TYPE_TIME_EXTEND || type === TYPE_TIME_STAMP) {
        if (at + 8 > end) break;
        const high = (BigInt(view.getUint32(at + 4, little)) << TS_SHIFT) + delta;
        ts = type === TYPE_TIME_EXTEND ? ts + high : (ts & ~((1n << 59n) - 1n)) | high;
        at += 8;
        continue;
      }
      let length: number;
      let start: number;
      if (type === 0) {
        if (at + 8 > end) break;
        length = view.getUint32(at + 4, little) - 4;
        start = at + 8;
      } else {
        length = type * 4;
        start = at + 4;
      }
      if (length < 0 || start + length > end) {
        yield {
          kind: 'problem',
          cpu: cpu.cpu,
          offset: offset + at,
          message: 'an event runs past the end of its page; the rest of the page is skipped',
        };
        break;
      }
      ts += delta;
      yield { kind: 'event', cpu: cpu.cpu, ts, data: page.subarray(start, start + length), offset: offset + start };
      at = start + length;
    }
  }
}
