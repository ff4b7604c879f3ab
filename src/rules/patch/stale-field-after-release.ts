/**
 * A function releases what a field of its caller's object points to
 * (`foo_node_fini(bo->node)`, `kfree(vm->pt)`, `dma_fence_put(q->last_fence)`)
 * and returns with the field still pointing there. The object outlives the
 * call (it came in as a parameter), so the next code that looks at the field
 * — the object's own teardown, a retry, a lookup — uses freed memory or drops
 * the reference a second time ("drm/xe: Don't keep stale pointer to
 * bo->ggtt_node": the failed insert finished the node, the BO's destroy found
 * it still set and removed it again).
 *
 * A path is stale from the release to a `return` or the function's end when
 * nothing on it assigns the field (`bo->node = NULL`), assigns or releases the
 * object itself, or hands the object to a teardown call. Functions that are
 * themselves a teardown (`*_fini`, `*_destroy`, `*_free`, `*_release`,
 * `*_remove`, ...) leave their object dying on purpose and are not checked;
 * paths into code the patch does not show are not followed.
 *
 * Also, in any function the patch changes (teardowns included), a release of
 * one field followed at once by clearing a different field of the same
 * object (`kfree(a->ip_dump); a->reg_list = NULL;`) while nothing in the
 * function ever clears the released one: the clear was meant for the field
 * just released (a copy-and-paste slip), which is left dangling.
 */

import { defineRule } from '../rule';
import type { CallSite, FunctionIr } from '../../parse/c/function-ir';
import { WINDOW_GAP } from '../../parse/c/fragment';
import { droppedAtOnce, mentions, resourceKey } from './resource-paths';
import {
  addedBody,
  functionLabel,
  rowChanged,
  rowText,
  type FunctionView,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';
import type { PairIndex, ResourcePair } from './resource-pairs';
import { regExpLiteral } from '../../base/regexp-literal';

export const staleFieldAfterRelease = defineRule({
  id: 'stale-field-after-release',
  summary: "A function releases what a field of its caller's object points to and returns with the field still set.",
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    stale:
      '{fn} releases {field} with {call}() but returns (`{exit}`) with {field} still pointing at it: {object} outlives the call (it is a parameter), so the next code that looks at {field} (its teardown, a retry) uses freed memory or releases it twice. Clear it after the release ({field} = NULL).',
    sibling:
      '{fn} releases {field} with {call}() and then clears {other} instead: {field} is left pointing at freed memory, and the next code that looks at it uses it or releases it twice. Was `{other} = NULL` meant for {field}?',
    fixed: 'The patch no longer leaves {field} pointing at what {fn} released.',
  },
});

/** Names that free or drop a reference, when no learned pair says so. */
const RELEASE_NAME = /(?:^|_)(?:free|fini|destroy|release|put|unref|unreference)$|^kv?free$|^kfree_\w+$/;
/** Kinds of resource whose release ends the pointed-to object's life for this holder. */
const LIFETIME_KINDS = new Set(['reference', 'memory']);
/** A function that is itself a teardown: its object is dying on purpose. */
const TEARDOWN =
  /(?:^|_)(?:fini|destroy|free|release|remove|put|cleanup|clean_up|clean|teardown|close|unbind|uninit|exit|delete|del|detach|reset|shutdown|unload|unregister|unmap|unpin|evict|drop|kill|cancel|flush|purge|reclaim|shrink|invalidate|disable|suspend|stop|finish|done|complete|retire|unref|clear|dispose|deinit|discard)(?:_|$)/;
const STEP_LIMIT = 20_000;

/**
 * A learned pair whose release ends the object's life for its holder: not one
 * that hands it over, nor one that undoes a step while the object lives on
 * (`intel_timeline_unpin(ce->timeline)` leaves the timeline to `ce`).
 */
function endsLife(pair: ResourcePair): boolean {
  return LIFETIME_KINDS.has(pair.kind) && !pair.handsOver && !pair.objectLivesOn;
}

/** The kind of lifetime `name` ends ('memory' or 'reference'), from a learned pair or its name; undefined when it is no such release. */
export function releasesLifetime(name: string, pairs: PairIndex): string | undefined {
  const learned = pairs.releases.get(name);
  if (learned) return learned.find(endsLife)?.kind;
  if (!RELEASE_NAME.test(name)) return undefined;
  return /(?:^|_)(?:put|unref|unreference)$/.test(name) ? 'reference' : 'memory';
}

/**
 * Whether `call` ends the life of what it is handed: a learned pair says so, or its name does, unless the
 * patch's own body for it clears a field of what it is handed (`vmw_bo_dirty_release(vbo)` frees
 * `vbo->dirty` and sets it to NULL): it releases something the object holds, and the object lives on.
 */
function isRelease(call: CallSite, review: HunkReview): boolean {
  const learned = review.pairs.releases.get(call.name);
  if (learned) return learned.some(endsLife);
  if (!RELEASE_NAME.test(call.name)) return false;
  // Asked for every call a path walk meets: the patch's body of each name is read once per review.
  let known = fieldReleasers.get(review);
  if (!known) fieldReleasers.set(review, (known = new Map()));
  let clearsField = known.get(call.name);
  if (clearsField === undefined) {
    const body = addedBody(review, call.name);
    clearsField = body !== undefined && /->\w+=NULL;/.test(body);
    known.set(call.name, clearsField);
  }
  return !clearsField;
}

/** Per review, release names by whether the patch's body of each clears a field of its argument (`isRelease`). */
const fieldReleasers = new WeakMap<HunkReview, Map<string, boolean>>();

/**
 * The argument naming what `call` releases: the slot a learned pair says,
 * else a lone argument. A release by name alone handed more than one
 * argument often names its context first (`ttm_mem_io_free(bo->bdev, mem)`,
 * `kmem_cache_free(cache, obj)`, `dma_free_coherent(dev, …)`): no guess.
 */
function releasedArg(call: CallSite, pairs: PairIndex): string | undefined {
  const learned = pairs.releases.get(call.name)?.find(endsLife);
  if (learned) return call.args[learned.releaseSlot ?? 0];
  return call.args.length === 1 ? call.args[0] : undefined;
}

/** `bo->node`, `vm->pt.bo`: a field path under a parameter, not an address of one or an element. */
function fieldOf(arg: string | undefined, params: ReadonlySet<string>): { field: string; object: string } | undefined {
  if (arg === undefined || arg.startsWith('&')) return undefined;
  const key = resourceKey(arg);
  const match = key === undefined ? null : /^([A-Za-z_]\w*)((?:->|\.)[A-Za-z_]\w*)+$/.exec(key);
  if (!match || !key?.includes('->')) return undefined;
  const object = match[1] as string;
  return params.has(object) ? { field: key, object } : undefined;
}

/** The first `return` or function end reached from `from` with nothing clearing `field` on the way. */
function staleExit(ir: FunctionIr, from: number, field: string, object: string, review: HunkReview): number | undefined {
  const seen = new Set<number>();
  const stack = [...(ir.nodes[from]?.succ ?? [])];
  let steps = 0;
  while (stack.length > 0) {
    if (++steps > STEP_LIMIT) return undefined;
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown') continue;
    if (node.calls.some((call) => call.name === WINDOW_GAP)) continue;
    // Cleared, overwritten, or the object itself reassigned (any field path through the object is a new one).
    if (node.assigns.some((assign) => assign.target === field || assign.target === object || field.startsWith(`${assign.target}->`)))
      continue;
    // The object handed to a teardown, or the field handed back by address (`foo_node_fini(&bo->node)` may clear it).
    if (
      node.calls.some(
        (call) =>
          (call.args.some((arg) => resourceKey(arg) === object) && (isRelease(call, review) || TEARDOWN.test(call.name))) ||
          call.args.some((arg) => arg.startsWith('&') && mentions(arg, field)) ||
          /^(?:memset|memzero_explicit|swap)$/.test(call.name),
      )
    )
      continue;
    if (node.kind === 'return' || node.kind === 'exit') return id;
    stack.push(...node.succ);
  }
  return undefined;
}

export const staleFieldAfterReleaseCheck: PatchRuleCheck = {
  rule: staleFieldAfterRelease,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      if (TEARDOWN.test(ir.name)) continue;
      const params = new Set((ir.pointerParams ?? []).filter((name): name is string => name !== undefined));
      // A window without its header: the hunk's section line often holds it (`@@ ... @@ static int foo(struct bar *b,`).
      if (params.size === 0) for (const name of sectionPointerParams(review.hunk.section, ir.name)) params.add(name);
      if (params.size === 0) continue;
      for (const node of ir.nodes) {
        for (const call of node.calls) {
          if (call.within !== undefined || !isRelease(call, review)) continue;
          const target = fieldOf(releasedArg(call, review.pairs), params);
          if (!target) continue;
          // The patch takes a reference through the field itself (`i915_gem_object_get_rcu(vma->obj)`): the put
          // drops that extra one, not the reference the field holds.
          if (takesReferenceThrough(review, releasedArg(call, review.pairs))) continue;
          // So does the function, before the put (`cacheline_acquire(tl->hwsp_cacheline); if (raced)
          // cacheline_release(tl->hwsp_cacheline);`): it drops the count it took, not the field's.
          if (acquiredBefore(ir, call, releasedArg(call, review.pairs))) continue;
          // The put drops what a lookup into the field just returned (`buffer->fb = drm_framebuffer_lookup(...);`
          // then `drm_framebuffer_put(buffer->fb)`): the field keeps a borrowed pointer, on purpose.
          if (droppedAtOnce(ir, call.row, target.field)) continue;
          const exit = staleExit(ir, node.id, target.field, target.object, review);
          if (exit === undefined) continue;
          issues.push(issueAt(view, call, target, exit));
        }
      }
    }
    return [...issues, ...siblingCleared(review, side)];
  },
};

/**
 * Whether the patch's added code calls a get on the field expression itself (`foo_get(vma->obj)`, `_get_rcu`,
 * `cacheline_acquire(tl->hwsp_cacheline)`, …): the put drops that extra count, and the field keeps its own.
 */
function takesReferenceThrough(review: HunkReview, arg: string | undefined): boolean {
  if (!arg) return false;
  const field = arg.replace(/\s+/g, '');
  return new RegExp(`(?<![\\w>.])\\w*_(?:get|acquire)\\w*\\(${regExpLiteral(field)}\\)`).test(review.patchAddedText);
}

/** A `foo_get(field)` / `foo_acquire(field)` call of the function before `release`. */
function acquiredBefore(ir: FunctionIr, release: CallSite, arg: string | undefined): boolean {
  if (!arg) return false;
  const field = arg.replace(/\s+/g, '');
  return ir.calls.some(
    (call) =>
      call.row < release.row &&
      /(?:^|_)(?:get|acquire)(?:_|$)/.test(call.name) &&
      call.args.some((candidate) => candidate.replace(/\s+/g, '') === field),
  );
}

/** `kfree(a->x); a->y = NULL;` where the function never clears `a->x` (see the header). */
function siblingCleared(review: HunkReview, side: ImageSide): PatchIssue[] {
  const issues: PatchIssue[] = [];
  for (const view of review[side]) {
    const { ir } = view;
    for (const node of ir.nodes) {
      for (const call of node.calls) {
        if (call.within !== undefined || !isRelease(call, review)) continue;
        if (side === 'post' && !rowChanged(view, call.row)) continue;
        const arg = call.args[0];
        const key = arg === undefined || arg.startsWith('&') ? undefined : resourceKey(arg);
        const match = key === undefined ? null : /^(.+)(?:->|\.)([A-Za-z_]\w*)$/.exec(key);
        if (!key || !match || !key.includes('->')) continue;
        const parent = match[1] as string;
        const next = node.succ.length === 1 ? ir.nodes[node.succ[0] as number] : undefined;
        const clear = next?.assigns.find(
          (assign) =>
            assign.value === 'NULL' &&
            assign.target !== key &&
            new RegExp(String.raw`^${regExpLiteral(parent)}(?:->|\.)[A-Za-z_]\w*$`).test(assign.target),
        );
        if (!next || !clear || next.row > call.row + 1) continue;
        // The released field is cleared or reassigned somewhere, or the cleared one is released too: no slip.
        if (ir.nodes.some((other) => other.assigns.some((assign) => assign.target === key))) continue;
        if (ir.calls.some((other) => other.args.some((a) => resourceKey(a) === clear.target || a === `&${clear.target}`))) continue;
        issues.push({
          view,
          key: `${ir.name}|sibling-cleared|${key}|${clear.target}`,
          row: call.row,
          column: call.column,
          messageId: 'sibling',
          data: { fn: functionLabel(view), field: key, other: clear.target, call: call.name },
          related: [{ row: next.row, message: `${clear.target} cleared instead` }],
        });
      }
    }
  }
  return issues;
}

/** Pointer parameters named by a hunk's section line when it is the header of `fn` (possibly cut after a comma). */
function sectionPointerParams(section: string, fn: string): string[] {
  const open = section.indexOf('(');
  if (open === -1 || !fn || !new RegExp(String.raw`\b${regExpLiteral(fn)}\s*$`).test(section.slice(0, open))) return [];
  return [...section.slice(open + 1).matchAll(/\*\s*([A-Za-z_]\w*)\s*(?=[,)]|$)/g)].map((match) => match[1] as string);
}

function issueAt(view: FunctionView, call: CallSite, target: { field: string; object: string }, exit: number): PatchIssue {
  const exitNode = view.ir.nodes[exit];
  const exitRow = exitNode?.kind === 'return' ? exitNode.row : view.ir.endRow;
  return {
    view,
    key: `${view.ir.name}|stale-field|${target.field}|${call.name}`,
    row: call.row,
    column: call.column,
    messageId: 'stale',
    data: {
      fn: functionLabel(view),
      field: target.field,
      object: target.object,
      call: call.name,
      exit: exitNode?.kind === 'return' ? rowText(view, exitRow) : 'the end of the function',
    },
    related: [{ row: exitRow, message: `returns here with ${target.field} still set` }],
  };
}
