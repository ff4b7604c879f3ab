/**
 * A structure that embeds a `struct device` freed with `kfree()` once the
 * device is reference-counted. After `device_initialize()` (also through
 * `device_register()`, and `auxiliary_device_init()` once it succeeded) the
 * driver core owns the memory: the device's `release` callback frees it when
 * the last reference goes, and `put_device()` / `auxiliary_device_uninit()`
 * only drop the driver's reference ("NOTE: Use put_device() to give up your
 * reference instead of freeing @dev directly once you have called this
 * function", drivers/base/core.c; the same for auxiliary devices). A direct
 * free is a double free when the callback frees too, and a use-after-free
 * for whoever still holds a reference (sysfs, a bound driver) when it does
 * not ("drm/xe: defer free of NVM auxiliary container to device release
 * callback").
 *
 * Two shapes, path by path from the call that makes the device counted:
 *   - `ret = auxiliary_device_init(adev)` succeeded (or `device_initialize()`,
 *     `device_register()` whatever it returned), then `kfree()` of the
 *     structure `adev` is in (`adev = &nvm->aux_dev` or `&nvm->aux_dev`);
 *   - `put_device(&x->dev)` / `auxiliary_device_uninit(&x->adev)`, then
 *     `kfree(x)`.
 *
 * Invariants: a path ends where the structure's variable gets another value,
 * at code the patch leaves out and at the window's unknown end; only a free
 * of the containing structure by its variable is reported, never of anything
 * else the function frees.
 */

import { defineRule } from '../rule';
import type { CallSite, FunctionIr } from '../../parse/c/function-ir';
import { WINDOW_GAP } from '../../parse/c/fragment';
import { errnoTest, resourceKey } from './resource-paths';
import {
  functionLabel,
  rowLine,
  type FunctionView,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const deviceFreedDirectly = defineRule({
  id: 'device-freed-directly',
  summary: 'A structure embedding a struct device is freed directly after the device became reference-counted.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    freed:
      '{fn} frees {container} with {free}() on a path where {call}() at line {callLine} has made its embedded device reference-counted: the device core owns the memory from then on, so whoever still holds a reference to the device uses freed memory, and a release callback that frees it frees it twice. Free {container} from the device\u2019s release callback and let put_device() drop the last reference.',
    fixed: 'The patch no longer frees {container} directly in {fn} after its device became reference-counted.',
  },
});

const FREE = new Set(['kfree', 'kvfree', 'vfree', 'kfree_sensitive']);
/** Calls after which the embedding structure belongs to the device's reference count, and how they report failure. */
const COUNTED: Readonly<Record<string, 'always' | 'on-success'>> = {
  device_initialize: 'always',
  // "Never directly free @dev after calling this function, even if it returned an error!"
  device_register: 'always',
  auxiliary_device_init: 'on-success',
  put_device: 'always',
  auxiliary_device_uninit: 'always',
};

/** The structure `arg` is embedded in: `&nvm->aux_dev`, or a variable assigned that address before `row`. */
function containerOf(ir: FunctionIr, arg: string | undefined, row: number): string | undefined {
  if (arg === undefined) return undefined;
  const direct = /^&([A-Za-z_]\w*)(?:->|\.)[\w.]+$/.exec(arg.replace(/\s+/g, ''));
  if (direct) return direct[1];
  if (!/^[A-Za-z_]\w*$/.test(arg)) return undefined;
  let found: string | undefined;
  for (const node of ir.nodes) {
    if (node.row >= row) continue;
    for (const assign of node.assigns) {
      if (assign.target !== arg) continue;
      found = /^&([A-Za-z_]\w*)(?:->|\.)[\w.]+$/.exec(assign.value)?.[1];
    }
  }
  return found;
}

/** The first free of `container` on a path from the node after `call` (its success way only, for `on-success`). */
function freeAfter(view: FunctionView, call: CallSite, container: string): CallSite | undefined {
  const { ir } = view;
  const at = ir.nodes.find((node) => node.calls.includes(call));
  if (!at) return undefined;
  let starts = at.succ;
  if (COUNTED[call.name] === 'on-success' && at.kind === 'branch') {
    // `if (auxiliary_device_init(adev))`: the errno is the condition, its success the other way.
    starts = [at.succ[(at.cond ?? '').startsWith('!') ? 0 : 1] as number];
  } else if (COUNTED[call.name] === 'on-success') {
    const test = ir.nodes[at.succ[0] ?? -1];
    const outcome = call.target !== undefined && test?.kind === 'branch' ? errnoTest(test.cond ?? '', call.target) : undefined;
    // Not tested right away (or tested in a way this does not read): nothing is known of the success.
    if (!outcome || !test) return undefined;
    starts = [test.succ[outcome === 'failure' ? 1 : 0] as number];
  }
  const seen = new Set<number>();
  const stack = [...starts];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node || node.kind === 'unknown' || node.kind === 'exit') continue;
    if (node.calls.some((other) => other.name === WINDOW_GAP)) continue;
    const free = node.calls.find((other) => FREE.has(other.name) && resourceKey(other.args[0]) === container);
    if (free) return free;
    if (node.assigns.some((assign) => assign.target === container)) continue;
    stack.push(...node.succ);
  }
  return undefined;
}

export const deviceFreedDirectlyCheck: PatchRuleCheck = {
  rule: deviceFreedDirectly,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const reported = new Set<CallSite>();
      for (const call of view.ir.calls) {
        if (!(call.name in COUNTED)) continue;
        const container = containerOf(view.ir, call.args[0], call.row);
        if (!container) continue;
        const free = freeAfter(view, call, container);
        if (!free || reported.has(free)) continue;
        reported.add(free);
        issues.push({
          view,
          key: `${view.ir.name}|device-freed|${container}|${free.name}`,
          row: free.row,
          column: free.column,
          messageId: 'freed',
          data: { fn: functionLabel(view), container, free: free.name, call: call.name, callLine: rowLine(view, call.row) },
          related: [{ row: call.row, message: `${container}'s device is reference-counted from here` }],
        });
      }
    }
    return issues;
  },
};
