/**
 * `ByteLines` (the replay command's output buffer) writes what the string
 * forms give: hex as `0x` + `toString(16)` for every digit count and both
 * sides of 2^32, non-ASCII text through the encoder, and lines across chunk
 * boundaries in order.
 */

import { describe, expect, it } from 'vitest';
import { ByteLines } from '../../../src/base/byte-lines';
import type { Num64 } from '../../../src/base/u64';

function written(chunkSize: number, write: (out: ByteLines) => void): string {
  const chunks: Uint8Array[] = [];
  const out = new ByteLines((chunk) => chunks.push(chunk.slice()), chunkSize);
  write(out);
  out.flush();
  return Buffer.concat(chunks).toString('utf8');
}

const HEX_CASES: Num64[] = [
  0,
  1,
  0xf,
  0x10,
  0xff,
  0x100,
  0x1000,
  0xabcde,
  0x7fffffff,
  0x80000000,
  0xffffffff,
  2 ** 32,
  2 ** 32 + 1,
  0x1_0000_000f,
  0x123456789abc,
  2 ** 53 - 1,
  0n,
  0xffffffffffffffffn,
  2n ** 53n,
];

describe('ByteLines', () => {
  it.each(HEX_CASES.map((value) => [value]))('writes %s in hex as toString(16) does', (value) => {
    expect(written(1 << 20, (out) => out.hex(value))).toBe(`0x${value.toString(16)}`);
  });

  it('writes every digit count below 2^53 as toString(16) does', () => {
    for (let bits = 0; bits <= 53; bits++) {
      for (const value of [2 ** bits - 1, 2 ** bits, 2 ** bits + 1].filter((v) => v <= 2 ** 53 - 1)) {
        expect(written(1 << 20, (out) => out.hex(value))).toBe(`0x${value.toString(16)}`);
      }
    }
  });

  it('keeps text, non-ASCII text, numbers and line ends in order across chunks', () => {
    const expected: string[] = [];
    const text = written(64, (out) => {
      for (let i = 0; i < 200; i++) {
        out.text(i % 7 === 0 ? 'WARN é ' : 'MAP addr=');
        out.hex(i * 0x1001);
        out.text(' ref=');
        out.int(-i);
        out.endLine();
        expected.push(`${i % 7 === 0 ? 'WARN é ' : 'MAP addr='}0x${(i * 0x1001).toString(16)} ref=${-i}`);
      }
    });
    expect(text).toBe(expected.join('\n') + '\n');
  });
});
