/**
 * `seriesTexts` on random series: a file edited a few times, each edit
 * written as a unified diff (as `git format-patch` would, three lines of
 * context) and read back by the patch parser. Against the file before the
 * series, each diff's copy must be exactly the file as the earlier edits left
 * it, every line of it cited right (the checkout's line for one the series
 * left alone, the document line of the `+` that added it otherwise); against
 * the file after the series (reviewed in place), each diff's copy is the
 * file as that diff left it.
 */

import { describe, expect, it } from 'vitest';
import { seriesTexts } from '../../../../src/analysis/patch/hunk-images';
import { mulberry32 } from '../../../../src/base/seeded-random';
import { parsePatch } from '../../../../src/parse/patch/parse-patch';

interface Version {
  readonly lines: string[];
  /** Per line: the checkout line (a number) of a line of the first version, or the id of the edit that added it. */
  readonly from: (number | { edit: number; index: number })[];
}

/** One edit: lines `[at, at + removed)` replaced by `added` new ones, as a one-hunk unified diff. */
function edit(version: Version, random: () => number, id: number, next: () => string): { version: Version; diff: string[] } {
  const { lines, from } = version;
  const at = Math.floor(random() * (lines.length + 1));
  const removed = Math.min(lines.length - at, Math.floor(random() * 3));
  const added = Array.from({ length: Math.floor(random() * 4) + (removed === 0 ? 1 : 0) }, next);
  const before = Math.max(0, at - 3);
  const after = Math.min(lines.length, at + removed + 3);
  const oldCount = after - before;
  const newCount = oldCount - removed + added.length;
  const diff = [
    `@@ -${oldCount === 0 ? 0 : before + 1},${oldCount} +${newCount === 0 ? 0 : before + 1},${newCount} @@`,
    ...lines.slice(before, at).map((line) => ` ${line}`),
    ...lines.slice(at, at + removed).map((line) => `-${line}`),
    ...added.map((line) => `+${line}`),
    ...lines.slice(at + removed, after).map((line) => ` ${line}`),
  ];
  return {
    version: {
      lines: [...lines.slice(0, at), ...added, ...lines.slice(at + removed)],
      from: [...from.slice(0, at), ...added.map((_, index) => ({ edit: id, index })), ...from.slice(at + removed)],
    },
    diff,
  };
}

function randomSeries(seed: number) {
  const random = mulberry32(seed);
  let counter = 0;
  // Every line unique, as hunks need to be found where they belong.
  const next = () => `\tline_${counter++}();`;
  const first = Array.from({ length: 5 + Math.floor(random() * 40) }, next);
  const versions: Version[] = [{ lines: first, from: first.map((_, index) => index + 1) }];
  const diffs: string[][] = [];
  const edits = 2 + Math.floor(random() * 5);
  for (let id = 0; id < edits; id++) {
    const { version, diff } = edit(versions[versions.length - 1] as Version, random, id, next);
    versions.push(version);
    diffs.push(diff);
  }
  const document = diffs.flatMap((diff, id) => [
    `From 000000000000000000000000000000000000000${id} Mon Sep 17 00:00:00 2001`,
    `Subject: [PATCH ${id + 1}/${diffs.length}] edit`,
    '',
    '---',
    'diff --git a/drivers/gpu/drm/foo/foo.c b/drivers/gpu/drm/foo/foo.c',
    '--- a/drivers/gpu/drm/foo/foo.c',
    '+++ b/drivers/gpu/drm/foo/foo.c',
    ...diff,
    '-- ',
    '',
  ]);
  const parsed = parsePatch(document);
  return { versions, document, hunks: parsed.files.map((file) => file.hunks) };
}

describe('series copies of random series', () => {
  it('are the file as the earlier patches left it, each line cited right, from the tree before the series', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const { versions, document, hunks } = randomSeries(seed);
      expect(hunks.length, `seed ${seed}`).toBe(versions.length - 1);
      const texts = seriesTexts(hunks, (versions[0] as Version).lines);
      texts.forEach((text, k) => {
        const version = versions[k] as Version;
        expect(text.lines, `seed ${seed}, patch ${k + 1}`).toEqual(version.lines);
        if (k === 0) return;
        version.from.forEach((from, index) => {
          if (typeof from === 'number') {
            expect(text.fileLines?.[index], `seed ${seed}, patch ${k + 1}, line ${index + 1}`).toBe(from);
            expect(text.origins?.[index]).toBeUndefined();
          } else {
            // The document line of the `+` that added it.
            const origin = text.origins?.[index] as number;
            expect(document[origin - 1], `seed ${seed}, patch ${k + 1}, line ${index + 1}`).toBe(`+${version.lines[index]}`);
          }
        });
      });
    }
  });

  it('are the file as each patch left it, from the tree after the series (reviewed in place)', () => {
    // Reverting from the end, a patch is widened against the copy that has it (its new lines found, as for a
    // single commit reviewed in place).
    for (let seed = 1; seed <= 300; seed++) {
      const { versions, hunks } = randomSeries(seed);
      const texts = seriesTexts(hunks, (versions[versions.length - 1] as Version).lines);
      texts.forEach((text, k) => expect(text.lines, `seed ${seed}, patch ${k + 1}`).toEqual((versions[k + 1] as Version).lines));
    }
  });
});
