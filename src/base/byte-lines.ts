/**
 * Text lines written straight into one reused byte buffer, handed out in
 * chunks: the output side of the command line's hot paths (`gpuvm-lens
 * replay` prints a line or more per command). Numbers are formatted digit by
 * digit into the buffer, so a line costs no string unless its text is
 * dynamic.
 *
 * Invariant: `flush` hands the bytes written so far to the consumer, which
 * must be done with them (or copy them) before it returns: the buffer is
 * written over afterwards.
 */

import type { Num64 } from './u64';

const encoder = new TextEncoder();
const HEX = encoder.encode('0123456789abcdef');
const TWO_32 = 2 ** 32;

export class ByteLines {
  private buffer: Uint8Array;
  private length = 0;

  /**
   * @param consume receives each chunk (at least `chunkSize` bytes, except the last)
   * @param chunkSize how much is collected before it is handed out
   */
  constructor(
    private readonly consume: (chunk: Uint8Array) => void,
    private readonly chunkSize = 1 << 20,
  ) {
    this.buffer = new Uint8Array(chunkSize + 4096);
  }

  /** Makes room for `bytes` more bytes. */
  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    this.flush();
    if (bytes > this.buffer.length) this.buffer = new Uint8Array(bytes);
  }

  text(piece: string): void {
    const n = piece.length;
    // `reserve` inlined: a record line is a dozen calls of a few bytes each.
    if (this.length + n * 3 > this.buffer.length) this.reserve(n * 3);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const c = piece.charCodeAt(i);
      if (c >= 0x80) {
        // Not ASCII (a WARN text, an internal error): let the encoder do it.
        at += encoder.encodeInto(piece.slice(i), buffer.subarray(at)).written;
        break;
      }
      buffer[at++] = c;
    }
    this.length = at;
  }

  /** `0x` and lowercase hex digits without padding. */
  hex(value: Num64): void {
    if (typeof value === 'bigint') {
      this.text('0x' + value.toString(16));
      return;
    }
    if (this.length + 18 > this.buffer.length) this.reserve(18);
    const buffer = this.buffer;
    let at = this.length;
    buffer[at++] = 0x30;
    buffer[at++] = 0x78;
    if (value < TWO_32) {
      at = hex32(buffer, at, value >>> 0);
    } else {
      // Below 2^53: a high part of up to 21 bits, then 8 digits of the low 32.
      at = hex32(buffer, at, Math.floor(value / TWO_32));
      at = hex32Padded(buffer, at, value >>> 0);
    }
    this.length = at;
  }

  /** A decimal integer. */
  int(value: number): void {
    this.text(String(value));
  }

  endLine(): void {
    if (this.length + 1 > this.buffer.length) this.reserve(1);
    this.buffer[this.length++] = 0x0a;
    if (this.length >= this.chunkSize) this.flush();
  }

  /** Hands out what was written (see the module's invariant). */
  flush(): void {
    if (this.length === 0) return;
    this.consume(this.buffer.subarray(0, this.length));
    this.length = 0;
  }
}

/** Writes `value` (32 bits) in hex at `at` without leading zeros (`0` for zero); returns the end. */
function hex32(buffer: Uint8Array, at: number, value: number): number {
  // The digit count from the leading zero bits: the digits are then written
  // from the last one back, with no search for the first.
  const digits = value === 0 ? 1 : (35 - Math.clz32(value)) >> 2;
  const end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    buffer[i] = HEX[value & 0xf] as number;
    value >>>= 4;
  }
  return end;
}

/** Writes `value` (32 bits) as all 8 hex digits at `at`; returns the end. */
function hex32Padded(buffer: Uint8Array, at: number, value: number): number {
  for (let i = at + 7; i >= at; i--) {
    buffer[i] = HEX[value & 0xf] as number;
    value >>>= 4;
  }
  return at + 8;
}
