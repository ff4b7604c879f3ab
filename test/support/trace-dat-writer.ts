/**
 * Test-only: writes trace-cmd `trace.dat` files (version 6, little-endian,
 * 64-bit, 4 KiB pages) holding the events of a text capture, so the binary
 * path can be tested on GPU events that no machine here can record. Each
 * event's format file is written from the kernel's print format as the
 * project's event tables hold it (src/parse/trace/event-tables.ts): a `%s`
 * becomes a `__data_loc char[]` string, `%p` a pointer, `%llx`/`%lld` 64-bit
 * and the rest 32-bit numbers, and the `print fmt` is the format with
 * `REC->field` / `__get_str(field)` arguments, so `trace-cmd report` prints
 * the events as the kernel printed them. Ring-buffer pages carry time deltas
 * and time extends, as the kernel writes them.
 */

import { EVENT_SPECS } from '../../src/parse/trace/event-tables';
import { EventDecoder } from '../../src/parse/trace/decode-event';
import { parseTraceLine } from '../../src/parse/trace/trace-line';

const HEADER_PAGE = [
  '\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;',
  '\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;',
  '\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;',
  '\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;',
  '',
].join('\n');
const HEADER_EVENT = [
  '# compressed entry header',
  '\ttype_len    :    5 bits',
  '\ttime_delta  :   27 bits',
  '\tarray       :   32 bits',
  '',
  '\tpadding     : type == 29',
  '\ttime_extend : type == 30',
  '\ttime_stamp : type == 31',
  '\tdata max type_len  == 28',
  '',
].join('\n');

const PAGE = 4096;
const PAGE_DATA = PAGE - 16;

type Kind = 'string' | 'pointer' | 'u64' | 's64' | 'u32' | 's32';

interface Field {
  readonly name: string;
  readonly kind: Kind;
  readonly offset: number;
  readonly size: number;
}

interface Format {
  readonly id: number;
  readonly system: string;
  readonly name: string;
  readonly fields: readonly Field[];
  /** Size of the fixed part (dynamic strings follow it). */
  readonly fixed: number;
  readonly text: string;
}

export interface WriterEvent {
  readonly cpu: number;
  /** Nanoseconds. */
  readonly ts: bigint;
  readonly pid: number;
  readonly comm: string;
  readonly event: string;
  /** Field values in the format's order, as the text printed them. */
  readonly values: readonly string[];
  /** The format the text was printed with. */
  readonly format: string;
  readonly fieldNames: readonly string[];
}

const CONVERSION = /%[-+ #0-9.]*(ll|l|z|h|hh)?([sduixXpc])/g;

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => '_' + letter.toLowerCase());
}

function buildFormat(id: number, system: string, name: string, format: string, fieldNames: readonly string[]): Format {
  const kinds: Kind[] = [];
  for (const match of format.matchAll(CONVERSION)) {
    const letter = match[2] as string;
    // `l` and `z` are 64-bit like `ll`: the kernels these events come from are 64-bit.
    const long = match[1] === 'll' || match[1] === 'l' || match[1] === 'z';
    kinds.push(
      letter === 's'
        ? 'string'
        : letter === 'p'
          ? 'pointer'
          : letter === 'd' || letter === 'i'
            ? long
              ? 's64'
              : 's32'
            : long
              ? 'u64'
              : 'u32',
    );
  }
  const fields: Field[] = [];
  let offset = 8;
  const ordered = kinds.map((kind, k) => ({ kind, name: snake(fieldNames[k] as string) }));
  // Wide fields first, as the kernel's structs keep them aligned.
  for (const size of [8, 4]) {
    for (const entry of ordered) {
      const fieldSize = entry.kind === 'string' || entry.kind === 'u32' || entry.kind === 's32' ? 4 : 8;
      if (fieldSize !== size) continue;
      fields.push({ name: entry.name, kind: entry.kind, offset, size });
      offset += size;
    }
  }
  const declaration = (field: Field): string =>
    field.kind === 'string'
      ? `__data_loc char[] ${field.name}`
      : field.kind === 'pointer'
        ? `void * ${field.name}`
        : `${field.kind === 'u64' ? 'u64' : field.kind === 's64' ? 's64' : field.kind === 'u32' ? 'u32' : 'int'} ${field.name}`;
  const lines = [
    `name: ${name}`,
    `ID: ${id}`,
    'format:',
    '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;',
    '\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;',
    '\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;',
    '\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;',
    '',
    ...fields.map(
      (field) =>
        `\tfield:${declaration(field)};\toffset:${field.offset};\tsize:${field.size};\tsigned:${field.kind === 's32' || field.kind === 's64' ? 1 : 0};`,
    ),
    '',
    `print fmt: "${format.replace(/"/g, '\\"')}", ${ordered.map((entry) => (entry.kind === 'string' ? `__get_str(${entry.name})` : `REC->${entry.name}`)).join(', ')}`,
    '',
  ];
  return {
    id,
    system,
    name,
    fields: ordered.map((entry) => fields.find((field) => field.name === entry.name) as Field),
    fixed: offset,
    text: lines.join('\n'),
  };
}

/** The events of a text capture that the project decodes, with their printed values and formats. */
export function eventsOfText(text: string): WriterEvent[] {
  const decoder = new EventDecoder();
  const events: WriterEvent[] = [];
  for (const raw of text.split('\n')) {
    const line = parseTraceLine(raw);
    if (line.kind !== 'event') continue;
    const result = decoder.decode(line.event, line.payload);
    if (result.status !== 'decoded') continue;
    events.push({
      cpu: line.cpu,
      ts: BigInt(Math.round(line.ts * 1e6)) * 1000n,
      pid: line.pid,
      comm: line.comm,
      event: line.event,
      values: result.event.values,
      format: result.event.layout.compiled.format,
      fieldNames: result.event.layout.fields,
    });
  }
  return events;
}

class Bytes {
  private chunks: Buffer[] = [];
  length = 0;

  raw(bytes: Uint8Array | string): this {
    const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
    this.chunks.push(buffer);
    this.length += buffer.length;
    return this;
  }

  u16(value: number): this {
    const buffer = Buffer.alloc(2);
    buffer.writeUInt16LE(value);
    return this.raw(buffer);
  }

  u32(value: number): this {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    return this.raw(buffer);
  }

  u64(value: number | bigint): this {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    return this.raw(buffer);
  }

  text64(text: string): this {
    return this.u64(Buffer.byteLength(text)).raw(Buffer.from(text));
  }

  done(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

function value(kind: Kind, text: string): bigint {
  if (kind === 's32' || kind === 's64') return BigInt(text);
  if (kind === 'u32' && !/^0x/i.test(text) && /^\d+$/.test(text) && !/[a-f]/i.test(text)) return BigInt(text);
  return BigInt('0x' + text.replace(/^0x/i, ''));
}

/** One event's record bytes: common fields, fixed fields, then the strings. */
function record(format: Format, event: WriterEvent, printedKinds: readonly string[]): Buffer {
  const strings: Buffer[] = [];
  let dynamic = format.fixed;
  const fixed = Buffer.alloc(format.fixed);
  fixed.writeUInt16LE(format.id, 0);
  fixed.writeInt32LE(event.pid, 4);
  format.fields.forEach((field, k) => {
    const text = event.values[k] as string;
    if (field.kind === 'string') {
      const bytes = Buffer.from(text + '\0');
      fixed.writeUInt32LE((bytes.length << 16) | dynamic, field.offset);
      strings.push(bytes);
      dynamic += bytes.length;
    } else {
      // %u and %d print decimal, every other conversion hex.
      const decimal = printedKinds[k] === 'dec' || printedKinds[k] === 'udec';
      const number = decimal ? BigInt(text) : value(field.kind, text);
      if (field.size === 8) fixed.writeBigUInt64LE(BigInt.asUintN(64, number), field.offset);
      else fixed.writeUInt32LE(Number(BigInt.asUintN(32, number)), field.offset);
    }
  });
  const data = Buffer.concat([fixed, ...strings]);
  const padded = Buffer.alloc((data.length + 3) & ~3);
  data.copy(padded);
  return padded;
}

/** The ring-buffer pages of one CPU. */
function pagesOf(entries: readonly { ts: bigint; data: Buffer }[]): Buffer {
  const pages: Buffer[] = [];
  let page: Buffer | null = null;
  let used = 0;
  let last = 0n;
  const flush = (): void => {
    if (!page) return;
    page.writeBigUInt64LE(BigInt(used), 8);
    pages.push(page);
    page = null;
  };
  for (const entry of entries) {
    const small = entry.data.length <= 28 * 4;
    const size = (small ? 4 : 8) + entry.data.length;
    let delta = page ? entry.ts - last : 0n;
    const extend = delta >= 1n << 27n;
    if (!page || used + size + (extend ? 8 : 0) > PAGE_DATA) {
      flush();
      page = Buffer.alloc(PAGE);
      page.writeBigUInt64LE(entry.ts, 0);
      used = 0;
      delta = 0n;
    } else if (extend) {
      page.writeUInt32LE(((Number(delta & ((1n << 27n) - 1n)) << 5) | 30) >>> 0, 16 + used);
      page.writeUInt32LE(Number(delta >> 27n), 16 + used + 4);
      used += 8;
      delta = 0n;
    }
    const at = 16 + used;
    if (small) {
      page.writeUInt32LE(((Number(delta) << 5) | (entry.data.length / 4)) >>> 0, at);
      entry.data.copy(page, at + 4);
    } else {
      page.writeUInt32LE((Number(delta) << 5) >>> 0, at);
      page.writeUInt32LE(entry.data.length + 4, at + 4);
      entry.data.copy(page, at + 8);
    }
    used += size;
    last = entry.ts;
  }
  flush();
  return Buffer.concat(pages);
}

/** A version 6 `trace.dat` of `events`, each on its own CPU (CPUs 0 to `cpus` - 1). */
export function writeTraceDat(events: readonly WriterEvent[], cpus = Math.max(1, ...events.map((event) => event.cpu + 1))): Buffer {
  const formats = new Map<string, Format>();
  const printed = new Map<string, readonly string[]>();
  let nextId = 1000;
  for (const event of events) {
    if (formats.has(event.event)) continue;
    const system = EVENT_SPECS.get(event.event)?.driver ?? 'gpu';
    formats.set(event.event, buildFormat(nextId++, system, event.event, event.format, event.fieldNames));
    printed.set(
      event.event,
      EVENT_SPECS.get(event.event)?.layouts.find((layout) => layout.compiled.format === event.format)?.compiled.types ?? [],
    );
  }
  const systems = new Map<string, Format[]>();
  for (const format of formats.values()) systems.set(format.system, [...(systems.get(format.system) ?? []), format]);
  const cmdlines = new Map(events.map((event) => [event.pid, event.comm]));

  const head = new Bytes()
    .raw(Uint8Array.from([0x17, 0x08, 0x44]))
    .raw('tracing6\0')
    .raw(Uint8Array.from([0, 8]))
    .u32(PAGE)
    .raw('header_page\0')
    .text64(HEADER_PAGE)
    .raw('header_event\0')
    .text64(HEADER_EVENT)
    .u32(0)
    .u32(systems.size);
  for (const [system, list] of systems) {
    head.raw(`${system}\0`).u32(list.length);
    for (const format of list) head.text64(format.text);
  }
  head.u32(0).u32(0);
  head.text64([...cmdlines].map(([pid, comm]) => `${pid} ${comm}\n`).join(''));
  head.u32(cpus).raw('options  \0').u16(8).u32(4).u32(cpus).u16(0).raw('flyrecord\0');

  const perCpu = Array.from({ length: cpus }, (_, cpu) =>
    pagesOf(
      events
        .filter((event) => event.cpu === cpu)
        .map((event) => {
          const format = formats.get(event.event) as Format;
          return { ts: event.ts, data: record(format, event, printed.get(event.event) ?? []) };
        }),
    ),
  );
  const tableSize = cpus * 16;
  let offset = Math.ceil((head.length + tableSize) / PAGE) * PAGE;
  for (const data of perCpu) {
    head.u64(data.length ? offset : 0).u64(data.length);
    offset += data.length;
  }
  const pad = Math.ceil(head.length / PAGE) * PAGE - head.length;
  head.raw(Buffer.alloc(pad));
  for (const data of perCpu) head.raw(data);
  return head.done();
}
