/**
 * An unwind loop that goes back over a set-up loop from the index that
 * failed with `for (; i > 0; i--)` and releases element `[i]`: it releases
 * the element whose set-up just failed and never element 0, which was set
 * up ("drm/amd/powerplay: Fix error handling in smu_init_fb_allocations()"
 * changed it to `while (--i >= 0)`).
 *
 * Invariants, for precision:
 *   - the loop continues from the current value (no initialiser), stops at
 *     `i > 0` and steps down, and its body releases something subscripted
 *     by exactly `[i]` (not `[i - 1]`, which is the right form of it);
 *   - earlier in the function a loop counts the same variable up from 0, and
 *     a label sits between the two (the unwind is reached by a `goto` out of
 *     the set-up loop);
 *   - only a loop the patch writes or changes.
 */

import { defineRule } from '../rule';
import { viewLines } from './lock-view';
import { functionLabel, rowChanged, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const unwindLoopOffByOne = defineRule({
  id: 'unwind-loop-off-by-one',
  summary: 'An unwind loop `for (; i > 0; i--)` releases element [i] (the one that failed) and never element 0.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    offByOne:
      '{fn} unwinds the loop over {index} with `{text}` and releases {element} with {release}(): it starts at the element whose set-up failed and stops before element 0, which stays set up. Use `while (--{index} >= 0)` (or `while ({index}--)`).',
  },
});

const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `for (; i > 0; i--)` / `for ( ; i > 0; --i)`: no initialiser, stops before 0, steps down. */
const DOWN_FROM_CURRENT = /^\s*for\s*\(\s*;\s*([A-Za-z_]\w*)\s*>\s*0\s*;\s*(?:--\s*\1|\1\s*--)\s*\)/;
const LABEL = /^[A-Za-z_]\w*:(?!:)/;
/** Calls that undo a set-up step, by name, when the pair table does not know them. */
const RELEASE_NAME = /(?:free|put|destroy|release|fini|unpin|unmap|unregister|remove|del)\w*$/;

export const unwindLoopOffByOneCheck: PatchRuleCheck = {
  rule: unwindLoopOffByOne,
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const lines = viewLines(view);
      lines.forEach(({ text, line: row }, index) => {
        const match = DOWN_FROM_CURRENT.exec(text);
        if (!match || !rowChanged(view, row)) return;
        const counter = match[1] as string;
        const before = lines.slice(0, index);
        const upFromZero = new RegExp(
          `^\\s*for\\s*\\(\\s*${esc(counter)}\\s*=\\s*0\\s*;[^;]*<[^;]*;\\s*(?:\\+\\+\\s*${esc(counter)}|${esc(counter)}\\s*\\+\\+)\\s*\\)`,
        );
        const setUp = before.findIndex((candidate) => upFromZero.test(candidate.text));
        if (setUp === -1 || !before.slice(setUp + 1).some((candidate) => LABEL.test(candidate.text))) return;
        const depth = (/^\s*/.exec(text)?.[0] ?? '').length;
        const element = new RegExp(`\\[\\s*${esc(counter)}\\s*\\]`);
        for (const { text: bodyText } of lines.slice(index + 1)) {
          const trimmed = bodyText.trim();
          if (trimmed === '') continue;
          if ((/^\s*/.exec(bodyText)?.[0] ?? '').length <= depth && !trimmed.startsWith('{')) break;
          const call = /([A-Za-z_]\w*)\s*\((.*)$/.exec(trimmed);
          const name = call?.[1];
          if (!call || !name || !element.test(call[2] as string)) continue;
          if (!review.pairs.releases.has(name) && !RELEASE_NAME.test(name)) continue;
          issues.push({
            view,
            key: `${view.ir.name}|unwind-off-by-one|${counter}|${name}`,
            row,
            messageId: 'offByOne',
            data: {
              fn: functionLabel(view),
              index: counter,
              text: text.trim().replace(/\s*\{$/, ''),
              element: (/[\w>.-]*\[\s*\w+\s*\](?:[\w>.-]*)/.exec(call[2] as string)?.[0] ?? `[${counter}]`).replace(/^&/, ''),
              release: name,
            },
            related: [],
          });
          break;
        }
      });
    }
    return issues;
  },
};
