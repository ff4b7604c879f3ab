/**
 * A VA-space snapshot: what one block of the `gpuvas` debugfs file
 * (`drm_debugfs_gpuva_info()`, docs/model.md, "The gpuvas debugfs dump") says about one VM, as typed
 * data. Dumps parse into snapshots, a replayed trace's state is turned into
 * snapshots, and `diff` compares snapshots, so this type is the meeting point
 * of real dumps and the model.
 *
 * Invariants:
 * - Every number is a u64 bigint, exactly as printed (16 hex digits).
 * - `end` fields are kept as given, not recomputed: a dump whose `end` is not
 *   `addr + range` is an impossible state that the analyzer must be able to
 *   see. `vaRow()` builds a row with the kernel's wrapping `addr + range`.
 * - Layout details that matter for a byte-exact print (nouveau region table,
 *   panthor's blank line after a block) are part of the snapshot, so that
 *   parse → render reproduces the input.
 */

import { add, type U64 } from '../../base/u64';

/** One row of the VA table: one `drm_gpuva` (the kernel-reserved node is never printed). */
export interface VaRow {
  readonly addr: U64;
  readonly range: U64;
  /** Exclusive end as printed (the kernel prints `addr + range` in wrapping u64). */
  readonly end: U64;
  /** Raw kernel address of the GEM object; 0 for a sparse / NULL-object VA. */
  readonly object: U64;
  /** Offset into the GEM object. */
  readonly offset: U64;
  /** 1-based line in the source dump, when parsed from text. */
  readonly line?: number;
}

/** One row of nouveau's "VA regions" table (a `nouveau_uvma_region`, i.e. a sparse region). */
export interface RegionRow {
  readonly start: U64;
  readonly range: U64;
  /** Exclusive end as printed. */
  readonly end: U64;
  readonly line?: number;
}

/** One VM block of a `gpuvas` dump. */
export interface VaSpaceSnapshot {
  /** `drm_gpuvm.name` (nouveau: "comm[pid]"; panthor: "panthor-GPU-VM"; model: the trace's VM identity). */
  readonly name: string;
  /** Start of the VM window (`mm_start`). */
  readonly start: U64;
  /** Exclusive end of the window (`mm_start + mm_range`, as printed). */
  readonly end: U64;
  /** Kernel-reserved node start; 0 when there is none. */
  readonly reservedStart: U64;
  /** Kernel-reserved node exclusive end; 0 when there is none. */
  readonly reservedEnd: U64;
  /** VA rows in printed order (the kernel prints in address order). */
  readonly rows: readonly VaRow[];
  /** nouveau's region table, printed after an empty line; absent for other drivers. */
  readonly regions?: readonly RegionRow[];
  /** An empty line follows the block (panthor prints one after every VM). */
  readonly blankAfter?: boolean;
  /** 1-based line of the block's "DRM GPU VA space" header, when parsed from text. */
  readonly line?: number;
}

/** A VA row with the kernel's `end = addr + range` (wrapping u64). */
export function vaRow(addr: U64, range: U64, object: U64, offset: U64): VaRow {
  return { addr, range, end: add(addr, range), object, offset };
}

/** A nouveau region row with `end = start + range` (wrapping u64). */
export function regionRow(start: U64, range: U64): RegionRow {
  return { start, range, end: add(start, range) };
}
