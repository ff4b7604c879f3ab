/**
 * The kernel's "Split and Merge" diagrams (drm_gpuvm.c DOC, cases 1–15) as
 * named, data-driven tests: each case is a GPUVM script under
 * test/fixtures/gpuvm-cases/ whose expected output is written inline as `#>`
 * lines. Every map request is also held to the kernel's bound: exactly one
 * MAP, last, and at most two REMAPs.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayAnnotated } from '../../helpers/annotated-script';

const DIR = resolve(__dirname, '..', '..', 'fixtures', 'gpuvm-cases');
const files = readdirSync(DIR)
  .filter((name) => name.endsWith('.gpuvm'))
  .sort();

describe('kernel split/merge cases', () => {
  it('cover the fifteen diagrams of the kernel documentation', () => {
    expect(files.map((name) => name.slice(0, 2))).toEqual(Array.from({ length: 15 }, (_, i) => String(i + 1).padStart(2, '0')));
  });

  for (const file of files) {
    it(`case ${file.replace(/\.gpuvm$/, '')}`, () => {
      for (const command of replayAnnotated(readFileSync(join(DIR, file), 'utf8'))) {
        expect(command.actual, `line ${command.line}: ${command.text}`).toEqual(command.expected);
        if (command.text.startsWith('map ')) {
          const kinds = command.actual.map((line) => line.split(' ')[0]);
          expect(kinds.filter((kind) => kind === 'MAP')).toHaveLength(1);
          expect(kinds[kinds.length - 1]).toBe('MAP');
          expect(kinds.filter((kind) => kind === 'REMAP').length).toBeLessThanOrEqual(2);
        }
      }
    });
  }
});
