/**
 * The words of one trace line, without a replay (what a hover shows while a
 * large trace is still being analyzed): every layout's bind line decodes to
 * the same event, task, CPU and fields, the latency format included.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFtraceLine, identityAt } from '../../../src/ide/trace-line-words';

const DIR = join(__dirname, '..', '..', 'fixtures', 'traces', 'layouts');
const BINDS = readdirSync(DIR)
  .filter((name) => name.endsWith('.trace'))
  .flatMap((name) => {
    const line = readFileSync(join(DIR, name), 'utf8')
      .split('\n')
      .find((text) => text.includes('xe_vma_bind:') && text.includes('userptr='));
    return line === undefined ? [] : [[name, line] as const];
  });

describe('the words of a trace line', () => {
  it('covers the latency format', () => {
    expect(BINDS.map(([name]) => name)).toContain('latency.trace');
  });

  it.each(BINDS)('%s: the bind line in words', (_name, line) => {
    const words = decodeFtraceLine(line);
    expect(words?.event).toBe('xe_vma_bind');
    expect(words?.task).toBe('vkcube');
    expect(words?.pid).toBe(4123);
    expect(words?.cpu).toBe(3);
    expect(words?.fields.find(([key]) => key === 'start')?.[1]).toBe('0x0001a0000000');
  });

  it('reads the latency clock in seconds', () => {
    expect(decodeFtraceLine('  vkcube-4123      3d..1.    19us : xe_vma_bind: dev=0000:03:00.0, vma=00000000a1b2c3d4')?.seconds).toBe(
      19e-6,
    );
  });

  it('is nothing for a header or garbage', () => {
    expect(decodeFtraceLine('# tracer: nop')).toBeUndefined();
    expect(decodeFtraceLine('hello world')).toBeUndefined();
  });
});

describe('the identity under the cursor', () => {
  it.each([
    ['vm=0xffff88810a3c4000 addr=0x1000', 6, '0xffff88810a3c4000'],
    ['obj=000000005e6f7a8b', 8, '000000005e6f7a8b'],
    ['addr=0x1000', 7, '0x1000'],
  ])('%s at %d is %s', (text, character, identity) => {
    expect(identityAt(text, character)?.text).toBe(identity);
  });

  it('is no pointer or id when wider than 64 bits, or not hex', () => {
    expect(identityAt('vm=0x1ffff88810a3c4000', 6)).toBeUndefined();
    expect(identityAt(`x ${'a'.repeat(100_000)} y`, 50)).toBeUndefined();
    expect(identityAt('task=vkcube', 7)).toBeUndefined();
    expect(identityAt('pid=1234', 5)).toBeUndefined();
  });
});
