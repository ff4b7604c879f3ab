/**
 * A sysfs attribute filled in at run time (`attr->attr.name = name;`) by a
 * function that never calls `sysfs_attr_init()` on it. An attribute built at
 * run time lives in allocated memory, and lockdep needs a key in static
 * storage for it: `sysfs_attr_init()` gives it one. Without it, a kernel with
 * CONFIG_DEBUG_LOCK_ALLOC reports "BUG: key ... has not been registered!" when
 * the attribute is created ("drm/i915/pmu: Initialise our dynamic sysfs
 * attributes for use with lockdep").
 *
 * Invariants: only stores the patch adds, to the `name` of an embedded
 * `attr` (`x->attr.name`, `x.attr.attr.name`), in a function whose whole body
 * is in view; quiet when that function, or anything the patch adds, calls
 * `sysfs_attr_init()` or `sysfs_bin_attr_init()` (a caller may do it for the
 * helper), and for static initialisers (`.attr.name = "x"` in braces is not a
 * store the IR records).
 */

import { defineRule } from '../rule';
import { WINDOW_GAP } from '../../parse/c/fragment';
import { functionLabel, rowChanged, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const sysfsAttributeWithoutInit = defineRule({
  id: 'sysfs-attribute-without-init',
  summary: 'A sysfs attribute is filled in at run time without sysfs_attr_init().',
  defaultSeverity: 'warning',
  tags: ['patch'],
  messages: {
    missing:
      '{fn} fills in the sysfs attribute `{target}` at run time but nothing calls sysfs_attr_init() on it: an attribute outside static storage has no lockdep key, and with CONFIG_DEBUG_LOCK_ALLOC creating it reports "key has not been registered". Call sysfs_attr_init(&{attr}) first.',
  },
});

/** A store to the name of an embedded `struct attribute`: `a->attr.name`, `a.attr.attr.name`. */
const ATTRIBUTE_NAME = /^(.*(?:\.|->)attr)\.name$/;
const ATTRIBUTE_INIT = /\bsysfs_(?:bin_)?attr_init$/;

export const sysfsAttributeWithoutInitCheck: PatchRuleCheck = {
  rule: sysfsAttributeWithoutInit,
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    if (/sysfs_(?:bin_)?attr_init\(/.test(review.patchAddedText)) return [];
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      if (!ir.startVisible || ir.synthetic) continue;
      if (ir.calls.some((call) => call.name === WINDOW_GAP || ATTRIBUTE_INIT.test(call.name))) continue;
      for (const node of ir.nodes) {
        if (!rowChanged(view, node.row)) continue;
        const store = node.assigns.map((assign) => ATTRIBUTE_NAME.exec(assign.target)).find((match) => match !== null);
        if (!store) continue;
        issues.push({
          view,
          key: `${ir.name}|sysfs-attr|${store[1] as string}`,
          row: node.row,
          messageId: 'missing',
          data: { fn: functionLabel(view), target: store[0], attr: store[1] as string },
          related: [],
        });
        break;
      }
    }
    return issues;
  },
};
