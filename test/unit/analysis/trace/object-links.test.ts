/**
 * A streaming replay (`recycle`) keeps no GEM object or VM_BO per bind: it
 * counts which objects each VM links and in which order (`TraceVm.objectLinks`).
 * Its findings must be those of the replay that builds the engine's objects:
 * which mapping an object destroy names (first VM_BO, then first VA, in
 * creation order) and how many objects a leaking VM still links.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceReplayer } from '../../../../src/analysis/trace/trace-replayer';

const FIXTURES = join(__dirname, '../../../fixtures/traces');

function findings(text: string, recycle: boolean): string {
  const replayer = new TraceReplayer({ recycle });
  text.split('\n').forEach((line, index) => replayer.line(line, index + 1));
  return JSON.stringify(replayer.finish());
}

const line = (ts: number, payload: string) => `  glxgears-2417    [001] .....  1524.${String(ts).padStart(6, '0')}: ${payload}`;

/** One object mapped by two VMs, its first VM_BO gone and made again, then destroyed; a VM freed linking two objects. */
const INTERLEAVED = [
  line(1, 'i915_ppgtt_create: dev=0, vm=000000000000000a'),
  line(2, 'i915_ppgtt_create: dev=0, vm=000000000000000b'),
  line(3, 'i915_vma_bind: obj=0000000000000001, offset=0x0000000000100000 size=0x1000 vm=000000000000000a'),
  line(4, 'i915_vma_bind: obj=0000000000000001, offset=0x0000000000200000 size=0x1000 vm=000000000000000b'),
  line(5, 'i915_vma_bind: obj=0000000000000001, offset=0x0000000000300000 size=0x1000 vm=000000000000000a'),
  line(6, 'i915_vma_unbind: obj=0000000000000001, offset=0x0000000000100000 size=0x1000 vm=000000000000000a'),
  line(7, 'i915_vma_unbind: obj=0000000000000001, offset=0x0000000000300000 size=0x1000 vm=000000000000000a'),
  line(8, 'i915_vma_bind: obj=0000000000000001, offset=0x0000000000400000 size=0x1000 vm=000000000000000a'),
  line(9, 'i915_vma_bind: obj=0000000000000002, offset=0x0000000000500000 size=0x1000 vm=000000000000000b'),
  line(10, 'i915_gem_object_destroy: obj=0000000000000001'),
  line(11, 'i915_ppgtt_release: dev=0, vm=000000000000000b'),
].join('\n');

describe('object links without model objects', () => {
  it.each(['rules/i915.trace', 'all-events.trace', 'spec-examples.trace'])(
    '%s: the same findings as with GEM objects and VM_BOs',
    (name) => {
      const text = readFileSync(join(FIXTURES, name), 'utf8');
      expect(findings(text, true)).toBe(findings(text, false));
    },
  );

  it('names the first VA of the oldest VM_BO, not the oldest VA', () => {
    // VM a's VM_BO of object 1 outlives its first VA and stays older than VM b's.
    const text = INTERLEAVED.split('\n').slice(0, 6).join('\n') + '\n' + line(10, 'i915_gem_object_destroy: obj=0000000000000001');
    const streamed = findings(text, true);
    expect(streamed).toBe(findings(text, false));
    expect(streamed).toContain('VM 000000000000000a still maps it at [0x300000, 0x301000)');
  });

  it('names the mapping of the oldest VM_BO and counts the objects of a leaking VM', () => {
    const streamed = findings(INTERLEAVED, true);
    expect(streamed).toBe(findings(INTERLEAVED, false));
    // VM b's VM_BO of object 1 is older than VM a's second one.
    expect(streamed).toContain('[0x200000, 0x201000)');
    expect(streamed).toContain('(2 object(s) still linked)');
  });
});
