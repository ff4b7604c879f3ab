/**
 * A constructor that keeps memory or a reference in a field, and the
 * destructor paired with it that reads that field and never releases it:
 * every construction leaks it. The pair is told by name, a shared prefix and
 * matching verbs (`vc4_open()` / `vc4_close()`, `foo_init()` / `foo_fini()`,
 * `_create` / `_destroy`, `_alloc` / `_free`, `_probe` / `_remove`; a shared
 * suffix too: `amdgpu_driver_open_kms()` / `amdgpu_driver_postclose_kms()`). "drm/vc4:
 * Fix leak of the file_priv that stored the perfmon": `vc4_open()` kept a
 * `kzalloc()`ed `vc4_file` in `file->driver_priv`, and `vc4_close()` handed it
 * to the perfmon teardown and forgot to free it.
 *
 * The belief comes from the pair itself: the destructor looks at the field,
 * so it is the one that tears it down.
 *
 * Invariants, for precision:
 *   - both functions whole in one hunk's view (the destructor's every path is
 *     seen), the constructor storing the result of an acquire the pair table
 *     knows as memory or a reference (`x->f = kzalloc(…)`, or a local that
 *     took it and is stored there);
 *   - the destructor reads the field (`w = file->driver_priv;`, or uses
 *     `x->f` directly) and no call releases it, hands it or a member of it
 *     (`&nvm->aux_dev`, whose release callback may free it) to a function
 *     the pair table knows as freeing, or to a function the patch does not
 *     define (what that one does is not in view); nor is it stored or returned;
 *   - only when the patch writes the store or the destructor.
 */

import { defineRule } from '../rule';
import { squash, type FunctionIr } from '../../parse/c/function-ir';
import { releaseKeyOfCall, resourceKey } from './resource-paths';
import {
  functionLabel,
  rowChanged,
  rowLine,
  type FunctionView,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const teardownMissesRelease = defineRule({
  id: 'teardown-misses-release',
  summary: 'A destructor reads a field its constructor filled with memory or a reference, and never releases it.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    missed:
      '{dtor} tears down what {ctor} sets up, but never releases {field}: {ctor} keeps the {what} from {acquire}() there (line {storeLine}), and {dtor} reads it (line {readLine}) without releasing it or handing it to a function that does, so each {ctor} leaks it. Release it in {dtor}.',
    fixed: 'The patch releases {field} in {dtor}, which {ctor} fills.',
  },
});

/** Constructor and destructor verbs that pair two functions of one prefix. */
const VERB_PAIRS: readonly (readonly [string, readonly string[]])[] = [
  ['open', ['close', 'postclose', 'release']],
  ['init', ['fini', 'cleanup']],
  ['create', ['destroy']],
  ['alloc', ['free']],
  ['probe', ['remove']],
];

interface Store {
  readonly field: string;
  readonly row: number;
  readonly acquire: string;
  readonly what: string;
}

/** `x->f` / `x.f` → `f`; undefined for anything else (a subscript, a plain variable). */
function fieldOf(target: string): string | undefined {
  return /^[A-Za-z_][\w>.-]*(?:->|\.)([A-Za-z_]\w*)$/.exec(target)?.[1];
}

/** The fields the constructor stores an acquire's result into (directly, or through a local that took it). */
function storesOf(review: HunkReview, ir: FunctionIr): Store[] {
  const out: Store[] = [];
  const taken = new Map<string, { acquire: string; what: string }>();
  for (const call of ir.calls) {
    const pair = review.pairs.acquires.get(call.name);
    if (!pair || (pair.kind !== 'memory' && pair.kind !== 'reference') || pair.acquireSlot !== 'result' || !call.target) continue;
    const acquired = { acquire: call.name, what: pair.kind === 'memory' ? 'memory' : pair.what };
    const field = fieldOf(call.target);
    if (field) out.push({ field, row: call.row, ...acquired });
    else if (/^[A-Za-z_]\w*$/.test(call.target)) taken.set(call.target, acquired);
  }
  for (const node of ir.nodes) {
    for (const assign of node.assigns) {
      const local = taken.get(assign.value);
      const field = fieldOf(assign.target);
      if (local && field && !assign.op) out.push({ field, row: node.row, ...local });
    }
  }
  return out;
}

/** Whether the destructor lets go of the field: releases it, hands it on, stores or returns it. */
function releases(review: HunkReview, ir: FunctionIr, names: ReadonlySet<string>): boolean {
  for (const call of ir.calls) {
    for (const arg of call.args.map((a) => resourceKey(squash(a)) ?? '')) {
      // The object, or a member of it (`&nvm->aux_dev`: the device model frees it through its release callback).
      const root = /^[A-Za-z_]\w*/.exec(arg)?.[0] ?? '';
      if (!names.has(arg) && !(names.has(root) && /^[A-Za-z_]\w*(?:->|\.)/.test(arg))) continue;
      const released = review.pairs.releases.get(call.name);
      if (released?.some((pair) => releaseKeyOfCall(pair, call) !== undefined)) return true;
      // A function the patch does not define may free it: what it does is not in view.
      if (!review.definedFunctions?.has(call.name)) return true;
    }
  }
  for (const node of ir.nodes) {
    if (node.returned !== undefined && names.has(node.returned)) return true;
    if (node.assigns.some((assign) => names.has(assign.value) && /->|\.|\[|^\*/.test(assign.target))) return true;
  }
  return false;
}

/** The names the destructor reads the field through: `x->f` itself and locals given it; the first read's row. */
function readsOf(ir: FunctionIr, field: string): { names: Set<string>; row: number; expr: string } | undefined {
  const names = new Set<string>();
  let row: number | undefined;
  let expr = field;
  const pattern = new RegExp(`^[A-Za-z_][\\w>.-]*(?:->|\\.)${field}$`);
  for (const node of ir.nodes) {
    for (const assign of node.assigns) {
      if (pattern.test(assign.value) && /^[A-Za-z_]\w*$/.test(assign.target)) {
        names.add(assign.target);
        names.add(assign.value);
        if (row === undefined) expr = assign.value;
        row ??= node.row;
      }
    }
    for (const call of node.calls) {
      for (const arg of call.args) {
        const key = resourceKey(squash(arg)) ?? '';
        if (pattern.test(key)) {
          names.add(key);
          if (row === undefined) expr = key;
          row ??= node.row;
        }
      }
    }
  }
  return row === undefined ? undefined : { names, row, expr };
}

/**
 * The destructors named for `ctor`: the same name with the constructor's verb swapped for a
 * destructor's, as a whole word (`vc4_open` / `vc4_close`, `amdgpu_driver_open_kms` /
 * `amdgpu_driver_postclose_kms`).
 */
function pairedDestructors(views: readonly FunctionView[], ctor: FunctionView): FunctionView[] {
  const wanted = new Set<string>();
  for (const [make, breaks] of VERB_PAIRS) {
    const match = new RegExp(`^(|\\w*_)${make}(|_\\w*)$`).exec(ctor.ir.name);
    if (!match) continue;
    for (const verb of breaks) wanted.add(`${match[1] as string}${verb}${match[2] as string}`);
  }
  return views.filter((view) => view !== ctor && wanted.has(view.ir.name));
}

export const teardownMissesReleaseCheck: PatchRuleCheck = {
  rule: teardownMissesRelease,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    const whole = review[side].filter((view) => view.ir.startVisible && !view.ir.synthetic);
    for (const ctor of whole) {
      const stores = storesOf(review, ctor.ir);
      if (stores.length === 0) continue;
      for (const dtor of pairedDestructors(whole, ctor)) {
        for (const store of stores) {
          const read = readsOf(dtor.ir, store.field);
          if (!read || releases(review, dtor.ir, read.names)) continue;
          if (!rowChanged(ctor, store.row) && !rowChanged(dtor, read.row)) continue;
          issues.push({
            view: dtor,
            key: `${ctor.ir.name}|${dtor.ir.name}|teardown|${store.field}`,
            row: read.row,
            messageId: 'missed',
            data: {
              dtor: functionLabel(dtor),
              ctor: functionLabel(ctor),
              field: read.expr,
              what: store.what,
              acquire: store.acquire,
              storeLine: rowLine(ctor, store.row),
              readLine: rowLine(dtor, read.row),
            },
            related: [],
          });
        }
      }
    }
    return issues;
  },
};
