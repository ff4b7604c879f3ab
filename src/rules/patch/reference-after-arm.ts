/**
 * A reference taken on an object after the function armed a callback of that
 * object (a timer, a work item, a fence callback): the callback may already
 * be running, and drop the reference it is meant to hold, before this code
 * takes it ("drm/i915: Take request reference before arming the watchdog
 * timer": `hrtimer_start_range_ns(&wdg->timer, …); i915_request_get(rq);`
 * with `wdg = &rq->watchdog`, whose handler ends in `i915_request_put(rq)`).
 *
 * Invariants, for precision:
 *   - the arming call is one of the kernel's timer, work-queue, irq-work,
 *     tasklet and fence-callback calls, given the address of a member of the
 *     object (`&rq->watchdog.timer`, or through a local set to such an address
 *     or member: `wdg = &rq->watchdog`);
 *   - the reference is a counted one (`kind: 'reference'` in the pair table,
 *     curated or learned, or a `foo_get()` the table does not know, given
 *     the object as its first argument) on the same object, taken after the arming call on
 *     a path from it, further down the function (a later pass of a loop
 *     arms another object);
 *   - a path that gives the object's variable a new value first ends the
 *     search.
 */

import type { FunctionIr, IrNode } from '../../parse/c/function-ir';
import { rootVariable } from '../../parse/c/c-text';
import { defineRule } from '../rule';
import { acquireKeyOfCall, objectOf } from './resource-paths';
import {
  functionLabel,
  rowChanged,
  rowLine,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const referenceAfterArm = defineRule({
  id: 'reference-after-arm',
  summary: 'A reference on an object is taken after a callback of the object (timer, work, fence callback) was armed.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    late: '{fn} takes a reference on {object} with {get}() here, after {arm}({armed}) at line {armLine} armed a callback of it: the callback may already have run and dropped the reference it is meant to hold, freeing {object} under this code. Take the reference before arming.',
    fixed: 'The patch takes the reference on {object} in {fn} before arming its callback.',
  },
});

/** Calls that arm a callback on an object; any argument that is the address of a member names the object. */
const ARM =
  /^(?:hrtimer_start(?:_range_ns)?|mod_timer|add_timer(?:_on)?|timer_reduce|(?:queue|schedule)_(?:delayed_)?work(?:_on)?|mod_delayed_work(?:_on)?|kthread_(?:queue|mod_delayed)_work|kthread_queue_delayed_work|irq_work_queue(?:_on)?|tasklet_(?:hi_)?schedule|dma_fence_add_callback)$/;

/**
 * A get the pair table does not know, by its name alone (`i915_request_get(rq)`): the armed callback of
 * the same object is evidence enough that the count matters here.
 */
const NAMED_GET = /^[a-z]\w*_get$/;

/** Locals set to a member of another variable, or its address (`wdg = &rq->watchdog`): the variable they stand for. */
function aliasesOf(ir: FunctionIr): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const node of ir.nodes) {
    for (const assign of node.assigns) {
      if (!/^[A-Za-z_]\w*$/.test(assign.target) || assign.op !== undefined) continue;
      const member = /^&?\(?([A-Za-z_]\w*)(?:->|\.)/.exec(assign.value);
      if (member && member[1] !== assign.target) aliases.set(assign.target, member[1] as string);
    }
  }
  return aliases;
}

function objectBehind(variable: string, aliases: ReadonlyMap<string, string>): string {
  let object = variable;
  for (let hops = 0; hops < 4; hops++) {
    const next = aliases.get(object);
    if (next === undefined) break;
    object = next;
  }
  return object;
}

/** Nodes reachable from `start` further down the function, up to a new value of `variable`. */
function laterNodes(ir: FunctionIr, from: IrNode, variable: string): IrNode[] {
  const found: IrNode[] = [];
  const seen = new Set<number>();
  const stack = [...from.succ];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    if (!node || node.row < from.row) continue;
    found.push(node);
    if (node.assigns.some((assign) => assign.target === variable) || node.declares?.includes(variable)) continue;
    stack.push(...node.succ);
  }
  return found;
}

export const referenceAfterArmCheck: PatchRuleCheck = {
  rule: referenceAfterArm,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    const seen = new Set<string>();
    for (const view of review[side]) {
      const { ir } = view;
      let aliases: Map<string, string> | undefined;
      for (const node of ir.nodes) {
        for (const arm of node.calls) {
          if (!ARM.test(arm.name)) continue;
          aliases ??= aliasesOf(ir);
          const armedArg = arm.args.find((arg) => arg.startsWith('&') && /->|\./.test(arg));
          const armedRoot = armedArg && rootVariable(armedArg);
          if (!armedArg || !armedRoot) continue;
          const object = objectBehind(armedRoot, aliases);
          for (const later of laterNodes(ir, node, object)) {
            for (const get of later.calls) {
              if (later === node && get.column <= arm.column) continue;
              const pair = review.pairs.acquires.get(get.name);
              let root: string | undefined;
              if (pair) {
                const key = pair.kind === 'reference' ? acquireKeyOfCall(pair, get) : undefined;
                root = key && rootVariable(objectOf(key, pair));
              } else if (NAMED_GET.test(get.name)) {
                root = get.args[0] !== undefined ? rootVariable(get.args[0]) : undefined;
              }
              if (!root || objectBehind(root, aliases) !== object) continue;
              if (!rowChanged(view, get.row) && !rowChanged(view, arm.row)) continue;
              const issueKey = `${ir.name}|reference-after-arm|${object}|${get.name}|${arm.name}`;
              if (seen.has(issueKey)) continue;
              seen.add(issueKey);
              issues.push({
                view,
                key: issueKey,
                row: get.row,
                messageId: 'late',
                data: { fn: functionLabel(view), object, get: get.name, arm: arm.name, armed: armedArg, armLine: rowLine(view, arm.row) },
                related: [{ row: arm.row, message: `callback of ${object} armed here` }],
              });
            }
          }
        }
      }
    }
    return issues;
  },
};
