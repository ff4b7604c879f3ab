/**
 * `drm_dev_enter()` without `drm_dev_exit()` on every path. The section is an
 * SRCU read side: `drm_dev_unplug()` waits for every open one, so a path that
 * returns inside it hangs hot-unplug (and module unload) forever.
 */

import { defineRule } from '../rule';
import { eventsOf, textKey } from './path-issues';
import { functionLabel, rowLine, rowText, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const drmDevEnterUnbalanced = defineRule({
  id: 'drm-dev-enter-unbalanced',
  summary: 'drm_dev_enter() is not followed by drm_dev_exit() on every path.',
  defaultSeverity: 'error',
  tags: ['patch', 'lifetime', 'hotplug'],
  messages: {
    unbalanced:
      '{fn} returns here ({exit}) inside the drm_dev_enter() section opened at line {enterLine}: drm_dev_unplug() will wait for it forever. Call drm_dev_exit({key}) on this path.',
    fixed: 'The patch closes the drm_dev_enter() section of {fn} on a path that returned without drm_dev_exit().',
  },
});

export const drmDevEnterUnbalancedCheck: PatchRuleCheck = {
  rule: drmDevEnterUnbalanced,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    return eventsOf(review, side, 'leak')
      .filter(({ event }) => event.pair.kind === 'drm-dev')
      .map(({ view, event }) => ({
        view,
        key: textKey(view, event.key, event.acquireRow, event.exitRow),
        row: event.exitRow,
        messageId: 'unbalanced',
        data: {
          fn: functionLabel(view),
          exit: rowText(view, event.exitRow),
          enterLine: rowLine(view, event.acquireRow),
          key: event.key,
        },
        related: [{ row: event.acquireRow, message: 'drm_dev_enter() here' }],
      }));
  },
};
