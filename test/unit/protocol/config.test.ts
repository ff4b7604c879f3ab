import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, readConfig, SETTINGS } from '../../../src/protocol/config';

describe('readConfig', () => {
  it('returns the defaults for a missing section', () => {
    expect(readConfig(undefined)).toEqual(DEFAULT_CONFIG);
    expect(readConfig(null)).toEqual(DEFAULT_CONFIG);
  });

  it('reads nested sections as workspace/configuration returns them', () => {
    const config = readConfig({
      rules: { 'zero-range-request': 'off', 'kernel-warn': 'loud' },
      diagnostics: { maxPerFile: 5 },
      inlayHints: { enabled: false },
    });
    expect(config.rules).toEqual({ 'zero-range-request': 'off' });
    expect(config.maxDiagnosticsPerFile).toBe(5);
    expect(config.inlayHintsEnabled).toBe(false);
    expect(config.codeLensEnabled).toBe(true);
  });

  it('reads flat dotted keys and falls back to the default for malformed values', () => {
    const config = readConfig({ 'diagnostics.maxPerFile': -3, 'codeLens.enabled': false });
    expect(config.maxDiagnosticsPerFile).toBe(DEFAULT_CONFIG.maxDiagnosticsPerFile);
    expect(config.codeLensEnabled).toBe(false);
  });

  it('declares every setting under gpuvmLens with a scope and a description', () => {
    for (const setting of SETTINGS) {
      expect(setting.key.startsWith('gpuvmLens.')).toBe(true);
      expect(setting.markdownDescription.length).toBeGreaterThan(10);
      expect(setting.scope).toBeTruthy();
    }
    expect(new Set(SETTINGS.map((setting) => setting.key)).size).toBe(SETTINGS.length);
  });
});
