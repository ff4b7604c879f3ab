/**
 * A reference taken by a lookup that returns a counted object
 * (`pdev = pci_get_domain_bus_and_slot(...)`, `obj = drm_gem_object_lookup(...)`)
 * and then only tested for failure: never used, handed on, stored, returned
 * or put. The lookup was meant as an existence check, but it took a
 * reference, and every path on which it succeeded leaks it ("drm/xe/configfs:
 * Fix pci_dev reference leak").
 *
 * `resource-leak` only follows what the function releases somewhere; this
 * shape releases it nowhere, so the rule asks the opposite question: after
 * the call, is the variable ever mentioned other than in a failure test?
 *
 * Invariants: the pair must be a counted reference returned by the call, into
 * a plain local variable; the whole function must be in view (its end and no
 * gap), since a use out of sight would hand the reference on; the finding is
 * on the call.
 */

import { defineRule } from '../rule';
import { regExpLiteral } from '../../base/regexp-literal';
import { WINDOW_GAP } from '../../parse/c/fragment';
import { functionLabel, rowText, type HunkReview, type ImageSide, type PatchIssue, type PatchRuleCheck } from './review-context';

export const referenceOnlyTested = defineRule({
  id: 'reference-only-tested',
  summary: 'A reference returned by a lookup is only tested for failure, never used or put, so it leaks whenever the lookup succeeds.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    leak: '{call}() returns {key} with a {what} taken, but {fn} only tests it and never uses, hands on or releases it: the reference leaks whenever the lookup succeeds. Release it once the test is done.',
    fixed: 'The patch releases the {what} that {fn} took with {call}() only to test it.',
  },
});

/** The variable, in a failure test, with the test itself: what a row may say about it and still not use it. */
function withoutTests(text: string, key: string): string {
  const v = regExpLiteral(key);
  return text
    .replace(new RegExp(`\\b(?:IS_ERR_OR_NULL|IS_ERR|PTR_ERR|PTR_ERR_OR_ZERO)\\s*\\(\\s*${v}\\s*\\)`, 'g'), '')
    .replace(new RegExp(`!\\s*${v}\\b`, 'g'), '')
    .replace(new RegExp(`\\b${v}\\s*[!=]=\\s*NULL\\b|\\bNULL\\s*[!=]=\\s*${v}\\b`, 'g'), '')
    .replace(new RegExp(`\\bif\\s*\\(\\s*${v}\\s*\\)`, 'g'), 'if ()');
}

export const referenceOnlyTestedCheck: PatchRuleCheck = {
  rule: referenceOnlyTested,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      if (!ir.nodes.some((node) => node.kind === 'exit') || ir.calls.some((call) => call.name === WINDOW_GAP)) continue;
      for (const call of ir.calls) {
        const pair = review.pairs.acquires.get(call.name);
        if (!pair || pair.kind !== 'reference' || pair.acquireSlot !== 'result') continue;
        const key = call.target;
        if (key === undefined || !/^[A-Za-z_]\w*$/.test(key) || ir.autoReleased?.has(key)) continue;
        // The rest of the assignment (a second statement on the row) and every row after it.
        const rest = [
          withoutTests(
            rowText(view, call.row)
              .replace(/^[^=]*=/, '')
              .replace(/^[^;]*;/, ''),
            key,
          ),
        ];
        for (let row = call.row + 1; row <= ir.endRow; row++) rest.push(withoutTests(rowText(view, row), key));
        const named = new RegExp(`\\b${regExpLiteral(key)}\\b`);
        if (rest.some((text) => named.test(text))) continue;
        issues.push({
          view,
          key: `${ir.name}|reference-only-tested|${call.name}|${key}`,
          row: call.row,
          messageId: 'leak',
          data: { fn: functionLabel(view), call: call.name, key, what: pair.what },
          related: [],
        });
      }
    }
    return issues;
  },
};
