/**
 * Drift test between the settings schema (src/protocol/config.ts, the single
 * source of truth the server reads) and package.json
 * `contributes.configuration`, which VS Code shows in its Settings editor:
 * the same keys, each with the same type, default, scope, description, enum
 * and bounds; and every section titled.
 */

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_SECTION, DEFAULT_CONFIG, readConfig, SETTINGS } from '../../src/protocol/config';

const ROOT = resolve(__dirname, '..', '..');
type Property = Record<string, unknown>;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: { title?: string; properties: Record<string, Property> }[] };
};

const sections = pkg.contributes.configuration;
const declared = new Map<string, Property>(sections.flatMap((section) => Object.entries(section.properties)));

describe('settings', () => {
  it('are declared as an array of titled sections', () => {
    expect(Array.isArray(sections)).toBe(true);
    for (const section of sections) expect(section.title ?? '').toMatch(/^GPUVM Lens: \S/);
  });

  it('package.json declares exactly the keys of the schema', () => {
    expect([...declared.keys()].sort()).toEqual(SETTINGS.map((s) => s.key).sort());
  });

  for (const spec of SETTINGS) {
    it(`${spec.key} matches the schema`, () => {
      const property = declared.get(spec.key);
      expect(property).toBeDefined();
      const { key, ...expected } = spec;
      expect(key.startsWith(`${CONFIG_SECTION}.`)).toBe(true);
      expect(property).toEqual(expected);
    });
  }

  it('defaults round-trip through readConfig', () => {
    const nested: Record<string, unknown> = {};
    for (const spec of SETTINGS) nested[spec.key.slice(CONFIG_SECTION.length + 1)] = spec.default;
    expect(readConfig(nested)).toEqual(DEFAULT_CONFIG);
  });
});
