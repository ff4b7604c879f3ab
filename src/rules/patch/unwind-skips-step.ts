/**
 * Two failure exits in a row go to the same unwind label although a set-up
 * step succeeded between them: the first exit is the failure of
 * `foo_init()`/`foo_create()`/`foo_add()` (nothing of it to undo yet), the
 * second is the failure of the next step, by which time `foo_init()` has done
 * its work, and the shared label never undoes it. Kernel unwinding gives each
 * step its own label in reverse order for this reason; reusing the earlier
 * label leaks (or leaves half set up) what the step built ("drm/xe: Fix error
 * handling if PXP fails to start": a PXP failure after the queue's init went
 * to the label that only frees the allocation).
 *
 * The set-up step is recognised by its name (`_init`, `_create`, `_alloc`,
 * `_add`, `_register`, `_enable`, `_start`, `_map`, `_pin`, ...), and the rule
 * stays quiet when the code after the label calls the step's counterpart by
 * name (`foo_fini()` for `foo_init()`, `foo_remove()` for `foo_add()`), which
 * means the unwind takes care of it somehow, and when the label undoes
 * nothing at all while three set-up steps or more fail to it: a function
 * whose failures consistently just return leaves its steps to the object's
 * teardown by design (one step that does so is still reported).
 */

import { WINDOW_GAP } from '../../parse/c/fragment';
import { calledNames, rootVariable } from '../../parse/c/c-text';
import { defineRule } from '../rule';
import { regExpLiteral } from '../../base/regexp-literal';
import type { CallSite, FunctionIr, IrNode } from '../../parse/c/function-ir';
import { PREDICATE_NAME } from './errno-functions';
import { branchExit } from './path-issues';
import { dominates, mentions, unwrap } from './resource-paths';
import { LOGGING, UNDO_CALL } from './return-skips-unwind';
import {
  addedBody,
  functionLabel,
  rowChanged,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const unwindSkipsStep = defineRule({
  id: 'unwind-skips-step',
  summary: 'A failure exit after a set-up step jumps to the label of that step’s own failure, so the step is never undone.',
  defaultSeverity: 'warning',
  tags: ['patch', 'lifetime'],
  messages: {
    skips:
      '{fn} handles a failure of {later}() with `goto {label}`, the same label as the failure of {step}() before it; by then {step}() has succeeded, and nothing after {label} undoes it ({undo}): what it set up leaks or stays half-initialised. Give this exit its own label that undoes {step}() first.',
    fixed: 'The patch gives the failure of {later}() an unwind that undoes {step}() in {fn}.',
  },
});

/** Set-up verbs, and the names their undo takes. */
const UNDO: Readonly<Record<string, readonly string[]>> = {
  // Not `free`: `foo_free()` undoes `foo_alloc()`, and an init's work is more than the memory.
  init: ['fini', 'uninit', 'deinit', 'cleanup', 'destroy', 'teardown', 'exit'],
  create: ['destroy', 'free', 'put', 'release', 'fini', 'delete'],
  alloc: ['free', 'put', 'release', 'destroy'],
  add: ['remove', 'del', 'delete', 'fini'],
  register: ['unregister'],
  enable: ['disable'],
  start: ['stop', 'fini', 'cancel'],
  map: ['unmap'],
  vmap: ['vunmap'],
  pin: ['unpin'],
  attach: ['detach'],
  open: ['close', 'release'],
  request: ['release', 'free'],
  insert: ['remove', 'del', 'delete'],
  bind: ['unbind'],
  setup: ['teardown', 'cleanup', 'fini', 'destroy'],
  install: ['uninstall', 'remove'],
  reserve: ['unreserve', 'release', 'free'],
};
/**
 * Steps whose undo the kernel API names otherwise: a kobject or device once initialised is released by
 * dropping its reference, even when the init failed: kobject_put() is its only cleanup.
 */
const NAMED_UNDO: ReadonlyMap<string, readonly string[]> = new Map([
  ['kobject_init_and_add', ['kobject_put']],
  ['kobject_init', ['kobject_put']],
  ['device_initialize', ['put_device']],
]);

/** Labels named for the way things went right. */
const SUCCESS_LABEL = /^(?:valid|found|success|succeeded|ok|good)(?:_\w+)?$|_(?:ok|found|valid)$/;

/** Suffixes that name how a call waits or locks, not what it does. */
const LOCKING_VARIANT = /_(?:unlocked|locked|interruptible|killable|nowait)$/;

/** Undoes every step of an object: its teardown (not `free`, which undoes only the allocation). */
const TEARDOWN = ['fini', 'destroy', 'deinit', 'uninit', 'cleanup', 'teardown'];
/** A teardown verb as a word of a function name (`foo_hw_fini`, `gsc_destroy_one`). */
const TEARDOWN_VERB = new RegExp(`(?:^|_)(?:${TEARDOWN.join('|')})(?:_|$)`);
const CONTAINER = /^(?:xa|idr|ida|list|hlist|hash|rb|radix_tree|maple_tree|mtree)_/;
/** Set-up steps by name that leave nothing to undo: a reserved fence slot is used or dropped with the reservation. */
const NOTHING_TO_UNDO = /^(?:dma_resv|reservation_object)_reserve_(?:shared|fences)$/;
/** Set-up steps whose failures share one label that undoes nothing, from which that is the function's policy. */
const DELEGATED_STEPS = 3;
const STEP = new RegExp(`(?:^|_)(${Object.keys(UNDO).join('|')})(?:_|$)`);
/**
 * A name that ends in a verb that sets nothing up (`i915_request_wait`, `foo_map_sync`; an await only adds a
 * dependency the request drops with itself, `i915_request_await_dma_fence`): the set-up word
 * in it names the object, and the call leaves nothing to undo.
 */
const NO_STATE_VERB = /_(?:a?wait(?:_\w+)?|sync|flush|check|verify|validate|lookup|find)$/;
const isStep = (name: string) => STEP.test(name) && !NO_STATE_VERB.test(name);

interface FailureExit {
  readonly call: CallSite;
  readonly label: string;
  /** Row of the `goto`. */
  readonly row: number;
  /** The failure test, white space removed. */
  readonly cond: string;
  /** The branch node that tests it. */
  readonly branch: number;
  /** The statements the branch runs before its `goto` (an error message, or an undo of its own). */
  readonly before: readonly IrNode[];
}

/** The call a branch condition tests: a call in the condition itself, or the one that just assigned the tested variable. */
function testedCall(ir: FunctionIr, branch: IrNode): CallSite | undefined {
  const cond = branch.cond ?? '';
  const inCond = branch.calls.find(
    (call) => !/^(?:IS_ERR|IS_ERR_OR_NULL|PTR_ERR|unlikely|likely|WARN_ON\w*|XE_WARN_ON|drm_WARN_ON\w*)$/.test(call.name),
  );
  if (inCond) return inCond;
  let best: CallSite | undefined;
  for (const node of ir.nodes) {
    if (node.row >= branch.row || node.row < branch.row - 3) continue;
    for (const call of node.calls)
      if (call.target !== undefined && mentions(cond, call.target) && (!best || call.row > best.row)) best = call;
  }
  return best;
}

function failureExits(ir: FunctionIr): FailureExit[] {
  const exits: FailureExit[] = [];
  for (const node of ir.nodes) {
    if (node.kind !== 'branch' || node.cond === undefined) continue;
    // The `goto` a failure branch takes: its first statement, or one of the next two (an error message first).
    const leaving = branchExit(ir, node.succ[0]);
    if (leaving?.exit.goto === undefined) continue;
    const call = testedCall(ir, node);
    // `if (test_event_condition(...)) goto out_unlock;`: a predicate that holds is no failure.
    if (
      call &&
      unwrap(node.cond) === `${call.name}(${call.args.join(',')})` &&
      (PREDICATE_NAME.test(call.name) || /^test_/.test(call.name))
    )
      continue;
    if (call)
      exits.push({ call, label: leaving.exit.goto, row: leaving.exit.row, cond: node.cond, branch: node.id, before: leaving.before });
  }
  return exits.sort((a, b) => a.call.row - b.call.row);
}

/**
 * A test that is false exactly when the step succeeded (`ret`, `ret < 0`,
 * `!p`, `IS_ERR(p)`, `foo_init(x)`), so the branch's other way is the success.
 * `ret != -ENOSPC` is not: its other way is one failure the code retries.
 */
const PLAIN_FAILURE =
  /^(?:unlikely\()?(?:!?[\w.>-]+|[\w.>-]+(?:<0|!=0)|IS_ERR(?:_OR_NULL)?\([^()]*\)|[\w.>-]+==NULL|\w+\([^()]*\)(?:<0|!=0)?)\)?$/;

/**
 * Whether the way out of `before`'s test that is the step's success reaches
 * `later`'s test without running the step again or undoing it: a success that
 * `break`s out of a retry loop or returns never meets the later failure.
 */
function successReaches(ir: FunctionIr, before: FailureExit, later: FailureExit): boolean {
  if (!PLAIN_FAILURE.test(unwrap(before.cond))) return false;
  const success = ir.nodes[before.branch]?.succ[1];
  if (success === undefined) return false;
  const undoes = undoneBy(before.call.name);
  const seen = new Set<number>([before.branch]);
  const stack = [success];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (id === later.branch) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = ir.nodes[id];
    // Running the step again, or undoing it, ends the state in which it had succeeded.
    if (!node || node.kind === 'unknown' || node.calls.some((call) => call.name === before.call.name || undoes(call.name))) continue;
    stack.push(...node.succ);
  }
  return false;
}

/** Whether a call undoes `step` by name (`foo_init` → `foo_fini`, or the object's own teardown). */
function undoneBy(step: string): (call: string) => boolean {
  const named = NAMED_UNDO.get(step);
  if (named) return (call) => named.includes(call);
  const verb = STEP.exec(step)?.[1] as string;
  // The locking variant does not change what is undone (`i915_gem_object_pin_map_unlocked()`, `_unpin_map()`).
  const bare = (name: string) => name.replace(/^_+|_+$/g, '').replace(LOCKING_VARIANT, '');
  const stem = bare(step.replace(STEP, '_'));
  // The object's own teardown (`foo_node_fini()` after `foo_node_insert()`) undoes whatever was done to it.
  const undo = new RegExp(`(?:^|_)(?:${[...(UNDO[verb] ?? []), ...TEARDOWN].join('|')})(?:_|$)`);
  return (call) => undo.test(call) && bare(call.replace(undo, '_')) === stem;
}

/**
 * Whether a call after the label is the teardown of the function itself
 * (`foo_hw_fini()` in `foo_hw_init()`, `gsc_destroy_one()` in `gsc_init_one()`):
 * a teardown verb, not `free`, which only undoes an allocation.
 */
function ownTeardownAfter(ir: FunctionIr, labelRow: number): boolean {
  if (!ir.name || !STEP.test(ir.name)) return false;
  const stem = ir.name.replace(STEP, '_').replace(/^_+|_+$/g, '');
  return ir.calls.some(
    (call) =>
      call.row > labelRow && TEARDOWN_VERB.test(call.name) && call.name.replace(TEARDOWN_VERB, '_').replace(/^_+|_+$/g, '') === stem,
  );
}

/** The flags a switch takes (`set_foo_mode(x, true)` is undone by `set_foo_mode(x, false)`). */
const SWITCHED = new Map([
  ['true', 'false'],
  ['false', 'true'],
  ['1', '0'],
  ['0', '1'],
]);

/** Whether `call` is the step called again with one flag turned back (`set_bw_alloc_mode(tunnel, false)`). */
function switchedBack(call: CallSite, step: CallSite): boolean {
  if (call.name !== step.name || call.args.length !== step.args.length) return false;
  const differing = call.args.flatMap((arg, i) => (arg === step.args[i] ? [] : [i]));
  return differing.length === 1 && SWITCHED.get(step.args[differing[0] as number] as string) === call.args[differing[0] as number];
}

/**
 * Whether a statement between rows `from` and `to` (the later failure's `goto`) undoes the step on every
 * path to that jump (it dominates it: not inside a branch that may be skipped).
 */
function straightUndo(ir: FunctionIr, from: number, to: number, undoes: (call: CallSite) => boolean): boolean {
  const jump = ir.nodes.find((node) => node.row === to && node.goto !== undefined);
  if (!jump) return false;
  return ir.nodes.some(
    (node) => node.kind === 'stmt' && node.row > from && node.row < to && node.calls.some(undoes) && dominates(ir, node, jump),
  );
}

/** Whether the patch defines or calls a function named like the undo of `step` (`undoneBy`). */
function undoInPatch(review: HunkReview, step: string): boolean {
  const undoes = undoneBy(step);
  if ([...(review.definedFunctions ?? [])].some(undoes)) return true;
  for (const text of [review.patchAddedText, review.patchRemovedText]) if (calledNames(text).some(undoes)) return true;
  return false;
}

/** Whether a call after the label undoes `step` by name. */
function undoneAfter(review: HunkReview, ir: FunctionIr, labelRow: number, step: string): boolean {
  const undoes = undoneBy(step);
  return ir.calls.some(
    (call) =>
      call.row > labelRow &&
      (undoes(call.name) || (review.definedFunctions?.has(call.name) === true && bodyCalls(review, call.name).some(undoes))),
  );
}

/**
 * The functions a function the patch adds calls in its body (`sdma_v4_0_destroy_inst_ctx()` calling
 * `release_firmware()` for each instance), read from the patch's added text: a teardown helper the
 * label calls undoes what its body undoes.
 */
function bodyCalls(review: HunkReview, fn: string): string[] {
  return calledNames(addedBody(review, fn) ?? '');
}

export const unwindSkipsStepCheck: PatchRuleCheck = {
  rule: unwindSkipsStep,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      const { ir } = view;
      if (!ir.calls.some((call) => STEP.test(call.name))) continue;
      const exits = failureExits(ir);
      for (let i = 1; i < exits.length; i++) {
        const before = exits[i - 1] as FailureExit;
        const exit = exits[i] as FailureExit;
        if (before.label !== exit.label || before.call.name === exit.call.name || !isStep(before.call.name)) continue;
        // A jump to a label named for success (`goto valid_fb;` when the BIOS framebuffer could be reused) is where
        // the test holds, not a failure.
        if (SUCCESS_LABEL.test(exit.label)) continue;
        // A call through a function pointer (`engine->emit_init_breadcrumb(rq)`): its undo has no name to look for.
        if (/->|\./.test(before.call.name)) continue;
        // After the patch, the step or the later failure must be the patch's: a patch that only sends the
        // step's own failure to the label (`return r;` becomes `goto release_con;`) changes nothing for
        // the later failure, which went to the same code without undoing the step before it too.
        if (side === 'post' && ![before.call.row, exit.call.row, exit.row, rowOf(ir, exit.branch)].some((row) => rowChanged(view, row)))
          continue;
        // Publishing into a container (`xa_alloc()`, `idr_alloc()`) is publish-before-init's: it says what the unwind frees while published.
        if (CONTAINER.test(before.call.name) || NOTHING_TO_UNDO.test(before.call.name)) continue;
        // A step the patch defines, with no function named like its undo anywhere in the patch: the code has no
        // way to undo it (i915's `guc_init_submission()`, whose failure wedges the GPU), so no label could.
        if (review.definedFunctions?.has(before.call.name) && !undoInPatch(review, before.call.name)) continue;
        // The step must have succeeded on the way to the later failure, not failed in a way the code retries.
        if (!successReaches(ir, before, exit)) continue;
        // The code after the label must be in view to say it undoes nothing.
        const target = ir.nodes[labelTarget(ir, exit) ?? -1];
        if (!target || target.kind === 'unknown' || undoneAfter(review, ir, target.row - 1, before.call.name)) continue;
        // A window that stops after the label (`out: if (err) {` and the hunk ends) shows only part of the unwind.
        if (ir.synthetic && !ir.nodes.some((node) => node.kind === 'return' && node.row >= target.row)) continue;
        // The label calls the function's own teardown (`gsc_destroy_one()` in `gsc_init_one()`): it
        // undoes whatever the function set up, this step included.
        if (ownTeardownAfter(ir, target.row - 1)) continue;
        // A label that undoes nothing, shared by the failures of three set-up steps or more, is the function's
        // policy, not a slip: it leaves every step to the object's own teardown ("cleanup is delayed to hw_fini").
        if (
          exits.filter((other) => other.label === exit.label && isStep(other.call.name)).length >= DELEGATED_STEPS &&
          !ir.calls.some((call) => call.row >= target.row && UNDO_CALL.test(call.name))
        )
          continue;
        // The later failure undoes the step itself before it jumps (`__free_engines(clone, n); goto err_unlock;`),
        // or hands on what the step made, returned or filled in (`amdgpu_job_alloc_with_ib(…, &job)`, then
        // `amdgpu_job_free(job); goto out;`).
        const made = [
          ...(before.call.target !== undefined ? [before.call.target] : []),
          ...before.call.args.filter((arg) => /^&[A-Za-z_]\w*$/.test(arg)).map((arg) => arg.slice(1)),
        ];
        const undoes = undoneBy(before.call.name);
        // Undone on the way, before the later call failed (`i915_gem_object_unpin_map(vma->obj);` right after the
        // copy), by name or by an undo handed what the step made (`vma = …ggtt_pin(…)`, then `i915_vma_unpin(vma)`).
        const undoesMade = (call: CallSite) =>
          undoes(call.name) || (UNDO_CALL.test(call.name) && call.args.some((arg) => made.some((object) => mentions(arg, object))));
        if (straightUndo(ir, before.call.row, exit.row, undoesMade)) continue;
        if (
          exit.before.some((node) =>
            node.calls.some(
              (call) =>
                undoes(call.name) ||
                switchedBack(call, before.call) ||
                (!LOGGING.test(call.name) && call.args.some((arg) => made.some((object) => mentions(arg, object)))),
            ),
          )
        )
          continue;
        // A step that returned what it set up (`cf = foo_alloc()`): an unwind that hands that on (`kfree(cf)`) undoes it.
        const result = before.call.target;
        const pointer =
          result !== undefined &&
          [`!${result}`, `IS_ERR(${result})`, `IS_ERR_OR_NULL(${result})`, `${result}==NULL`].includes(unwrap(before.cond));
        if (
          result !== undefined &&
          pointer &&
          ir.calls.some((call) => call.row >= target.row && call.args.some((arg) => mentions(arg, result)))
        )
          continue;
        // The unwind drops a reference on the object the step worked on (`gen8_init_scratch(&ppgtt->vm)`, then
        // `i915_vm_put(&ppgtt->vm)` after the label): when the function made the object, that is the last
        // reference, and its release tears down whatever was set up in it. Not a plain free, which undoes only
        // the allocation; not a put of an object the caller handed in, which others may still hold.
        const object = rootVariable(before.call.args[0]);
        if (
          object !== undefined &&
          madeHere(ir, object, before.call.row) &&
          ir.calls.some(
            (call) => call.row >= target.row && dropsReference(review, call.name) && call.args.some((arg) => rootVariable(arg) === object),
          )
        )
          continue;
        // The unwind tears down the object the step worked on, by the step's own prefix: `drm_fb_helper_fini(fb_helper)`
        // after `drm_fb_helper_single_add_all_connectors(fb_helper)`: the teardown undoes what was added to it.
        if (object !== undefined && objectTeardownAfter(ir, target.row, before.call, object)) continue;
        // Likewise a step that hands back what it set up through an out-parameter (`foo_create_array(in, &info)`, then `kvfree(info)`).
        const outs = before.call.args.flatMap((arg) => /^&([A-Za-z_]\w*)$/.exec(arg.trim())?.[1] ?? []);
        if (outs.some((out) => ir.calls.some((call) => call.row >= target.row && call.args.some((arg) => mentions(arg, out))))) continue;
        issues.push({
          view,
          key: `${ir.name}|unwind|${before.call.name}|${exit.call.name}|${exit.label}`,
          row: exit.row,
          messageId: 'skips',
          data: {
            fn: functionLabel(view),
            later: exit.call.name,
            label: exit.label,
            step: before.call.name,
            undo: `no call named like ${undoHint(before.call.name)}`,
          },
          related: [{ row: before.call.row, message: `${before.call.name}() has succeeded when ${exit.call.name}() fails` }],
        });
      }
    }
    return issues;
  },
};

/**
 * A teardown-verb call after the label (`foo_fini`, `foo_destroy`, …) on `object` whose stem begins the
 * step's name at a word boundary, or whose set-up the function called on `object` before the step: the
 * teardown of the object the step set something up in.
 */
function objectTeardownAfter(ir: FunctionIr, fromRow: number, step: CallSite, object: string): boolean {
  // The object under another name: `connector = &intel_connector->base;` names the base of intel_connector.
  const names = new Set([object]);
  const base = new RegExp(`^&${regExpLiteral(object)}(?:->|\\.)[A-Za-z_]\\w*$`);
  for (const node of ir.nodes) for (const assign of node.assigns) if (base.test(assign.value)) names.add(assign.target);
  const isObject = (arg: string | undefined) => {
    const root = rootVariable(arg);
    return root !== undefined && names.has(root);
  };
  return ir.calls.some((call) => {
    if (call.row < fromRow || !TEARDOWN_VERB.test(call.name) || !isObject(call.args[0])) return false;
    const stem = call.name.replace(TEARDOWN_VERB, '_').replace(/^_+|_+$/g, '');
    if (stem === '') return false;
    if (step.name.startsWith(`${stem}_`)) return true;
    // The teardown of a container this function set up before the step (`drm_mode_config_init(dev)` …
    // `vbox_crtc_init(dev, i)` … `drm_mode_config_cleanup(dev)`): it tears down what was registered in it.
    const setUp = new RegExp(`^${regExpLiteral(stem)}_(?:init|setup|create)$`);
    if (ir.calls.some((earlier) => earlier.row < step.row && setUp.test(earlier.name) && earlier.args.some(isObject))) return true;
    // The object's whole teardown, named for none of its steps (`drm_fbdev_cleanup(fb_helper)` after
    // `drm_fb_helper_init(dev, fb_helper)` and the step): the
    // function set the object up, and this undoes it all. A teardown that is the undo of one of the
    // function's own steps (`foo_fini()` for `foo_init()`) undoes that step only, and one handed a part of
    // the object (`intel_uc_cleanup_firmwares(&i915->gt.uc)`) tears down that part.
    const whole = (arg: string | undefined) => arg !== undefined && names.has(arg.replace(/^&/, '').trim());
    const steps = ir.calls.filter((earlier) => earlier.row < fromRow && earlier !== step && isStep(earlier.name));
    return (
      whole(call.args[0]) &&
      steps.some((earlier) => earlier.row < step.row && OBJECT_SET_UP.test(earlier.name) && earlier.args.some(isObject)) &&
      !steps.some((earlier) => undoneBy(earlier.name)(call.name))
    );
  });
}

/** A step that sets up the object it is handed (`drm_fb_helper_init(dev, helper)`). */
const OBJECT_SET_UP = /_(?:init|setup|create)$/;

/** A put of a counted reference: the pair table's (not one that leaves the object as it was), or a `foo_put()` by name. */
function dropsReference(review: HunkReview, name: string): boolean {
  const pairs = review.pairs.releases.get(name);
  if (pairs) return pairs.some((pair) => pair.kind === 'reference' && !pair.objectLivesOn);
  return /^[a-z]\w*_put$/.test(name);
}

/**
 * `object = kzalloc(…)`, `object = foo_create(…)`: the function made the object it works on. Where the
 * patch does not show the code before the step (a window, or a gap between two hunks), a local that is not
 * a known parameter is taken as made there.
 */
function madeHere(ir: FunctionIr, object: string, stepRow: number): boolean {
  if (ir.calls.some((call) => call.target === object && /(?:alloc|create|new)/.test(call.name))) return true;
  const unseen = !ir.startVisible || ir.calls.some((call) => call.name === WINDOW_GAP && call.row < stepRow);
  return unseen && !(ir.pointerParams ?? []).includes(object);
}

function rowOf(ir: FunctionIr, node: number): number {
  return ir.nodes[node]?.row ?? -1;
}

/** The node a `goto` of this exit lands on. */
function labelTarget(ir: FunctionIr, exit: FailureExit): number | undefined {
  return ir.nodes.find((node) => node.row === exit.row && node.goto === exit.label)?.succ[0];
}

function undoHint(step: string): string {
  const verb = STEP.exec(step)?.[1] as string;
  return `${step.replace(STEP, (whole) => whole.replace(verb, (UNDO[verb] ?? ['undo'])[0] as string))}()`;
}
