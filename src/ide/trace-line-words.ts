/**
 * Line-level understanding of trace text that needs no replay: an event line
 * (any layout of docs/trace-formats.md, "Line layout", read by the analysis's
 * own tokeniser) in task, CPU, timestamp, event and fields, and the object identities (the
 * `%p` pointers and ids in `key=value` fields) a cursor can stand on, with
 * their occurrences in the document.
 *
 * Invariants: decoding never throws and looks at one line only; occurrence
 * searches stop after `cap` hits so a pointer that appears on every line of a
 * 200 MB trace costs a bounded answer.
 */

import { parseTraceLine } from '../parse/trace/trace-line';
import type { LineSource } from './line-source';

export interface FtraceLine {
  readonly task: string;
  readonly pid: number;
  readonly cpu: number;
  /** Seconds, as the trace decoder reads the line's clock (microseconds / 1e6 in the latency format). */
  readonly seconds: number;
  readonly event: string;
  readonly fields: readonly (readonly [string, string])[];
  /** The raw text after the event name. */
  readonly body: string;
}

const FIELD = /([A-Za-z_][\w.]*)[=:]\s?(\S+?)(?=[,\s]|$)/g;

/** One event line in words, by the same tokeniser the analysis uses (every layout, the latency format too). */
export function decodeFtraceLine(text: string): FtraceLine | undefined {
  const line = parseTraceLine(text);
  if (line.kind !== 'event') return undefined;
  const body = line.payload;
  const fields: [string, string][] = [];
  for (const field of body.matchAll(FIELD)) fields.push([field[1] as string, field[2] as string]);
  return { task: line.comm.trim(), pid: line.pid, cpu: line.cpu, seconds: line.ts, event: line.event, fields, body };
}

export interface Identity {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const WORD = /[0-9A-Za-z_]/;
/**
 * Pointers and ids worth following: 0x-prefixed hex, or bare hex of 8+ digits
 * (hashed %p values), at most 64 bits. A longer run of hex digits is no id,
 * and searching a document for a needle of 100k characters is quadratic
 * where the text repeats it (a damaged or generated file under the cursor).
 */
const IDENTITY = /^(?:0x[0-9a-fA-F]{1,16}|[0-9a-fA-F]{8,16})$/;

/** The pointer-like token under `character`, if any. */
export function identityAt(text: string, character: number): Identity | undefined {
  let start = Math.min(character, text.length);
  let end = start;
  while (start > 0 && WORD.test(text[start - 1] as string)) start--;
  while (end < text.length && WORD.test(text[end] as string)) end++;
  if (start === end) return undefined;
  const word = text.slice(start, end);
  return IDENTITY.test(word) ? { text: word, start, end } : undefined;
}

const OCCURRENCE_BATCH = 10_000;

export interface Occurrence {
  readonly line: number;
  readonly start: number;
  readonly end: number;
}

function isBoundary(text: string, index: number): boolean {
  return index < 0 || index >= text.length || !WORD.test(text[index] as string);
}

/**
 * Whole-word occurrences of `word` (case-insensitive for hex), in line order,
 * at most `cap` of them. Searches the in-memory text when there is one, else
 * reads the lines one by one.
 */
export function occurrences(lines: LineSource, word: string, cap: number): Occurrence[] {
  const found: Occurrence[] = [];
  const needle = word.toLowerCase();
  const text = lines.text;
  const offsetToLine = lines.lineOfOffset;
  if (text !== undefined && offsetToLine) {
    // Traces print pointers in lowercase; the word as written covers the rest.
    const variants = new Set([word, needle]);
    const hits: number[] = [];
    for (const variant of variants) {
      let from = 0;
      for (;;) {
        const at = text.indexOf(variant, from);
        if (at === -1 || hits.length >= cap * 2) break;
        if (isBoundary(text, at - 1) && isBoundary(text, at + variant.length)) hits.push(at);
        from = at + variant.length;
      }
    }
    hits.sort((a, b) => a - b);
    let lastLine = -1;
    let lastLineStart = 0;
    for (const at of hits.slice(0, cap)) {
      const line = offsetToLine(at);
      if (line !== lastLine) {
        lastLine = line;
        lastLineStart = text.lastIndexOf('\n', at - 1) + 1;
      }
      found.push({ line, start: at - lastLineStart, end: at - lastLineStart + word.length });
    }
    return found;
  }
  // A file on disk: read it back in batches (one read each), not a read per line.
  for (let first = 0; first < lines.lineCount && found.length < cap; first += OCCURRENCE_BATCH) {
    const batch = lines.range(first, first + OCCURRENCE_BATCH);
    for (let offset = 0; offset < batch.length && found.length < cap; offset++) {
      const lower = (batch[offset] as string).toLowerCase();
      let from = 0;
      for (;;) {
        const at = lower.indexOf(needle, from);
        if (at === -1) break;
        if (isBoundary(lower, at - 1) && isBoundary(lower, at + needle.length))
          found.push({ line: first + offset, start: at, end: at + needle.length });
        from = at + needle.length;
      }
    }
  }
  return found;
}
