/**
 * `struct kref` on `refcount_t`: a signed 32-bit counter with the kernel's
 * saturation semantics (lib/refcount.c; docs/model.md, "Lifetime and references").
 *
 * - increment from 0: "addition on 0; use-after-free.", counter saturates;
 * - increment of a negative counter or past INT_MAX: "saturated; leaking memory.";
 * - decrement that would go below zero (or of a saturated counter):
 *   "underflow; use-after-free.", counter saturates, release does not run;
 * - a saturated counter never reaches zero again.
 * Each message is reported once per environment (warn-once).
 */

import type { KernelEnv } from './kernel-env';

const INT_MAX = 0x7fffffff;
/** REFCOUNT_SATURATED = INT_MIN / 2. */
export const REFCOUNT_SATURATED = -0x40000000;

export const REFCOUNT_WARN_ADD_UAF = 'refcount_t: addition on 0; use-after-free.';
export const REFCOUNT_WARN_ADD_OVF = 'refcount_t: saturated; leaking memory.';
export const REFCOUNT_WARN_SUB_UAF = 'refcount_t: underflow; use-after-free.';

export class Kref {
  value = 1;

  /** `kref_get`. */
  get(env: KernelEnv): void {
    const old = this.value;
    if (old === 0) {
      this.value = REFCOUNT_SATURATED;
      env.warnOnce(REFCOUNT_WARN_ADD_UAF);
    } else if (old < 0 || old === INT_MAX) {
      this.value = REFCOUNT_SATURATED;
      env.warnOnce(REFCOUNT_WARN_ADD_OVF);
    } else {
      this.value = old + 1;
    }
  }

  /** `kref_get_unless_zero`. */
  getUnlessZero(env: KernelEnv): boolean {
    if (this.value === 0) return false;
    this.get(env);
    return true;
  }

  /** `kref_put`: returns true when the count reached zero and the release must run. */
  put(env: KernelEnv): boolean {
    const old = this.value;
    if (old === 1) {
      this.value = 0;
      return true;
    }
    if (old <= 0) {
      this.value = REFCOUNT_SATURATED;
      env.warnOnce(REFCOUNT_WARN_SUB_UAF);
      return false;
    }
    this.value = old - 1;
    return false;
  }
}
