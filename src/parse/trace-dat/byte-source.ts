/**
 * Where a `trace.dat` reader gets its bytes: random access by offset, so a
 * file of gigabytes is read a page at a time (the host layer implements it on
 * a file descriptor, tests on a buffer). Reads past the end return fewer bytes;
 * the reader turns that into a finding, never an exception.
 */

export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer at the end of the source). */
  read(offset: number, length: number): Uint8Array;
}

/** A source over bytes held in memory. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length)),
  };
}

/** A problem with the file: what and where (a byte offset), for a finding. */
export class TraceDatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const decoder = new TextDecoder('utf-8');

/** Reads numbers and strings from a block of bytes in the file's byte order, checking every bound. */
export class ByteCursor {
  private readonly view: DataView;
  pos = 0;

  /** `base`: the file offset of `bytes[0]`, for error messages. */
  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
    readonly base = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(count: number, what: string): void {
    if (count < 0 || this.pos + count > this.bytes.length)
      throw new TraceDatError(`the file ends inside ${what} (${count} bytes wanted, ${this.remaining} left)`, this.base + this.pos);
  }

  u16(what = 'a 16-bit number'): number {
    this.need(2, what);
    const value = this.view.getUint16(this.pos, this.littleEndian);
    this.pos += 2;
    return value;
  }

  u32(what = 'a 32-bit number'): number {
    this.need(4, what);
    const value = this.view.getUint32(this.pos, this.littleEndian);
    this.pos += 4;
    return value;
  }

  /** A 64-bit size or offset: a number, exact up to 2^53 (beyond that no file exists). */
  u64(what = 'a 64-bit number'): number {
    this.need(8, what);
    const value = this.view.getBigUint64(this.pos, this.littleEndian);
    this.pos += 8;
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      throw new TraceDatError(`${what} is impossibly large (${value})`, this.base + this.pos - 8);
    return Number(value);
  }

  bytesOf(count: number, what: string): Uint8Array {
    this.need(count, what);
    const out = this.bytes.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }

  text(count: number, what: string): string {
    return decoder.decode(this.bytesOf(count, what));
  }

  /** A NUL-terminated string. */
  cstring(what: string): string {
    const end = this.bytes.indexOf(0, this.pos);
    if (end === -1) throw new TraceDatError(`${what} has no terminating NUL`, this.base + this.pos);
    const text = decoder.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }
}

export function decodeText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
