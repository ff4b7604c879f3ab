/**
 * An object made visible to other threads before it is ready, or freed while
 * still visible. Once `xa_alloc()`, `idr_alloc()`, `list_add()`,
 * `drm_gem_handle_create()`, a `*_register()` or `rcu_assign_pointer()` has
 * published it, a lookup on another CPU can find it at once: a field written
 * afterwards is seen half-built, and a free with no erase/remove/del before it
 * leaves the container pointing at freed memory (a use-after-free through the
 * lookup, typically an ioctl racing the error path of the create ioctl).
 *
 * One issue per publish for the writes after it (at the publish, the first
 * write related), so a function that initialises ten fields late is one
 * finding; one per publish and free for the frees. The paths are those of
 * `publish-paths.ts`, which says what is left out and why.
 */

import { defineRule } from '../rule';
import { textKey } from './path-issues';
import { walkPublishes, type PublishEvent } from './publish-paths';
import {
  functionLabel,
  rowLine,
  rowText,
  type FunctionView,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const publishBeforeInit = defineRule({
  id: 'publish-before-init',
  summary:
    'An object is published (xarray, IDR, shared list, handle, register) before it is fully initialised, or freed while still published.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime', 'concurrency'],
  messages: {
    init: '{fn} publishes {object} with {publish}() {publishAt}, then still initialises it ({what} {writeAt}{more}): another thread can find {object} through {container} in between and use it half-built. Initialise {object} fully before publishing it.',
    free: '{fn} frees {object} with {free}() {freeAt} while {publish}() {publishAt} still has it in {container}, and nothing on this path removes it: a lookup can find the freed object (use-after-free). Remove it from {container} before freeing it, or publish it last.',
    fixed: 'The patch fixes {fixed} in {fn}.',
  },
});

const views = new WeakMap<FunctionView, PublishEvent[]>();

function eventsOf(view: FunctionView, review: HunkReview): PublishEvent[] {
  let events = views.get(view);
  if (!events) {
    events = walkPublishes(view.ir, review.pairs, (row) => rowText(view, row)).events;
    views.set(view, events);
  }
  return events;
}

/** Rows before the hunk (from the kernel tree) carry the hunk header's line: not a line of the patch. */
const inHunk = (view: FunctionView, review: HunkReview, row: number) => {
  const source = view.rows[row];
  return source !== undefined && source.line !== review.hunk.headerLine;
};
const where = (view: FunctionView, review: HunkReview, row: number) =>
  inHunk(view, review, row) ? `at line ${rowLine(view, row)}` : 'above this hunk';

function issuesOf(view: FunctionView, review: HunkReview): PatchIssue[] {
  const issues: PatchIssue[] = [];
  const writes = new Map<string, Extract<PublishEvent, { type: 'write' }>[]>();
  for (const event of eventsOf(view, review)) {
    if (event.type === 'write') {
      const group = `${event.object}\u0001${event.publish.row}`;
      writes.set(group, [...(writes.get(group) ?? []), event]);
      continue;
    }
    issues.push({
      view,
      key: textKey(view, 'free', event.object, event.publish.row, event.row),
      // On a line of the patch: the free, or else the publish.
      row: inHunk(view, review, event.row) || !inHunk(view, review, event.publish.row) ? event.row : event.publish.row,
      messageId: 'free',
      data: {
        fn: functionLabel(view),
        object: event.object,
        free: event.free,
        publish: event.publish.name,
        freeAt: where(view, review, event.row),
        publishAt: where(view, review, event.publish.row),
        container: event.publish.container,
        fixed: `the free of ${event.object} while ${event.publish.name}() still has it in ${event.publish.container}`,
      },
      related: [
        { row: event.publish.row, message: `${event.publish.name}() publishes ${event.object} here` },
        { row: event.row, message: `${event.free}() frees it here` },
      ],
    });
  }
  for (const group of writes.values()) {
    const sorted = [...group].sort((a, b) => a.row - b.row);
    const first = sorted[0] as (typeof sorted)[number];
    const rows = [...new Set(sorted.map((event) => event.row))];
    const publish = first.publish;
    issues.push({
      view,
      key: textKey(view, 'init', first.object, publish.row),
      // On a line of the patch: the publish, or else the first write shown.
      row: inHunk(view, review, publish.row) ? publish.row : (rows.find((row) => inHunk(view, review, row)) ?? publish.row),
      messageId: 'init',
      data: {
        fn: functionLabel(view),
        object: first.object,
        publish: publish.name,
        what: first.what,
        publishAt: where(view, review, publish.row),
        writeAt: where(view, review, first.row),
        more: rows.length > 1 ? ` and ${rows.length - 1} more line${rows.length > 2 ? 's' : ''} after it` : '',
        container: publish.container,
        fixed: `the initialisation of ${first.object} after ${publish.name}() has published it`,
      },
      related: [
        { row: publish.row, message: `${publish.name}() publishes ${first.object} here` },
        ...rows.slice(0, 5).map((row) => ({ row, message: `${first.object} is still initialised here, after it was published` })),
      ],
    });
  }
  return issues;
}

export const publishBeforeInitCheck: PatchRuleCheck = {
  rule: publishBeforeInit,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    return review[side].flatMap((view) => issuesOf(view, review));
  },
};
