/**
 * The kernel services the drm_gpuvm model runs on: WARN reporting, lockdep
 * assertions, refcount_t warnings and NULL-dereference "oopses".
 *
 * Everything observable the kernel would print goes through one `KernelEvent`
 * sink, in the order it happens, so that the replay script, the trace replayer
 * and the analyzers can each render or judge it their own way. The model never
 * prints or throws for kernel-level misbehaviour, with one exception: where the
 * real code would dereference NULL, `oops()` throws `KernelOops`, which the
 * caller turns into `CRASH SIGSEGV` (the kernel cannot continue either).
 */

import type { GpuVa } from './objects';
import type { ModelOptions } from './options';

export type LockAssertion = 'drm_gem_gpuva_assert_lock_held' | 'dma_resv_assert_held';

export type KernelEvent =
  | { kind: 'warn'; text: string }
  | { kind: 'lockdep'; assertion: LockAssertion; lock: string; fn: string; held: boolean }
  /**
   * Not the kernel's: `drm_gpuva_map()`/`drm_gpuva_remap()` discard the result
   * of their insertion, so a failed one goes unnoticed in the kernel. The
   * driver policy reports it here, and does not link or keep that VA.
   */
  | { kind: 'apply-error'; piece: 'MAP' | 'PREV' | 'NEXT'; va: GpuVa; errno: string; blocker: GpuVa | null };

export type KernelEventSink = (event: KernelEvent) => void;

/** Thrown where the kernel code would dereference NULL (a kernel oops). */
export class KernelOops extends Error {
  constructor(readonly where: string) {
    super(`NULL pointer dereference in ${where}`);
    this.name = 'KernelOops';
  }
}

/** A modelled lock: a dma-resv, a GEM `gpuva.lock` mutex. "Held" is a flag. */
export class Lock {
  held = false;
  constructor(readonly name: string) {}
}

export class KernelEnv {
  /** refcount_t warnings use warn-once semantics: one report per message kind. */
  private readonly warnedOnce = new Set<string>();
  /**
   * Whether assertions that pass are reported too (`locklog on`). Off by
   * default: passing assertions are the hot path and nobody listens to them.
   */
  reportHeldLocks = false;
  /**
   * Whether lockdep assertions are evaluated at all. Replays of inputs that
   * carry no lock information (traces) turn them off: every assertion would
   * fail, and building those reports is pure cost on the hot path.
   */
  checkLocks = true;
  /**
   * Called for every VA inserted into a tree, when set: lets an analyzer
   * remember which input line created each mapping. Unset on hot paths.
   */
  onInsert: ((va: GpuVa) => void) | undefined = undefined;

  constructor(
    readonly options: ModelOptions,
    public sink: KernelEventSink,
  ) {}

  /** `WARN()` / `drm_WARN()` with the kernel's message text (no trailing newline). */
  warn(text: string): void {
    this.sink({ kind: 'warn', text });
  }

  /** `WARN_ONCE()`-style report: only the first occurrence of `text` is emitted. */
  warnOnce(text: string): void {
    if (this.warnedOnce.has(text)) return;
    this.warnedOnce.add(text);
    this.sink({ kind: 'warn', text });
  }

  /** A lockdep assertion evaluated in kernel function `fn`. */
  assertHeld(assertion: LockAssertion, lock: Lock, fn: string): void {
    if (!this.checkLocks || (lock.held && !this.reportHeldLocks)) return;
    this.sink({ kind: 'lockdep', assertion, lock: lock.name, fn, held: lock.held });
  }

  oops(where: string): never {
    throw new KernelOops(where);
  }
}
