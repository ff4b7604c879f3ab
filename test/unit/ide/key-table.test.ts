import { describe, expect, it } from 'vitest';
import { KeyTable, keyHash } from '../../../src/ide/key-table';

describe('KeyTable', () => {
  it('numbers keys densely in first-seen order and gives the same number to an equal string built anew', () => {
    const table = new KeyTable();
    const vm = '000000005e6f7a01';
    expect(table.numberOf(`vm:xe:${vm}`)).toBe(0);
    expect(table.numberOf(`mapping:xe:${vm}/00000000a100c319`)).toBe(1);
    expect(table.numberOf(['vm', 'xe', vm].join(':'))).toBe(0);
    expect(table.size).toBe(2);
    expect(table.keyOf(1)).toBe(`mapping:xe:${vm}/00000000a100c319`);
    expect(table.find('vm:xe:000000005e6f7a02')).toBeUndefined();
    expect(table.find('')).toBeUndefined();
    expect(table.numberOf('')).toBe(2);
    expect(table.find('')).toBe(2);
  });

  it('keeps every key findable while it grows far past its first table', () => {
    const table = new KeyTable();
    const keys = Array.from({ length: 50_000 }, (_, i) => `mapping:xe:1/${(0xa1000000 + i * 4099).toString(16)}`);
    keys.forEach((key, i) => expect(table.numberOf(key)).toBe(i));
    keys.forEach((key, i) => expect(table.find(key)).toBe(i));
    expect([...table.values()]).toEqual(keys);
    expect(table.find('mapping:xe:1/0')).toBeUndefined();
  });

  it('tells apart keys whose 32-bit hashes collide', () => {
    // Two distinct keys with the same hash, found by brute force (a birthday search over ~100k keys).
    const table = new KeyTable();
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair && i < 1 << 20; i++) {
      const key = `vm:xe:${i.toString(16)}`;
      const h = keyHash(key);
      const other = seen.get(h);
      if (other !== undefined) pair = [other, key];
      else seen.set(h, key);
    }
    expect(pair).toBeDefined();
    const [a, b] = pair as [string, string];
    expect(keyHash(a)).toBe(keyHash(b));
    expect(table.numberOf(a)).toBe(0);
    expect(table.numberOf(b)).toBe(1);
    expect(table.find(a)).toBe(0);
    expect(table.find(b)).toBe(1);
  });

  it('gives a key handed over as parts the number of its joined string, and builds the string once', () => {
    const table = new KeyTable();
    const vm = '000000005e6f7a01';
    expect(table.numberOfParts('vm', 'xe', vm)).toBe(0);
    expect(table.keyOf(0)).toBe(`vm:xe:${vm}`);
    expect(table.numberOf(`vm:xe:${vm}`)).toBe(0);
    expect(table.numberOf(`mapping:xe:${vm}/00000000a100c319`)).toBe(1);
    expect(table.numberOfParts('mapping', 'xe', vm, '00000000a100c319')).toBe(1);
    expect(table.find(`mapping:xe:${vm}/00000000a100c319`)).toBe(1);
    // Parts that join to a different key: other separators, or the same characters cut elsewhere.
    expect(table.numberOfParts('mapping', 'xe', `${vm}/00000000a100c31`, '9')).toBe(2);
    expect(table.keyOf(2)).toBe(`mapping:xe:${vm}/00000000a100c31/9`);
    expect(table.numberOfParts('vm', 'xe:0', vm.slice(1))).toBe(3);
    expect(table.numberOfParts('vm:xe', '', vm)).toBe(4);
    expect(table.numberOfParts('fence', '1', '2')).toBe(5);
    expect(table.find('fence:1:2')).toBe(5);
    expect([...table.values()]).toEqual([
      `vm:xe:${vm}`,
      `mapping:xe:${vm}/00000000a100c319`,
      `mapping:xe:${vm}/00000000a100c31/9`,
      `vm:xe:0:${vm.slice(1)}`,
      `vm:xe::${vm}`,
      'fence:1:2',
    ]);
  });

  it('tells apart keys handed over as parts whose hashes collide', () => {
    const table = new KeyTable();
    const seen = new Map<number, number>();
    let pair: [number, number] | undefined;
    for (let i = 0; !pair && i < 1 << 20; i++) {
      const h = keyHash(`bo:i915:${i.toString(16)}`);
      const other = seen.get(h);
      if (other !== undefined) pair = [other, i];
      else seen.set(h, i);
    }
    expect(pair).toBeDefined();
    const [a, b] = (pair as [number, number]).map((i) => i.toString(16)) as [string, string];
    expect(table.numberOfParts('bo', 'i915', a)).toBe(0);
    expect(table.numberOfParts('bo', 'i915', b)).toBe(1);
    expect(table.numberOf(`bo:i915:${a}`)).toBe(0);
    expect(table.numberOfParts('bo', 'i915', b)).toBe(1);
  });
});
