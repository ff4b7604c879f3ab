/**
 * Splits a kernel-log line into its prefix and the printk message: `dmesg`
 * (`[ 12.345678] `, with `-r` priorities `<3>`, `-x` facility/level
 * columns, `-T` wall-clock stamps, CONFIG_PRINTK_CALLER `[T123]` ids),
 * `journalctl -k` and syslog files (`Nov 22 01:02:03 host kernel: `, ISO
 * stamps), or no prefix at all (a report pasted into a mail).
 *
 * Hot path: called for every line of a log, so each pattern is tried only
 * when the first character makes it possible.
 */

export interface DmesgLine {
  /** The printk message, without prefix or trailing CR. */
  readonly message: string;
  /** Seconds since boot from a `[ secs.usecs]` stamp, when present. */
  readonly timestamp?: number;
  /** The printk level from a `<N>` prefix, when present. */
  readonly level?: number;
  /** The line carried one of the recognised log prefixes. */
  readonly prefixed: boolean;
}

const PRIORITY = /^<(\d)>/;
const DMESG_X =
  /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7])\s*:\s*(?:emerg|alert|crit|err|warn|notice|info|debug)\s*:\s?/;
const SYSLOG =
  /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?) \S+ kernel: /;
const WALL_CLOCK = /^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\]\s?/;
const CALLER = /^\[\s*[TC]\d+\]\s?/;

export function splitDmesgLine(raw: string): DmesgLine {
  let text = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
  let prefixed = false;
  let level: number | undefined;
  let timestamp: number | undefined;
  const first = text.charCodeAt(0);
  if (first === 60 /* < */) {
    const match = PRIORITY.exec(text);
    if (match) {
      level = Number(match[1]);
      text = text.slice(match[0].length);
      prefixed = true;
    }
  } else if (first >= 97 && first <= 122 /* a-z: dmesg -x */) {
    const match = DMESG_X.exec(text);
    if (match) {
      text = text.slice(match[0].length);
      prefixed = true;
    }
  } else if ((first >= 65 && first <= 90) || (first >= 48 && first <= 57) /* syslog / ISO */) {
    const match = SYSLOG.exec(text);
    if (match) {
      text = text.slice(match[0].length);
      prefixed = true;
    }
  }
  if (text.charCodeAt(0) === 91 /* [ */) {
    const stampEnd = monotonicStampEnd(text);
    if (stampEnd > 0) {
      timestamp = parseFloat(text.slice(1, stampEnd));
      text = text.slice(text.charCodeAt(stampEnd + 1) === 32 ? stampEnd + 2 : stampEnd + 1);
      prefixed = true;
    } else {
      const wall = WALL_CLOCK.exec(text);
      if (wall) {
        text = text.slice(wall[0].length);
        prefixed = true;
      }
    }
    if (text.charCodeAt(0) === 91) {
      const caller = CALLER.exec(text);
      if (caller) text = text.slice(caller[0].length);
    }
  }
  const line: { message: string; prefixed: boolean; timestamp?: number; level?: number } = { message: text, prefixed };
  if (timestamp !== undefined) line.timestamp = timestamp;
  if (level !== undefined) line.level = level;
  return line;
}

/**
 * Index of the `]` closing a `[ secs.usecs]` stamp at the start of `text`, or
 * -1. Scanned by hand: this runs on every line of a multi-gigabyte log.
 */
function monotonicStampEnd(text: string): number {
  let i = 1;
  const length = text.length;
  while (i < length && text.charCodeAt(i) === 32) i++;
  const digits = i;
  while (i < length && isDigit(text.charCodeAt(i))) i++;
  if (i === digits || text.charCodeAt(i) !== 46 /* . */) return -1;
  i++;
  const fraction = i;
  while (i < length && isDigit(text.charCodeAt(i))) i++;
  if (i === fraction || text.charCodeAt(i) !== 93 /* ] */) return -1;
  return i;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** `driver device: ` of a dev_* message (`amdgpu 0000:03:00.0: `), or undefined. */
const DEVICE = /^([\w-]+) ([\w:.-]+): /;

export function deviceOf(message: string): string | undefined {
  const match = DEVICE.exec(message);
  return match ? `${match[1]} ${match[2]}` : undefined;
}
