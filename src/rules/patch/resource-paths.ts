/**
 * Follows every resource of the pair table along every path of one function
 * (the control-flow view of `parse/c/function-ir`) and reports what happens on
 * some path: a resource still held at a return (leak), released twice
 * (double put / double free through an error label), used after the release
 * that may have freed it, and every call made while locks or a
 * fence-signalling section are held (for the drm_gpuvm contract rules).
 *
 * Path-sensitive but bounded: states are memoised per node, and the walk stops
 * after a fixed number of steps (reported as `truncated`). A failed acquire
 * holds nothing: the branch that tests the result (`IS_ERR(x)`, `!x`,
 * `if (ret)`, `if (!mutex_trylock(...))`) decides.
 *
 * Precision over recall: a resource is only reported leaked when the function
 * itself releases it somewhere (so the function owns it), when it did not
 * escape (returned, stored in another object, handed to an `*_add`/`*_link`
 * style call), and never at the unknown end of a window.
 */

import { WINDOW_GAP, WINDOW_LOOP } from '../../parse/c/fragment';
import { isIteratorMacro, iteratorCursors } from '../../parse/c/iterator-macros';
import type { CallSite, FunctionIr, IrNode } from '../../parse/c/function-ir';
import { rootVariable, splitTop, withoutLiterals } from '../../parse/c/c-text';
import { branchSuccessors, correlatedVariables, factOf, factsAfter } from './branch-facts';
import { branchExit, faultRetryReturn, straightRun, testLeadsTo } from './path-issues';
import { regExpLiteral } from '../../base/regexp-literal';
import { guardAcquire, heldLikeALock, type PairIndex, type ResourcePair } from './resource-pairs';

export type ResourceStatus = 'held' | 'pending' | 'released';

interface Res {
  readonly key: string;
  readonly pair: ResourcePair;
  readonly status: ResourceStatus;
  /** Row of the acquire, when it is in the window. */
  readonly acquireRow?: number;
  readonly releaseRow?: number;
  /** The variable holding an errno-style result still to be tested. */
  readonly errVar?: string;
  /** The variable holding a trylock-style (bool) result still to be tested. */
  readonly boolVar?: string;
  /** Ownership went elsewhere (returned, stored, handed over), or held by assertion only. */
  readonly escaped: boolean;
  /** The release's result was tested (`if (kref_put(...))`): the code knows whether it was the last one. */
  readonly checked?: boolean;
  /** A lock released before this function took it: the caller holds it, and retaking it hands it back. */
  readonly callerHeld?: boolean;
  /** A pointer parameter the function owns: it frees it, or hands it over, on some path (the row that shows it). */
  readonly ownedParam?: number;
  /** Released by handing it to a call that takes ownership: not freed here. */
  readonly handedOver?: boolean;
  /** The row of the last `goto` this path took while holding it. */
  readonly via?: number;
  /** The name its release is called with, when not `key` (see `ResourcePair.releaseKeySlot`). */
  readonly releaseKey?: string;
  /**
   * Taken where the window does not show (before its first line, or in lines between two hunks):
   * believed held because the code after that point releases it, on this row.
   */
  readonly unseenUntil?: number;
}

export interface HeldResource {
  readonly key: string;
  readonly pair: ResourcePair;
  readonly acquireRow?: number;
}

export type PathEvent =
  | {
      readonly type: 'leak';
      readonly key: string;
      readonly pair: ResourcePair;
      readonly acquireRow: number;
      readonly exitRow: number;
      readonly exitText: string;
      /** The leak is a second acquire (this call) over the one still held, not a return. */
      readonly again?: string;
      /** The resource is a parameter the function owns; the row of the release that shows it. */
      readonly ownedParamRow?: number;
      /** The last `goto` the path took with the resource held. */
      readonly viaRow?: number;
      /** Taken out of sight (see `Res.unseenUntil`): the row of the release that shows it held. */
      readonly unseenReleaseRow?: number;
      /**
       * No release of it is in view, but a later failure jumps with it held to an unwind label out of
       * view (`goto failed;`): the row of that jump, whose label must release it.
       */
      readonly unwindJumpRow?: number;
    }
  | {
      readonly type: 'double-release';
      readonly key: string;
      readonly pair: ResourcePair;
      readonly firstRow: number;
      readonly secondRow: number;
      readonly call: string;
    }
  | {
      readonly type: 'use-after-release';
      readonly key: string;
      readonly pair: ResourcePair;
      readonly releaseRow: number;
      readonly useRow: number;
      readonly release: string;
    }
  | { readonly type: 'call-while-held'; readonly call: CallSite; readonly held: readonly HeldResource[] }
  | {
      /** An object freed while a lock inside it is held (lockdep: "held lock freed!"). */
      readonly type: 'freed-while-held';
      readonly key: string;
      readonly pair: ResourcePair;
      readonly acquireRow: number;
      readonly freeRow: number;
      readonly call: string;
      readonly object: string;
    };

export interface PathResult {
  readonly events: PathEvent[];
  readonly truncated: boolean;
}

/** One resource of one kind, as the sets of owned and held resources name it: `what` and key. */
export function resourceId(pair: ResourcePair, key: string): string {
  return `${pair.what}\u0001${key}`;
}

/**
 * A label named for unwinding (`err_free`, `out_unlock`, `fail`, `put_bo`): a
 * label named for what the normal flow does next (`replace`, `retry`) is not
 * the failure's way out.
 */
export const UNWIND_LABEL =
  /err|fail|out|free|put|unlock|release|clean|undo|unwind|abort|exit|bail|unpin|unmap|destroy|fini|unreg|disable|del|remove|cancel|drop|unref|detach|close/i;

/**
 * What a failure's jump to an unwind label out of view shows released there when it is held at the
 * jump: a lock, a runtime-PM or object reference, memory (a pin or a set-up step may be kept on purpose).
 */
const UNWOUND_KINDS = new Set(['lock', 'pm', 'reference', 'memory']);

const MAX_STEPS = 60_000;
/**
 * Distinct states a node is walked with at most. Held resources multiply the
 * states at every branch, and a walk that spends its step budget deep in the
 * first error paths of a long ioctl never reaches the rest of it; past this
 * many, a node's further states are dropped (the walk is then reported as
 * truncated), so every node is still reached.
 */
const MAX_STATES_PER_NODE = 48;
// `queue` is a noun as often as a verb (`foo_queue_prepare` acts on a queue and hands nothing
// over): only as the first or last word (`queue_work`, `drm_sched_entity_queue`) is it a hand-over.
const ESCAPE_CALL =
  /(?:^|_)(?:add|insert|link|push|store|install|attach|set|register|submit|append|enqueue|assign|replace|list_add\w*|xa_store|transfer|swap)(?:_|$)|^queue_|_queue$|^(?:RCU_INIT_POINTER|WRITE_ONCE|smp_store_release)$/;
/**
 * Calls that link a node into a list: a reference taken on the object whose node it is
 * (`i915_request_get(rq); list_add_tail(&rq->signal_link, &signal);`) is the list's to drop.
 */
const LIST_LINK = /^(?:list_add\w*|list_move\w*|llist_add\w*|hlist_add\w*|list_splice\w*)$/;
/** Calls that run an embedded work item or timer later, in another context. */
const ASYNC_HANDOFF =
  /^(?:queue_(?:delayed_|rcu_)?work\w*|schedule_(?:delayed_)?work\w*|\w*irq_work_queue\w*|mod_timer|add_timer|mod_delayed_work\w*|kthread_queue_work)$/;
/**
 * A callback argument named for ending an object's life (`cb_retire`, `obj_free_rcu`, `foo_release`):
 * handed with a node embedded in an allocation (`i915_active_init(&cb->base, NULL, cb_retire)`,
 * `call_rcu(&obj->rcu, obj_free_rcu)`), it frees the allocation when the mechanism is done with it.
 */
const RELEASE_CALLBACK = /^[A-Za-z_]\w*(?:retire|release|free|destroy)\w*$/;

/** Calls that assert their argument instead of branching on it (a test that goes on either way). */
export const ASSERTION =
  /^(?:WARN_ON|WARN_ON_ONCE|BUG_ON|GEM_BUG_ON|GEM_WARN_ON|drm_WARN_ON|drm_WARN_ON_ONCE|XE_WARN_ON|xe_assert|xe_tile_assert|xe_gt_assert)$/;
const LOCK_ASSERT = /^(?:lockdep_assert_held|lockdep_assert_held_once|lockdep_assert_held_write)$/;

/** `&(foo->bar)` → `foo->bar`. */
export function resourceKey(arg: string | undefined): string | undefined {
  if (arg === undefined) return undefined;
  let key = arg;
  for (;;) {
    const before = key;
    if (key.startsWith('&')) key = key.slice(1);
    if (key.startsWith('(') && key.endsWith(')')) key = key.slice(1, -1);
    if (key === before) break;
  }
  return key.length > 0 ? key : undefined;
}

/** The key an acquire call of `pair` names by argument: the one at its acquire slot (the first for a result-style acquire). */
export function acquireKeyOfCall(pair: ResourcePair, call: CallSite): string | undefined {
  if (pair.fixedKey !== undefined) return pair.fixedKey;
  return qualified(pair, call, keyWithPath(call.args[typeof pair.acquireSlot === 'number' ? pair.acquireSlot : 0], pair.acquirePath));
}

/** The key a release call of `pair` names: its argument at the release slot, and the field a wrapper releases. */
export function releaseKeyOfCall(pair: ResourcePair, call: CallSite): string | undefined {
  if (pair.fixedKey !== undefined) return pair.fixedKey;
  return qualified(pair, call, keyWithPath(call.args[pair.releaseSlot ?? 0], pair.releasePath));
}

/** `key` with the argument that picks one resource of the object (`ResourcePair.qualifierSlot`): `i915 (reg)`. */
function qualified(pair: ResourcePair, call: CallSite, key: string | undefined): string | undefined {
  if (key === undefined || pair.qualifierSlot === undefined) return key;
  const qualifier = call.args[pair.qualifierSlot]?.replace(/\s+/g, '');
  return qualifier ? `${key} (${qualifier})` : key;
}

/**
 * An argument's key with the field a wrapper takes or releases of it: `q` and `->lock` give
 * `q->lock`; the address of an object gives its field, `&i915->drm` and `->struct_mutex` give
 * `i915->drm.struct_mutex`, as the code names that lock when it unlocks it directly.
 */
function keyWithPath(arg: string | undefined, path: string | undefined): string | undefined {
  const key = resourceKey(arg);
  if (key === undefined || path === undefined) return key;
  return arg?.startsWith('&') && path.startsWith('->') ? `${key}.${path.slice(2)}` : `${key}${path}`;
}

/**
 * The object a reference key stands for: `&bo->refcount` → `bo`, and the
 * object embedding a counted base (`drm_gem_object_put(&bo->tbo.base)`,
 * `ttm_bo_put(&bo->ttm)`) → `bo`: it dies with its base.
 */
export function objectOf(key: string, pair: ResourcePair): string {
  if (pair.acquire.some((name) => name.startsWith('kref_'))) return key.replace(/(?:->|\.)(?:refcount|kref|ref|base\.refcount)$/, '');
  if (pair.kind === 'reference') {
    let object = key;
    for (let before = ''; before !== object;) {
      before = object;
      object = object.replace(/(?:->|\.)(?:base|tbo|ttm|gem)$/, '');
    }
    return object;
  }
  return key;
}

/**
 * Unwraps `likely(...)`, `unlikely(...)` and the warning wrappers that return
 * their condition (`WARN_ON(c)`, `drm_WARN_ON(dev, c)`, `XE_IOCTL_DBG(xe, c)`; i915's
 * `GEM_WARN_ON(c)` does so in its debug builds, which is what its code is written for).
 */
export function unwrap(cond: string): string {
  let c = cond;
  for (;;) {
    const match =
      /^(?:un)?likely\((.*)\)$/.exec(c) ??
      /^(?:WARN_ON|WARN_ON_ONCE|GEM_WARN_ON)\((.*)\)$/.exec(c) ??
      /^(?:drm_WARN_ON|drm_WARN_ON_ONCE|XE_IOCTL_DBG|XE_WARN_ON)\([^,()]*(?:\([^()]*\))?[^,()]*,(.*)\)$/.exec(c) ??
      /^\((.*)\)$/.exec(c);
    if (!match) return c;
    c = match[1] as string;
  }
}

export type Outcome = 'success' | 'failure' | undefined;

/** What the branch condition says about a pending pointer result in `v`, on the `then` side. */
export function pointerTest(cond: string, v: string): Outcome {
  const c = unwrap(cond);
  if (c === `!${v}` || c === `${v}==NULL` || c === `NULL==${v}` || c === `IS_ERR(${v})` || c === `IS_ERR_OR_NULL(${v})`) return 'failure';
  if (c === v || c === `${v}!=NULL` || c === `!IS_ERR(${v})` || c === `!IS_ERR_OR_NULL(${v})`) return 'success';
  return undefined;
}

/** What the branch condition says about an errno result held in `v`, on the `then` side. */
/** A trylock-style result: true means acquired. */
export function boolTest(cond: string, v: string): Outcome {
  const c = unwrap(cond);
  if (c === v || c === `${v}!=0` || c === `${v}==true`) return 'success';
  if (c === `!${v}` || c === `${v}==0` || c === `${v}==false`) return 'failure';
  return undefined;
}

export function errnoTest(cond: string, v: string): Outcome {
  const c = unwrap(cond);
  if (c === v || c === `${v}<0` || c === `${v}!=0` || c === `IS_ERR_VALUE(${v})`) return 'failure';
  if (c === `!${v}` || c === `${v}==0` || c === `${v}>=0`) return 'success';
  return undefined;
}

/** `(struct foo *)key`: the value is `key` behind a cast. */
function isCastOf(value: string, key: string): boolean {
  if (!value.startsWith('(') || !value.endsWith(key)) return false;
  const cast = value.slice(0, value.length - key.length);
  return cast.endsWith(')') && cast.indexOf(')') === cast.length - 1 && !cast.slice(1, -1).includes('(');
}

/**
 * `ptr_pack_bits(syncobj, flags, 2)`, `barrier_to_ll(node)`: a call whose
 * first argument is the resource and that is no acquire or release, so its
 * value is the resource in another form (tag bits packed into the pointer,
 * a member reached from it, a cast helper). `foo_get(obj)` takes a new
 * reference and is not one.
 */
function wrapsResource(expression: string, key: string, pairs: PairIndex): boolean {
  const call = /^([A-Za-z_]\w*)\(([^(),]+)[,)]/.exec(expression.trim());
  if (!call || call[2]?.trim() !== key) return false;
  const name = call[1] as string;
  return !pairs.acquires.has(name) && !pairs.releases.has(name);
}

/** `f->syncobj = ptr_pack_bits(syncobj, flags, 2)`: a field or element given the resource in another form holds it. */
function isPackedStore(target: string, value: string, key: string, pairs: PairIndex): boolean {
  return /->|\.|\[/.test(target) && wrapsResource(value, key, pairs);
}

function replace(state: readonly Res[], key: string, next: Res | undefined): Res[] {
  const out = state.filter((res) => res.key !== key);
  if (next) out.push(next);
  return out;
}

function signature(state: readonly Res[]): string {
  return state
    .map(
      (r) =>
        `${r.key}\u0001${r.releaseKey ?? ''}\u0001${r.via ?? ''}\u0001${r.ownedParam ?? ''}\u0001${r.callerHeld ? 1 : 0}\u0001${r.status}\u0001${r.acquireRow ?? ''}\u0001${r.releaseRow ?? ''}\u0001${r.escaped ? 1 : 0}\u0001${r.checked ? 1 : 0}\u0001${r.errVar ?? ''}\u0001${r.boolVar ?? ''}`,
    )
    .sort()
    .join('\u0002');
}

/** Whether `key` occurs in `text` as a whole name or expression (never inside a string or character literal). */
export function mentions(text: string, key: string): boolean {
  if (text === key) return true;
  text = withoutLiterals(text);
  const index = text.indexOf(key);
  if (index === -1) return false;
  const before = text[index - 1];
  const after = text[index + key.length];
  return (before === undefined || !/\w/.test(before)) && (after === undefined || !/[\w]/.test(after));
}

/**
 * Releases that are the other arm of an `if` whose one arm takes the same
 * resource (`if (enable) foo_get(dev, &dev->irq); else foo_put(dev, &dev->irq);`):
 * such a function switches a count on or off for its caller, so that release
 * says nothing about the function owning what it takes.
 */
function toggleReleases(fn: FunctionIr, pairs: PairIndex): Set<CallSite> {
  const toggles = new Set<CallSite>();
  // The two arms of every `if`, and each statement against itself (`enable ? foo_get(x) : foo_put(x)`).
  const arms: [readonly CallSite[], readonly CallSite[]][] = [];
  // A switch is short: an arm of a few calls (the get or put, perhaps a message), not a block that does its own work.
  for (const fact of fn.ifs) {
    if (fact.thenCalls.length <= 2 && fact.elseCalls.length <= 2)
      arms.push([fact.thenCalls, fact.elseCalls], [fact.elseCalls, fact.thenCalls]);
  }
  for (const node of fn.nodes) if (node.calls.length === 2) arms.push([node.calls, node.calls]);
  for (const [taking, releasing] of arms) {
    for (const release of releasing) {
      const released = pairs.releases.get(release.name);
      if (!released) continue;
      // Only a pure switch: one arm takes and does not release, the other releases and does not take.
      const toggled = released.some((pair) => {
        const key = releaseKeyOfCall(pair, release);
        if (key === undefined || !takesKey(taking, pair, key)) return false;
        return taking === releasing || (!releasesKey(taking, pair, key) && !takesKey(releasing, pair, key));
      });
      if (toggled) toggles.add(release);
    }
  }
  return toggles;
}

/** One of `calls` takes `key` by an acquire of `pair` that names it in an argument. */
function takesKey(calls: readonly CallSite[], pair: ResourcePair, key: string): boolean {
  return calls.some((call) => pair.acquire.includes(call.name) && pair.acquireSlot !== 'result' && acquireKeyOfCall(pair, call) === key);
}

/** One of `calls` releases `key` by a release of `pair`. */
function releasesKey(calls: readonly CallSite[], pair: ResourcePair, key: string): boolean {
  return calls.some((call) => pair.release.includes(call.name) && releaseKeyOfCall(pair, call) === key);
}

/** `releaseKeys` of a function's calls but the releases that only switch a count off (`toggleReleases`). */
export function ownedKeys(fn: FunctionIr, pairs: PairIndex, into = new Set<string>()): Set<string> {
  const toggles = toggleReleases(fn, pairs);
  const dropsOld = releasesBeforeTaking(fn, pairs);
  const skip = (call: CallSite) => toggles.has(call) || dropsOld.has(call);
  return releaseKeys(toggles.size === 0 && dropsOld.size === 0 ? fn.calls : fn.calls.filter((call) => !skip(call)), pairs, into);
}

/**
 * Releases no acquire of the same resource in the function reaches, where the function does take
 * it: `if (state->crtc) drm_connector_put(c); … if (encoder) drm_connector_get(c);` drops the
 * reference the old state held and takes the one the new state holds. Such a release says the
 * function replaces what its caller keeps, not that it owns what it takes.
 */
function releasesBeforeTaking(fn: FunctionIr, pairs: PairIndex): Set<CallSite> {
  const out = new Set<CallSite>();
  const nodeOf = new Map<CallSite, IrNode>();
  for (const node of fn.nodes) for (const call of node.calls) nodeOf.set(call, node);
  let reach: Map<IrNode, Set<number>> | undefined;
  const reachable = (from: IrNode): Set<number> => {
    reach ??= new Map();
    let found = reach.get(from);
    if (found) return found;
    found = new Set<number>();
    const stack = [...from.succ];
    while (stack.length > 0) {
      const id = stack.pop() as number;
      if (found.has(id)) continue;
      found.add(id);
      stack.push(...((fn.nodes[id] as IrNode | undefined)?.succ ?? []));
    }
    reach.set(from, found);
    return found;
  };
  const takenKey = (pair: ResourcePair, call: CallSite) => (pair.acquireSlot === 'result' ? call.target : acquireKeyOfCall(pair, call));
  for (const release of fn.calls) {
    const releaseNode = nodeOf.get(release);
    const released = pairs.releases.get(release.name) ?? [];
    if (!releaseNode || released.length === 0) continue;
    // Every resource the call releases must be one the function takes only after it (by any acquire
    // of the same kind of reference: a lookup and a get of one fence balance the same put).
    const dropsOld = released.every((pair) => {
      const key = releaseKeyOfCall(pair, release);
      if (pair.kind !== 'reference' || key === undefined) return false;
      const acquires = fn.calls.filter((call) => {
        const taken = pairs.acquires.get(call.name);
        return taken?.kind === 'reference' && taken.what === pair.what && takenKey(taken, call) === key;
      });
      if (acquires.length === 0) return false;
      return !acquires.some((call) => {
        const node = nodeOf.get(call);
        return node === undefined || node === releaseNode || reachable(node).has(releaseNode.id);
      });
    });
    if (dropsOld) out.add(release);
  }
  return out;
}

/** `what` + key of every release call of a function: the resources it owns. */
export function releaseKeys(calls: readonly CallSite[], pairs: PairIndex, into = new Set<string>()): Set<string> {
  for (const call of calls) {
    const released = pairs.releases.get(call.name);
    if (!released) continue;
    for (const pair of released) {
      const key = releaseKeyOfCall(pair, call);
      if (key) into.add(resourceId(pair, key));
    }
  }
  return into;
}

/**
 * `owned` adds releases seen elsewhere for the same function: in the other
 * image of the hunk (a fix that adds the missing put) or in another hunk of
 * the same function (the put sits further down, outside this window).
 */
export function walkResources(fn: FunctionIr, pairs: PairIndex, owned: ReadonlySet<string> = new Set()): PathResult {
  const events: PathEvent[] = [];
  const seenEvents = new Set<string>();
  const emit = (event: PathEvent, id: string) => {
    if (seenEvents.has(id)) return;
    seenEvents.add(id);
    events.push(event);
  };
  /** Keys the function releases somewhere: only those are owned here. */
  const releasedSomewhere = ownedKeys(fn, pairs, new Set(owned));
  const lockFunction = /lock/.test(fn.name);
  // Resources no release in view shows owned, held where a failure jumps to an unwind label out of view
  // (the row of the first such jump), and the failure returns that keep them (decided after the walk).
  const heldAtUnseenUnwind = new Map<string, number>();
  const unreleasedAtFailure: { event: Extract<PathEvent, { type: 'leak' }>; id: string }[] = [];

  const visited = new Set<string>();
  const statesAt: number[] = [];
  const start = fn.startVisible ? [] : heldOutOfSight(fn, pairs, -1);
  const correlated = correlatedVariables(fn);
  const stack: { node: number; state: Res[]; facts: string }[] = [
    { node: fn.entry, state: [...ownedParams(fn, pairs), ...start], facts: '' },
  ];
  // The code after a gap is reached from the unknown code too (a `break` out of a loop the gap opened).
  for (const node of fn.nodes)
    if (node.calls.some((call) => call.name === WINDOW_GAP)) stack.unshift({ node: node.id, state: [], facts: '' });
  let steps = 0;
  let truncated = false;

  while (stack.length > 0) {
    if (++steps > MAX_STEPS) {
      truncated = true;
      break;
    }
    const { node: id, state: incoming, facts: incomingFacts } = stack.pop() as { node: number; state: Res[]; facts: string };
    const memo = `${id}\u0003${signature(incoming)}\u0003${incomingFacts}`;
    if (visited.has(memo)) continue;
    const seen = statesAt[id] ?? 0;
    if (seen >= MAX_STATES_PER_NODE) {
      truncated = true;
      continue;
    }
    statesAt[id] = seen + 1;
    visited.add(memo);
    const node = fn.nodes[id] as IrNode;
    if (node.kind === 'unknown') continue;
    const state = applyNode(node, incoming, pairs, emit, fn);
    const facts = factsAfter(node, incomingFacts, correlated);

    if (node.kind === 'return' || node.kind === 'exit') {
      for (const res of state) {
        if (res.status !== 'held' || res.escaped || res.acquireRow === undefined) continue;
        if (node.returned !== undefined && mentions(node.returned, res.key)) continue;
        if (res.ownedParam !== undefined) {
          // An owned parameter leaks only where the function reports failure: on success it may keep it.
          if (node.kind !== 'return' || !FAILURE_RETURN.test(node.returned ?? '')) continue;
          emit(
            {
              type: 'leak',
              key: res.key,
              pair: res.pair,
              acquireRow: res.acquireRow,
              exitRow: node.row,
              exitText: node.returned ?? '',
              ownedParamRow: res.ownedParam,
            },
            `leak\u0001${res.key}\u0001param\u0001${node.row}`,
          );
          continue;
        }
        const ownedHere = releasedSomewhere.has(resourceId(res.pair, res.key));
        if (!ownedHere && !(UNWOUND_KINDS.has(res.pair.kind) && node.kind === 'return' && failureReturn(fn, node))) continue;
        if (heldLikeALock(res.pair.kind) && lockFunction) continue;
        if (keptOnSuccess(fn, node, facts, res)) continue;
        // The fault-retry protocol: the callee that asked for the retry dropped the locks (`path-issues.ts`).
        if (res.pair.kind === 'lock' && node.kind === 'return' && faultRetryReturn(fn, node)) continue;
        // Memory or a reference reached through a field (`smu_data->toc`), taken out of sight and released
        // after this exit (the error unwind): the field keeps it, as the object's, on any return but one
        // that reports a failure (`return r;` after a success path that set `r = 0` is no such return).
        if (
          res.unseenUntil !== undefined &&
          (res.pair.kind === 'memory' || res.pair.kind === 'reference') &&
          /->|\./.test(res.key) &&
          node.kind === 'return' &&
          !failureReturn(fn, node)
        )
          continue;
        // A set-up step (`foo_init()` undone by `foo_fini()`) kept when the function reports success is its purpose.
        if (
          res.pair.objectLivesOn &&
          (SUCCESS_RETURN.test(node.kind === 'return' ? (node.returned ?? '') : '') || returnsCheckedResult(fn, node))
        )
          continue;
        const event = {
          type: 'leak' as const,
          key: res.key,
          pair: res.pair,
          acquireRow: res.acquireRow,
          exitRow: node.row,
          exitText: node.returned ?? '',
          ...(res.via !== undefined ? { viaRow: res.via } : {}),
          ...(res.unseenUntil !== undefined ? { unseenReleaseRow: res.unseenUntil } : {}),
        };
        const id = `leak\u0001${res.key}\u0001${res.acquireRow}\u0001${node.row}\u0001${res.via ?? ''}`;
        if (ownedHere) emit(event, id);
        else unreleasedAtFailure.push({ event, id });
      }
      continue;
    }

    if (node.kind === 'branch' && node.succ.length === 2 && node.cond !== undefined) {
      const [thenState, failedElse] = splitOnCondition(node, state, pairs, fn);
      // Memory the tested call took over where it succeeded (its failure branch frees it).
      const elseState = failedElse.map((res) => (registeredByCheckedCall(fn, node, res) ? { ...res, escaped: true } : res));
      // Pushed in reverse: the `then` successor is walked first.
      for (const next of branchSuccessors(node, facts, correlated).reverse())
        stack.push({ node: next.succ, state: next.taken === 'then' ? thenState : elseState, facts: next.facts });
      continue;
    }
    // A failure's jump to an unwind label out of view with a resource held: that label releases it.
    if (node.goto !== undefined && UNWIND_LABEL.test(node.goto) && fn.nodes[node.succ[0] ?? -1]?.kind === 'unknown') {
      for (const res of state) {
        const held = resourceId(res.pair, res.key);
        if (UNWOUND_KINDS.has(res.pair.kind) && res.status === 'held' && !res.escaped && !heldAtUnseenUnwind.has(held))
          heldAtUnseenUnwind.set(held, node.row);
      }
    }
    // A jump to an error label: remember it on what is held, it is where a leak is decided.
    const next =
      node.goto === undefined
        ? state
        : state.map((res) => (res.status === 'held' && !res.escaped && res.ownedParam === undefined ? { ...res, via: node.row } : res));
    for (let i = node.succ.length - 1; i >= 0; i--) stack.push({ node: node.succ[i] as number, state: next, facts });
  }
  // A failure return that keeps what a later failure's unwind label releases (`mutex_lock(&smu->mutex);
  // … if (ret) return ret; … if (ret) goto failed;`, `failed:` out of view): it skips that unwind.
  for (const { event, id } of unreleasedAtFailure) {
    const jump = heldAtUnseenUnwind.get(resourceId(event.pair, event.key));
    if (jump !== undefined && jump !== event.exitRow && event.viaRow === undefined) emit({ ...event, unwindJumpRow: jump }, id);
  }
  return { events, truncated };
}

/** Applies one node's assignments and calls (a branch's condition calls outside bool-style acquires). */
/** A call that tears a whole object down: `*_put`, `*_destroy`, `*_free`, `*_release`, `*_fini`, `*_close_and_put`. */
const TEARDOWN = /(?:^|_)(?:put|destroy|free|release|fini)$/;

function applyNode(node: IrNode, incoming: Res[], pairs: PairIndex, emit: (event: PathEvent, id: string) => void, fn: FunctionIr): Res[] {
  // The code between two hunks is unknown: whatever was held before it may have been released there,
  // unless the code right after it releases it (then the gap did not: that would be a double release).
  const gap = node.calls.find((call) => call.name === WINDOW_GAP);
  if (gap) {
    const kept = incoming.filter((res) => res.status === 'held' && !res.escaped && releasedAfterGap(fn, pairs, gap.row, res));
    return [...kept, ...heldOutOfSight(fn, pairs, gap.row).filter((res) => !kept.some((other) => other.key === res.key))];
  }
  // The head of a loop standing for a block the gap opened: going round it runs the top of the body the
  // patch does not show (a `spin_lock()` before the `continue` came back), which may take again what
  // was released, so a release after it is no second one.
  let state = node.calls.some((call) => call.name === WINDOW_LOOP) ? incoming.filter((res) => res.status !== 'released') : incoming;
  // A release callback stored in an object embedded in an allocation (`aux_dev = &adev->aux_dev; …
  // aux_dev->dev.release = gsc_release_dev;`): from here on the device model frees it through that
  // callback (put_device(), *_uninit()), as when the callback is passed to a call (below).
  for (const assign of node.assigns) {
    if (!/(?:->|\.)release$/.test(assign.target) || !/^[A-Za-z_]\w*$/.test(assign.value)) continue;
    const root = /^[A-Za-z_]\w*/.exec(assign.target)?.[0];
    if (!root) continue;
    const aliases = fn.nodes.flatMap((other) => other.assigns.filter((a) => a.target === root).map((a) => a.value));
    for (const res of state) {
      if (res.status === 'released' || res.escaped || res.pair.kind !== 'memory') continue;
      if (root === res.key || aliases.some((value) => value.startsWith(`&${res.key}->`)))
        state = replace(state, res.key, { ...res, escaped: true });
    }
  }
  // The end of a guard's scope releases its lock (see `IrNode.scopeExit`).
  for (const lock of node.scopeExit ?? []) {
    const key = resourceKey(lock);
    if (key) state = state.filter((res) => res.key !== key);
  }
  const conditionAcquire = node.kind === 'branch' ? conditionalAcquire(node, pairs) : undefined;
  // An iterator macro (`list_for_each_entry_safe(pos, n, head, member)`) assigns its cursor
  // on every round: what the previous round freed, or held through it (`pos->base.resv`), is not this round's.
  for (const call of node.calls) {
    if (!isIteratorMacro(call.name)) continue;
    for (const cursor of iteratorCursors(call.name, call.args)) {
      const previous = (res: Res) =>
        res.key === cursor ||
        objectOf(res.key, res.pair) === cursor ||
        res.key.startsWith(`${cursor}->`) ||
        res.key.startsWith(`${cursor}.`);
      if (state.some(previous)) state = state.filter((res) => !previous(res));
    }
  }

  // An owned parameter handed whole to another call may be owned by that call now.
  for (const res of state) {
    if (res.ownedParam === undefined || res.status !== 'held' || res.escaped) continue;
    if (node.calls.some((call) => !pairs.releases.has(call.name) && call.args.some((arg) => resourceKey(arg) === res.key)))
      state = replace(state, res.key, { ...res, escaped: true });
  }

  // A resource kept inside an object (`vm->rftree[id]`, not a lock) goes with the object: a call that
  // tears the whole object down (`xe_vm_close_and_put(vm)`, `foo_destroy(foo)`) releases what it holds
  // through the object's destructor. A plain memory free (`kfree(vm)`) runs no destructor and counts not.
  const tornDown = node.calls
    .filter((call) => TEARDOWN.test(call.name) && !(pairs.releases.get(call.name) ?? []).some((pair) => pair.kind === 'memory'))
    .flatMap((call) => call.args);
  if (tornDown.length > 0) {
    for (const res of state) {
      if (res.status !== 'held' || res.escaped || res.pair.kind === 'lock') continue;
      const root = /^([A-Za-z_]\w*)(?:->|\.)/.exec(res.key)?.[1];
      if (root !== undefined && tornDown.includes(root)) state = replace(state, res.key, { ...res, escaped: true });
    }
  }

  // Use after release: a dereference, or the object handed to a call other than its release.
  for (const res of state) {
    if (res.status !== 'released' || res.releaseRow === undefined || res.checked) continue;
    if ((res.pair.kind !== 'reference' && res.pair.kind !== 'memory') || res.pair.objectLivesOn) continue;
    const object = objectOf(res.key, res.pair);
    if (!/^[A-Za-z_][\w>.-]*$/.test(object)) continue;
    const reassigned = node.assigns.some((a) => a.target === object);
    const deref = node.derefs.some((d) => d === object);
    const passed = node.calls.some(
      (call) =>
        !pairs.releases.has(call.name) &&
        !pairs.acquires.has(call.name) &&
        call.args.some((arg) => arg === object || arg.startsWith(`${object}->`)),
    );
    const tested = node.kind === 'branch' && !deref && !passed;
    // Taking a new reference on it (`drm_connector_put(&c->base)` for the old state, then
    // `drm_connector_get(&c->base)` for the new one) says the object lives on: the put was not the last.
    // Any acquire of the same kind of reference counts (the put ends a lookup's and a get's alike).
    const retaken = node.calls.some((call) => {
      const taken = pairs.acquires.get(call.name);
      return taken !== undefined && taken.what === res.pair.what && acquireKeyOfCall(taken, call) === res.key;
    });
    if (
      (deref || passed) &&
      !reassigned &&
      !tested &&
      !retaken &&
      !keptJustBefore(fn, res, object) &&
      !iteratorHolds(fn, res, object) &&
      !rcuWalkHolds(fn, res, object) &&
      !droppedAtOnce(fn, res.releaseRow, object)
    ) {
      const release = fn.calls.find((c) => c.row === res.releaseRow && res.pair.release.includes(c.name));
      emit(
        {
          type: 'use-after-release',
          key: object,
          pair: res.pair,
          releaseRow: res.releaseRow,
          useRow: node.row,
          release: release?.name ?? res.pair.release[0] ?? '',
        },
        `uar\u0001${object}\u0001${res.releaseRow}\u0001${node.row}`,
      );
    }
  }

  // A trylock result asserted (`WARN_ON(!ret)`) or overwritten before any test: the code takes it as acquired.
  for (const res of state) {
    if (res.status !== 'pending' || !res.boolVar) continue;
    const variable = res.boolVar;
    const asserted = node.calls.some((call) => ASSERTION.test(call.name) && call.args.some((arg) => mentions(arg, variable)));
    const overwritten = node.assigns.some((a) => a.target === variable) && !node.calls.some((call) => call.target === variable);
    if (asserted || overwritten) state = replace(state, res.key, { ...res, status: 'held' });
  }

  // A declaration starts a new variable (a loop body's `struct dma_fence *fence;`), and a new
  // index value (`i = 0` of the next loop) a new element: what the old one held is not this one.
  const fresh = [
    ...(node.declares ?? []),
    ...(node.steps ?? []),
    ...node.assigns.map((a) => a.target).filter((t) => /^[A-Za-z_]\w*$/.test(t)),
  ];
  for (const name of fresh) {
    // Given a new value (`entity = &ctx->entities[0][i]` at the top of each pass), `entity->fences` names
    // another object: what was released through the old one is not this one's.
    const assigned = node.assigns.some((a) => a.target === name);
    state = state.filter(
      (res) =>
        (!node.declares?.includes(name) || (res.key !== name && !res.key.startsWith(`${name}->`) && !res.key.startsWith(`${name}.`))) &&
        !(assigned && res.status === 'released' && (res.key.startsWith(`${name}->`) || res.key.startsWith(`${name}.`))) &&
        !res.key.includes(`[${name}]`),
    );
  }

  // Assignments overwrite what a variable held (`x = NULL` after a free), unless the value is an acquire
  // keyed on the variable itself (`obj = foo_get_obj(...)`, applied below). `last = dma_fence_get(iter)`
  // is keyed on its argument: last holds a new fence, not the one put before.
  for (const assign of node.assigns) {
    const held = state.find((res) => res.key === assign.target);
    const reacquired = node.calls.some((call) => {
      const pair = call.target === assign.target ? pairs.acquires.get(call.name) : undefined;
      return pair !== undefined && (pair.acquireSlot === 'result' || acquireKeyOfCall(pair, call) === assign.target);
    });
    if (held && !reacquired) state = replace(state, assign.target, undefined);
    // Storing a held resource elsewhere hands its ownership over.
    for (const res of state) {
      if (res.status === 'released' || res.escaped || assign.target === res.key) continue;
      if (
        assign.value === res.key ||
        isCastOf(assign.value, res.key) ||
        isPackedStore(assign.target, assign.value, res.key, pairs) ||
        embeddedAddress(assign.target, assign.value, res)
      ) {
        state = replace(state, res.key, { ...res, escaped: true });
      }
    }
  }

  for (const call of node.calls) {
    const held = state.filter((res) => res.status !== 'released' && (heldLikeALock(res.pair.kind) || res.pair.kind === 'fence-signalling'));
    if (held.length > 0)
      emit(
        {
          type: 'call-while-held',
          call,
          held: held.map(({ key, pair, acquireRow }) => ({ key, pair, ...(acquireRow !== undefined ? { acquireRow } : {}) })),
        },
        `call\u0001${call.row}\u0001${call.column}\u0001${held.map((h) => h.key).join(',')}`,
      );

    if (LOCK_ASSERT.test(call.name)) {
      const key = resourceKey(call.args[0]);
      const mutex = pairs.acquires.get('mutex_lock');
      if (key && mutex && !state.some((res) => res.key === key && res.status !== 'released'))
        state = replace(state, key, { key, pair: mutex, status: 'held', escaped: true });
      continue;
    }

    // A scope-based guard holds its lock up to the end of its scope, on every path: never a leak.
    const guard = guardAcquire(call);
    if (guard) {
      const pair = pairs.acquires.get(guard.acquire);
      const key = resourceKey(guard.lock);
      if (pair && key) state = replace(state, key, { key, pair, status: 'held', acquireRow: call.row, escaped: true });
      continue;
    }

    const acquired = pairs.acquires.get(call.name);
    if (acquired && call !== conditionAcquire?.call) {
      const slot = acquired.acquireSlot ?? 0;
      const nested = node.calls.some((other) => other !== call && other.args.some((arg) => arg.includes(`${call.name}(`)));
      let key = slot === 'result' ? call.target : acquireKeyOfCall(acquired, call);
      // Stored straight into an object or through an out-parameter (`*ef = dma_fence_get(&info->eviction_fence->base)`).
      if (slot !== 'result' && call.target && /->|\.|\[|^\*/.test(call.target)) key = undefined;
      if (key && !nested && acquired.style === 'bool' && call.target && !/->|\.|\[/.test(call.target)) {
        // `ret = dma_resv_trylock(...)`: acquired or not, as the tests of `ret` say.
        state = replace(state, key, { key, pair: acquired, status: 'pending', acquireRow: call.row, boolVar: call.target, escaped: false });
      } else if (key && !nested && acquired.style !== 'bool') {
        const previous = state.find((res) => res.key === key);
        // Acquired again while this path still holds it: an init done twice leaks the first one.
        // Two initialisations of the same object (`xe_validation_ctx_init()` sets up the drm_exec
        // that `drm_exec_init()` then sets up again) overwrite the first, whatever the kind.
        const initTwice =
          previous?.pair.what === acquired.what && /_init$/.test(call.name) && previous.pair.acquire.some((name) => /_init$/.test(name));
        if (
          previous?.status === 'held' &&
          !previous.escaped &&
          previous.acquireRow !== undefined &&
          previous.acquireRow < call.row &&
          (initTwice ||
            (previous.pair === acquired &&
              (acquired.kind === 'reference' || acquired.kind === 'memory') &&
              releasedSomewhereOf(fn, pairs).has(resourceId(acquired, key))))
        ) {
          emit(
            { type: 'leak', key, pair: acquired, acquireRow: previous.acquireRow, exitRow: call.row, exitText: '', again: call.name },
            `leak\u0001${key}\u0001${previous.acquireRow}\u0001${call.row}`,
          );
        }
        if (acquired.style === 'errno' && !call.target) {
          // The result is ignored (`dma_resv_lock(resv, NULL)` cannot fail): the caller treats it as taken.
          state = replace(state, key, {
            key,
            pair: acquired,
            status: 'held',
            acquireRow: call.row,
            escaped: previous?.callerHeld === true,
            // Still the caller's: dropping it again (the next turn of a drop-and-retake loop) is no release of ours.
            ...(previous?.callerHeld ? { callerHeld: true } : {}),
            ...releaseKeyOf(acquired, call),
          });
        } else {
          state = replace(state, key, {
            key,
            pair: acquired,
            status: acquired.style === 'always' ? 'held' : 'pending',
            acquireRow: call.row,
            ...(previous?.callerHeld ? { callerHeld: true } : {}),
            ...releaseKeyOf(acquired, call),
            ...(acquired.style === 'errno' && call.target ? { errVar: call.target } : {}),
            // Stored into an object or through an out-parameter, or a lock the caller holds being retaken,
            // or stored just before the get (`fences[n++] = fence; dma_fence_get(fence);`): the store owns it.
            // A variable with a cleanup attribute (`__free(kfree)`) is released by the compiler on every path.
            escaped:
              (slot === 'result' && /->|\.|\[|^\*/.test(key)) ||
              previous?.callerHeld === true ||
              storedJustBefore(fn, key, call.row) ||
              fn.autoReleased?.has(key) === true,
          });
        }
      }
      continue;
    }

    // A kref release callback may drop the locks held around the put (kref_put_mutex style):
    // what happens to them is no longer visible here.
    if (call.name.startsWith('kref_put') && call.args.length > 1) {
      for (const res of state) {
        if (res.pair.kind === 'lock' && res.status !== 'released' && !res.escaped)
          state = replace(state, res.key, { ...res, escaped: true });
      }
    }

    const releasedPairs = pairs.releases.get(call.name);
    // Freeing an object whose lock this path holds: the lock dies held.
    if (releasedPairs?.some((pair) => pair.kind === 'memory' && !pair.handsOver)) {
      const object = resourceKey(call.args[0]);
      for (const res of object ? state : []) {
        if (res.pair.kind !== 'lock' || res.status !== 'held' || res.escaped || res.acquireRow === undefined || res.callerHeld) continue;
        if (!res.key.startsWith(`${object}->`) && !res.key.startsWith(`${object}.`)) continue;
        emit(
          {
            type: 'freed-while-held',
            key: res.key,
            pair: res.pair,
            acquireRow: res.acquireRow,
            freeRow: call.row,
            call: call.name,
            object: object as string,
          },
          `freed\u0001${res.key}\u0001${call.row}`,
        );
      }
    }
    if (releasedPairs) {
      for (const pair of releasedPairs) {
        const key = releaseKeyOfCall(pair, call);
        if (!key) continue;
        const res = state.find((r) => (r.key === key || r.releaseKey === key) && r.pair.what === pair.what);
        if (
          res &&
          res.status === 'released' &&
          res.releaseRow !== undefined &&
          res.releaseRow !== call.row &&
          !res.handedOver &&
          !pair.handsOver &&
          // Two puts of the caller's counts of a power state or a step (`intel_display_power_put(i915,
          // POWER_DOMAIN_INIT)` twice, for the two the init took): counts, not a life ended twice.
          !(res.acquireRow === undefined && (res.pair.objectLivesOn || pair.objectLivesOn))
        ) {
          emit(
            { type: 'double-release', key, pair, firstRow: res.releaseRow, secondRow: call.row, call: call.name },
            `double\u0001${key}\u0001${res.releaseRow}\u0001${call.row}`,
          );
        }
        if (res && res.status === 'released') continue;
        // A hand-over is not a free: what the caller does with it afterwards is not a use after free.
        const checked = call.target !== undefined || node.kind === 'branch' || pair.handsOver === true;
        // Unlocking what this path never locked: the caller holds it (drop and retake around a sleep).
        // So does one only believed held from before the window (drop and retake, as far as it shows).
        const callerHeld = res?.callerHeld === true || (heldLikeALock(pair.kind) && (!res || res.unseenUntil !== undefined));
        const resKey = res?.key ?? key;
        state = replace(state, resKey, {
          ...(callerHeld ? { callerHeld } : {}),
          key: resKey,
          ...(res?.releaseKey !== undefined ? { releaseKey: res.releaseKey } : {}),
          pair,
          status: 'released',
          ...(res?.acquireRow !== undefined ? { acquireRow: res.acquireRow } : {}),
          releaseRow: call.row,
          escaped: false,
          ...(checked ? { checked } : {}),
          ...(pair.handsOver ? { handedOver: true } : {}),
        });
        break;
      }
      continue;
    }

    // Handing a held reference to an `*_add`/`*_link` style call transfers it; so does linking a
    // node embedded in it (`list_add_tail(&q->link, &fdev->queues)`): the list holds the object, and the
    // reference taken on it (`i915_request_get(rq)` before `list_add_tail(&rq->signal_link, &signal)`).
    // Queueing work embedded in a referenced object (`irq_work_queue(&rq->work)`, `schedule_work(&q->work)`)
    // hands the reference to the work, whose callback drops it.
    const handsOverAsync = ASYNC_HANDOFF.test(call.name);
    // The allocation a release callback is registered for belongs to that mechanism from here on.
    if (call.args.some((arg) => RELEASE_CALLBACK.test(arg.trim()))) {
      for (const res of state) {
        if (
          res.status !== 'released' &&
          !res.escaped &&
          res.pair.kind === 'memory' &&
          call.args.some((arg) => arg.startsWith(`&${res.key}->`))
        )
          state = replace(state, res.key, { ...res, escaped: true });
      }
    }
    if (ESCAPE_CALL.test(call.name) || handsOverAsync) {
      for (const res of state) {
        const embedded = res.pair.kind === 'memory' || (res.pair.kind === 'reference' && (handsOverAsync || LIST_LINK.test(call.name)));
        if (
          res.status !== 'released' &&
          !res.escaped &&
          !heldLikeALock(res.pair.kind) &&
          call.args.some(
            (arg) =>
              resourceKey(arg) === res.key ||
              // The work item is the object's, beside the reference's member (`&connector->work` for `connector->base`).
              (embedded && (arg.startsWith(`&${res.key}->`) || arg.startsWith(`&${objectOf(res.key, res.pair)}->`))) ||
              wrapsResource(arg, res.key, pairs),
          )
        ) {
          state = replace(state, res.key, { ...res, escaped: true });
        }
      }
    }
  }

  if (node.kind === 'return' && node.returned !== undefined) {
    const returned = node.returned;
    for (const res of state)
      if (res.status !== 'released' && (mentions(returned, res.key) || convertedFrom(fn, returned, res.key)))
        state = replace(state, res.key, { ...res, escaped: true });
  }
  return state;
}

/**
 * `returned` is a local the function set to the object that embeds `key` (`shmem = to_foo_shmem_obj(obj);`,
 * `container_of(obj, …)`), or to the address of a member of it (`mi = &mem_input110->base;`, reached back
 * with `container_of()`): returning it hands `key` back with it.
 */
function convertedFrom(fn: FunctionIr, returned: string, key: string, depth = 0): boolean {
  if (!/^[A-Za-z_]\w*$/.test(returned)) return false;
  const converter = new RegExp(`^(?:(?:to_\\w+|container_of)\\(${regExpLiteral(key)}[,)]|&${regExpLiteral(key)}(?:->|\\.))`);
  return fn.nodes.some((other) =>
    other.assigns.some(
      (assign) =>
        assign.target === returned &&
        (converter.test(assign.value) ||
          // Through a local copy (`__fence = &cf->base; … fence = __fence; return fence;`).
          (depth < 2 && assign.value !== returned && convertedFrom(fn, assign.value, key, depth + 1))),
    ),
  );
}

/**
 * A reference put on the cursor of an RCU list walk (`list_for_each_entry_rcu(ce, &b->signalers, link)`):
 * an element of a list walked under RCU is freed only after a grace period once its last reference
 * is gone (that is what makes the walk safe at all), so the walk may go on through it and the body
 * may still read it. A plain free (`kfree()`) is not deferred and stays reported.
 */
function rcuWalkHolds(fn: FunctionIr, res: Res, object: string): boolean {
  if (res.releaseRow === undefined || res.pair.kind !== 'reference') return false;
  const releaseRow = res.releaseRow;
  return fn.calls.some(
    (call) =>
      call.row < releaseRow &&
      isIteratorMacro(call.name) &&
      /_rcu$/.test(call.name) &&
      iteratorCursors(call.name, call.args).includes(object),
  );
}

/**
 * A put, on this path, of a reference the path never took, on the cursor of
 * an iterator that holds a reference to each element it hands out
 * (`drm_for_each_connector_iter(connector, &iter)`, the `*for_each*_iter`
 * macros over a `drm_connector_list_iter`): the put drops some other
 * owner's reference (a work item's, cancelled just before), and the
 * iterator's keeps the element alive for the rest of the loop body.
 */
function iteratorHolds(fn: FunctionIr, res: Res, object: string): boolean {
  if (res.acquireRow !== undefined || res.releaseRow === undefined || res.pair.kind !== 'reference') return false;
  const releaseRow = res.releaseRow;
  return fn.calls.some((call) => call.row < releaseRow && /for_each\w*_iter$/.test(call.name) && rootVariable(call.args[0]) === object);
}

/**
 * The address of a member of an allocated or referenced object stored where
 * the caller or another object sees it (`*res = &node->base;`): whoever gets
 * it reaches the object too (`container_of()`), so the store hands the
 * object over. Into a local (`info = &ti->task;`) it is still this
 * function's to release.
 */
function embeddedAddress(target: string, value: string, res: Res): boolean {
  if (res.pair.kind !== 'memory' && res.pair.kind !== 'reference') return false;
  if (/^[A-Za-z_]\w*$/.test(target)) return false;
  const squashed = value.replace(/\s+/g, '');
  return squashed.startsWith(`&${res.key}->`) || squashed.startsWith(`&(${res.key})->`);
}

/** The row of the first gap after `afterRow` (-1: the window's start): the end of the code known to follow it. */
function nextGapRow(fn: FunctionIr, afterRow: number): number {
  return Math.min(...fn.calls.filter((call) => call.name === WINDOW_GAP && call.row > afterRow).map((call) => call.row), Infinity);
}

/**
 * What the code after an unknown stretch (the window's start, `afterRow` -1,
 * or a gap at `afterRow`) shows was taken in it: a lock, reference or
 * allocation it releases before the next gap, with no acquire of it in
 * between. Only such a release's own object counts, and nothing handed over.
 */
function heldOutOfSight(fn: FunctionIr, pairs: PairIndex, afterRow: number): Res[] {
  const nextGap = nextGapRow(fn, afterRow);
  const out: Res[] = [];
  const acquired = new Set<string>();
  for (const call of fn.calls) {
    if (call.row <= afterRow || call.row >= nextGap) continue;
    const taken = pairs.acquires.get(call.name);
    if (taken) {
      const slot = taken.acquireSlot ?? 0;
      const key = slot === 'result' ? call.target : acquireKeyOfCall(taken, call);
      if (key) acquired.add(resourceId(taken, key));
      continue;
    }
    // A release under a test of a lock or ownership state (`if (locked)`) shows nothing about other paths.
    if (fn.ifs.some((fact) => STATE_TEST.test(fact.cond) && (fact.thenCalls.includes(call) || fact.elseCalls.includes(call)))) continue;
    for (const pair of pairs.releases.get(call.name) ?? []) {
      if (pair.handsOver || !UNSEEN_KINDS.has(pair.kind)) continue;
      const key = releaseKeyOfCall(pair, call);
      if (!key || !/^[A-Za-z_][\w>.-]*$/.test(key) || acquired.has(resourceId(pair, key)) || out.some((res) => res.key === key)) continue;
      out.push({ key, pair, status: 'held', acquireRow: Math.max(afterRow, fn.startRow), escaped: false, unseenUntil: call.row });
      break;
    }
  }
  return out;
}

/** A condition on whether something is held: `locked`, `need_unlock`, `bo_owned`, `acquired`. */
const STATE_TEST = /lock|held|own|acquired|need/i;

/** Kinds believed held out of sight: those whose release is only ever called on what is held. */
const UNSEEN_KINDS = new Set(['lock', 'memory', 'reference', 'pm']);

/**
 * `res` is released (by its own key) between the gap at `gapRow` and the next
 * gap: the window after the gap shows it still held there.
 */
function releasedAfterGap(fn: FunctionIr, pairs: PairIndex, gapRow: number, res: Res): boolean {
  const nextGap = nextGapRow(fn, gapRow);
  return fn.calls.some(
    (call) =>
      call.row > gapRow &&
      call.row < nextGap &&
      res.pair.release.includes(call.name) &&
      (pairs.releases.get(call.name) ?? []).some((pair) => {
        const key = releaseKeyOfCall(pair, call);
        return pair.what === res.pair.what && (key === res.key || key === res.releaseKey);
      }),
  );
}

/** Rows between a lookup and the put that drops its reference at once (a test and a comment fit). */
const DROP_AT_ONCE_ROWS = 6;

/**
 * The put at `releaseRow` drops a reference a lookup just returned, and nothing between used the object but
 * a test of it (`buffer->fb = drm_framebuffer_lookup(...); if (WARN_ON(!buffer->fb)) return -ENOENT;
 * drm_framebuffer_put(buffer->fb);`): the reference was the lookup's by-product, another owner keeps the
 * object (the file that created it), and what the code does with the pointer afterwards is a borrow.
 */
export function droppedAtOnce(fn: FunctionIr, releaseRow: number, object: string): boolean {
  const lookup = fn.nodes.find(
    (node) =>
      node.row < releaseRow &&
      node.row >= releaseRow - DROP_AT_ONCE_ROWS &&
      node.calls.some((call) => call.target === object && call.within === undefined),
  );
  if (!lookup) return false;
  const used = (node: IrNode) =>
    node.derefs.includes(object) ||
    node.assigns.some((assign) => assign.target === object) ||
    node.calls.some((call) => call.args.some((arg) => arg === object || arg.startsWith(`${object}->`)) && !ASSERTION.test(call.name));
  return fn.nodes.every((node) => node.row <= lookup.row || node.row >= releaseRow || node.kind === 'branch' || !used(node));
}

/** A return that reports failure: `return ERR_PTR(-EINVAL)`, `return -ENOMEM`, `return ERR_CAST(x)`. */
const FAILURE_RETURN = /^(?:ERR_PTR\(|ERR_CAST\(|-E[A-Z0-9]+$)/;
/**
 * A reference taken on the object just before the put and kept elsewhere (`s->parent = dma_fence_get(f);
 * dma_fence_put(f);`) keeps it alive: the put drops the caller's own, not the last one.
 */
function keptJustBefore(fn: FunctionIr, res: Res, object: string): boolean {
  const releaseRow = res.releaseRow as number;
  return fn.calls.some(
    (call) =>
      call.row < releaseRow &&
      call.row >= releaseRow - 3 &&
      res.pair.acquire.includes(call.name) &&
      call.target !== undefined &&
      call.args.some((arg) => arg === object),
  );
}

/**
 * A `return p;` of a pointer the function tested for failure before, leaving on the failure
 * (`base = foo_kmap(gbo); if (IS_ERR(base)) { foo_unpin(gbo); return NULL; } return base;`): the
 * success return of a function that hands back what it made.
 */
function returnsCheckedResult(fn: FunctionIr, node: IrNode): boolean {
  const returned = node.kind === 'return' ? node.returned : undefined;
  if (returned === undefined || !/^[A-Za-z_]\w*$/.test(returned)) return false;
  const failureTests = new Set([`IS_ERR(${returned})`, `IS_ERR_OR_NULL(${returned})`, `!${returned}`, `${returned}==NULL`]);
  return fn.nodes.some(
    (branch) =>
      branch.kind === 'branch' &&
      branch.row < node.row &&
      failureTests.has(unwrap(branch.cond ?? '')) &&
      branchExit(fn, branch.succ[0]) !== undefined,
  );
}

/**
 * A return that reports a failure: an errno, an error pointer, NULL or false, or a variable that a
 * test right above it sends here (`if (r) return r;`, `if (ret < 0) { pr_err(...); return ret; }`).
 */
function failureReturn(fn: FunctionIr, node: IrNode): boolean {
  const returned = node.returned ?? '';
  if (FAILURE_RETURN.test(returned) || returned === 'NULL' || returned === 'false') return true;
  if (!/^[A-Za-z_]\w*$/.test(returned)) return false;
  const mention = new RegExp(`\\b${regExpLiteral(returned)}\\b`);
  return testLeadsTo(fn, node, (cond) => mention.test(cond));
}

/** What a function returns on success: nothing (`return;`, the closing brace), 0 or true. */
const SUCCESS_RETURN = /^(?:0|true|)$/;

/**
 * The pointer parameters the function owns, held from its entry: those it
 * frees right before returning an error, or hands to a call that takes
 * ownership. Only for a function whose header is visible.
 */
function ownedParams(fn: FunctionIr, pairs: PairIndex): Res[] {
  if (!fn.startVisible || !fn.pointerParams || fn.pointerParams.length === 0) return [];
  const out: Res[] = [];
  // A function known to take ownership of an argument owns that parameter.
  const itself = pairs.releases.get(fn.name)?.find((pair) => pair.handsOver);
  const slot = itself?.releaseSlot ?? 0;
  const param = fn.pointerParams[slot];
  if (itself && param)
    out.push({ key: param, pair: itself, status: 'held', acquireRow: fn.startRow, escaped: false, ownedParam: fn.startRow });
  for (const call of fn.calls) {
    const released = pairs.releases.get(call.name)?.find((pair) => pair.kind === 'memory');
    if (!released) continue;
    const key = releaseKeyOfCall(released, call);
    if (!key || !fn.pointerParams.includes(key) || out.some((res) => res.key === key)) continue;
    if (!released.handsOver && !failsAfter(fn, call)) continue;
    out.push({ key, pair: released, status: 'held', acquireRow: fn.startRow, escaped: false, ownedParam: call.row });
  }
  return out;
}

/** The call is followed (through statements without calls) by a return that reports failure. */
function failsAfter(fn: FunctionIr, call: CallSite): boolean {
  let node = fn.nodes.find((candidate) => candidate.calls.includes(call));
  for (let steps = 0; node && steps < 4; steps++) {
    const next = fn.nodes[node.succ[0] ?? -1];
    if (!next || node.succ.length !== 1) return false;
    if (next.kind === 'return') return FAILURE_RETURN.test(next.returned ?? '');
    if (next.calls.length > 0 || next.kind !== 'stmt') return false;
    node = next;
  }
  return false;
}

/** The name the release will be called with, for a pair whose release names another argument. */
/** The other argument of an acquire its release names (`ResourcePair.releaseKeySlot`), as a field to spread. */
export function releaseKeyOf(pair: ResourcePair, call: CallSite): { releaseKey?: string } {
  const releaseKey = pair.releaseKeySlot === undefined ? undefined : resourceKey(call.args[pair.releaseKeySlot]);
  return releaseKey ? { releaseKey } : {};
}

/**
 * A success return keeping a resource the function releases only on its
 * failure paths: keeping it is the point (the reference now belongs to what
 * the function started, or to its caller), not a leak. Two shapes:
 *
 * - `if (ret) xe_pm_runtime_put(xe); return ret;`: a release right under a
 *   test of the returned variable, and this return with it known 0 (the
 *   walk's fact, `branch-facts.ts`);
 * - `return 0;` where every release of the resource runs straight into a
 *   failure return (`xe_pm_runtime_put(xe); return -ETIMEDOUT;`): an enable
 *   function that keeps its PM reference until the matching disable.
 *
 * Not for memory: an allocation kept past a success return must be stored
 * somewhere, and the walk follows stores (`escaped`), so one it did not see
 * stored is reported.
 */
function keptOnSuccess(fn: FunctionIr, node: IrNode, facts: string, res: Res): boolean {
  const returned = node.returned;
  // Memory kept is kept somewhere: a store the walk did not see, or a leak; counts and locks need no pointer.
  // The store may be a callee's: memory handed to a call whose result is tested, and freed only where that
  // test fails (`ret = foo_log_add(tree, obj); if (ret) { kfree(obj); return ret; } return 0;`).
  if (node.kind !== 'return' || returned === undefined || (res.pair.kind === 'memory' && !handedToCheckedCall(fn, res.key))) return false;
  const releases = (candidate: IrNode | undefined) =>
    candidate?.calls.some((call) => {
      if (!res.pair.release.includes(call.name)) return false;
      const key = releaseKeyOfCall(res.pair, call);
      return key !== undefined && (key === res.key || key === res.releaseKey);
    }) === true;
  if (returned === '0') {
    const releasing = fn.nodes.filter((candidate) => candidate.kind !== 'branch' && releases(candidate));
    return releasing.length > 0 && releasing.every((candidate) => failureReturnFollows(fn, candidate));
  }
  if (!/^[A-Za-z_]\w*$/.test(returned) || factOf(facts, returned) !== false) return false;
  const failureTests = new Set([returned, `${returned}!=0`, `(${returned})`]);
  return fn.nodes.some(
    (branch) =>
      branch.kind === 'branch' && branch.cond !== undefined && failureTests.has(branch.cond) && releases(fn.nodes[branch.succ[0] ?? -1]),
  );
}

/**
 * Memory handed to the call `branch` tests, whose failure branch frees it (`if (amdgpu_dm_crtc_init(dm,
 * acrtc, i)) { kfree(acrtc); goto fail; }`, or `ret = foo_init(x); if (ret) { kfree(x); … }`): past the
 * test, what the call set up owns it (the CRTC is registered, and torn down with the device), on every
 * path on, error returns included.
 */
function registeredByCheckedCall(fn: FunctionIr, branch: IrNode, res: Res): boolean {
  if (res.pair.kind !== 'memory' || res.status !== 'held' || res.escaped || branch.cond === undefined) return false;
  const handed = (call: CallSite) => !res.pair.release.includes(call.name) && call.args.includes(res.key);
  const tested =
    branch.calls.some(handed) ||
    fn.nodes.some(
      (before) =>
        before.succ.length === 1 &&
        before.succ[0] === branch.id &&
        before.calls.some((call) => handed(call) && call.target !== undefined && mentions(branch.cond as string, call.target)),
    );
  if (!tested) return false;
  const releasesIt = (node: IrNode) =>
    node.calls.some((call) => res.pair.release.includes(call.name) && releaseKeyOfCall(res.pair, call) === res.key);
  const failureRelease = straightRun(fn, branch.succ[0], 4).find(releasesIt);
  // Freed only where the call fails: a release of it on another failure further on says it is still
  // the function's after the call (the one a path misses is then a leak).
  return failureRelease !== undefined && !fn.nodes.some((node) => node.row > branch.row && node !== failureRelease && releasesIt(node));
}

/** `key` is an argument of a call whose result goes into a variable (`ret = foo_add(tree, key)`), not of a release. */
function handedToCheckedCall(fn: FunctionIr, key: string): boolean {
  return fn.calls.some((call) => call.target !== undefined && call.target !== key && call.args.includes(key));
}

/**
 * The straight-line code after `node` (no branch, a few statements) ends in
 * a failure return: of an errno, or of a variable the test that leads to
 * `node` finds set (`if (err && …) { …; put(x); return err; }`).
 */
function failureReturnFollows(fn: FunctionIr, node: IrNode): boolean {
  const returned = straightReturn(fn, node);
  if (returned === undefined) return false;
  if (FAILURE_RETURN.test(returned)) return true;
  if (!/^[A-Za-z_]\w*$/.test(returned)) return false;
  const setTest = new RegExp(`^\\(*${regExpLiteral(returned)}(?:&&|<0|!=0|\\)|$)`);
  return fn.nodes.some((branch) => {
    if (branch.kind !== 'branch' || branch.cond === undefined || !setTest.test(unwrap(branch.cond))) return false;
    // Only from failure tests: a release at a label the success path falls into is not a failure's.
    // Inside the failure block, whatever it tests on the way (`if (ret == -EEXIST) … else …; kfree(x);`).
    if (dominates(fn, fn.nodes[branch.succ[0] ?? -1], node)) return true;
    let current: IrNode | undefined = fn.nodes[branch.succ[0] ?? -1];
    for (let steps = 0; current && steps < 6; steps++) {
      if (!enteredOnlyByJumps(fn, current) && current !== fn.nodes[branch.succ[0] ?? -1]) return false;
      if (current === node) return true;
      if (current.kind === 'branch' || current.succ.length !== 1) return false;
      current = fn.nodes[current.succ[0] as number];
    }
    return false;
  });
}

/** Every path from the function's entry to `node` goes through `head` (a few hundred nodes at most: a plain search). */
export function dominates(fn: FunctionIr, head: IrNode | undefined, node: IrNode): boolean {
  if (!head) return false;
  if (head === node) return true;
  const seen = new Set<number>([head.id]);
  // Code after a gap between hunks is entered from the unknown code too.
  const stack = [fn.entry, ...fn.nodes.filter((at) => at.calls.some((call) => call.name === WINDOW_GAP)).map((at) => at.id)];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (id === node.id) return false;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(fn.nodes[id]?.succ ?? []));
  }
  return true;
}

const predecessorCache = new WeakMap<FunctionIr, IrNode[][]>();
/**
 * Whether the code reaches `node` only one way, or only by `goto`s (a
 * label the code above does not fall into, or falls into from a label
 * only jumped to).
 */
function enteredOnlyByJumps(fn: FunctionIr, node: IrNode): boolean {
  let predecessors = predecessorCache.get(fn);
  if (!predecessors) {
    const lists: IrNode[][] = fn.nodes.map(() => []);
    for (const from of fn.nodes) for (const next of from.succ) lists[next]?.push(from);
    predecessors = lists;
    predecessorCache.set(fn, lists);
  }
  const lists = predecessors;
  // A jump, or a statement of an unwind ladder that is itself entered only by jumps (`err_erase:
  // xa_erase(…); err_free: kfree(q);`); a few steps up, not the whole function.
  const jumpedTo = (at: IrNode, depth: number): boolean =>
    (lists[at.id] ?? []).every(
      (from) => from.goto !== undefined || (depth < 4 && from.kind === 'stmt' && from.succ.length === 1 && jumpedTo(from, depth + 1)),
    );
  return (lists[node.id] ?? []).length === 1 || jumpedTo(node, 0);
}

/** What the return that the straight-line code from `node` ends in returns; undefined when it branches first. */
function straightReturn(fn: FunctionIr, node: IrNode): string | undefined {
  let current: IrNode | undefined = node;
  for (let steps = 0; current && steps < 6; steps++) {
    if (current.kind === 'return') return current.returned ?? '';
    if (current.kind === 'branch' || current.succ.length !== 1) return undefined;
    current = fn.nodes[current.succ[0] as number];
  }
  return undefined;
}

/** `key` stored into something else on the two rows before `row`. */
function storedJustBefore(fn: FunctionIr, key: string, row: number): boolean {
  return fn.nodes.some((node) => node.row >= row - 2 && node.row < row && node.assigns.some((a) => a.target !== key && a.value === key));
}

const releasedCache = new WeakMap<FunctionIr, Set<string>>();
function releasedSomewhereOf(fn: FunctionIr, pairs: PairIndex): Set<string> {
  let keys = releasedCache.get(fn);
  if (!keys) {
    keys = ownedKeys(fn, pairs);
    releasedCache.set(fn, keys);
  }
  return keys;
}

/** A bool- or errno-style acquire that is itself the branch condition: `if (!mutex_trylock(&l))`. */
export function conditionalAcquire(
  node: IrNode,
  pairs: PairIndex,
): { call: CallSite; pair: ResourcePair; key: string; thenHolds: boolean } | undefined {
  let cond = unwrap(node.cond ?? '');
  // An errno compared with zero (`mutex_lock_interruptible(&vm->mutex) == 0`, `… < 0`) reads as its negation
  // or itself.
  const compared = /^(.*\))(==0|!=0|<0)$/.exec(cond);
  if (compared) cond = compared[2] === '==0' ? `!${compared[1] as string}` : (compared[1] as string);
  for (const call of node.calls) {
    const pair = pairs.acquires.get(call.name);
    if (!pair || (pair.style !== 'bool' && pair.style !== 'errno')) continue;
    if (compared && pair.style !== 'errno') continue;
    const negated = cond.startsWith('!');
    const body = negated ? unwrap(cond.slice(1)) : cond;
    if (!body.startsWith(`${call.name}(`) || !body.endsWith(')')) continue;
    const slot = pair.acquireSlot ?? 0;
    const key = typeof slot === 'number' ? acquireKeyOfCall(pair, call) : undefined;
    if (!key) continue;
    // bool: true means acquired; errno: non-zero means failed.
    const thenHolds = pair.style === 'bool' ? !negated : negated;
    return { call, pair, key, thenHolds };
  }
  return undefined;
}

function splitOnCondition(node: IrNode, state: Res[], pairs: PairIndex, fn: FunctionIr): [Res[], Res[]] {
  let thenState = state;
  let elseState = state;
  const acquire = conditionalAcquire(node, pairs);
  if (acquire) {
    const held: Res = { key: acquire.key, pair: acquire.pair, status: 'held', acquireRow: acquire.call.row, escaped: false };
    thenState = replace(thenState, acquire.key, acquire.thenHolds ? held : undefined);
    elseState = replace(elseState, acquire.key, acquire.thenHolds ? undefined : held);
  }
  const cond = node.cond ?? '';
  for (const res of state) {
    if (res.status !== 'pending') continue;
    const test = (part: string) =>
      res.boolVar ? boolTest(part, res.boolVar) : res.errVar ? errnoTest(part, res.errVar) : pointerTest(part, res.key);
    const { then: onThen, else: onElse } = sidesOf(cond, test);
    const held: Res = { ...res, status: 'held' };
    if (onThen) thenState = replace(thenState, res.key, onThen === 'success' ? held : undefined);
    if (onElse) elseState = replace(elseState, res.key, onElse === 'success' ? held : undefined);
  }
  // A buffer allocated only when a fallback would not do (`mem = stack; if (n > ARRAY_SIZE(stack)) mem = kvmalloc(…);`) and
  // freed only when it is not the fallback (`if (mem != stack) kvfree(mem);`): where it was allocated, it is
  // not the fallback, so the side that finds it equal holds nothing.
  for (const res of state) {
    if (res.status !== 'held' || res.pair.kind !== 'memory' || !/^[A-Za-z_]\w*$/.test(res.key)) continue;
    const compared = new RegExp(`^(?:${res.key}(!=|==)([A-Za-z_]\\w*)|([A-Za-z_]\\w*)(!=|==)${res.key})$`).exec(unwrap(cond));
    if (!compared) continue;
    const fallback = compared[2] ?? compared[3];
    const equal = (compared[1] ?? compared[4]) === '==';
    // Set to the fallback where the code shows it, or (its declaration out of view) allocated only under a
    // test of the fallback's size (`if (n_pages > ARRAY_SIZE(stack)) pages = kvmalloc_array(…);`).
    const sized = new RegExp(`\\b(?:ARRAY_SIZE|sizeof)\\(${regExpLiteral(fallback as string)}\\)`);
    const setToFallback = fn.nodes.some(
      (other) =>
        other.row < (res.acquireRow ?? -1) &&
        (other.assigns.some((assign) => assign.target === res.key && assign.value === fallback) ||
          (other.kind === 'branch' && sized.test(other.cond ?? ''))),
    );
    if (!setToFallback) continue;
    if (equal) thenState = replace(thenState, res.key, undefined);
    else elseState = replace(elseState, res.key, undefined);
  }
  // An allocation handed to a constructor that adopts it when it succeeds: the code frees it itself
  // only where the constructor failed (`arr = dma_fence_array_create(n, fences, …); if (!arr) {
  // kfree(fences); return …; }`), so on the success side the new object owns it.
  const fact = fn.ifs.find((candidate) => candidate.row === node.row && candidate.cond === cond);
  for (const res of state) {
    if (res.status !== 'held' || res.escaped || res.pair.kind !== 'memory' || fact === undefined) continue;
    const adopter = fn.calls.find(
      (call) => call.target !== undefined && call.row < node.row && !pairs.releases.has(call.name) && call.args.includes(res.key),
    );
    if (adopter === undefined) continue;
    const { then: onThen, else: onElse } = sidesOf(cond, (part) => pointerTest(part, adopter.target as string));
    const frees = (calls: readonly CallSite[]) =>
      calls.some((call) =>
        (pairs.releases.get(call.name) ?? []).some((pair) => pair.kind === 'memory' && releaseKeyOfCall(pair, call) === res.key),
      );
    const adopted: Res = { ...res, escaped: true };
    if (onThen === 'success' && frees(fact.elseCalls)) thenState = replace(thenState, res.key, adopted);
    if (onElse === 'success' && frees(fact.thenCalls)) elseState = replace(elseState, res.key, adopted);
  }
  // A reference taken on a pointer the test then finds NULL (`foo_get(p); ... if (!p) return`):
  // on that side there was nothing to take it on (such helpers do nothing for NULL). A lock reached
  // through a pointer variable likewise: `if (!IS_ERR_OR_NULL(unlock)) mutex_unlock(unlock);` is
  // how a function unlocks only what it locked, and a lock it holds is neither NULL nor an error.
  for (const res of state) {
    if (res.status !== 'held' || (res.pair.kind === 'lock' && !/^[A-Za-z_]\w*$/.test(res.key))) continue;
    const { then: onThen, else: onElse } = sidesOf(cond, (part) => pointerTest(part, res.key));
    if (onThen === 'failure') thenState = replace(thenState, res.key, undefined);
    if (onElse === 'failure') elseState = replace(elseState, res.key, undefined);
  }
  return [thenState, elseState];
}

const opposite = (outcome: Outcome): Outcome => (outcome === 'success' ? 'failure' : outcome === 'failure' ? 'success' : undefined);

/**
 * What a condition says of a result on each side: a test of it alone says both; one conjunct of
 * `A && B` says what holds on the `then` side (`if (!fence && !signal) continue;`), one disjunct of
 * `A || B` what holds on the `else` side (`if (IS_ERR(obj) || !ok) goto err;`).
 */
function sidesOf(cond: string, test: (part: string) => Outcome): { then: Outcome; else: Outcome } {
  const whole = test(cond);
  if (whole) return { then: whole, else: opposite(whole) };
  const c = unwrap(cond);
  // `&&` binds tighter: `A && B || C` is a disjunction, whose `then` side says nothing of A.
  const disjuncts = splitTop(c, '||');
  if (disjuncts.length > 1) {
    for (const part of disjuncts) {
      const outcome = test(part);
      if (outcome) return { then: undefined, else: opposite(outcome) };
    }
    return { then: undefined, else: undefined };
  }
  for (const part of splitTop(c, '&&')) {
    const outcome = test(part);
    if (outcome) return { then: outcome, else: undefined };
  }
  return { then: undefined, else: undefined };
}
