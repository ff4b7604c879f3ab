/**
 * The event format files a `trace.dat` carries (the kernel's
 * `events/<system>/<event>/format`): each event's id, name and fields with
 * offset, size and sign, read so that an event's fields are taken by name from
 * its record bytes, never from printed text. Also the ring buffer's
 * `header_page` (where the commit size sits and where data starts).
 *
 * A field is one of: a number (1, 2, 4 or 8 bytes, signed or not), a fixed
 * char array (a string up to its first NUL), a `__data_loc`/`__rel_loc`
 * dynamic array (a string for `char[]`, else its bytes), or another fixed
 * array (its bytes). Pointers and `long`s are kept apart because they print
 * in hex.
 */

import { decodeText } from './byte-source';

export type FieldKind = 'number' | 'string' | 'dynamic-string' | 'dynamic-array' | 'array';

export interface FormatField {
  readonly name: string;
  readonly type: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
  readonly kind: FieldKind;
  /** A pointer or an unsigned `long`: printed in hex by `trace-cmd report -R`. */
  readonly hex: boolean;
  /** `__rel_loc`: the dynamic offset counts from the end of this field. */
  readonly relative: boolean;
}

export interface EventFormat {
  readonly id: number;
  readonly system: string;
  readonly name: string;
  /** Every field, the common ones (`common_type`, `common_pid`, …) first. */
  readonly fields: readonly FormatField[];
  readonly byName: ReadonlyMap<string, FormatField>;
  readonly printFmt: string;
}

const FIELD_LINE = /^\s*field:\s*(.*?)\s*;\s*offset:\s*(\d+);\s*size:\s*(\d+);\s*(?:signed:\s*(\d+);)?/;

function fieldOf(declaration: string, offset: number, size: number, signed: boolean): FormatField | null {
  const dataLoc = /^__(data|rel)_loc\s+(.*?)\s*(\w+)$/.exec(declaration);
  if (dataLoc) {
    const type = (dataLoc[2] as string).trim();
    const name = dataLoc[3] as string;
    const isChar = /^(?:const\s+)?char\s*\[\]$|^(?:const\s+)?char\s*\[$/.test(type) || /^char\b/.test(type);
    return {
      name,
      type,
      offset,
      size,
      signed,
      kind: isChar ? 'dynamic-string' : 'dynamic-array',
      hex: false,
      relative: dataLoc[1] === 'rel',
    };
  }
  const array = /^(.*?)\s*(\w+)\s*\[([^\]]*)\]$/.exec(declaration);
  if (array) {
    const type = (array[1] as string).trim();
    const name = array[2] as string;
    const isChar = /\bchar$/.test(type);
    return { name, type: `${type}[]`, offset, size, signed, kind: isChar ? 'string' : 'array', hex: false, relative: false };
  }
  const plain = /^(.*?)\s*(\w+)$/.exec(declaration);
  if (!plain) return null;
  const type = (plain[1] as string).trim();
  const pointer = type.includes('*');
  const long = /\blong$/.test(type) && !/\blong\s+long$/.test(type);
  return { name: plain[2] as string, type, offset, size, signed, kind: 'number', hex: pointer || (long && !signed), relative: false };
}

/** Parses one format file; null when it names no event (a corrupt file says so elsewhere). */
export function parseEventFormat(text: string, system: string): EventFormat | null {
  const name = /^name:\s*(\S+)/m.exec(text)?.[1];
  const id = /^ID:\s*(\d+)/m.exec(text)?.[1];
  if (name === undefined || id === undefined) return null;
  const fields: FormatField[] = [];
  for (const line of text.split('\n')) {
    const match = FIELD_LINE.exec(line);
    if (!match) continue;
    const field = fieldOf(match[1] as string, Number(match[2]), Number(match[3]), match[4] === '1');
    if (field) fields.push(field);
  }
  const printFmt = /^print fmt:\s*(.*)$/m.exec(text)?.[1] ?? '';
  return { id: Number(id), system, name, fields, byName: new Map(fields.map((field) => [field.name, field])), printFmt };
}

/** Where the ring buffer page's parts are (`events/header_page`). */
export interface PageHeader {
  readonly commitOffset: number;
  readonly commitSize: number;
  readonly dataOffset: number;
}

export function parsePageHeader(text: string, longSize: number): PageHeader {
  let commitOffset = 8;
  let commitSize = longSize;
  let dataOffset = 8 + longSize;
  for (const line of text.split('\n')) {
    const match = FIELD_LINE.exec(line);
    if (!match) continue;
    const declaration = match[1] as string;
    if (/\bcommit$/.test(declaration)) {
      commitOffset = Number(match[2]);
      commitSize = Number(match[3]);
    } else if (/\bdata$/.test(declaration)) dataOffset = Number(match[2]);
  }
  return { commitOffset, commitSize, dataOffset };
}

/** A field's value in `data` (the event's record bytes): a number or bigint, a string, or the raw bytes. */
export function fieldValue(
  field: FormatField,
  data: Uint8Array,
  view: DataView,
  littleEndian: boolean,
): number | bigint | string | Uint8Array | undefined {
  const { offset, size } = field;
  if (offset + size > data.length) return undefined;
  switch (field.kind) {
    case 'number':
      switch (size) {
        case 1:
          return field.signed ? view.getInt8(offset) : view.getUint8(offset);
        case 2:
          return field.signed ? view.getInt16(offset, littleEndian) : view.getUint16(offset, littleEndian);
        case 4:
          return field.signed ? view.getInt32(offset, littleEndian) : view.getUint32(offset, littleEndian);
        case 8:
          return field.signed ? view.getBigInt64(offset, littleEndian) : view.getBigUint64(offset, littleEndian);
        default:
          return data.subarray(offset, offset + size);
      }
    case 'string': {
      const bytes = data.subarray(offset, offset + size);
      const end = bytes.indexOf(0);
      return decodeText(end === -1 ? bytes : bytes.subarray(0, end));
    }
    case 'array':
      return data.subarray(offset, offset + size);
    case 'dynamic-string':
    case 'dynamic-array': {
      if (size < 4) return undefined;
      const loc = view.getUint32(offset, littleEndian);
      const start = (loc & 0xffff) + (field.relative ? offset + size : 0);
      const length = loc >>> 16;
      if (start + length > data.length) return undefined;
      const bytes = data.subarray(start, start + length);
      if (field.kind === 'dynamic-array') return bytes;
      const end = bytes.indexOf(0);
      return decodeText(end === -1 ? bytes : bytes.subarray(0, end));
    }
  }
}
