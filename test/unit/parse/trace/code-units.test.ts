/**
 * The byte-level helpers the trace decoder's hot path relies on answer
 * exactly what their plain definitions answer: the word-at-a-time printable
 * check, and the caches that turn a value's digits or number into its one
 * string.
 */

import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src/base/seeded-random';
import {
  cachedHexKeyText,
  cachedPointerText,
  cachedUnitsText,
  cachedTextEqual,
  isPrintableAscii,
  lowerHexUnits,
} from '../../../../src/parse/trace/code-units';

const EDGE_BYTES = [0x00, 0x09, 0x0d, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0xa0, 0xff];

describe('isPrintableAscii', () => {
  it('answers as a byte-by-byte check, at any alignment and length', () => {
    const random = mulberry32(7);
    const pick = (n: number) => Math.floor(random() * n);
    const buffer = new Uint8Array(256);
    for (let round = 0; round < 20000; round++) {
      for (let i = 0; i < buffer.length; i++) buffer[i] = 0x20 + pick(95);
      const view = new Uint8Array(buffer.buffer, pick(4), 200);
      const start = pick(64);
      const end = Math.min(view.length, start + pick(136));
      // Half the ranges get one byte at an edge of the printable range, anywhere in or near the range.
      if (round % 2 === 0) view[Math.max(0, start - 1 + pick(end - start + 2))] = EDGE_BYTES[pick(EDGE_BYTES.length)] as number;
      let expected = true;
      for (let i = start; i < end; i++) if ((view[i] as number) < 0x20 || (view[i] as number) > 0x7e) expected = false;
      expect(isPrintableAscii(view, start, end)).toBe(expected);
    }
  });
});

describe('hex values read as numbers', () => {
  const bytes = (text: string) => Buffer.from(text, 'latin1');

  it('reads lowercase digits below 2^53 and nothing else', () => {
    const read = (text: string) => lowerHexUnits(bytes(text), 0, text.length);
    expect(read('000000001022c857')).toBe(0x1022c857);
    expect(read('0')).toBe(0);
    expect(read('1fffffffffffff')).toBe(Number.MAX_SAFE_INTEGER);
    expect(read('20000000000000')).toBeNaN();
    expect(read('ffff888812345678')).toBeNaN();
    expect(read('00000000ABCDEF12')).toBeNaN();
    expect(read('0x1000')).toBeNaN();
    expect(read('')).toBeNaN();
    expect(read('00000000000000001')).toBeNaN();
  });

  it('reads random units as the plain definition does', () => {
    const random = mulberry32(5);
    const alphabet = '0123456789abcdefABCDEFx( \u0130\u0161';
    for (let round = 0; round < 20000; round++) {
      const length = Math.floor(random() * 18);
      let text = '';
      // Mostly digits, so that long valid values are common.
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * (random() < 0.9 ? 16 : alphabet.length))];
      const plain = /^[0-9a-f]{1,16}$/.test(text) && BigInt('0x' + text) < 2n ** 53n ? Number(BigInt('0x' + text)) : NaN;
      const units = Uint16Array.from(text, (letter) => letter.charCodeAt(0));
      expect(lowerHexUnits(units, 0, units.length), text).toBe(plain);
    }
  });

  it('gives the string the digits give, kept as it is', () => {
    const random = mulberry32(11);
    for (let round = 0; round < 2000; round++) {
      const value = Math.floor(random() * 2 ** (1 + Math.floor(random() * 52)));
      const digits = value.toString(16);
      const padded = digits.padStart(16, '0');
      expect(cachedPointerText(value)).toBe(padded);
      expect(cachedHexKeyText(value)).toBe(digits);
      expect(cachedTextEqual(padded)).toBe(padded);
      expect(cachedTextEqual(digits)).toBe(digits);
      expect(cachedUnitsText(bytes(padded), 0, 16)).toBe(padded);
    }
    expect(cachedTextEqual('not cached')).toBeUndefined();
  });
});
