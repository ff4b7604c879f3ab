/**
 * A file-scope variable the patch defines in a `.c` file without `static`,
 * that nothing in the patch declares `extern` or exports: sparse reports
 * "symbol 'x' was not declared. Should it be static?", and the name joins the
 * kernel's global namespace, where another driver's global of the same name
 * clashes at link time ("drm/amdgpu: kfd_initialized can be static").
 *
 * Invariants: only lines the patch adds, at column 0, outside every function
 * of the image; a name the image defines as a function is a prototype through
 * a function typedef (`vd_init_t foo;`), not a variable; a variable the patch moves from elsewhere (its definition is
 * among the removed lines) keeps whatever linkage it had; a new file that never uses a table it defines
 * (`gfx_v9_kfd2kgd`) defines it for another file, which sees it through a header's declaration.
 */

import { defineRule } from '../rule';
import { regExpLiteral } from '../../base/regexp-literal';
import type { HunkReview, ImageSide, PatchIssue, PatchRuleCheck } from './review-context';

export const globalWithoutStatic = defineRule({
  id: 'global-without-static',
  summary: 'A new file-scope variable of a .c file is neither static nor declared anywhere else in the patch.',
  defaultSeverity: 'warning',
  tags: ['patch'],
  messages: {
    global:
      '{name} is defined at file scope without `static`, and nothing in the patch declares it `extern` or exports it: sparse warns "symbol \'{name}\' was not declared. Should it be static?", and the name is global to the whole kernel. Make it static, or declare it in a header.',
    many: '{name} and {more} more definitions this hunk adds at file scope ({others}) are neither `static` nor declared `extern` or exported anywhere in the patch: sparse warns "symbol \'{name}\' was not declared. Should it be static?" for each, and the names are global to the whole kernel. Make them static, or declare them in a header.',
  },
});

/** `type name;` / `type name = value;` / `type name[N] = {` at column 0, without a call or a prototype. */
const DEFINITION =
  /^(?:(?:const|volatile|unsigned|signed|long|short)\s+)*(?:(?:struct|enum|union)\s+)?[A-Za-z_]\w*(?:\s+(?:const|long|int))*[\s*]+([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*(?:=[^()]*|=\s*\{.*)?;?\s*$/;
/** Keywords, labels, macro bodies, and forward declarations (`struct foo;`, which declares a type, not a variable). */
const NOT_A_DEFINITION =
  /^(?:static|extern|typedef|return|case|default|goto|else|do|if|for|while|switch|struct\s+\w+\s*\{|enum\s+\w+\s*\{|union\s+\w+\s*\{)\b|^(?:struct|enum|union)\s+\w+\s*;|\\\s*$|^\w+:/;

export const globalWithoutStaticCheck: PatchRuleCheck = {
  rule: globalWithoutStatic,
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    if (side !== 'post' || !/\.c$/.test(review.path)) return [];
    const view = review.post[0];
    if (!view) return [];
    const issues: PatchIssue[] = [];
    const wholeNewFile = review.hunk.oldStart === 0 && review.hunk.oldCount === 0;
    view.rows.forEach((row, index) => {
      if (!row?.changed || row.synthetic || !/^[A-Za-z_]/.test(row.text)) return;
      if (NOT_A_DEFINITION.test(row.text) || !/[;{=]\s*$/.test(row.text)) return;
      const name = DEFINITION.exec(row.text)?.[1];
      if (!name) return;
      if (review.post.some((fn) => index >= fn.ir.startRow && index <= fn.ir.endRow)) return;
      // A function declared through a function typedef (`vd_init_t vt_drmfb_init;`) and defined below: a prototype, not a variable.
      if (review.post.some((fn) => !fn.ir.synthetic && fn.ir.name === name)) return;
      const word = regExpLiteral(name);
      // The patch's text has its white space removed (`externintfoo;`): the name is found by what follows it.
      if (new RegExp(`extern[^;\\n]*${word}(?:\\[|;)|EXPORT_SYMBOL\\w*\\(${word}\\)`).test(review.patchAddedText)) return;
      // Moved, not new: the removed lines define it already (`foo_funcs = {` opens an initialiser that goes on below).
      // Not a member (`->foo =`, `.foo =`) nor a comparison.
      if (new RegExp(`(?<![>.])${word}(?:\\[[^\\]\\n]*\\])*(?:=(?!=)|;)`).test(review.patchRemovedText)) return;
      // A new file, all of it in view, that never uses what it defines (`const struct kfd2kgd_calls gfx_v9_kfd2kgd
      // = {`): the table is for another file, which can only use it through a declaration in a header.
      const used = new RegExp(`(?<![\\w>.])${word}\\b`);
      if (wholeNewFile && !view.rows.some((other, at) => at !== index && other !== undefined && used.test(other.text))) return;
      issues.push({
        view,
        key: `global|${name}`,
        row: index,
        column: row.text.indexOf(name),
        messageId: 'global',
        data: { name },
        related: [],
      });
    });
    // A new file's tables come by the dozen: one finding for the hunk, pointing at each, not one per table.
    if (issues.length <= FOLD_AFTER) return issues;
    const [first, ...rest] = issues as [PatchIssue, ...PatchIssue[]];
    const names = rest.map((issue) => String(issue.data.name));
    return [
      {
        ...first,
        messageId: 'many',
        data: {
          name: String(first.data.name),
          more: rest.length,
          others: names.length > 4 ? `${names.slice(0, 4).join(', ')}, …` : names.join(', '),
        },
        related: rest.map((issue) => ({ row: issue.row, message: `${String(issue.data.name)} defined here` })),
      },
    ];
  },
};

/** More findings than this in one hunk are folded into its first. */
const FOLD_AFTER = 3;
