/**
 * trace-cmd's binary `trace.dat` (versions 6 and 7), read natively: the
 * container and its metadata (`container.ts`), each CPU's ring-buffer pages
 * (`ring-buffer.ts`), event fields by name from the format files
 * (`event-format.ts`), and each event as a `trace-cmd report` line
 * (`print-format.ts`), which is how a `.dat` capture enters the same trace
 * analysis as a text capture and how the editor shows it.
 *
 * API:
 * - `readTraceDatMeta(source)`: the metadata, or a `TraceDatError` with the
 *   file offset when the file cannot be read at all (no magic, unknown
 *   version, no formats);
 * - `traceDatItems(source, meta)`: events merged across CPUs by timestamp,
 *   lost-event markers and page problems, streamed (one page per CPU held);
 * - `traceDatReportLines(source, meta)`: the same as report text lines, each
 *   with the problem it stands for when it is one.
 *
 * Pure: bytes come through a `ByteSource`; the host layer opens files.
 */

import { cpuEvents, type CpuItem, type LostEvents, type PageProblem, type RawEvent } from './ring-buffer';
import { fieldValue, type EventFormat, type FormatField } from './event-format';
import { renderPayload, type RecordValue } from './print-format';
import type { ByteSource } from './byte-source';
import { readTraceDatMeta, type Decompressor, type TraceDatMeta } from './container';
import { chunkReader, zstdChunks, type ChunkReader } from './chunks';
import { TraceDatError } from './byte-source';
import { decompress as zstdDecompress } from 'fzstd';

export { bytesSource, TraceDatError, type ByteSource } from './byte-source';
export { isTraceDat, readTraceDatMeta, type TraceDatMeta, type TraceDatProblem, type Decompressor } from './container';
export { chunkReader, type ChunkReader } from './chunks';
export type { EventFormat, FormatField } from './event-format';
export { rawValue, renderRaw } from './print-format';

/** An event with its format (undefined when the file has none for its id) and accessors. */
export interface DatEvent extends RawEvent {
  readonly id: number;
  readonly pid: number;
  readonly comm: string;
  readonly format: EventFormat | undefined;
  /** A field's value by name (numbers of 8 bytes as bigint). */
  field(name: string): RecordValue;
}

export type DatItem = DatEvent | LostEvents | PageProblem;

export interface ItemOptions {
  /** Reads compressed chunks (default: zstd). */
  readonly chunks?: ChunkReader;
  /**
   * Lay lines out as `trace-cmd report -R` does (default: as `trace-cmd report`).
   * Either way a field that the print format passes plainly is shown with its
   * conversion (`%03d`), as both do; the rest as raw `name=value` fields.
   */
  readonly raw?: boolean;
}

export interface TextLineOptions {
  /** Decompresses what is not zstd (the host gives zlib). */
  readonly decompress?: Decompressor;
  /** As `ItemOptions.raw`. */
  readonly raw?: boolean;
}

function datEvent(raw: RawEvent, meta: TraceDatMeta): DatEvent {
  const view = new DataView(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  const little = meta.littleEndian;
  const id = raw.data.length >= 2 ? view.getUint16(0, little) : -1;
  const format = meta.formats.get(id);
  const pidField = format?.byName.get('common_pid');
  const pid = pidField && pidField.offset + 4 <= raw.data.length ? view.getInt32(pidField.offset, little) : -1;
  const valueOf = (field: FormatField | undefined): RecordValue => (field ? fieldValue(field, raw.data, view, little) : undefined);
  return {
    ...raw,
    id,
    pid,
    comm: pid === 0 ? '<idle>' : (meta.cmdlines.get(pid) ?? '<...>'),
    format,
    field: (name) => valueOf(format?.byName.get(name)),
  };
}

/** Every item of the top instance, events merged across CPUs by timestamp (ties: lower CPU first). */
export function* traceDatItems(source: ByteSource, meta: TraceDatMeta, options: ItemOptions = {}): Generator<DatItem> {
  const buffer = meta.buffers.find((candidate) => candidate.name === '') ?? meta.buffers[0];
  if (!buffer) return;
  const heads: { iterator: Iterator<CpuItem>; item: CpuItem | undefined }[] = buffer.cpus
    .filter((cpu) => cpu.size > 0)
    .map((cpu) => {
      const iterator = cpuEvents(source, meta, buffer, cpu, options.chunks)[Symbol.iterator]();
      return { iterator, item: iterator.next().value as CpuItem | undefined };
    });
  for (;;) {
    let best = -1;
    for (let k = 0; k < heads.length; k++) {
      const item = heads[k]?.item;
      if (!item) continue;
      if (item.kind === 'problem') {
        best = k;
        break;
      }
      const current = best === -1 ? undefined : heads[best]?.item;
      if (!current || (current.kind !== 'problem' && item.ts < current.ts)) best = k;
    }
    if (best === -1) return;
    const head = heads[best] as (typeof heads)[number];
    const item = head.item as CpuItem;
    head.item = head.iterator.next().value as CpuItem | undefined;
    yield item.kind === 'event' ? datEvent(item, meta) : item;
  }
}

/** Clocks that count in nanoseconds, shown as seconds; others are shown as raw counts. */
const NANOSECOND_CLOCKS = new Set(['local', 'global', 'uptime', 'perf', 'mono', 'mono_raw', 'boot', 'tai']);

export function formatTimestamp(ts: bigint, clock: string): string {
  if (!NANOSECOND_CLOCKS.has(clock)) return ts.toString();
  // Rounded to the microsecond, as trace-cmd report shows it.
  const total = (ts + 500n) / 1000n;
  const seconds = total / 1_000_000n;
  const micros = total % 1_000_000n;
  return `${seconds.toString().padStart(5)}.${micros.toString().padStart(6, '0')}`;
}

/** An event as `trace-cmd report` prints it: task-pid, CPU, time, event name, payload. */
export function reportLine(event: DatEvent, clock: string, raw = false): string {
  const name = event.format?.name ?? `unknown-event-${event.id}`;
  const payload = event.format ? renderPayload(event.format, (field) => event.field(field.name)) : '';
  // trace-cmd report pads the event name one column less than `report -R` does.
  return `${event.comm.padStart(16)}-${String(event.pid).padEnd(5)} [${String(event.cpu).padStart(3, '0')}] ${formatTimestamp(event.ts, clock)}: ${`${name}:`.padEnd(raw ? 22 : 21)} ${payload}`;
}

/** One line of the report view: its text, and the problem it stands for when it is one. */
export interface ReportLine {
  readonly text: string;
  readonly problem?: { readonly offset: number; readonly message: string };
}

/** The capture as `trace-cmd report` text: a `cpus=N` header, then one line per event or loss. */
export function* traceDatReportLines(source: ByteSource, meta: TraceDatMeta, options: ItemOptions = {}): Generator<ReportLine> {
  for (const problem of meta.problems) yield { text: `# trace.dat: ${problem.message} (file offset ${problem.offset})`, problem };
  yield { text: `cpus=${meta.cpuCount || Math.max(0, ...meta.buffers.flatMap((buffer) => buffer.cpus.map((cpu) => cpu.cpu + 1)))}` };
  for (const item of traceDatItems(source, meta, options)) {
    if (item.kind === 'event') yield { text: reportLine(item, meta.clock, options.raw) };
    else if (item.kind === 'lost')
      yield { text: item.count >= 0 ? `CPU:${item.cpu} [${item.count} EVENTS DROPPED]` : `CPU:${item.cpu} [EVENTS DROPPED]` };
    else yield { text: `# trace.dat: CPU ${item.cpu}: ${item.message} (file offset ${item.offset})`, problem: item };
  }
}

/**
 * The whole file as report text lines, metadata included: a file that cannot
 * be read at all (unknown version, truncated header, no formats) is one
 * damaged-file line with the offset, so every caller reports it the same way.
 */
export function* traceDatTextLines(source: ByteSource, options: TextLineOptions = {}): Generator<ReportLine> {
  let meta: TraceDatMeta;
  try {
    meta = readTraceDatMeta(source, options.decompress ? { decompress: options.decompress } : {});
  } catch (error) {
    if (!(error instanceof TraceDatError)) throw error;
    yield { text: `# trace.dat: ${error.message} (file offset ${error.offset})`, problem: error };
    return;
  }
  const custom = options.decompress;
  const chunks = custom
    ? chunkReader((algorithm, data, size) =>
        algorithm === 'zstd' ? zstdDecompress(data, new Uint8Array(size)) : custom(algorithm, data, size),
      )
    : zstdChunks;
  yield* traceDatReportLines(source, meta, { chunks, ...(options.raw ? { raw: true } : {}) });
}
