/**
 * `review --format reply`: each reviewed patch quoted back as a reply mail
 * (`> ` prefixed, as mail clients and b4 quote), with every finding inserted
 * right under the line it concerns, wrapped at 72 columns. Several patches
 * (several files, or the messages of an mbox series) come out as an mbox,
 * one reply per patch with findings, ready to edit and send with
 * `git send-email` or a mail client.
 */

import { relative } from 'node:path';
import { readMailLines, type MessageHead } from '../parse/patch/mail-lines';
import type { Finding, RelatedLocation } from '../rules/rule';

export interface ReplyInput {
  readonly path: string;
  readonly text: string;
  readonly findings: readonly Finding[];
}

function wrap(text: string, width = 72): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    if (line.length > 0 && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  if (line.length > 0) out.push(line);
  return out;
}

/** Index of the first body line of a mail (after its header block and the blank line); 0 for a bare diff. */
function bodyStart(lines: readonly string[]): number {
  if (!/^(?:From \S+ |[A-Za-z][A-Za-z0-9-]*: )/.test(lines[0] ?? '')) return 0;
  const blank = lines.findIndex((line) => line.replace(/\r$/, '') === '');
  return blank === -1 ? 0 : blank + 1;
}

/** One reply: a message of an input (a patch of a series), with the findings on its lines. */
interface ReplyUnit {
  readonly path: string;
  readonly lines: readonly string[];
  readonly findings: readonly Finding[];
  /** The input's line number of `lines[0]`. */
  readonly first: number;
  /** The message answered; undefined for a bare diff. */
  readonly head: MessageHead | undefined;
  /** The input holds several messages and none has a finding. */
  readonly quietSeries: boolean;
}

/**
 * An input's replies: one per message that has findings, as a maintainer
 * answers each patch of a series on its own (lines before the first message
 * go with it). A single message, or a series with nothing to say, gets one.
 */
function replyUnits(input: ReplyInput): ReplyUnit[] {
  const lines = input.text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const heads = readMailLines(lines).heads;
  const whole = { path: input.path, lines, findings: input.findings, first: 1, head: heads[0], quietSeries: false };
  if (heads.length <= 1) return [whole];
  const units = heads.map((head, k): ReplyUnit => {
    const from = k === 0 ? 1 : head.line;
    const to = heads[k + 1]?.line ?? lines.length + 1;
    const findings = input.findings.filter((finding) => finding.line >= from && finding.line < to);
    return { path: input.path, lines: lines.slice(from - 1, to - 1), findings, first: from, head, quietSeries: false };
  });
  const answered = units.filter((unit) => unit.findings.length > 0);
  return answered.length > 0 ? answered : [{ ...(units[0] as ReplyUnit), quietSeries: true }];
}

/**
 * `tree`: the checkout a related location in another file belongs to; the
 * reply names such a file as the kernel does (`drivers/gpu/drm/...`), not by
 * where it sits on the reviewer's disk.
 */
export function renderReply(inputs: readonly ReplyInput[], tree?: string): string {
  const units = inputs.flatMap(replyUnits);
  const out: string[] = [];
  for (const unit of units) {
    const place = (related: RelatedLocation) => {
      if (related.path === undefined || related.path === unit.path) {
        const line = related.line - unit.first + 1;
        return line >= 1 && line <= unit.lines.length ? `line ${line}` : `${unit.path}:${related.line}`;
      }
      return `${tree ? relative(tree, related.path) : related.path}:${related.line}`;
    };
    const byLine = new Map<number, Finding[]>();
    for (const finding of [...unit.findings].sort((a, b) => a.line - b.line || a.column - b.column)) {
      const line = finding.line - unit.first + 1;
      const list = byLine.get(line) ?? [];
      list.push(finding);
      byLine.set(line, list);
    }
    const subject = unit.head?.subject;
    const author = unit.head?.from;
    const messageId = unit.head?.messageId;
    if (units.length > 1) out.push('From gpuvm-lens Mon Sep 17 00:00:00 2001');
    out.push(`Subject: ${subject ? (/^re:/i.test(subject) ? subject : `Re: ${subject}`) : `Re: ${unit.path}`}`);
    if (messageId) out.push(`In-Reply-To: ${messageId}`, `References: ${messageId}`);
    out.push('');
    out.push(`${author ?? unit.path} wrote:`);
    // A reply quotes the body, not the mail's headers (unless a finding is on one).
    const body = bodyStart(unit.lines);
    unit.lines.forEach((raw, index) => {
      if (index < body && !byLine.has(index + 1)) return;
      const quoted = raw.replace(/\r$/, '');
      out.push(quoted === '' ? '>' : `> ${quoted}`);
      for (const finding of byLine.get(index + 1) ?? []) {
        out.push('');
        out.push(...wrap(finding.message));
        for (const related of finding.related) out.push(...wrap(`(${place(related)}: ${related.message})`));
        out.push(`[${finding.rule}]`);
        out.push('');
      }
    });
    if (unit.quietSeries) out.push('', 'No lifetime or locking findings on this series.');
    else if (unit.findings.length === 0) out.push('', 'No lifetime or locking findings on this patch.');
    out.push('');
  }
  return out.join('\n');
}
