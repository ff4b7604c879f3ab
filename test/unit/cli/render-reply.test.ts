/**
 * `--format reply` on an mbox series: one reply per patch that has findings,
 * each quoting that patch's body only, as a maintainer answers a series on
 * the list; a series with nothing to say gets one reply.
 */

import { describe, expect, it } from 'vitest';
import { renderReply } from '../../../src/cli/render-reply';
import type { Finding } from '../../../src/rules/rule';

const mail = (n: number, id: string, added: string) => [
  `From 000000000000000000000000000000000000000${n} Mon Sep 17 00:00:00 2001`,
  'From: A Developer <a@example.org>',
  `Message-Id: <${id}@example.org>`,
  `Subject: [PATCH ${n}/2] drm/foo: step ${n}`,
  '',
  '---',
  'diff --git a/drivers/gpu/drm/foo/foo.c b/drivers/gpu/drm/foo/foo.c',
  '--- a/drivers/gpu/drm/foo/foo.c',
  '+++ b/drivers/gpu/drm/foo/foo.c',
  '@@ -1,2 +1,3 @@ int foo(void)',
  ' {',
  `+${added}`,
  ' }',
  '',
];
const SERIES = [...mail(1, 'one', '\tfoo_a();'), ...mail(2, 'two', '\tfoo_b();')];
const lineOf = (text: string) => SERIES.indexOf(text) + 1;

function finding(line: number, relatedLine: number): Finding {
  return {
    rule: 'resource-leak',
    severity: 'warning',
    message: 'The thing leaks.',
    line,
    column: 1,
    endLine: line,
    endColumn: 1,
    related: [{ line: relatedLine, message: 'taken here' }],
  };
}

describe('reply to a series', () => {
  it('answers the patch the finding is on, quoting its body, with related lines counted in that message', () => {
    const reply = renderReply([
      { path: 'series.mbox', text: SERIES.join('\n'), findings: [finding(lineOf('+\tfoo_b();'), lineOf('+\tfoo_b();') - 1)] },
    ]);
    const lines = reply.split('\n');
    expect(lines[0]).toBe('Subject: Re: [PATCH 2/2] drm/foo: step 2');
    expect(lines).toContain('In-Reply-To: <two@example.org>');
    expect(reply).not.toContain('step 1');
    expect(reply).not.toContain('> Message-Id');
    const at = lines.indexOf('> +\tfoo_b();');
    expect(lines.slice(at + 1, at + 5)).toEqual(['', 'The thing leaks.', '(line 11: taken here)', '[resource-leak]']);
    expect(reply).not.toContain('From gpuvm-lens');
  });

  it('writes an mbox of replies when several patches have findings, and one reply when none has', () => {
    const both = renderReply([
      { path: 'series.mbox', text: SERIES.join('\n'), findings: [finding(lineOf('+\tfoo_a();'), 1), finding(lineOf('+\tfoo_b();'), 1)] },
    ]);
    expect(both.split('\n').filter((line) => line.startsWith('From gpuvm-lens '))).toHaveLength(2);
    expect(both.split('\n').filter((line) => line.startsWith('Subject: '))).toEqual([
      'Subject: Re: [PATCH 1/2] drm/foo: step 1',
      'Subject: Re: [PATCH 2/2] drm/foo: step 2',
    ]);
    const none = renderReply([{ path: 'series.mbox', text: SERIES.join('\n'), findings: [] }]);
    expect(none.split('\n')[0]).toBe('Subject: Re: [PATCH 1/2] drm/foo: step 1');
    expect(none).toContain('No lifetime or locking findings on this series.');
  });

  it('answers a subject folded over two header lines with the whole subject', () => {
    const folded = SERIES.flatMap((line) =>
      line === 'Subject: [PATCH 2/2] drm/foo: step 2' ? ['Subject: [PATCH 2/2] drm/foo:', ' step 2'] : [line],
    );
    const at = folded.indexOf('+\tfoo_b();') + 1;
    const reply = renderReply([{ path: 'series.mbox', text: folded.join('\n'), findings: [finding(at, at)] }]);
    expect(reply.split('\n')[0]).toBe('Subject: Re: [PATCH 2/2] drm/foo: step 2');
  });
});
