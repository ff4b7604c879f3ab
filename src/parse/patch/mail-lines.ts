/**
 * Turns the raw lines of a patch file, a `git format-patch` mail, an mbox or a
 * mail thread into logical lines a diff parser can read: the quote prefix
 * (`> `, `>>`, `> > `) is split off into a depth, quoted-printable bodies are
 * decoded (soft line breaks joined), and base64 MIME parts are decoded when
 * they hold text or skipped with a problem when they are binary.
 *
 * Invariant: every logical line keeps the 1-based line number of the physical
 * line it starts on, so findings land on the line of the file as given. Never
 * throws: odd input becomes problems, and the rest of the file is still read.
 */

export interface LogicalLine {
  /** 1-based line of the file as given where this logical line starts. */
  readonly line: number;
  /** Number of quote markers (`>`) in front of the text; 0 for the mail's own text. */
  readonly depth: number;
  /** The text with the quote prefix (one optional space per marker) removed. */
  readonly text: string;
}

export type MailProblemKind = 'binary-attachment' | 'undecodable-part';

export interface MailProblem {
  readonly kind: MailProblemKind;
  readonly line: number;
  readonly detail: string;
}

/**
 * A message of an mbox, a `git format-patch` mail or a thread: where it
 * starts and the headers that name it (what a reply to it, and a finding
 * made in it, refer to). Header values are unfolded (RFC 5322) and trimmed.
 */
export interface MessageHead {
  /** 1-based line where the message starts: its mbox `From ` line, or its first header. */
  readonly line: number;
  /** The commit a `git format-patch` mail was made from (its `From <sha> Mon Sep 17 …` line). */
  readonly commit?: string;
  readonly subject?: string;
  readonly from?: string;
  readonly messageId?: string;
}

export interface MailLines {
  readonly lines: LogicalLine[];
  readonly problems: MailProblem[];
  /** Number of messages seen (mbox `From ` separators or header blocks); 0 for a bare diff. */
  readonly messages: number;
  /** Each message, in order (as many as `messages`). */
  readonly heads: MessageHead[];
}

/** The message holding 1-based `line` (the first one for lines before it); undefined without messages. */
export function messageAt(heads: readonly MessageHead[], line: number): MessageHead | undefined {
  let found = heads[0];
  for (const head of heads) {
    if (head.line > line) break;
    found = head;
  }
  return found;
}

/** Splits the quote prefix off a line: `> > +foo` has depth 2 and text `+foo`. */
export function stripQuote(raw: string): { depth: number; text: string } {
  if (raw.length === 0 || raw.charCodeAt(0) !== 62 /* > */) return { depth: 0, text: raw };
  let i = 0;
  let depth = 0;
  while (i < raw.length && raw.charCodeAt(i) === 62) {
    depth++;
    i++;
    // One space after a marker belongs to the marker; a second one is content
    // (a quoted diff context line starts with `>  `). A space followed by
    // another marker (`> > x`) is also part of the prefix.
    if (raw.charCodeAt(i) === 32) {
      if (raw.charCodeAt(i + 1) === 62) i++;
      else {
        i++;
        break;
      }
    }
  }
  return { depth, text: raw.slice(i) };
}

const HEADER = /^([A-Za-z][A-Za-z0-9-]*):\s?(.*)$/;
const MBOX_FROM = /^From \S+ /;
/** The separator `git format-patch` writes: the commit, then a fixed date (all zeros with `--zero-commit`). */
const GIT_FROM = /^From ([0-9a-f]{40}) Mon Sep 17 00:00:00 2001$/;

interface Part {
  encoding: string;
  contentType: string;
  boundary?: string;
}

function headerValue(lines: readonly string[], index: number): { value: string; next: number } {
  const match = HEADER.exec(lines[index] ?? '');
  let value = match?.[2] ?? '';
  let next = index + 1;
  // RFC 5322 folded header lines start with white space.
  while (next < lines.length && /^[ \t]\S/.test(lines[next] ?? '')) {
    value += ' ' + (lines[next] as string).trim();
    next++;
  }
  return { value, next };
}

function decodeQuotedPrintable(text: string): string {
  if (!text.includes('=')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 61 /* = */ && i + 2 < text.length && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 128) {
      bytes.push(c);
    } else {
      for (const b of new TextEncoder().encode(text[i] as string)) bytes.push(b);
    }
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(new Uint8Array(bytes));
}

const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeBase64(text: string): Uint8Array | undefined {
  try {
    const binary = atob(text);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/** True when the bytes look like text (no NUL, few control characters). */
function looksLikeText(bytes: Uint8Array): boolean {
  let control = 0;
  for (const b of bytes) {
    if (b === 0) return false;
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  return control <= bytes.length / 100;
}

/**
 * Reads the physical lines of a document. Header blocks are recognised at
 * quote depth 0 only: a quoted header in a reply is just quoted text.
 */
export function readMailLines(physical: readonly string[]): MailLines {
  const lines: LogicalLine[] = [];
  const problems: MailProblem[] = [];
  const heads: { line: number; commit?: string; subject?: string; from?: string; messageId?: string }[] = [];
  /** Stack of open multipart boundaries. */
  const boundaries: string[] = [];
  let body: Part = { encoding: '', contentType: '' };
  let i = 0;

  const readHeaders = (start: number, isMessage: boolean): number => {
    const part: Part = { encoding: '', contentType: '' };
    let j = start;
    while (j < physical.length) {
      const raw = (physical[j] as string).replace(/\r$/, '');
      if (raw === '') {
        j++;
        break;
      }
      const match = HEADER.exec(raw);
      if (!match) break;
      const { value, next } = headerValue(physical, j);
      const name = (match[1] as string).toLowerCase();
      if (name === 'content-transfer-encoding') part.encoding = value.trim().toLowerCase();
      else if (name === 'content-type') {
        part.contentType = value.trim().toLowerCase();
        const boundary = /boundary="?([^";]+)"?/i.exec(value);
        if (boundary) part.boundary = boundary[1];
      } else if (isMessage && heads.length > 0) {
        const head = heads[heads.length - 1] as (typeof heads)[number];
        if (name === 'subject') head.subject ??= value.trim();
        else if (name === 'from') head.from ??= value.trim();
        else if (name === 'message-id') head.messageId ??= value.trim();
      }
      // Headers are still handed to the diff parser as depth-0 lines: they are
      // harmless there and keep line numbers contiguous.
      for (let k = j; k < next; k++) lines.push({ line: k + 1, depth: 0, text: (physical[k] as string).replace(/\r$/, '') });
      j = next;
    }
    if (part.boundary) boundaries.push(part.boundary);
    body = part;
    return j;
  };

  while (i < physical.length) {
    const raw = (physical[i] as string).replace(/\r$/, '');
    // A new message: an mbox separator, or a header block at the top of the file.
    if (
      MBOX_FROM.test(raw) ||
      (i === 0 && HEADER.test(raw) && /^(From|Subject|Date|Message-I[Dd]|Return-Path|Received|To|MIME-Version|Content-Type):/.test(raw))
    ) {
      const commit = GIT_FROM.exec(raw)?.[1];
      heads.push(commit !== undefined && !/^0+$/.test(commit) ? { line: i + 1, commit } : { line: i + 1 });
      lines.push({ line: i + 1, depth: 0, text: raw });
      boundaries.length = 0;
      i = readHeaders(MBOX_FROM.test(raw) ? i + 1 : i, true);
      continue;
    }
    // A MIME boundary opens a part with its own headers.
    const boundary = boundaries.find((b) => raw === `--${b}` || raw === `--${b}--`);
    if (boundary !== undefined) {
      lines.push({ line: i + 1, depth: 0, text: raw });
      if (raw.endsWith('--') && raw === `--${boundary}--`) {
        boundaries.splice(boundaries.indexOf(boundary), 1);
        body = { encoding: '', contentType: '' };
        i++;
        continue;
      }
      const headerStart = i + 1;
      i = readHeaders(headerStart, false);
      if (body.encoding === 'base64') i = readBase64Part(physical, i, body, headerStart + 1, lines, problems, boundaries);
      continue;
    }
    if (body.encoding === 'quoted-printable') {
      // Join soft line breaks (a trailing `=`), then decode the whole line.
      let joined = raw;
      const start = i;
      while (joined.endsWith('=') && i + 1 < physical.length) {
        joined = joined.slice(0, -1) + (physical[++i] as string).replace(/\r$/, '');
      }
      const { depth, text } = stripQuote(decodeQuotedPrintable(joined));
      lines.push({ line: start + 1, depth, text });
      i++;
      continue;
    }
    if (body.encoding === 'base64' && BASE64_LINE.test(raw) && raw.length >= 60) {
      i = readBase64Part(physical, i, body, i + 1, lines, problems, boundaries);
      continue;
    }
    const { depth, text } = stripQuote(raw);
    lines.push({ line: i + 1, depth, text });
    i++;
  }
  return { lines, problems, messages: heads.length, heads };
}

/** Reads a base64 body from `start`; returns the index after it. */
function readBase64Part(
  physical: readonly string[],
  start: number,
  part: Part,
  headerLine: number,
  lines: LogicalLine[],
  problems: MailProblem[],
  boundaries: readonly string[],
): number {
  let j = start;
  const chunks: string[] = [];
  while (j < physical.length) {
    const raw = (physical[j] as string).replace(/\r$/, '').trim();
    if (raw === '' || boundaries.some((b) => raw.startsWith(`--${b}`)) || !BASE64_LINE.test(raw)) break;
    chunks.push(raw);
    j++;
  }
  const bytes = decodeBase64(chunks.join(''));
  const textual = /^(text\/|message\/)/.test(part.contentType) || part.contentType === '';
  if (!bytes) {
    problems.push({ kind: 'undecodable-part', line: headerLine, detail: 'a base64 part that does not decode' });
    return j;
  }
  if (!textual || !looksLikeText(bytes)) {
    problems.push({
      kind: 'binary-attachment',
      line: headerLine,
      detail: `a binary attachment (${part.contentType || 'no content type'}, ${bytes.length} bytes)`,
    });
    return j;
  }
  const decoded = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  // Decoded lines map onto the encoded line that holds their first byte
  // (76 characters encode 57 bytes), so findings point near the right place.
  const perLine = Math.max(1, Math.floor(((chunks[0]?.length ?? 76) * 3) / 4));
  let offset = 0;
  for (const text of decoded.split('\n')) {
    const stripped = stripQuote(text.replace(/\r$/, ''));
    lines.push({ line: start + 1 + Math.min(chunks.length - 1, Math.floor(offset / perLine)), depth: stripped.depth, text: stripped.text });
    offset += new TextEncoder().encode(text).length + 1;
  }
  return j;
}
