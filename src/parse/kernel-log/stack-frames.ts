/**
 * Call-trace frames and WARN headers as the kernel prints them
 * (`dump_stack`, `__warn`): x86 `Call Trace:` with `<TASK>` markers and `? `
 * unreliable frames, arm64 `Call trace:`; `fn+0xoff/0xsize [module]`.
 */

import type { StackFrame, WarnHeader } from './records';

const FRAME = /^\s*(\? )?([A-Za-z_.$][\w.$]*)\+0x[0-9a-f]+\/0x[0-9a-f]+(?: \[([\w-]+)(?:\]| [^\]]*\]))?\s*$/;
const TRACE_MARKER = /^\s*<\/?(?:TASK|IRQ|NMI|SOFTIRQ|EOI)>\s*$/;
const WARNING = /^WARNING: (?:CPU: \d+ PID: \d+ at )?(?:([\w./-]+\.[ch]):(\d+) )?(?:at )?([A-Za-z_.][\w.]*)?/;

export function parseFrame(message: string, line: number): StackFrame | undefined {
  const match = FRAME.exec(message);
  if (!match) return undefined;
  return {
    fn: match[2] as string,
    line,
    ...(match[3] ? { module: match[3] } : {}),
    ...(match[1] ? { unreliable: true as const } : {}),
  };
}

export function isTraceMarker(message: string): boolean {
  return TRACE_MARKER.test(message);
}

export function isCallTraceStart(message: string): boolean {
  return message === 'Call Trace:' || message === 'Call trace:' || message.trimStart().startsWith('Call Trace:');
}

/** Reads a `WARNING:` line (both `WARNING: CPU: 1 PID: 2 at file:line fn+…` and `WARNING: file:line at fn+…`). */
export function parseWarnHeader(message: string, line: number): WarnHeader | undefined {
  if (!message.startsWith('WARNING: ')) return undefined;
  const match = WARNING.exec(message);
  if (!match) return { line };
  return {
    line,
    ...(match[1] ? { file: match[1], fileLine: Number(match[2]) } : {}),
    ...(match[3] ? { fn: match[3] } : {}),
  };
}
