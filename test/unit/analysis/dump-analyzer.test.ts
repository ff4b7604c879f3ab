import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeText } from '../../../src/analysis/registry';
import { findingKeys } from '../../helpers/expected-findings';
import { detectKind } from '../../../src/base/detect-kind';

const DUMPS = join(__dirname, '..', '..', 'fixtures', 'dumps');
const FINDINGS = join(DUMPS, 'findings');

describe('dump analyzer', () => {
  const clean = readdirSync(DUMPS).filter((name) => name.endsWith('.gpuvas'));
  it.each(clean)('reports nothing on the well-formed dump %s, and counts its VMs and mappings', async (name) => {
    const text = readFileSync(join(DUMPS, name), 'utf8');
    expect(detectKind(text, name)).toBe('dump');
    const result = await analyzeText(text, { path: name });
    expect(result.kind).toBe('dump');
    expect(result.findings).toEqual([]);
    const headers = text.split('\n').filter((line) => line.startsWith('DRM GPU VA space')).length;
    const rows = text.split('\n').filter((line) => line.startsWith('     | ')).length;
    expect(result.stats).toEqual({ lines: text.split('\n').length - 1, vms: headers, mappings: rows });
  });

  it('points an overlap at the later row and relates it to the earlier one', async () => {
    const path = join(FINDINGS, 'invariants.gpuvas');
    const result = await analyzeText(readFileSync(path, 'utf8'), { path, kind: 'dump' });
    const overlap = result.findings.find((finding) => finding.rule === 'dump-overlapping-vas');
    expect(overlap?.related).toEqual([{ line: 6, message: 'the overlapping VA [0x0000000800000000, 0x0000000800010000)' }]);
    expect(overlap?.message).toContain('VM "vkcube[2742]"');
  });

  it('reports an empty dump once and a dump of only a header as truncated', async () => {
    expect(findingKeys((await analyzeText('', { path: 'x', kind: 'dump' })).findings)).toEqual(['1: unrecognized-input']);
    const header = 'DRM GPU VA space (a) [0x0000000000000000;0x0000000000001000]\n';
    expect(findingKeys((await analyzeText(header, { path: 'x', kind: 'dump' })).findings)).toEqual(['1: dump-parse-error']);
  });
});
