/**
 * Reads a KASAN report (mm/kasan/report.c) block: the `BUG: KASAN: <type> in
 * <fn>` title, the access line, the access call trace, the `Allocated by
 * task` / `Freed by task` stacks, and the description of the object the bad
 * address belongs to. The report ends at its closing line of `=` signs; the
 * shadow-memory dump before it is skipped.
 */

import type { KasanRecord } from './records';
import { isCallTraceStart, isTraceMarker, parseFrame } from './stack-frames';

const TITLE = /BUG: KASAN: ([\w-]+) in ([A-Za-z_.$][\w.$]*)/;
const ACCESS = /^(Read|Write)(?: of size (\d+))? at addr ([0-9a-f]+) by task (.+?)\s*$/;
const FREE_ACCESS = /^Free of addr ([0-9a-f]+) by task (.+?)\s*$/;
const TRACK = /^(Allocated|Freed) by task \d+/;
const AUX = /potentially related work creation:|^Last call_rcu\(\):|^Second to last call_rcu\(\):/;
const OBJECT = /^The buggy address belongs to the object at ([0-9a-f]+)/;
const CACHE = /which belongs to the cache (\S+) of size (\d+)/;
const LOCATED = /^The buggy address is located (\d+) bytes (inside|to the left|to the right) of/;
const RULE = /^={20,}\s*$/;

/** Longest report we follow before giving up on finding its end (a cut log). */
const MAX_REPORT_LINES = 600;

type Section = 'access' | 'allocated' | 'freed' | 'aux' | 'memory' | 'other';

export function isKasanTitle(message: string): boolean {
  return message.includes('BUG: KASAN: ');
}

export class KasanReportReader {
  private section: Section = 'other';
  readonly record: KasanRecord;

  constructor(message: string, line: number, timestamp: number | undefined) {
    const match = TITLE.exec(message);
    this.record = {
      kind: 'kasan',
      bugType: match?.[1] ?? 'unknown',
      where: match?.[2] ?? '?',
      line,
      endLine: line,
      stack: [],
      allocated: [],
      freed: [],
      ...(timestamp !== undefined ? { timestamp } : {}),
    };
  }

  /** Feeds the next line; returns false when the report has ended (the line is not consumed). */
  line(message: string, line: number): boolean {
    const record = this.record;
    if (line - record.line > MAX_REPORT_LINES) return false;
    if (RULE.test(message)) {
      record.endLine = line;
      return line === record.line + 1; // the opening rule right after the title belongs to it; the next one closes it
    }
    if (isKasanTitle(message)) return false;
    record.endLine = line;
    if (this.section === 'memory') return true;
    const frame = parseFrame(message, line);
    if (frame) {
      if (this.section === 'access') record.stack.push(frame);
      else if (this.section === 'allocated') record.allocated.push(frame);
      else if (this.section === 'freed') record.freed.push(frame);
      return true;
    }
    if (isTraceMarker(message) || message.trim() === '') return true;
    if (isCallTraceStart(message)) {
      this.section = 'access';
      return true;
    }
    const track = TRACK.exec(message);
    if (track) {
      this.section = track[1] === 'Allocated' ? 'allocated' : 'freed';
      if (track[1] === 'Allocated') record.allocatedLine = line;
      else record.freedLine = line;
      return true;
    }
    if (AUX.test(message)) {
      this.section = 'aux';
      return true;
    }
    if (message.startsWith('Memory state around the buggy address')) {
      this.section = 'memory';
      return true;
    }
    const access = ACCESS.exec(message);
    if (access) {
      record.access = {
        op: access[1] as string,
        address: BigInt('0x' + (access[3] as string)),
        task: access[4] as string,
        line,
        ...(access[2] ? { size: Number(access[2]) } : {}),
      };
      return true;
    }
    const free = FREE_ACCESS.exec(message);
    if (free) {
      record.access = { op: 'Free', address: BigInt('0x' + (free[1] as string)), task: free[2] as string, line };
      return true;
    }
    const object = OBJECT.exec(message);
    if (object) {
      record.object = { address: BigInt('0x' + (object[1] as string)), line };
      this.section = 'other';
      return true;
    }
    const cache = CACHE.exec(message);
    if (cache && record.object) {
      record.object.cache = cache[1] as string;
      record.object.size = Number(cache[2]);
      return true;
    }
    const located = LOCATED.exec(message);
    if (located && record.object) {
      record.object.offset = Number(located[1]);
      record.object.relation = located[2] as string;
      return true;
    }
    // CPU/Hardware name/Workqueue lines and anything else inside the report.
    this.section = this.section === 'access' ? 'other' : this.section;
    return true;
  }
}
