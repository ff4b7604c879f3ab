/**
 * Loads the kernel-produced replay vectors (scripts with the output the
 * kernel's own drm_gpuvm gave), kept in `test/fixtures/vectors` so that a
 * checkout alone can run them.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Vector {
  readonly name: string;
  readonly script: string[];
  readonly expected: string[][];
  readonly teardown?: string[];
}

export interface VectorGroup {
  readonly file: string;
  readonly group: string;
  readonly description: string;
  readonly vectors: Vector[];
}

export function vectorDir(): string {
  return resolve(__dirname, '..', 'fixtures', 'vectors');
}

export function loadVectorGroups(dir = vectorDir()): VectorGroup[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Omit<VectorGroup, 'file'>) }));
}
