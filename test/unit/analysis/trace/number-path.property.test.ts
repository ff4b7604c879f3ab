/**
 * The trace replay holds a VM's addresses as numbers while they stay below
 * 2^53 and moves the VM to bigints for good when a value does not
 * (`TraceVm.admit`, src/model/number-path.ts). Findings must not depend on
 * that: generated captures with injected bugs, their addresses moved next to
 * 2^53 and next to 2^64 (some VMs below, some above, some crossing during
 * their life), are replayed on the number path and with every VM on bigints
 * from the start, and the findings must be the same, message for message.
 * The test also requires that both paths, and VMs widened while they held
 * mappings, were really exercised. The number-path replay also reuses
 * removed mappings, as `check` does; the reference allocates every one.
 */

import { afterEach, describe, expect, it, vi } from 'vitest';
import { TraceReplayer } from '../../../../src/analysis/trace/trace-replayer';
import { GpuVm } from '../../../../src/model/objects';
import { CAPTURE_LAYOUTS, generateCapture, type CaptureLayout } from '../../../helpers/capture-generator';

const TWO_53 = 2n ** 53n;
const TWO_64 = 2n ** 64n;

/** Xe prints byte addresses (`0x` and 12 digits); amdgpu prints 4 KiB page numbers. */
const XE_FIELDS = /\b(start|end|batch_addr)=0x([0-9a-f]+)/g;
const AMDGPU_FIELDS = /\b(start|last|soffs|eoffs)=([0-9a-f]+)/g;

/** Moves every address of a capture by `shift` bytes (amdgpu: `shift` / 4 KiB pages), keeping at least the field's width. */
function shifted(text: string, layout: CaptureLayout, shift: bigint): string {
  const amdgpu = layout.startsWith('amdgpu');
  const by = amdgpu ? shift >> 12n : shift;
  return text.replace(amdgpu ? AMDGPU_FIELDS : XE_FIELDS, (_whole, name: string, digits: string) => {
    const value = BigInt('0x' + digits) + by;
    return `${name}=${amdgpu ? '' : '0x'}${value.toString(16).padStart(digits.length, '0')}`;
  });
}

interface Replay {
  readonly findings: string;
  /** VMs moved to bigints while they held mappings. */
  readonly widenedLive: number;
  /** VMs still on numbers at the end. */
  readonly numberVms: number;
}

function replay(text: string, exact: boolean): Replay {
  const widen = GpuVm.prototype.widen;
  let widenedLive = 0;
  vi.spyOn(GpuVm.prototype, 'widen').mockImplementation(function (this: GpuVm) {
    if (this.numbers && this.tree.size > 0) widenedLive++;
    widen.call(this);
  });
  const replayer = new TraceReplayer({ exact, recycle: !exact });
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, index) => replayer.line(line, index + 1));
  const findings = JSON.stringify(replayer.finish());
  vi.restoreAllMocks();
  const numberVms = [...replayer.state.vms.values()].filter((vm) => vm.gpuvm.numbers).length;
  return { findings, widenedLive, numberVms };
}

/**
 * A capture moved by `first` bytes in its first half and by `second` in its
 * second (generated addresses reach about 2^42): VMs holding mappings from
 * the first half meet values of the second.
 */
function moved(layout: CaptureLayout, first: bigint, second: bigint): string {
  const lines = generateCapture({ layout, lines: 8_000, seed: 11, bugRate: 0.01 }).text.split('\n');
  const half = lines.length >> 1;
  return shifted(lines.slice(0, half).join('\n'), layout, first) + '\n' + shifted(lines.slice(half).join('\n'), layout, second);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the trace replay on numbers and on bigints', () => {
  const cases = [
    // Just below 2^53, then straddling it: some VMs stay on numbers.
    ['2^53', TWO_53 - (1n << 43n), TWO_53 - (1n << 41n)],
    // Low, then straddling 2^64 (values past 2^64 - 1 included).
    ['2^64', 0n, TWO_64 - (1n << 41n)],
  ] as const;

  it.each(CAPTURE_LAYOUTS.flatMap((layout) => cases.map((c) => [layout, ...c] as const)))(
    'reports the same findings (%s layout, addresses around %s)',
    (layout, where, first, second) => {
      const text = moved(layout, first, second);
      const numbers = replay(text, false);
      const exact = replay(text, true);
      expect(numbers.findings).toBe(exact.findings);
      expect(JSON.parse(exact.findings).length).toBeGreaterThan(5);
      expect(exact.numberVms).toBe(0);
      expect(numbers.widenedLive).toBeGreaterThan(0);
      if (where === '2^53') expect(numbers.numberVms).toBeGreaterThan(0);
    },
  );
});
