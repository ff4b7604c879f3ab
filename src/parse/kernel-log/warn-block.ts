/**
 * Reads a kernel WARN block: `------------[ cut here ]------------`, the
 * WARN's message (for drm_gpuvm: "GPUVA tree is not empty, …"; for refcount_t:
 * "refcount_t: underflow; use-after-free."), the `WARNING: … at file:line fn`
 * header, registers, and the call trace, up to `---[ end trace … ]---`.
 *
 * A block that carries one of the known texts becomes a record when the text
 * is seen; a block without text is kept only if its WARNING header or the top
 * of its call trace is in drm_gpuvm (a `drm_WARN_ON()` in the library).
 */

import type { GpuvmWarnId, GpuvmWarnRecord, RefcountWarnId, RefcountWarnRecord, StackFrame, WarnHeader } from './records';
import { isCallTraceStart, isTraceMarker, parseFrame, parseWarnHeader } from './stack-frames';

const GPUVM_TEXTS: readonly [string, GpuvmWarnId][] = [
  ['GPUVA tree is not empty, potentially leaking memory.', 'tree-not-empty'],
  ['Extobj list should be empty.', 'extobj-not-empty'],
  ['Evict list should be empty.', 'evict-not-empty'],
  ["Can't destroy kernel reserved node.", 'reserved-node'],
  ['GPUVA address limited to', 'address-limited'],
  ['VM BO cleanup list should be empty.', 'bo-cleanup-not-empty'],
  ['GEM GPUVA lock should be set only once.', 'gpuva-lock-set-twice'],
];

const REFCOUNT_TEXTS: readonly [string, RefcountWarnId][] = [
  ['refcount_t: underflow; use-after-free.', 'underflow'],
  ['refcount_t: saturated; leaking memory.', 'saturated'],
  ['refcount_t: addition on 0; use-after-free.', 'addition-on-0'],
  ['refcount_t: decrement hit 0; leaking memory.', 'decrement-hit-0'],
];

/** Lines between the cut-here marker or message and the WARNING header, and before a call trace, that we wait. */
const HEADER_WINDOW = 4;
const TRACE_WINDOW = 80;

/** What a WARN prints between its header and its call trace: modules, CPU and machine, registers (x86 and arm64). */
const BLOCK_LINE =
  /^(?:Modules linked in:|Hardware name:|Workqueue:|Tainted:|\s*\[last unloaded:|irq event stamp:|hardirqs last|softirqs last|Call Trace:|Call trace:|(?:[A-Z][A-Z0-9]{1,3}|x\d+|pc|lr|sp|pstate)\s*: )/;

const GPUVM_FILE = /(?:^|\/)drm_gpuvm\.c$|(?:^|\/)drm_gpuva_mgr\.c$/;
const GPUVM_FN = /^drm_gpuv(?:m|a)_/;

export function gpuvmWarnText(message: string): GpuvmWarnId | undefined {
  if (!message.includes('GPUVA') && !message.includes('list should be empty') && !message.includes('reserved node')) return undefined;
  for (const [text, id] of GPUVM_TEXTS) if (message.includes(text)) return id;
  return undefined;
}

export function refcountWarnText(message: string): RefcountWarnId | undefined {
  if (!message.includes('refcount_t: ')) return undefined;
  for (const [text, id] of REFCOUNT_TEXTS) if (message.includes(text)) return id;
  return undefined;
}

/** The message with a `driver device: [drm] ` prefix removed (drm_WARN prints one). */
function warnText(message: string, needle: string): string {
  const at = message.indexOf(needle);
  return at >= 0 ? message.slice(at).trim() : message.trim();
}

export class WarnBlockReader {
  record: GpuvmWarnRecord | RefcountWarnRecord | undefined;
  header: WarnHeader | undefined;
  private readonly stack: StackFrame[] = [];
  private inTrace = false;
  private lastLine: number;

  constructor(
    readonly startLine: number,
    private readonly timestamp: number | undefined,
    private readonly device: string | undefined,
  ) {
    this.lastLine = startLine;
  }

  /** Offers a WARN message line; returns the new record when it starts this block's record. */
  offerText(message: string, line: number): GpuvmWarnRecord | RefcountWarnRecord | undefined {
    if (this.record || this.header || line - this.lastLine > HEADER_WINDOW) return undefined;
    const gpuvm = gpuvmWarnText(message);
    const refcount = gpuvm ? undefined : refcountWarnText(message);
    if (!gpuvm && !refcount) return undefined;
    const base = {
      line,
      stack: this.stack,
      ...(this.timestamp !== undefined ? { timestamp: this.timestamp } : {}),
      ...(this.device ? { device: this.device } : {}),
    };
    this.record = gpuvm
      ? {
          ...base,
          kind: 'gpuvm-warn',
          which: gpuvm,
          text: warnText(message, (GPUVM_TEXTS.find(([, id]) => id === gpuvm) as [string, GpuvmWarnId])[0]),
        }
      : { ...base, kind: 'refcount-warn', which: refcount as RefcountWarnId, text: warnText(message, 'refcount_t: ') };
    this.lastLine = line;
    return this.record;
  }

  /** Feeds a line; returns false when the block has ended (the line is not consumed). */
  line(message: string, line: number): boolean {
    if (message.startsWith('---[ end trace')) {
      this.lastLine = line;
      this.finish();
      return true;
    }
    if (!this.header) {
      const header = parseWarnHeader(message, line);
      if (header) {
        if (line - this.lastLine > HEADER_WINDOW) return false;
        this.header = header;
        if (this.record) this.record.header = header;
        this.lastLine = line;
        return true;
      }
    }
    if (this.inTrace) {
      const frame = parseFrame(message, line);
      if (frame) {
        this.stack.push(frame);
        this.lastLine = line;
        return true;
      }
      if (isTraceMarker(message)) return true;
      this.finish();
      return false;
    }
    if (isCallTraceStart(message)) {
      this.inTrace = true;
      this.lastLine = line;
      return true;
    }
    if (line - this.startLine > TRACE_WINDOW) {
      this.finish();
      return false;
    }
    if (BLOCK_LINE.test(message)) return true;
    this.finish();
    return false;
  }

  private finished = false;
  private onFinish: ((record: GpuvmWarnRecord) => void) | undefined;

  /** Called with a record for a text-less WARN inside drm_gpuvm when the block ends. */
  whenGpuvmWarnWithoutText(callback: (record: GpuvmWarnRecord) => void): void {
    this.onFinish = callback;
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.record || !this.header) return;
    const fromFile = this.header.file !== undefined && GPUVM_FILE.test(this.header.file);
    const topFrames = this.stack
      .filter((frame) => !/^(?:__warn|report_bug|handle_bug|exc_invalid_op|asm_exc_invalid_op|warn_slowpath)/.test(frame.fn))
      .slice(0, 2);
    const fromFrame = (this.header.fn !== undefined && GPUVM_FN.test(this.header.fn)) || topFrames.some((frame) => GPUVM_FN.test(frame.fn));
    if (!fromFile && !fromFrame) return;
    const fn = this.header.fn ?? topFrames[0]?.fn ?? 'drm_gpuvm';
    this.onFinish?.({
      kind: 'gpuvm-warn',
      which: 'other',
      text: `WARN in ${fn}`,
      line: this.header.line,
      header: this.header,
      stack: this.stack,
      ...(this.timestamp !== undefined ? { timestamp: this.timestamp } : {}),
      ...(this.device ? { device: this.device } : {}),
    });
  }
}
