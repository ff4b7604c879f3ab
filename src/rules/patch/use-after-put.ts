/**
 * An object used after the put or free that may have destroyed it: once a
 * reference is dropped nothing keeps the object alive, so a dereference or a
 * call with it afterwards is a use-after-free whenever that was the last
 * reference (drop the reference last, or keep what you need before it).
 */

import { defineRule } from '../rule';
import { summaryNote } from './function-summaries';
import { eventsOf, jumpBetween, textKey } from './path-issues';
import { functionLabel, rowLine, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const useAfterPut = defineRule({
  id: 'use-after-put',
  summary: 'An object is used after the put or free that may have freed it.',
  defaultSeverity: 'error',
  tags: ['patch', 'lifetime'],
  messages: {
    use: '{fn} uses {object} here after {release}(){learned} at line {releaseLine} dropped the reference that kept it alive: if that was the last one, this is a use-after-free. Move the put after the last use.',
    jump: 'This goto in {fn} reaches a use of {object} at line {useLine} after {release}(){learned} at line {releaseLine} dropped the reference that kept it alive: if that was the last one, this is a use-after-free. Jump to a label past that use.',
    fixed: 'The patch stops using {object} after {release}() in {fn}.',
  },
});

export const useAfterPutCheck: PatchRuleCheck = {
  rule: useAfterPut,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    return eventsOf(review, side, 'use-after-release').map(({ view, event }) => {
      const jump = jumpBetween(view, event.releaseRow, event.useRow);
      return {
        view,
        key: textKey(view, event.key, event.pair.kind, event.useRow),
        row: jump ?? event.useRow,
        messageId: jump === undefined ? 'use' : 'jump',
        data: {
          fn: functionLabel(view),
          object: event.key,
          release: event.release,
          // A release learned from the code says where it was learned.
          learned: summaryNote(event.pair) || ('learnedFrom' in event.pair ? ` (${event.pair.what})` : ''),
          releaseLine: rowLine(view, event.releaseRow),
          useLine: rowLine(view, event.useRow),
        },
        related: [
          { row: event.releaseRow, message: `${event.release}() here` },
          ...(jump === undefined ? [] : [{ row: event.useRow, message: `${event.key} used here` }]),
        ],
      };
    });
  },
};
