import { describe, expect, it } from 'vitest';
import { detectLanguage } from '../../../src/extension/detect-language';

describe('plain-text detection', () => {
  it.each([
    ['ftrace header', ['# tracer: nop', '#'], 'gpuvm-trace'],
    ['trace_pipe line (5 flags)', ['          vkcube-4123    [003] .....  1523.407002: xe_vma_bind: dev=0000:03:00.0, vma=00000000a1b2c3d4'], 'gpuvm-trace'],
    ['trace-cmd report after its preamble', ['cpus=8', '      vkcube:cs0-5133  [002]  2210.504112: amdgpu_vm_bo_map:     bo=0xffff9a3b4c5d6000'], 'gpuvm-trace'],
    ['TGID column, 4 flags', ['  gpu-19970 (19927) [000] ...1  4394.993234: gpu_job_enqueue: x=1'], 'gpuvm-trace'],
    ['gpuvas dump', ['DRM GPU VA space (xe) [0x0000000000000000;0x0001000000000000]'], 'gpuvm-dump'],
    ['prose', ['Some notes about the GPU', 'nothing else'], null],
    ['a kernel log line', ['[  12.345678] amdgpu 0000:03:00.0: bo 0000 va 0x1-0x2 conflict'], null],
  ] as const)('%s', (_name, lines, expected) => {
    expect(detectLanguage(lines)).toBe(expected);
  });
});
