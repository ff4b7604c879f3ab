import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePatch } from '../../../../src/parse/patch/parse-patch';
import { messageAt, readMailLines, stripQuote } from '../../../../src/parse/patch/mail-lines';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'patches', 'corpus');
const lines = (text: string) => text.split('\n');

describe('patch input', () => {
  it('splits quote prefixes into a depth without eating the diff context space', () => {
    expect(stripQuote('> > +foo')).toEqual({ depth: 2, text: '+foo' });
    expect(stripQuote('>  \tfoo();')).toEqual({ depth: 1, text: ' \tfoo();' });
    expect(stripQuote('>>-bar')).toEqual({ depth: 2, text: '-bar' });
    expect(stripQuote('plain')).toEqual({ depth: 0, text: 'plain' });
  });

  it('reads the seed thread: two original hunks, every quoted hunk recognised as a copy', () => {
    const parsed = parsePatch(lines(readFileSync(join(FIXTURES, 'gpuvm-obj-lock-destructor-v5-review.txt'), 'utf8')));
    const hunks = parsed.files.flatMap((file) => file.hunks);
    const originals = hunks.filter((hunk) => !hunk.copyOf);
    expect(originals.map((hunk) => hunk.headerLine)).toEqual([23, 34]);
    expect(originals.map((hunk) => hunk.lines.filter((l) => l.kind === '+').map((l) => l.line))).toEqual([
      [28, 29, 30],
      [39, 40],
    ]);
    expect(hunks.length - originals.length).toBe(parsed.copies);
    expect(parsed.copies).toBeGreaterThanOrEqual(5);
    expect(parsed.diffProblems).toEqual([]);
  });

  it('reads two hunks of one diff that look alike as two places, and the same hunk in a later diff as a copy', () => {
    const hunk = (at: number) => [
      `@@ -${at},4 +${at},4 @@ void f(void)`,
      ' \tstruct plane *plane;',
      '',
      '-\tmutex_lock(&i915->wm.lock);',
      '+\tmutex_lock(&i915->display.wm.lock);',
    ];
    const diff = ['--- a/x.c', '+++ b/x.c', ...hunk(10), ...hunk(50)];
    const parsed = parsePatch(lines([...diff, '', 'A reply quoting it:', '', ...diff.slice(0, 2), ...hunk(50)].join('\n')));
    const hunks = parsed.files.flatMap((file) => file.hunks);
    expect(hunks.map((h) => h.copyOf !== undefined)).toEqual([false, false, true]);
    expect(parsed.copies).toBe(1);
  });

  it('cuts a file header at its first tab, however long the rest (a fuzzed 400 KB header once took 5 s)', () => {
    const header = `+++ b/drivers/x.c${'\t\u2028 */'.repeat(100_000)}`;
    const parsed = parsePatch(lines(`--- a/drivers/x.c\t2024-01-01\n${header}\n@@ -1,1 +1,1 @@\n-a();\n+b();\n`));
    expect(parsed.files.map((file) => [file.oldPath, file.newPath])).toEqual([['drivers/x.c', 'drivers/x.c']]);
  });

  it('keeps old and new line numbers of a plain diff and flags a damaged hunk', () => {
    const parsed = parsePatch(lines('--- a/x.c\n+++ b/x.c\n@@ -10,3 +10,3 @@ f(void)\n a();\n-b();\n+c();\n@@ -20,4 +20,4 @@\n x();\n'));
    const [first, second] = parsed.files[0]?.hunks ?? [];
    expect(first?.lines.map((l) => [l.kind, l.oldLine, l.newLine])).toEqual([
      [' ', 10, 10],
      ['-', 11, undefined],
      ['+', undefined, 11],
    ]);
    expect(first?.truncated).toBe(true);
    expect(second?.truncated).toBe(true);
    expect(parsed.diffProblems.map((p) => p.line)).toEqual([3, 7]);
  });

  it('decodes quoted-printable bodies and keeps the first physical line of a joined line', () => {
    const mail = [
      'From 0123456789012345678901234567890123456789 Mon Sep 17 00:00:00 2001',
      'Subject: [PATCH] x',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '--- a/x.c',
      '+++ b/x.c',
      '@@ -1,1 +1,1 @@',
      '-if (a =3D=3D b)',
      '+if (a !=3D b && some_really_long_function_name(argument_one, argume=',
      'nt_two))',
    ];
    const parsed = parsePatch(mail);
    const hunk = parsed.files[0]?.hunks[0];
    expect(hunk?.lines.map((l) => [l.kind, l.text, l.line])).toEqual([
      ['-', 'if (a == b)', 8],
      ['+', 'if (a != b && some_really_long_function_name(argument_one, argument_two))', 9],
    ]);
  });

  it('reports a binary attachment and still reads the text part', () => {
    const mail = [
      'From: a@b',
      'Subject: [PATCH] y',
      'Content-Type: multipart/mixed; boundary="XX"',
      '',
      '--XX',
      'Content-Type: text/plain',
      '',
      '--- a/y.c',
      '+++ b/y.c',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      '--XX',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      '',
      'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4',
      '--XX--',
    ];
    const parsed = parsePatch(mail);
    expect(parsed.files[0]?.hunks[0]?.lines.length).toBe(2);
    expect(parsed.mailProblems.map((p) => [p.kind, p.line])).toEqual([['binary-attachment', 14]]);
  });

  it('reads nothing from garbage or an empty text without throwing', () => {
    expect(parsePatch(['']).files).toEqual([]);
    expect(parsePatch(['\u0000\u0001garbage', '@@ nonsense @@', '>>>>']).diffProblems.map((p) => p.kind)).toEqual(['bad-hunk-header']);
  });

  it('names each message of an mbox by its commit, subject (unfolded), author and Message-Id', () => {
    const mbox = [
      'From 07501477ae0123456789abcdef0123456789abcd Mon Sep 17 00:00:00 2001',
      'From: A Developer <a@example.org>',
      'Message-Id: <one@example.org>',
      'Subject: [PATCH 1/2] drm/xe/eustall: Fix drm_dev_put called before stream',
      ' disable in close',
      '',
      'body',
      'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
      'Subject: [PATCH 2/2] drm/foo: zero commit',
      '',
      'From mboxrd@z Thu Jan  1 00:00:00 1970',
      'Subject: Re: [PATCH 2/2] drm/foo: zero commit',
      '',
    ];
    const { heads, messages } = readMailLines(mbox);
    expect(messages).toBe(3);
    expect(heads).toEqual([
      {
        line: 1,
        commit: '07501477ae0123456789abcdef0123456789abcd',
        from: 'A Developer <a@example.org>',
        messageId: '<one@example.org>',
        subject: '[PATCH 1/2] drm/xe/eustall: Fix drm_dev_put called before stream disable in close',
      },
      { line: 8, subject: '[PATCH 2/2] drm/foo: zero commit' },
      { line: 11, subject: 'Re: [PATCH 2/2] drm/foo: zero commit' },
    ]);
    expect([1, 7, 8, 12, 40].map((line) => messageAt(heads, line)?.line)).toEqual([1, 1, 8, 11, 11]);
    expect(messageAt([], 3)).toBeUndefined();
  });
});
