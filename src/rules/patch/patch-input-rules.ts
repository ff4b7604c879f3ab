/**
 * Rules about the patch as input rather than its code: nothing to review,
 * damaged hunks, binary content, files that are not C, and the limits of the
 * analysis. They make every skipped part visible instead of silently clean.
 */

import { defineRule } from '../rule';

export const patchNoDiff = defineRule({
  id: 'patch-no-diff',
  summary: 'The patch or mail contains no unified diff to review.',
  defaultSeverity: 'warning',
  tags: ['patch', 'input'],
  messages: {
    none: 'No unified diff found in {lines} lines (no `diff --git`, `---`/`+++` or `@@` hunk): nothing was reviewed.',
    onlyQuoted: 'Every hunk in this mail is a quoted copy of another one; nothing new to review.',
  },
});

export const patchDamagedHunk = defineRule({
  id: 'patch-damaged-hunk',
  summary: 'A hunk does not match its header (line-wrapped, truncated or mangled by a mail client).',
  defaultSeverity: 'warning',
  tags: ['patch', 'input'],
  messages: {
    truncated: 'Damaged hunk: {detail}; `git am` will refuse it. The lines that were read are still reviewed.',
    header: 'Unreadable hunk header `{detail}`: the hunk is skipped.',
  },
});

export const patchBinaryContent = defineRule({
  id: 'patch-binary-content',
  summary: 'Binary content (an attachment or a binary diff) is skipped.',
  defaultSeverity: 'info',
  tags: ['patch', 'input'],
  messages: {
    attachment: 'Skipped {detail}.',
    diff: 'Binary diff of {path} skipped.',
  },
});

export const patchNonCFile = defineRule({
  id: 'patch-non-c-file',
  summary: 'The patch touches files that are not C; their hunks are not reviewed for lifetime and locking.',
  defaultSeverity: 'info',
  tags: ['patch', 'input'],
  messages: {
    skipped: 'Not C: {path} ({hunks} hunk(s)) is not reviewed for lifetime and locking.',
  },
});

export const patchAnalysisLimit = defineRule({
  id: 'patch-analysis-limit',
  summary: 'A function was too large or too branchy to follow on every path; some paths were not checked.',
  defaultSeverity: 'info',
  tags: ['patch', 'input'],
  messages: {
    paths: 'The paths of {fn} were followed only partly (too many branch combinations); findings on them may be missing.',
    parser: 'The C parser could not be loaded ({reason}); only the patch structure was checked.',
  },
});

export const patchHunkNotApplied = defineRule({
  id: 'patch-hunk-not-applied',
  summary: 'A hunk does not apply to the kernel tree given (or found) for whole-function context; it is reviewed from the patch alone.',
  defaultSeverity: 'info',
  tags: ['patch', 'input'],
  messages: {
    tree: 'This hunk of {path} does not apply to the kernel tree (neither its old nor its new lines are within 400 lines of line {oldStart}): the tree is at another revision; the hunk is reviewed from the patch alone.',
  },
});

export const PATCH_INPUT_RULES = [
  patchNoDiff,
  patchDamagedHunk,
  patchBinaryContent,
  patchNonCFile,
  patchAnalysisLimit,
  patchHunkNotApplied,
];
