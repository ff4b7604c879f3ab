/**
 * `review --format reply`: each reviewed patch quoted back as a reply mail
 * (`> ` prefixed, as mail clients and b4 quote), with every finding inserted
 * right under the line it concerns, wrapped at 72 columns. Several patches
 * come out as an mbox, one reply per patch, ready to edit and send with
 * `git send-email` or a mail client.
 */

import { relative } from 'node:path';
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

function header(text: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(text.slice(0, 8192));
  return match?.[1]?.trim();
}

/**
 * `tree`: the checkout a related location in another file belongs to; the
 * reply names such a file as the kernel does (`drivers/gpu/drm/...`), not by
 * where it sits on the reviewer's disk.
 */
export function renderReply(inputs: readonly ReplyInput[], tree?: string): string {
  const place = (related: RelatedLocation) =>
    related.path === undefined ? `line ${related.line}` : `${tree ? relative(tree, related.path) : related.path}:${related.line}`;
  const out: string[] = [];
  for (const input of inputs) {
    const lines = input.text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    const byLine = new Map<number, Finding[]>();
    for (const finding of [...input.findings].sort((a, b) => a.line - b.line || a.column - b.column)) {
      const list = byLine.get(finding.line) ?? [];
      list.push(finding);
      byLine.set(finding.line, list);
    }
    const subject = header(input.text, 'Subject');
    const author = header(input.text, 'From');
    const messageId = header(input.text, 'Message-I[Dd]');
    if (inputs.length > 1) out.push('From gpuvm-lens Mon Sep 17 00:00:00 2001');
    out.push(`Subject: ${subject ? (/^re:/i.test(subject) ? subject : `Re: ${subject}`) : `Re: ${input.path}`}`);
    if (messageId) out.push(`In-Reply-To: ${messageId}`, `References: ${messageId}`);
    out.push('');
    out.push(`${author ?? input.path} wrote:`);
    lines.forEach((raw, index) => {
      const text = raw.replace(/\r$/, '');
      out.push(text === '' ? '>' : `> ${text}`);
      for (const finding of byLine.get(index + 1) ?? []) {
        out.push('');
        out.push(...wrap(finding.message));
        for (const related of finding.related) out.push(...wrap(`(${place(related)}: ${related.message})`));
        out.push(`[${finding.rule}]`);
        out.push('');
      }
    });
    if (input.findings.length === 0) out.push('', 'No lifetime or locking findings on this patch.');
    out.push('');
  }
  return out.join('\n');
}
