/**
 * How a function that returns a pointer says it failed: with an error
 * pointer (`ERR_PTR(-ENOMEM)`, tested with `IS_ERR()`) or with NULL (tested
 * with `!p`). Each test only catches its own kind: `if (!p)` lets an error
 * pointer through, `IS_ERR(p)` is false for NULL.
 *
 * Known three ways, the first that speaks wins:
 *
 * 1. the kernel's own API (`CURATED`): allocators, `ioremap()`, lookups
 *    return NULL; `memdup_user()`, `kthread_run()`, `dma_buf_get()`, the
 *    drm_gpuvm ops builders return error pointers;
 * 2. the function's body in the patch or the files it touches: one that
 *    returns `ERR_PTR()`/`ERR_CAST()` and never `NULL` fails with error
 *    pointers; one that returns `NULL`, never names an error pointer and
 *    returns no other call's result fails with NULL;
 * 3. its callers' habit in that code (not the lines the patch adds): at
 *    least two of them test the result with `IS_ERR()` right after the call
 *    and none for NULL, or the other way round.
 *
 * Invariants: a style is never taken from the name alone; `IS_ERR_OR_NULL()`
 * and a caller that tests both say nothing (the function may return either);
 * every learned style keeps where it was learned, for the finding to cite.
 */

import { withoutComments } from '../../parse/c/c-text';
import { ASSIGNED_CALL, TEST_WINDOW, type NullSource } from './null-beliefs';

export type FailureStyle = 'error-pointer' | 'null';

export interface FailureStyleBelief {
  readonly style: FailureStyle;
  /** Why: the API is known, the body shows it, or the other callers test it so. */
  readonly source: 'kernel' | 'body' | 'callers';
  /** Where it was learned (`path:line`) and that line, for `body` and `callers`. */
  readonly at?: string;
  readonly text?: string;
  /** For `callers`: how many calls were tested this way, of how many. */
  readonly tested?: number;
  readonly calls?: number;
}

export type FailureStyles = ReadonlyMap<string, FailureStyleBelief>;

/** Kernel functions whose failure style is part of their contract. */
const CURATED: ReadonlyMap<string, FailureStyle> = new Map([
  ...[
    'memdup_user',
    'memdup_user_nul',
    'vmemdup_user',
    'strndup_user',
    'kthread_create',
    'kthread_run',
    'kthread_create_on_node',
    'kthread_create_worker',
    'debugfs_create_dir',
    'debugfs_create_file',
    'devm_ioremap_resource',
    'devm_platform_ioremap_resource',
    'devm_platform_ioremap_resource_byname',
    'devm_clk_get',
    'clk_get',
    'devm_regulator_get',
    'regulator_get',
    'filp_open',
    'shmem_file_setup',
    'shmem_read_mapping_page',
    'shmem_read_folio',
    'anon_inode_getfile',
    'dma_buf_get',
    'dma_buf_export',
    'dma_buf_attach',
    'dma_buf_dynamic_attach',
    'dma_buf_map_attachment',
    'dma_buf_map_attachment_unlocked',
    'drm_dev_alloc',
    'drm_gem_get_pages',
    'drm_gem_shmem_create',
    'drm_gem_prime_import',
    'drm_gem_prime_import_dev',
    'drm_prime_pages_to_sg',
    'drm_gpuvm_bo_obtain',
    'drm_gpuvm_sm_map_ops_create',
    'drm_gpuvm_sm_unmap_ops_create',
    'drm_gpuvm_prefetch_ops_create',
    'drm_gpuvm_bo_unmap_ops_create',
    'drm_gpuvm_madvise_ops_create',
    'drm_atomic_get_crtc_state',
    'drm_atomic_get_plane_state',
    'drm_atomic_get_connector_state',
    'drm_atomic_get_private_obj_state',
  ].map((name) => [name, 'error-pointer'] as const),
  ...[
    'kmalloc',
    'kzalloc',
    'kcalloc',
    'kmalloc_array',
    'krealloc',
    'krealloc_array',
    'kvmalloc',
    'kvzalloc',
    'kvcalloc',
    'kvmalloc_array',
    'vmalloc',
    'vzalloc',
    'vmalloc_user',
    'kmemdup',
    'kstrdup',
    'kstrndup',
    'kasprintf',
    'devm_kmalloc',
    'devm_kzalloc',
    'devm_kcalloc',
    'devm_kmalloc_array',
    'devm_kstrdup',
    'devm_kasprintf',
    'devm_kmemdup',
    'kmem_cache_alloc',
    'kmem_cache_zalloc',
    'kmem_cache_create',
    'bitmap_zalloc',
    'dma_alloc_coherent',
    'dma_alloc_attrs',
    'dmam_alloc_coherent',
    'ioremap',
    'ioremap_wc',
    'ioremap_cache',
    'devm_ioremap',
    'devm_ioremap_wc',
    'pci_iomap',
    'alloc_workqueue',
    'alloc_ordered_workqueue',
    'alloc_page',
    'alloc_pages',
    'vmap',
    'get_task_mm',
    'get_pid_task',
    'idr_find',
    'xa_load',
    'drm_gem_object_lookup',
    'drm_syncobj_find',
    'drm_syncobj_fence_get',
    'sync_file_create',
    'dma_fence_array_create',
    'drm_atomic_state_alloc',
    'drm_gpuvm_bo_create',
  ].map((name) => [name, 'null'] as const),
]);

/** A definition's first line at column 0 that returns a pointer: its name. */
const POINTER_DEFINITION = /^(?:static\s+)?(?:inline\s+)?(?:const\s+)?(?:struct\s+|enum\s+|union\s+)?\w+\s*\*+\s*([A-Za-z_]\w*)\s*\([^;]*$/;
/** Test callers' habits over at most this many lines of source. */
const MAX_HABIT_LINES = 400_000;

export function curatedFailureStyle(name: string): FailureStyle | undefined {
  return CURATED.get(name);
}

/** How `name` fails: the kernel's contract when it is one, else what `learned` says. */
export function failureStyleOf(name: string, learned: FailureStyles | undefined): FailureStyleBelief | undefined {
  const curated = CURATED.get(name);
  return curated ? { style: curated, source: 'kernel' } : learned?.get(name);
}

/** What a line's test of `target` is: an `IS_ERR()` test, a NULL test, both, or none. */
export function testKinds(text: string, target: string): { errorPointer: boolean; null: boolean } {
  const squashed = text.replace(/\s+/g, '');
  if (!squashed.includes(target)) return NO_TEST;
  const both = squashed.includes(`IS_ERR_OR_NULL(${target})`);
  const errorPointer =
    both ||
    squashed.includes(`IS_ERR(${target})`) ||
    squashed.includes(`PTR_ERR(${target})`) ||
    squashed.includes(`PTR_ERR_OR_ZERO(${target})`);
  return { errorPointer, null: both || testsForNullAt(squashed, target) };
}

const NO_TEST = { errorPointer: false, null: false } as const;

/**
 * `squashed` (white space removed) tests `target` for NULL somewhere: `!t`
 * as an operand (`!t->x` and `!tt` are other things), `t == NULL`, `t != 0`,
 * `NULL == t`, or `if (t)`. Plain index arithmetic: this runs on every line
 * after every assignment of a driver's files.
 */
function testsForNullAt(squashed: string, target: string): boolean {
  for (let at = squashed.indexOf(target); at !== -1; at = squashed.indexOf(target, at + 1)) {
    const before = at === 0 ? '' : (squashed[at - 1] as string);
    const end = at + target.length;
    const after = squashed.slice(end, end + 7);
    if (
      before === '!' &&
      (at === 1 || '(,!&|'.includes(squashed[at - 2] as string)) &&
      (after === '' || ')&|'.includes(after[0] as string))
    )
      return true;
    if (/[\w>.]/.test(before)) continue;
    if (/^[!=]=(?:NULL|0)(?!\w)/.test(after)) return true;
    if (/(?:^|[^\w])NULL[!=]=$/.test(squashed.slice(Math.max(0, at - 7), at)) && !/^[\w-]/.test(after)) return true;
    if (squashed.slice(Math.max(0, at - 3), at) === 'if(' && after[0] === ')') return true;
  }
  return false;
}

interface Habit {
  errorPointer: number;
  null: number;
  calls: number;
  first?: { at: string; text: string; style: FailureStyle };
}

/** The failure styles of the functions `sources` define or call (see the module comment). */
export function learnFailureStyles(sources: readonly NullSource[]): FailureStyles {
  const styles = new Map<string, FailureStyleBelief>();
  const habits = new Map<string, Habit>();
  let budget = MAX_HABIT_LINES;
  for (const source of sources) {
    const lines = source.lines;
    if (budget <= 0) break;
    budget -= lines.length;
    for (let index = 0; index < lines.length; index++) {
      const entry = lines[index] as NullSource['lines'][number];
      const definition = POINTER_DEFINITION.exec(entry.text);
      if (definition) {
        const name = definition[1] as string;
        if (!styles.has(name) && !CURATED.has(name)) {
          const style = bodyStyle(source, index);
          if (style) styles.set(name, style);
        }
        continue;
      }
      if (entry.added || !entry.text.includes('=')) continue;
      const assigned = ASSIGNED_CALL.exec(withoutComments(entry.text));
      if (!assigned || /^\s*(?:return|if|while|for)\b/.test(entry.text)) continue;
      const target = (assigned[1] as string).replace(/\s+/g, '');
      const callee = assigned[2] as string;
      const habit = habits.get(callee) ?? { errorPointer: 0, null: 0, calls: 0 };
      habit.calls++;
      for (let at = index + 1; at <= index + TEST_WINDOW && at < lines.length; at++) {
        const next = lines[at] as NullSource['lines'][number];
        const kinds = testKinds(withoutComments(next.text), target);
        if (!kinds.errorPointer && !kinds.null) continue;
        if (kinds.errorPointer) habit.errorPointer++;
        if (kinds.null) habit.null++;
        if (kinds.errorPointer !== kinds.null)
          habit.first ??= {
            at: `${source.path}:${next.line}`,
            text: next.text.trim(),
            style: kinds.errorPointer ? 'error-pointer' : 'null',
          };
        break;
      }
      habits.set(callee, habit);
    }
  }
  for (const [callee, habit] of habits) {
    if (styles.has(callee) || CURATED.has(callee) || !habit.first) continue;
    const [mine, other] = habit.first.style === 'error-pointer' ? [habit.errorPointer, habit.null] : [habit.null, habit.errorPointer];
    if (mine >= 2 && other === 0)
      styles.set(callee, {
        style: habit.first.style,
        source: 'callers',
        at: habit.first.at,
        text: habit.first.text,
        tested: mine,
        calls: habit.calls,
      });
  }
  return styles;
}

/** The style a pointer function's body at `start` shows, if it shows one. */
function bodyStyle(source: NullSource, start: number): FailureStyleBelief | undefined {
  const lines = source.lines;
  let errorReturn: { at: string; text: string } | undefined;
  let nullReturn: { at: string; text: string } | undefined;
  let namesErrorPointer = false;
  let returnsCall = false;
  // The body's opening brace at column 0 within a few lines, no `;` before it: a definition, not a prototype.
  let open = start;
  for (let index = start; index < lines.length && index <= start + 8 && open === start; index++) {
    const text = (lines[index] as NullSource['lines'][number]).text;
    if (/^\{/.test(text)) open = index;
    else if (/;\s*$/.test(text)) return undefined;
  }
  if (open === start) return undefined;
  let closed = false;
  for (let index = open + 1; index < lines.length && index < open + 400; index++) {
    const entry = lines[index] as NullSource['lines'][number];
    const text = withoutComments(entry.text);
    if (/^\}/.test(text)) {
      closed = true;
      break;
    }
    if (/\b(?:ERR_PTR|ERR_CAST|IS_ERR|PTR_ERR|IS_ERR_OR_NULL)\b/.test(text)) namesErrorPointer = true;
    const returned = /\breturn\s+(.*?);/.exec(text)?.[1]?.trim();
    if (returned === undefined) continue;
    const at = { at: `${source.path}:${entry.line}`, text: entry.text.trim() };
    if (/^(?:ERR_PTR|ERR_CAST)\s*\(/.test(returned)) errorReturn ??= at;
    else if (returned === 'NULL' || returned === '0') nullReturn ??= at;
    else if (/^[A-Za-z_]\w*\s*\(/.test(returned) || /\?/.test(returned)) returnsCall = true;
  }
  // Only a whole body shows every return.
  if (!closed) return undefined;
  if (errorReturn && !nullReturn) return { style: 'error-pointer', source: 'body', ...errorReturn };
  if (nullReturn && !namesErrorPointer && !returnsCall) return { style: 'null', source: 'body', ...nullReturn };
  return undefined;
}
