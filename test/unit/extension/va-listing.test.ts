import { describe, expect, it } from 'vitest';
import type { VaMapping, VaSpace } from '../../../src/protocol/lsp-ext';
import { canonicalSpace } from '../../../src/extension/va-listing';

const mapping = (start: string, end: string, object: string | null, extra: Partial<VaMapping> = {}): VaMapping => ({
  start,
  end,
  range: `0x${(BigInt(end) - BigInt(start)).toString(16)}`,
  object,
  offset: '0x0',
  objectTraced: true,
  kernelReserved: false,
  createdAtLine: null,
  ...extra,
});

const space = (mappings: VaMapping[]): VaSpace => ({
  uri: 'file:///d.gpuvas',
  line: 5,
  lineCount: 6,
  kind: 'dump',
  vms: [{ id: 'vm', label: 'example', line: 0 }],
  vm: { id: 'vm', label: 'example', line: 0 },
  window: { start: '0x0', end: '0x1000000000000' },
  mappings,
  gaps: [],
  objects: [],
  changeLines: [],
});

describe('canonical VA-space listing', () => {
  it('lists mappings in address order, naming sparse and kernel-reserved ones', () => {
    const text = canonicalSpace(
      space([
        mapping('0x100000000', '0x100200000', null),
        mapping('0x1000000', '0x1010000', '0xffff8881a2b3c000'),
        mapping('0x0', '0x1000000', null, { kernelReserved: true }),
        mapping('0x200000000', '0x200020000', null, { objectTraced: false, offset: '0x1000' }),
      ]),
    );
    expect(text).toBe(
      [
        'VM example window [0x0, 0x1000000000000)',
        '  [0x0, 0x1000000) size 0x1000000 kernel-reserved node offset 0x0',
        '  [0x1000000, 0x1010000) size 0x10000 object 0xffff8881a2b3c000 offset 0x0',
        '  [0x100000000, 0x100200000) size 0x200000 sparse (no object) offset 0x0',
        '  [0x200000000, 0x200020000) size 0x20000 object not traced offset 0x1000',
      ].join('\n'),
    );
  });

  it('says so when a VM has no mappings', () => {
    expect(canonicalSpace(space([]))).toBe('VM example window [0x0, 0x1000000000000)\n  (no mappings)');
  });
});
