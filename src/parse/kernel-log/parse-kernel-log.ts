/**
 * Streams a kernel log (dmesg, journalctl -k, a syslog file, or a report
 * pasted into a mail) into `KernelLogRecord`s: drm_gpuvm WARNs, refcount_t
 * warnings, GPU page faults, amdgpu VA conflicts, amdgpu KFD VM failures
 * (map, userptr pages, page-table update) and KASAN reports. Lines
 * that are none of these are counted and otherwise ignored: a kernel log is
 * mostly unrelated noise, and reporting it would bury what matters.
 *
 * Never throws on user input; records are returned in line order.
 */

import { forEachLine } from '../../base/lines';
import { deviceOf, splitDmesgLine } from './dmesg-prefix';
import { AmdgpuVmFailureRecognizer } from './amdgpu-vm-failures';
import { FaultRecognizer } from './gpu-faults';
import { isKasanTitle, KasanReportReader } from './kasan-report';
import type { KernelLogRecord, VmOpRecord } from './records';
import { gpuvmWarnText, refcountWarnText, WarnBlockReader } from './warn-block';

export interface KernelLog {
  readonly records: KernelLogRecord[];
  /** Lines seen. */
  readonly lines: number;
  /** Lines that carried a recognised log prefix (timestamp, priority, journal). */
  readonly prefixedLines: number;
}

/** Longer than any message printk emits; see `line`. */
const MAX_MESSAGE = 4096;

export class KernelLogParser {
  private readonly records: KernelLogRecord[] = [];
  private readonly faults = new FaultRecognizer((record) => this.records.push(record));
  private readonly vmFailures = new AmdgpuVmFailureRecognizer((record) => this.records.push(record));
  private warn: WarnBlockReader | undefined;
  private kasan: KasanReportReader | undefined;
  private lines = 0;
  private prefixedLines = 0;

  line(raw: string, lineNumber: number): void {
    this.lines++;
    const { message, timestamp, prefixed } = splitDmesgLine(raw);
    if (prefixed) this.prefixedLines++;
    // printk cuts a message at about 1 KiB (PRINTK_MESSAGE_MAX in
    // kernel/printk/printk.c): a longer line is no kernel message, and some
    // report patterns backtrack over one for seconds.
    if (message.length > MAX_MESSAGE) return;

    if (this.kasan) {
      if (this.kasan.line(message, lineNumber)) return;
      this.kasan = undefined;
    }
    if (isKasanTitle(message)) {
      this.closeWarn();
      this.kasan = new KasanReportReader(message, lineNumber, timestamp);
      this.records.push(this.kasan.record);
      return;
    }

    if (message.includes('[ cut here ]')) {
      this.closeWarn();
      this.warn = this.newWarn(lineNumber, timestamp, undefined);
      return;
    }
    if (gpuvmWarnText(message) || refcountWarnText(message)) {
      const device = deviceOf(message);
      if (!this.warn?.offerText(message, lineNumber)) {
        // A WARN text without its cut-here line (older kernels, or a trimmed paste).
        this.closeWarn();
        this.warn = this.newWarn(lineNumber, timestamp, device);
        this.warn.offerText(message, lineNumber);
      }
      const record = this.warn.record;
      if (record) this.records.push(record);
      return;
    }
    if (this.warn) {
      if (this.warn.line(message, lineNumber)) return;
      this.closeWarn();
    }
    if (message.startsWith('WARNING: ')) {
      // A WARN whose cut-here line is missing: keep its header, decide at its end.
      this.warn = this.newWarn(lineNumber, timestamp, undefined);
      this.warn.line(message, lineNumber);
      return;
    }
    if (this.faults.line(message, lineNumber, timestamp)) return;
    if (this.vmFailures.line(message, lineNumber, timestamp)) return;
    const op = msmVmOp(message, lineNumber, timestamp);
    if (op) this.records.push(op);
  }

  end(): KernelLog {
    this.closeWarn();
    this.records.sort((a, b) => a.line - b.line);
    return { records: this.records, lines: this.lines, prefixedLines: this.prefixedLines };
  }

  private newWarn(line: number, timestamp: number | undefined, device: string | undefined): WarnBlockReader {
    const reader = new WarnBlockReader(line, timestamp, device);
    reader.whenGpuvmWarnWithoutText((record) => this.records.push(record));
    return reader;
  }

  private closeWarn(): void {
    this.warn?.finish();
    this.warn = undefined;
  }
}

const MSM_VM_OP = /(?:^|\s)(?:\w+:\d+: )?([\w-]+):((?:0x)?[0-9a-f]+):(-?\d+): ([0-9a-f]{16}) ([0-9a-f]{16})\s*$/;

/** An msm `vm_dbg` line (`vm_log:123: map:00000000c0ffee00:1: <iova> <end>`), or undefined. */
function msmVmOp(message: string, line: number, timestamp: number | undefined): VmOpRecord | undefined {
  // Cheap test first: the line ends in two 16-digit numbers separated by a space.
  const length = message.trimEnd().length;
  if (length < 40 || message.charCodeAt(length - 17) !== 32) return undefined;
  const match = MSM_VM_OP.exec(message);
  if (!match) return undefined;
  return {
    kind: 'vm-op',
    op: match[1] as string,
    vm: match[2] as string,
    queue: Number(match[3]),
    start: BigInt('0x' + (match[4] as string)),
    end: BigInt('0x' + (match[5] as string)),
    line,
    ...(timestamp !== undefined ? { timestamp } : {}),
  };
}

/** Parses a whole log held in memory. */
export function parseKernelLog(text: string): KernelLog {
  const parser = new KernelLogParser();
  forEachLine(text, (line, lineNumber) => parser.line(line, lineNumber));
  return parser.end();
}
