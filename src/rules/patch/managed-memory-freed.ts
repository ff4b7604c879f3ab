/**
 * Device- or DRM-managed memory freed with a plain `kfree()`: devres (or
 * the DRM managed release) frees it again when the device goes away, a
 * double free at unbind or module unload, and a use after free for anything
 * the managed release still touches before that. Typical when a patch
 * converts an allocation to `devm_`/`drmm_` and leaves the old `kfree()` in
 * the teardown or on an error path, or adds a `kfree()` to an error path of
 * memory someone else allocated with devres.
 *
 * In one function: a local or field filled by a managed allocator and
 * passed to `kfree()`/`kvfree()`. Across the patch's code (and, with a tree,
 * the files it touches): the same field expression, text for text, filled
 * by a managed allocator in one place and freed plainly in another
 * (`managed-memory.ts`). Reported on the line the patch writes: the free, or
 * the allocation that became managed.
 */

import { defineRule } from '../rule';
import type { CallSite, FunctionIr } from '../../parse/c/function-ir';
import { MANAGED_ALLOCATORS, PLAIN_FREES, type ManagedSite } from './managed-memory';
import {
  functionLabel,
  rowChanged,
  rowLine,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const managedMemoryFreed = defineRule({
  id: 'managed-memory-freed',
  summary: 'Memory from a devm_/drmm_ allocator is freed with kfree(): the managed release frees it again.',
  defaultSeverity: 'warning',
  tags: ['patch'],
  messages: {
    freed:
      '{fn} frees {expr} with {free}() ({freeLine}), but it was allocated with {alloc}() ({allocAt}): the managed release frees it again when the device goes away, a double free. Use {managedFree}() or leave it to the managed release.',
    fixed: 'The patch stops freeing the managed memory of {expr} with {free}() in {fn}.',
    allocated:
      '{fn} now allocates {expr} with {alloc}() ({allocLine}), but {freeAt} frees it with {free}() (`{freeText}`): the managed release frees it again when the device goes away, a double free. Drop that {free}(), or use {managedFree}() there.',
  },
});

/** A row's place for a message: `line 14` in the patch, `path:line` in the checkout. */
function where(line: number | string): string {
  return typeof line === 'number' ? `line ${line}` : line;
}

/** The managed allocations of `ir`, by the expression they fill. */
function managedTargets(ir: FunctionIr): Map<string, CallSite> {
  const out = new Map<string, CallSite>();
  for (const node of ir.nodes)
    for (const call of node.calls) if (call.target !== undefined && MANAGED_ALLOCATORS.has(call.name)) out.set(call.target, call);
  return out;
}

export const managedMemoryFreedCheck: PatchRuleCheck = {
  rule: managedMemoryFreed,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const learned = review.managedMemory;
    const issues: PatchIssue[] = [];
    for (const view of side === 'post' ? review.post : review.pre) {
      const local = managedTargets(view.ir);
      const report = (
        row: number,
        expr: string,
        free: string,
        freeLine: number | string,
        alloc: string,
        allocAt: string,
        related: PatchIssue['related'],
      ) =>
        issues.push({
          view,
          key: `${view.ir.name}|managed-memory-freed|${expr}`,
          row,
          messageId: 'freed',
          data: {
            fn: functionLabel(view),
            expr,
            free,
            freeLine,
            alloc,
            allocAt,
            managedFree: MANAGED_ALLOCATORS.get(alloc) ?? 'devm_kfree',
          },
          related,
        });
      // A plain free of managed memory: allocated in this function, or a field allocated so elsewhere.
      for (const node of view.ir.nodes) {
        for (const call of node.calls) {
          if (!PLAIN_FREES.has(call.name) || call.args.length !== 1) continue;
          const expr = call.args[0] as string;
          const here = local.get(expr);
          const elsewhere: ManagedSite | undefined = here ? undefined : learned?.allocated.get(expr);
          if (!here && !elsewhere) continue;
          const changed = rowChanged(view, call.row) || (here !== undefined && rowChanged(view, here.row));
          if (side === 'post' && !changed) continue;
          const row = here && !rowChanged(view, call.row) && rowChanged(view, here.row) ? here.row : call.row;
          const allocAt = here ? where(rowLine(view, here.row)) : (elsewhere as ManagedSite).at;
          const related = row === call.row ? [] : [{ row: call.row, message: `the ${call.name}() of ${expr}` }];
          report(row, expr, call.name, where(rowLine(view, call.row)), here?.name ?? (elsewhere as ManagedSite).call, allocAt, related);
        }
      }
      // An allocation the patch makes managed, of a field freed plainly in another function.
      for (const [expr, call] of local) {
        const freed = learned?.freed.get(expr);
        if (!freed || !/->|\./.test(expr) || view.ir.calls.some((other) => PLAIN_FREES.has(other.name) && other.args[0] === expr)) continue;
        if (side === 'post' && !rowChanged(view, call.row)) continue;
        issues.push({
          view,
          key: `${view.ir.name}|managed-memory-freed|${expr}`,
          row: call.row,
          messageId: 'allocated',
          data: {
            fn: functionLabel(view),
            expr,
            alloc: call.name,
            allocLine: where(rowLine(view, call.row)),
            free: freed.call,
            freeAt: freed.at,
            freeText: freed.text,
            managedFree: MANAGED_ALLOCATORS.get(call.name) ?? 'devm_kfree',
          },
          related: [],
        });
      }
    }
    return issues;
  },
};
