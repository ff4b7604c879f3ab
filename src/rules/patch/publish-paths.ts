/**
 * Follows the objects a function creates along every path of its control-flow
 * view (`parse/c/function-ir`) and reports what happens to one after a call
 * made it visible to other threads (published: stored in an xarray or IDR,
 * linked onto a shared list or tree, given a GEM handle or an fd, registered,
 * assigned to an RCU-protected field):
 *   - `write`: a field of it is still written, or an init call (`kref_init`,
 *     `mutex_init`, `INIT_LIST_HEAD`, ...) still sets part of it up;
 *   - `free`: it is freed (or its last reference put) while still published,
 *     with no erase/remove/del/unregister on the way.
 *
 * Invariants, all for precision:
 *   - only objects created on the path (assigned from an allocating call) are
 *     followed: an object that already existed and is linked again is an
 *     update, not a half-built object;
 *   - a publish that can fail counts only on the branch that tests its result
 *     as a success; an untested or unreadable result publishes nothing;
 *   - a container rooted in an object created here, or declared locally, is
 *     private: adding to it publishes nothing;
 *   - a write while any lock is held is taken to be synchronised with the
 *     readers, except for RCU publishes (readers take no lock); a list, tree
 *     or IDR insert with no lock held in the function relies on a lock its
 *     caller holds, which covers the writes too;
 *   - writes count only on a path that leaves the function (or the window)
 *     with the object still published: on a path that takes it down again
 *     they are teardown; a test of `list_empty(&obj->link)`, or of a flag set
 *     after the publish, decides or ends what is known about the publish;
 *   - a put (not a plain free) counts only when the function takes no other
 *     reference to the object, and not after a publish that takes its own
 *     reference (`drm_gem_handle_create`);
 *   - the walk is bounded; a walk that hits the bound reports nothing.
 */

import { WINDOW_GAP } from '../../parse/c/fragment';
import { isIteratorMacro, iteratorCursors } from '../../parse/c/iterator-macros';
import type { CallSite, FunctionIr, IrNode } from '../../parse/c/function-ir';
import type { PairIndex } from './resource-pairs';
import { acquireKeyOfCall, errnoTest, mentions, releaseKeyOfCall, resourceKey, unwrap, type Outcome } from './resource-paths';

/** Who a reader of the container synchronises with. */
type Readers = 'container' | 'caller-lock' | 'rcu';

/** How the publish reports failure: errno (0 on success), id (negative on failure), entry (xa_is_err), none. */
type ResultStyle = 'errno' | 'id' | 'entry' | 'none';

interface PublishCall {
  readonly objectSlot: number;
  /** Argument naming where the object is published; undefined: the call itself (`*_register`). */
  readonly containerSlot?: number;
  readonly readers: Readers;
  readonly result: ResultStyle;
  /** The publish takes its own reference: a put after it is not the last one. */
  readonly takesReference?: boolean;
  /** Argument receiving the id the publish picks (`xa_alloc(xa, &id, ...)`). */
  readonly idSlot?: number;
}

function publishCallOf(name: string): PublishCall | undefined {
  if (/^_?_?xa_alloc(?:_cyclic)?(?:_irq|_bh)?$/.test(name))
    return { objectSlot: 2, containerSlot: 0, readers: 'container', result: 'errno', idSlot: 1 };
  if (/^_?_?xa_insert(?:_irq|_bh)?$/.test(name)) return { objectSlot: 2, containerSlot: 0, readers: 'container', result: 'errno' };
  if (/^_?_?xa_store(?:_irq|_bh)?$/.test(name)) return { objectSlot: 2, containerSlot: 0, readers: 'container', result: 'entry' };
  if (name === 'idr_alloc' || name === 'idr_alloc_cyclic') return { objectSlot: 1, containerSlot: 0, readers: 'caller-lock', result: 'id' };
  if (name === 'idr_alloc_u32') return { objectSlot: 1, containerSlot: 0, readers: 'caller-lock', result: 'errno', idSlot: 2 };
  if (/^(?:list_add(?:_tail)?|hlist_add_head)_rcu$/.test(name)) return { objectSlot: 0, containerSlot: 1, readers: 'rcu', result: 'none' };
  if (/^(?:list_add(?:_tail)?|hlist_add_head)$/.test(name))
    return { objectSlot: 0, containerSlot: 1, readers: 'caller-lock', result: 'none' };
  if (/^rb_(?:insert_color|add)(?:_cached)?$/.test(name))
    return { objectSlot: 0, containerSlot: 1, readers: 'caller-lock', result: 'none' };
  if (name === 'drm_gem_handle_create')
    return { objectSlot: 1, containerSlot: 0, readers: 'container', result: 'errno', takesReference: true, idSlot: 2 };
  if (name === 'fd_install') return { objectSlot: 1, containerSlot: 0, readers: 'container', result: 'none' };
  if (name === 'rcu_assign_pointer') return { objectSlot: 1, containerSlot: 0, readers: 'rcu', result: 'none' };
  if (/_chain_register$/.test(name)) return { objectSlot: 1, containerSlot: 0, readers: 'container', result: 'errno' };
  if (/[a-z0-9]_register$/.test(name) && !/unregister$/.test(name)) return { objectSlot: 0, readers: 'container', result: 'errno' };
  return undefined;
}

/** Calls that take an object off what published it (matched by the object or the container they name). */
const UNPUBLISH = /(?:^|_)(?:erase|remove|del|delete|unlink|unregister|unpublish)(?:_|$)/;
const INIT_CALL =
  /^(?:kref_init|refcount_set|mutex_init|spin_lock_init|rwlock_init|init_rwsem|seqlock_init|INIT_LIST_HEAD|INIT_HLIST_HEAD|INIT_WORK|INIT_DELAYED_WORK|init_waitqueue_head|init_completion|xa_init|xa_init_flags|idr_init|idr_init_base|RB_CLEAR_NODE|hash_init)$/;
/** Calls whose result is a new object the function owns. */
const ALLOC_CALL = /(?:^|_)(?:k[mzv]?alloc\w*|kv[mz]alloc\w*|kcalloc|kmemdup|alloc|zalloc|create|new|getfile)(?:_|$)/;
/** Frees that end the object whatever references exist; their argument slot. */
const DIRECT_FREE: Readonly<Record<string, number>> = { kfree: 0, kvfree: 0, vfree: 0, kfree_sensitive: 0, kmem_cache_free: 1 };
const PUT_CALL = /^(?:\w+_(?:put|free)|fput|put_device)$/;
const GET_CALL = /(?:^|_)get(?:_|$)/;
const LOCK_ASSERT = /^lockdep_assert_held/;
const MAX_STEPS = 20_000;

export interface Publish {
  readonly row: number;
  readonly name: string;
  readonly container: string;
  readonly call: PublishCall;
  /** Locks held when the object was published. */
  readonly locks: readonly string[];
  /** Ids the publishes of the object pick (`&id` of `xa_alloc`, the result of `idr_alloc`): written only after them. */
  readonly ids: readonly string[];
}

export type PublishEvent =
  | { readonly type: 'write'; readonly object: string; readonly publish: Publish; readonly row: number; readonly what: string }
  | { readonly type: 'free'; readonly object: string; readonly publish: Publish; readonly row: number; readonly free: string };

interface Tracked {
  readonly key: string;
  readonly status: 'created' | 'pending' | 'published';
  readonly publish?: Publish;
  /** The variable holding the publish's result, still to be tested. */
  readonly errVar?: string;
  /**
   * Writes since the publish: reported when the path leaves the function with the object still published
   * (a write on a path that then takes it down again is teardown, not initialisation).
   */
  readonly writes?: readonly { readonly row: number; readonly what: string }[];
  /** Local flags set since the publish (`added = true`): a later test of one may stand for the publish. */
  readonly flags?: readonly string[];
}

interface State {
  readonly objects: readonly Tracked[];
  readonly locks: readonly string[];
}

/** `(struct foo *)q` → `q`. */
const uncast = (arg: string) => arg.replace(/^\((?:const)?(?:struct)?[A-Za-z_]\w*\*+\)/, '');

/** The variable an argument names the object by: `q`, `&q->link`, `&bo->base.base` → `q`/`bo`; anything else: undefined. */
export function objectRoot(arg: string | undefined): string | undefined {
  if (arg === undefined) return undefined;
  const text = uncast(arg);
  if (/^[A-Za-z_]\w*$/.test(text)) return text;
  const field = /^&\(?([A-Za-z_]\w*)(?:->|\.)/.exec(text);
  return field ? field[1] : undefined;
}

/** The variable at the root of an lvalue or container: `q->a.b[i]` → `q`, `&vm->xa` → `vm`. */
const rootVariable = (text: string) => /^[&*(]*([A-Za-z_]\w*)/.exec(text)?.[1];

function lockAcquired(call: CallSite, pairs: PairIndex): string | undefined {
  const pair = pairs.acquires.get(call.name);
  if (pair?.kind === 'lock') return acquireKeyOfCall(pair, call) ?? call.name;
  if (LOCK_ASSERT.test(call.name)) return resourceKey(call.args[0]) ?? call.name;
  // Scope-based locks are held to the end of their scope, which the path does not track: to the end.
  if (/^(?:scoped_)?guard\b/.test(call.name)) return 'guard';
  if (/unlock|lockdep|assert|init|held|locked|clock|block/.test(call.name)) return undefined;
  if (/(?:^|_)(?:lock|trylock)(?:_|$)|^down_(?:read|write)|(?:^|_)bo_reserve$/.test(call.name))
    return resourceKey(call.args[0]) ?? call.name;
  return undefined;
}

function lockReleased(call: CallSite, pairs: PairIndex): string | undefined {
  const pair = pairs.releases.get(call.name)?.find((p) => p.kind === 'lock');
  if (pair) return releaseKeyOfCall(pair, call) ?? call.name;
  if (/(?:^|_)unlock(?:_|$)|^up_(?:read|write)$|(?:^|_)bo_unreserve$/.test(call.name)) return resourceKey(call.args[0]) ?? call.name;
  return undefined;
}

/** Locks the function releases before it takes them: the caller holds them (or the window hides the acquire). */
function heldAtEntry(fn: FunctionIr, pairs: PairIndex): string[] {
  const firstAcquire = new Map<string, number>();
  const held: string[] = [];
  for (const call of fn.calls) {
    const acquired = lockAcquired(call, pairs);
    if (acquired !== undefined && !firstAcquire.has(acquired)) firstAcquire.set(acquired, call.row);
    const released = lockReleased(call, pairs);
    if (released !== undefined && !firstAcquire.has(released) && !held.includes(released)) held.push(released);
  }
  return held;
}

/** Containers declared in the function itself (`LIST_HEAD(list)`, `struct xarray xa;`) are private to it. */
function localContainers(fn: FunctionIr, rowText: (row: number) => string): Set<string> {
  const names = new Set<string>();
  for (let row = fn.startRow; row <= fn.endRow; row++) {
    const text = rowText(row);
    for (const match of text.matchAll(/\b(?:LIST_HEAD|HLIST_HEAD|LLIST_HEAD|DEFINE_XARRAY\w*|DEFINE_IDR)\(\s*([A-Za-z_]\w*)\s*\)/g))
      names.add(match[1] as string);
    for (const match of text.matchAll(/\bstruct\s+(?:list_head|hlist_head|xarray|idr|rb_root(?:_cached)?)\s+([A-Za-z_]\w*)\s*[;=,[]/g))
      names.add(match[1] as string);
  }
  return names;
}

export interface PublishPathResult {
  readonly events: PublishEvent[];
  readonly truncated: boolean;
}

/** Quick test: only functions that publish something are walked. */
export const publishesSomething = (fn: FunctionIr): boolean => fn.calls.some((call) => publishCallOf(call.name) !== undefined);

export function walkPublishes(fn: FunctionIr, pairs: PairIndex, rowText: (row: number) => string): PublishPathResult {
  if (!publishesSomething(fn)) return { events: [], truncated: false };
  const locals = localContainers(fn, rowText);
  const referenced = new Set(
    fn.calls
      .filter((call) => GET_CALL.test(call.name))
      .flatMap((call) => call.args.map((arg) => objectRoot(arg) ?? rootVariable(arg) ?? '')),
  );
  const events: PublishEvent[] = [];
  const seen = new Set<string>();
  const emit = (event: PublishEvent) => {
    const id = `${event.type}\u0001${event.object}\u0001${event.publish.row}\u0001${event.row}`;
    if (seen.has(id)) return;
    seen.add(id);
    events.push(event);
  };
  const resultVars = new Set(fn.calls.flatMap((call) => (call.target ? [call.target] : [])));
  const context: WalkContext = { fn, pairs, locals, referenced, emit, resultVars };

  const visited = new Set<string>();
  const stack: { node: number; state: State }[] = [{ node: fn.entry, state: { objects: [], locks: heldAtEntry(fn, pairs) } }];
  let steps = 0;
  while (stack.length > 0) {
    if (++steps > MAX_STEPS) return { events: [], truncated: true };
    const { node: id, state: incoming } = stack.pop() as { node: number; state: State };
    const memo = `${id}\u0003${signature(incoming)}`;
    if (visited.has(memo)) continue;
    visited.add(memo);
    const node = fn.nodes[id] as IrNode;
    if (node.kind === 'unknown' || node.kind === 'return' || node.kind === 'exit') {
      const final = node.kind === 'return' ? applyNode(node, incoming, context) : incoming;
      // Still published when the path leaves (or the window ends): the writes initialised a visible object.
      for (const tracked of final.objects) {
        if (tracked.status !== 'published' || !tracked.publish) continue;
        for (const write of tracked.writes ?? [])
          context.emit({ type: 'write', object: tracked.key, publish: tracked.publish, row: write.row, what: write.what });
      }
      continue;
    }
    const state = applyNode(node, incoming, context);
    if (node.kind === 'branch' && node.succ.length === 2 && node.cond !== undefined) {
      const [thenState, elseState] = splitOnCondition(node, state);
      stack.push({ node: node.succ[1] as number, state: elseState });
      stack.push({ node: node.succ[0] as number, state: thenState });
      continue;
    }
    for (let i = node.succ.length - 1; i >= 0; i--) stack.push({ node: node.succ[i] as number, state });
  }
  return { events, truncated: false };
}

interface WalkContext {
  readonly fn: FunctionIr;
  readonly pairs: PairIndex;
  readonly locals: ReadonlySet<string>;
  /** Variables the function takes a reference to somewhere: a put of them need not be the last. */
  readonly referenced: ReadonlySet<string>;
  readonly emit: (event: PublishEvent) => void;
  /** Variables assigned a call's result somewhere in the function. */
  readonly resultVars: ReadonlySet<string>;
}

function signature(state: State): string {
  const objects = state.objects
    .map(
      (o) =>
        `${o.key}\u0001${o.status}\u0001${o.publish?.row ?? ''}\u0001${o.errVar ?? ''}\u0001${(o.writes ?? []).map((w) => w.row).join(',')}\u0001${(o.flags ?? []).join(',')}`,
    )
    .sort();
  return `${objects.join('\u0002')}\u0004${[...state.locks].sort().join('\u0002')}`;
}

const without = (objects: readonly Tracked[], key: string) => objects.filter((o) => o.key !== key);

/** A write to a published object that readers may see half done. */
function racyWrite(tracked: Tracked, locks: readonly string[]): boolean {
  const publish = tracked.publish;
  if (tracked.status !== 'published' || !publish) return false;
  if (publish.call.readers === 'rcu') return true;
  if (locks.length > 0) return false;
  // A list or IDR insert outside any lock of this function is under its caller's lock, which covers the write too.
  return !(publish.call.readers === 'caller-lock' && publish.locks.length === 0);
}

function applyNode(node: IrNode, incoming: State, context: WalkContext): State {
  // The unknown code between two hunks of a window may unpublish or finish anything: forget it all.
  if (node.calls.some((call) => call.name === WINDOW_GAP)) return { objects: [], locks: [] };
  let objects = incoming.objects;
  let locks = incoming.locks;

  // Field writes, seen with the state before this node's calls (`q->id = idr_alloc(&idr, q, ...)` picks the id).
  for (const assign of node.assigns) {
    const root = rootVariable(assign.target);
    const tracked = objects.find((o) => o.key === root);
    if (!tracked || !root) continue;
    if (assign.target === root) {
      // Reassigned: no longer the object followed, unless this node creates it anew (handled with the calls).
      if (!node.calls.some((call) => call.target === root)) objects = without(objects, root);
      continue;
    }
    if (tracked.errVar !== undefined && assign.target === tracked.errVar) continue;
    const ids = tracked.publish?.ids ?? [];
    if (ids.some((id) => mentions(assign.value, id) || assign.target === id)) continue;
    if (racyWrite(tracked, locks)) objects = noteWrite(objects, tracked, node.row, assign.target);
  }
  for (const assign of node.assigns) {
    if (!/^[A-Za-z_]\w*$/.test(assign.target) || !/^(?:true|false|-?\d+|NULL)$/.test(assign.value)) continue;
    // (A variable that also holds call results is an error code, not a flag.)
    if (context.resultVars.has(assign.target)) continue;
    objects = objects.map((o) =>
      o.status === 'published' && o.key !== assign.target && !o.flags?.includes(assign.target)
        ? { ...o, flags: [...(o.flags ?? []), assign.target] }
        : o,
    );
  }
  // The result of a publish being overwritten before it is tested: nothing is known about it any more.
  for (const assign of node.assigns) {
    const pending = objects.find((o) => o.status === 'pending' && o.errVar === assign.target);
    if (pending && !node.calls.some((call) => call.target === assign.target && publishCallOf(call.name)))
      objects = [...without(objects, pending.key), { key: pending.key, status: 'created' }];
  }

  for (const call of node.calls) {
    // An iterator macro assigns its cursor on every round.
    if (isIteratorMacro(call.name)) {
      for (const cursor of iteratorCursors(call.name, call.args)) objects = without(objects, cursor);
      continue;
    }
    const acquired = lockAcquired(call, context.pairs);
    if (acquired !== undefined) {
      if (!locks.includes(acquired)) locks = [...locks, acquired];
      continue;
    }
    const released = lockReleased(call, context.pairs);
    if (released !== undefined) {
      locks = locks.filter((lock) => lock !== released);
      continue;
    }

    // Taken off what published it.
    if (UNPUBLISH.test(call.name) || isNullStore(call)) {
      objects = objects.map((o) =>
        o.status !== 'created' && o.publish && unpublishes(call, o.key, o.publish) ? { key: o.key, status: 'created' } : o,
      );
      continue;
    }

    const freed = freedObject(call);
    if (freed) {
      const tracked = objects.find((o) => o.key === freed);
      if (tracked?.status === 'published' && tracked.publish) {
        const direct = call.name in DIRECT_FREE;
        const lastReference = !tracked.publish.call.takesReference && !context.referenced.has(freed);
        // A put on a list member may run a release that unlinks it: only a plain free is certain there.
        const certain = direct || (lastReference && tracked.publish.call.readers !== 'caller-lock');
        if (certain) context.emit({ type: 'free', object: freed, publish: tracked.publish, row: node.row, free: call.name });
      }
      if (tracked) objects = without(objects, freed);
      continue;
    }

    if (INIT_CALL.test(call.name)) {
      const root = objectRoot(call.args[0]);
      const tracked = objects.find((o) => o.key === root);
      if (root && tracked && racyWrite(tracked, locks)) objects = noteWrite(objects, tracked, node.row, `${call.name}()`);
      continue;
    }

    const publishCall = publishCallOf(call.name);
    if (publishCall) {
      objects = publish(node, call, publishCall, objects, locks, context);
      continue;
    }

    if (call.target && /^[A-Za-z_]\w*$/.test(call.target) && ALLOC_CALL.test(call.name))
      objects = [...without(objects, call.target), { key: call.target, status: 'created' }];
  }
  return { objects, locks };
}

/** Sets, not lists: a loop adds the same write, flag or id again on every round, and the walk must reach a fixed point. */
function noteWrite(objects: readonly Tracked[], tracked: Tracked, row: number, what: string): readonly Tracked[] {
  if (tracked.writes?.some((write) => write.row === row && write.what === what)) return objects;
  return [...without(objects, tracked.key), { ...tracked, writes: [...(tracked.writes ?? []), { row, what }] }];
}

function isNullStore(call: CallSite): boolean {
  if (call.name === 'rcu_assign_pointer' || call.name === 'RCU_INIT_POINTER') return call.args[1] === 'NULL';
  return /^_?_?xa_store(?:_irq|_bh)?$/.test(call.name) && call.args[2] === 'NULL';
}

function unpublishes(call: CallSite, object: string, publish: Publish): boolean {
  return call.args.some((arg) => objectRoot(arg) === object || resourceKey(arg) === publish.container || arg === object);
}

function freedObject(call: CallSite): string | undefined {
  const slot = DIRECT_FREE[call.name];
  if (slot !== undefined) return objectRoot(call.args[slot]);
  if (PUT_CALL.test(call.name) && !GET_CALL.test(call.name)) return objectRoot(call.args[0]);
  return undefined;
}

/**
 * The container is the function's own: one it declares, one rooted in an object it created and has not
 * published, or a bare list head (a pointer parameter may be the caller's private list).
 */
function privateContainer(
  arg: string,
  container: string,
  objects: readonly Tracked[],
  context: WalkContext,
  publishCall: PublishCall,
): boolean {
  const root = rootVariable(container);
  if (!root) return true;
  if (objects.some((o) => o.key === root && o.status === 'created')) return true;
  if (/^[A-Za-z_]\w*$/.test(arg)) return publishCall.readers !== 'container' || context.locals.has(arg);
  if (/^&[A-Za-z_]\w*$/.test(arg)) return context.locals.has(root) || !context.fn.startVisible;
  return false;
}

function publish(
  node: IrNode,
  call: CallSite,
  publishCall: PublishCall,
  objects: readonly Tracked[],
  locks: readonly string[],
  context: WalkContext,
): readonly Tracked[] {
  const object = objectRoot(call.args[publishCall.objectSlot]);
  const tracked = objects.find((o) => o.key === object);
  const idVar = publishCall.idSlot !== undefined ? resourceKey(call.args[publishCall.idSlot]) : call.target;
  // Published again (an id in a second xarray): the first publish stands, the new id is known only now too.
  if (object && tracked?.publish && idVar !== undefined) {
    if (tracked.publish.ids.includes(idVar)) return objects;
    return [...without(objects, object), { ...tracked, publish: { ...tracked.publish, ids: [...tracked.publish.ids, idVar] } }];
  }
  if (!object || !tracked || tracked.status !== 'created') return objects;
  let container = publishCall.containerSlot === undefined ? call.name : resourceKey(call.args[publishCall.containerSlot]);
  if (!container) return objects;
  if (publishCall.containerSlot !== undefined) {
    if (privateContainer(call.args[publishCall.containerSlot] ?? '', container, objects, context, publishCall)) return objects;
    // An RCU pointer published into a local variable is not shared.
    if (call.name === 'rcu_assign_pointer' && !/->|\./.test(container)) return objects;
  } else {
    container = `${call.name}()`;
  }
  const record: Publish = { row: node.row, name: call.name, container, call: publishCall, locks, ids: idVar !== undefined ? [idVar] : [] };
  const rest = without(objects, object);
  if (publishCall.result === 'none') return [...rest, { key: object, status: 'published', publish: record }];
  // The result decides: in a condition here, or in the variable it is assigned to, tested later.
  if (node.kind === 'branch') return [...rest, { key: object, status: 'pending', publish: record, errVar: '\u0000cond' }];
  const target = call.target ?? (call.within ? node.calls.find((outer) => outer.name === call.within && outer.target)?.target : undefined);
  if (!target) {
    // Ignored result: an errno publish that cannot be seen to fail is taken as done.
    return publishCall.result === 'entry' ? objects : [...rest, { key: object, status: 'published', publish: record }];
  }
  return [...rest, { key: object, status: 'pending', publish: record, errVar: target }];
}

/** What the condition says about a publish result in `v` on the `then` side. */
function resultTest(cond: string, v: string, style: ResultStyle): Outcome {
  const c = unwrap(cond);
  if (style === 'entry') {
    if (c === `xa_is_err(${v})` || c === `xa_err(${v})`) return 'failure';
    if (c === `!xa_is_err(${v})` || c === `!xa_err(${v})`) return 'success';
    return undefined;
  }
  return errnoTest(c, v);
}

/** The publish call is the condition itself: `if (xa_alloc(...))`, `if (drm_gem_handle_create(...) < 0)`. */
function conditionTest(node: IrNode, publish: Publish): Outcome {
  const c = unwrap(node.cond ?? '');
  if (publish.call.result === 'entry' || publish.call.result === 'none') return undefined;
  if (c.startsWith(`!${publish.name}(`) && c.endsWith(')')) return 'success';
  if (c.startsWith(`${publish.name}(`) && (c.endsWith(')') || c.endsWith('<0'))) return 'failure';
  return undefined;
}

/** `list_empty(&obj->link)`: the side of the condition where the object is on no list, if the condition says. */
function emptySide(cond: string, object: string): 'then' | 'else' | undefined {
  const match = /^(!?)(?:list_empty|list_empty_careful|hlist_unhashed|RB_EMPTY_NODE)\((.*)\)$/.exec(unwrap(cond));
  if (!match || objectRoot(match[2]) !== object) return undefined;
  return match[1] ? 'else' : 'then';
}

function splitOnCondition(node: IrNode, state: State): [State, State] {
  let thenObjects = state.objects;
  let elseObjects = state.objects;
  // The code tests whether the object made it onto its list: where it did not, nothing was published.
  // A flag set after the publish and tested here may say the same: the object is no longer followed.
  for (const tracked of state.objects) {
    if (tracked.flags?.some((flag) => mentions(node.cond ?? '', flag))) {
      thenObjects = without(thenObjects, tracked.key);
      elseObjects = without(elseObjects, tracked.key);
      continue;
    }
    const side = tracked.status === 'published' ? emptySide(node.cond ?? '', tracked.key) : undefined;
    if (side === 'then') thenObjects = [...without(thenObjects, tracked.key), { key: tracked.key, status: 'created' }];
    if (side === 'else') elseObjects = [...without(elseObjects, tracked.key), { key: tracked.key, status: 'created' }];
  }
  for (const tracked of state.objects) {
    if (tracked.status !== 'pending' || !tracked.publish || tracked.errVar === undefined) continue;
    const outcome =
      tracked.errVar === '\u0000cond'
        ? conditionTest(node, tracked.publish)
        : resultTest(node.cond ?? '', tracked.errVar, tracked.publish.call.result);
    if (!outcome) {
      // A condition here that does not read the result leaves it pending; one that was the publish itself, unknown.
      if (tracked.errVar === '\u0000cond') {
        thenObjects = [...without(thenObjects, tracked.key), { key: tracked.key, status: 'created' }];
        elseObjects = [...without(elseObjects, tracked.key), { key: tracked.key, status: 'created' }];
      }
      continue;
    }
    const published: Tracked = { key: tracked.key, status: 'published', publish: tracked.publish };
    const failed: Tracked = { key: tracked.key, status: 'created' };
    thenObjects = [...without(thenObjects, tracked.key), outcome === 'success' ? published : failed];
    elseObjects = [...without(elseObjects, tracked.key), outcome === 'success' ? failed : published];
  }
  return [
    { objects: thenObjects, locks: state.locks },
    { objects: elseObjects, locks: state.locks },
  ];
}
