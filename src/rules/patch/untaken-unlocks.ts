/**
 * Locks the patch's functions release without taking them: their caller
 * took them. Learned once per image side from every function of the patch
 * (with a tree, the whole functions), for `resource-leak`:
 *
 * - each such lock as `what` + key is the unlock half of an API whose lock
 *   half returns with the lock held (`drm_client_buffer_vunmap_local()`
 *   unlocks what `drm_client_buffer_vmap_local()` keeps);
 * - by function, each as `what` + the key's last field: a call to that
 *   function drops such a lock for its caller (`ttm_bo_swapout()` unlocks
 *   the `lru_lock` that `ttm_global_swapout()` took before calling it). The
 *   caller names the lock through its own variables (`glob->lru_lock`, the
 *   callee's `bo->bdev->lru_lock`), so only the last field is compared.
 *
 * Pure: reads the functions' IR and the pair table.
 */

import type { FunctionIr } from '../../parse/c/function-ir';
import { acquireKeyOfCall, releaseKeyOfCall, resourceId } from './resource-paths';
import { heldLikeALock, type PairIndex } from './resource-pairs';

export interface UntakenUnlocks {
  /** `what` + `\u0001` + key of every lock some function releases without taking it. */
  readonly halves: ReadonlySet<string>;
  /** By function name: `what` + `\u0001` + last field of each lock it releases without taking it. */
  readonly droppers: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The last field of a lock's key (`glob->lru_lock`: `lru_lock`); the key itself when it has none. */
export function lastField(key: string): string {
  const match = /(?:->|\.)(\w+)$/.exec(key);
  return match ? (match[1] as string) : key;
}

export function learnUntakenUnlocks(functions: readonly FunctionIr[], pairs: PairIndex): UntakenUnlocks {
  const halves = new Set<string>();
  const droppers = new Map<string, Set<string>>();
  for (const fn of functions) {
    const { calls } = fn;
    for (const call of calls) {
      for (const pair of pairs.releases.get(call.name) ?? []) {
        if (!heldLikeALock(pair.kind)) continue;
        const key = releaseKeyOfCall(pair, call);
        if (key === undefined) continue;
        const takes = calls.some((other) => {
          const taken = pairs.acquires.get(other.name);
          return taken?.what === pair.what && acquireKeyOfCall(taken, other) === key;
        });
        if (takes) continue;
        halves.add(resourceId(pair, key));
        if (!fn.name) continue;
        const dropped = droppers.get(fn.name) ?? new Set<string>();
        dropped.add(resourceId(pair, lastField(key)));
        droppers.set(fn.name, dropped);
      }
    }
  }
  return { halves, droppers };
}
