/**
 * What the code itself says about its locks, learned as "bugs as deviant
 * behaviour" checkers learn it: which lock is held when another is taken (the
 * lock order), and which lock is held where a structure field is written or a
 * list head is walked or changed (lock beliefs), and which functions may
 * sleep (they call a sleeping kernel function, or such a function of the
 * driver, a few calls deep). The patch rules `lock-order-inversion`,
 * `unlocked-field-access` and `sleep-under-spinlock` check a patch's functions
 * against what the rest of the code does.
 *
 * The scan is textual and linear, one function body at a time (kernel style: a
 * body ends at a `}` in column 0): locks taken and released in source order,
 * branches ignored. That is coarse, so it is used only for facts that survive
 * it: an order or a belief must be seen in other functions, and a check looks
 * at straight-line code from the function's start.
 *
 * Lock identity is a lock class, as lockdep has them, approximated by name:
 * the last `owner->field` step of the lock expression (`&q->vm->lock` and
 * `&vm->lock` are both `vm->lock`), a global's name, or, for a driver's own
 * lock function learned from the code (`xe_vm_lock(vm)`), the call itself.
 * Kernel code names its variables consistently enough for that to hold.
 *
 * Invariants: pure and total (any text is scanned without throwing); a scan
 * of a source is cached by its content.
 */

import { FNV_OFFSET, FNV_PRIME } from '../../base/string-hash';
import { caseLabel, MAX_PARAMETER_TEXT } from '../../parse/c/c-text';
import { WINDOW_GAP } from '../../parse/c/fragment';
import { functionUnits, type LearnSource } from './learned-pairs';
import { guardAcquire, type PairIndex, type ResourcePair } from './resource-pairs';
import { resourceKey } from './resource-paths';
import { isAllocator, reclaimReason, macroName, sleepingCall, BLOCKING_GFP, type GfpMacros } from './sleeping-calls';
import type { ObjectLockFacts } from './object-locks';

/** Code to learn from: a file of the tree, or the post-image lines of a hunk. */
export interface LockSource extends LearnSource {
  /** The function a hunk starts in (its `@@` section), for a body whose head is not shown. */
  readonly enclosing?: string;
  /** A file of the kernel tree as it was before the patch. */
  readonly fromTree?: boolean;
}

/** Where a fact was seen. */
export interface LockSite {
  readonly path: string;
  readonly line: number;
  readonly fn: string;
  /** The order comes from a call: `fn` holds the first lock and calls `via`, which takes the second. */
  readonly via?: string;
}

/** One line of a function body as the scanner sees it. */
export interface ScanLine {
  readonly text: string;
  readonly line: number;
}

export interface HeldLock {
  readonly cls: string;
  readonly line: number;
  /** Taken by a scope-based guard: held while the brace depth is at least this. */
  readonly scopeDepth?: number;
}

/** What the scanner reports, in source order. */
export type LockEvent =
  | { readonly type: 'acquire'; readonly cls: string; readonly line: number; readonly held: readonly HeldLock[]; readonly trylock: boolean }
  | { readonly type: 'access'; readonly field: string; readonly line: number; readonly held: readonly HeldLock[]; readonly how: AccessKind }
  /** A call of another function while locks are held (its own locks then nest inside them). */
  | {
      readonly type: 'call';
      readonly name: string;
      readonly line: number;
      readonly held: readonly HeldLock[];
      /** The call's argument texts, as far as its line goes. */
      readonly args: readonly string[];
    };

export type AccessKind = 'write' | 'list';

/** Locks that order nothing: a drm_exec transaction and a fence-signalling section are not locks of a class. */
const NOT_ORDERED = /^(?:drm_exec_init|dma_fence_begin_signalling)$/;
const ASSERT = /^lockdep_assert_held(?:_once|_write|_read)?$/;
/** Functions whose callers hold the lock (`foo_locked`) or whose object nobody else sees yet or any more. */
export const NO_BELIEF_FUNCTION =
  /_locked$|(?:^|_)(?:init|fini|create|alloc|new|destroy|free|release|cleanup|probe|remove|teardown|close|open|reset|dump|debugfs|show|print)(?:_|$)/;

const CALL = /\b([A-Za-z_]\w*)\s*\(/g;
/**
 * Whether the name at `at` follows `->` or `.` (a function pointer called through an object), read
 * from the two characters before it: a scan step makes no string.
 */
function afterMemberAccess(code: string, at: number): boolean {
  const last = code.charCodeAt(at - 1);
  const before = code.charCodeAt(at - 2);
  // `.`, `->`, or `.` and one blank.
  return last === 46 || (before === 45 && last === 62) || (before === 46 && /\s/.test(code.charAt(at - 1)));
}

/** `guard(mutex)(`: the class, up to the opening parenthesis of the lock argument. */
const GUARD_HEAD = /^guard\s*\(\s*(\w+)\s*\)\s*\(/;
const WRITE = /([A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*|\[[^\]]*\])*(?:->|\.)[A-Za-z_]\w*)\s*(?:(?:[-+*/%|&^]|<<|>>)?=(?!=)|\+\+|--)/g;

/**
 * What every `WRITE` match needs, tested first because tree files are
 * scanned whole and most of their lines write no field: a member access and
 * an assignment or increment.
 */
function mayWriteField(code: string): boolean {
  return (code.includes('->') || code.includes('.')) && (code.includes('=') || code.includes('++') || code.includes('--'));
}

/** How many times `char` occurs in `text`. */
function count(text: string, char: string): number {
  let n = 0;
  for (let at = text.indexOf(char); at !== -1; at = text.indexOf(char, at + 1)) n++;
  return n;
}

/** Opening minus closing braces of a line of code (comments and literals blanked). */
function braceBalance(code: string): number {
  return code.includes('{') || code.includes('}') ? count(code, '{') - count(code, '}') : 0;
}

/**
 * List heads: the second argument of `list_add*`/`list_move*`/`list_splice*`, the third of `list_for_each_entry*`.
 * A Map, not an object literal, so that a call named like an `Object.prototype` member is no list helper.
 */
const LIST_HEAD_ARG: ReadonlyMap<string, number> = new Map([
  ['list_add', 1],
  ['list_add_tail', 1],
  ['list_move', 1],
  ['list_move_tail', 1],
  ['list_splice', 1],
  ['list_splice_init', 1],
  ['list_splice_tail', 1],
  ['list_splice_tail_init', 1],
  ['list_for_each_entry', 1],
  ['list_for_each_entry_safe', 2],
  ['list_for_each_entry_reverse', 1],
  ['list_for_each_entry_safe_reverse', 2],
  ['list_first_entry', 0],
  ['list_empty', 0],
]);
/** Calls that take no lock of their own: assertions, warnings, list and bit helpers, printing. */
const ASSERT_OR_MACRO =
  /^(?:lockdep_|WARN|BUG|drm_WARN|xe_assert|xe_tile_assert|xe_gt_assert|list_|hlist_|test_bit|set_bit|clear_bit|READ_ONCE|WRITE_ONCE|container_of|IS_ERR|PTR_ERR|ERR_PTR|likely|unlikely|drm_dbg|drm_err|drm_warn|drm_info|dev_|pr_|printk|min|max|sizeof)/;
const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', 'defined']);

/** `&(q->vm->lock)` → `vm->lock`; `xe->usm.lock` → `xe->usm.lock`; `shrinker_lock` → itself. */
export function lockClassOf(expression: string): string | undefined {
  const key = resourceKey(expression.replace(/\s+/g, ''));
  if (key === undefined || key === 'NULL') return undefined;
  const steps = key.split('->');
  return steps.length >= 2 ? `${steps[steps.length - 2]}->${steps[steps.length - 1]}` : key;
}

/** The class a call of `pair` acquires or releases with these arguments. */
function classOfCall(pair: ResourcePair, args: readonly string[], slot: number, acquire = false): string | undefined {
  // A wrapper that takes or releases a field of its argument (`foo_unlock(q)`: `q->lock`) names that field's class.
  const path = acquire ? pair.acquirePath : pair.releasePath;
  if (path !== undefined) return args[slot] ? lockClassOf(`${args[slot]}${path}`) : undefined;
  const cls = lockClassOf(args[slot] ?? '');
  if (cls === undefined) return undefined;
  // A driver's own lock function (learned) names its lock by itself: `xe_vm_lock(vm)`.
  return 'learnedFrom' in pair ? `${pair.acquire[0]}(${cls})` : cls;
}

/** Argument texts of the call whose `(` is at `open`, as far as the line goes. */
export function argumentsAt(text: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open + 1; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 40 /* ( */ || ch === 91 /* [ */) depth++;
    else if (ch === 41 /* ) */ || ch === 93 /* ] */) {
      if (depth === 0) {
        args.push(text.slice(start, i).trim());
        return args;
      }
      depth--;
    } else if (ch === 44 /* , */ && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const rest = text.slice(start).trim();
  if (rest !== '') args.push(rest);
  return args;
}

/** Comments and string literals blanked out (a body's text, not its prose). */
function codeOf(text: string, inComment: { value: boolean }): string {
  if (!inComment.value && !text.includes('/') && !text.includes('"')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (inComment.value) {
      const end = text.indexOf('*/', i);
      if (end === -1) return out;
      inComment.value = false;
      i = end + 2;
      continue;
    }
    const ch = text[i];
    if (ch === '/' && text[i + 1] === '*') {
      inComment.value = true;
      i += 2;
      continue;
    }
    if (ch === '/' && text[i + 1] === '/') return out;
    if (ch === '"') {
      const end = text.indexOf('"', i + 1);
      out += '""';
      i = end === -1 ? text.length : end + 1;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** A statement that leaves its block: nothing after it in the block runs on its path. */
const JUMP = /^\s*(?:return\b|goto\s+\w+\s*;|break\s*;|continue\s*;)/;
/** A `case` or `default` label of a switch. */
/** A line whose statement's body is the next line: `if (x)`, `for (…)`, `else` without a brace. */
const BODY_NEXT = /(?:\)|\belse)\s*$/;

/**
 * Scans one function body line by line and reports every lock acquire (with
 * the locks held then) and every field write or list-head use (likewise).
 * Locks asserted with `lockdep_assert_held()` count as held from there on.
 *
 * The scan follows the text, not the paths, with one exception: a block
 * that ends in a jump (`return`, `goto`, `break`, `continue`) is left by
 * that jump, so the code after its closing brace, or the next `case` of a
 * switch, starts with the locks held where the block (the switch) began:
 * `case ACTIVE: mutex_unlock(&p->mutex); goto out; case READY: p->status = …`
 * writes under the lock.
 */
export function scanLocks(
  lines: readonly ScanLine[],
  pairs: PairIndex,
  onEvent: (event: LockEvent) => void,
  /** Each line of code with the locks held when it starts and when it ends (comments and strings blanked out). */
  onLine?: (line: number, code: string, before: readonly HeldLock[], after: readonly HeldLock[]) => void,
): void {
  let held: HeldLock[] = [];
  const inComment = { value: false };
  // Brace depth relative to the first line: a guard's lock ends with its block.
  let depth = 0;
  // The open blocks: the locks held where each began, and whether its last statement so far is a jump.
  const blocks: { held: HeldLock[]; switch: boolean; jumped: boolean }[] = [];
  // The previous line of code opens a statement that takes the next line as its body (`if (x)`, `else`).
  let bodyNext = false;
  for (const { text, line } of lines) {
    if (text.length > 1024) continue;
    const code = codeOf(text, inComment);
    if (code.trim() === '' || code.trimStart().startsWith('#')) continue;
    // Closing braces that start the line close their blocks first (`} else {`).
    const lead = /^[\s}]*/.exec(code)?.[0] ?? '';
    const closing = count(lead, '}');
    for (let k = 0; k < closing; k++) {
      depth--;
      const closed = blocks.pop();
      if (closed?.jumped) held = closed.held;
    }
    const statement = code.slice(lead.length);
    const block = blocks[blocks.length - 1];
    if (block && statement.trim() !== '') {
      if (block.switch && block.jumped && caseLabel(statement) !== undefined) held = block.held;
      block.jumped = !bodyNext && JUMP.test(statement);
    }
    bodyNext = BODY_NEXT.test(code);
    const before = held;
    CALL.lastIndex = 0;
    for (let match = CALL.exec(code); match; match = CALL.exec(code)) {
      const name = match[1] as string;
      if (KEYWORDS.has(name)) continue;
      if (name === 'guard' || name === 'scoped_guard') {
        // `guard(mutex)(&vm->lock);` holds to the end of this block, `scoped_guard(mutex, &vm->lock) {` over the block it opens.
        const plain = name === 'guard' ? GUARD_HEAD.exec(code.slice(match.index)) : null;
        const args = argumentsAt(code, plain ? match.index + plain[0].length - 1 : match.index + match[0].length - 1);
        const guard = guardAcquire(plain ? { name: `guard(${plain[1]})`, args } : { name, args });
        const pair = guard ? pairs.acquires.get(guard.acquire) : undefined;
        const cls = guard && pair ? lockClassOf(guard.lock) : undefined;
        if (cls) {
          onEvent({ type: 'acquire', cls, line, held, trylock: false });
          if (!held.some((h) => h.cls === cls)) held = [...held, { cls, line, scopeDepth: plain ? depth : depth + 1 }];
        }
        if (plain) CALL.lastIndex = match.index + plain[0].length;
        continue;
      }
      if (name === WINDOW_GAP) {
        // The unknown code between two hunks: what was held is no longer known.
        held = [];
        continue;
      }
      const args = argumentsAt(code, match.index + match[0].length - 1);
      if (ASSERT.test(name)) {
        const cls = lockClassOf(args[0] ?? '');
        if (cls && !held.some((h) => h.cls === cls)) held = [...held, { cls, line }];
        continue;
      }
      const acquired = pairs.acquires.get(name);
      if (acquired && acquired.kind === 'lock' && !NOT_ORDERED.test(name)) {
        const slot = typeof acquired.acquireSlot === 'number' ? acquired.acquireSlot : 0;
        const cls = classOfCall(acquired, args, slot, true);
        if (cls) {
          onEvent({ type: 'acquire', cls, line, held, trylock: acquired.style === 'bool' || /_nested$/.test(name) });
          if (!held.some((h) => h.cls === cls)) held = [...held, { cls, line }];
        }
        continue;
      }
      const released = pairs.releases.get(name)?.find((pair) => pair.kind === 'lock');
      if (released && !NOT_ORDERED.test(released.acquire[0] ?? '')) {
        const cls = classOfCall(released, args, released.releaseSlot ?? 0);
        if (cls) held = held.filter((h) => h.cls !== cls);
        continue;
      }
      const headArg = LIST_HEAD_ARG.get(name);
      if (headArg !== undefined) {
        const field = fieldOf(args[headArg] ?? '');
        if (field) onEvent({ type: 'access', field, line, held, how: 'list' });
      } else if (held.length > 0 && !ASSERT_OR_MACRO.test(name)) {
        onEvent({ type: 'call', name, line, held, args });
      }
    }
    if (mayWriteField(code)) {
      WRITE.lastIndex = 0;
      for (let match = WRITE.exec(code); match; match = WRITE.exec(code)) {
        const field = fieldOf(match[1] as string);
        if (field) onEvent({ type: 'access', field, line, held, how: 'write' });
      }
    }
    let skip = closing;
    // Most lines have no brace: the walk below would change nothing.
    if (code.includes('{') || code.includes('}'))
      for (const ch of code) {
        if (ch === '{') {
          depth++;
          blocks.push({ held, switch: /\bswitch\s*\(/.test(code), jumped: false });
        } else if (ch === '}' && skip > 0) {
          skip--;
        } else if (ch === '}') {
          depth--;
          const closed = blocks.pop();
          if (closed?.jumped) held = closed.held;
        }
      }
    // A `scoped_guard()` line without its `{` guards the next statement (taken as the next line).
    const ended = (h: HeldLock) => h.scopeDepth !== undefined && depth < h.scopeDepth && (h.line !== line || code.includes('{'));
    if (held.some(ended)) held = held.filter((h) => !ended(h));
    onLine?.(line, code, before, held);
  }
}

/** A field of a structure reached through a pointer: `&vm->userptr.list` → `vm->userptr.list`; a local is none. */
function fieldOf(expression: string): string | undefined {
  const cls = lockClassOf(expression.replace(/\[[^\]]*\]/g, ''));
  return cls !== undefined && cls.includes('->') && /^[\w.>-]+$/.test(cls) ? cls : undefined;
}

/** The function a body belongs to: the name before the first `(` of its head, at column 0. */
export function functionNameOf(lines: readonly ScanLine[]): string | undefined {
  for (const { text } of lines.slice(0, 12)) {
    // The return type may stand on the line above (`int\nfoo_bar(struct foo *f)`).
    const head = /^(?:[A-Za-z_][\w\s*]*?\b)?([A-Za-z_]\w*)\s*\(/.exec(text);
    // A declaration before the function (`static DEFINE_SPINLOCK(lock);`, a prototype) is not its head.
    if (head && !KEYWORDS.has(head[1] as string) && !/;\s*$/.test(text)) return head[1];
    if (/^\{/.test(text)) break;
  }
  return undefined;
}

/** The functions that access a field: for each, the locks held at every access, and its first access. */
export type FieldUses = ReadonlyMap<string, { readonly locks: ReadonlySet<string>; readonly site: LockSite }>;

/** Everything learned from a body of code. */
export interface LockFacts {
  /** `held\u0001taken` → where `taken` is acquired while `held` is held (directly, or by a function called then). */
  readonly order: ReadonlyMap<string, readonly LockSite[]>;
  readonly fields: ReadonlyMap<string, FieldUses>;
  /** Function name → the lock classes its body takes itself (not by trylock). */
  readonly takes: ReadonlyMap<string, ReadonlySet<string>>;
  /** Functions that may sleep: they call a sleeping kernel function, or such a function of the driver (a few calls deep). */
  readonly sleepers: ReadonlyMap<string, Sleeper>;
  /** Function name → the locks its body asserts held (`lockdep_assert_held()`) on an object its caller passes. */
  readonly requires?: ReadonlyMap<string, readonly LockRequirement[]>;
  /** Function name → the locks its body takes itself, unconditionally, on an object its caller passes (`LockRequirement.site`: the acquisition). */
  readonly paramLocks?: ReadonlyMap<string, readonly LockRequirement[]>;
  /** Callee name → the calls of it the tree's functions make with locks held (functions the patch changes left out). */
  readonly lockedCalls?: ReadonlyMap<string, readonly LockedCall[]>;
  /** Fields of a struct type and the lock of the same object that protects them (`object-locks`), for the patch's loops. */
  readonly objects?: ObjectLockFacts;
  /** Function name → how it is registered to run in atomic context (a fence callback, a timer, an interrupt handler). */
  readonly atomicCallbacks?: ReadonlyMap<string, AtomicCallback>;
  /** The driver's macros that spell blocking GFP flags (`#define ALLOW_FAIL (GFP_KERNEL | __GFP_NOWARN)`). */
  readonly gfpMacros?: GfpMacros;
  /** Function name → the `gfp_t` parameter it hands to an allocator: it sleeps when its caller passes blocking flags there. */
  readonly gfpTakers?: ReadonlyMap<string, GfpTaker>;
}

/** A driver function that allocates with the flags its caller passes (`pool_alloc(pv, gfp)` calling `alloc_page(gfp)`). */
export interface GfpTaker {
  /** The parameter (0-based) holding the flags. */
  readonly param: number;
  /** The call in its body the flags go to (an allocator, or another such function). */
  readonly callee: string;
  readonly site: LockSite;
}

/** A function some code registers to be called in atomic context, where it must not sleep. */
export interface AtomicCallback {
  /** The registering call (`dma_fence_add_callback`). */
  readonly via: string;
  /** The context it runs in, as a message says it. */
  readonly context: string;
  readonly site: LockSite;
}

/**
 * Calls that register a function to run in atomic context: the callback's
 * argument, and the context. A threaded interrupt's thread function may
 * sleep; its primary handler may not.
 */
export const ATOMIC_REGISTRATIONS: ReadonlyMap<string, { readonly slot: number; readonly context: string }> = new Map([
  ['dma_fence_add_callback', { slot: 2, context: "a fence callback, called with the fence's lock held and interrupts off" }],
  ['timer_setup', { slot: 1, context: 'a timer callback, called in softirq context' }],
  ['init_irq_work', { slot: 1, context: 'an irq_work callback, called in hard interrupt context' }],
  ['tasklet_setup', { slot: 1, context: 'a tasklet, called in softirq context' }],
  ['tasklet_init', { slot: 1, context: 'a tasklet, called in softirq context' }],
  ['call_rcu', { slot: 1, context: 'an RCU callback, called in softirq context' }],
  ['request_irq', { slot: 1, context: 'an interrupt handler, called in hard interrupt context' }],
  ['request_threaded_irq', { slot: 1, context: 'an interrupt handler, called in hard interrupt context' }],
  ['devm_request_irq', { slot: 2, context: 'an interrupt handler, called in hard interrupt context' }],
  ['devm_request_threaded_irq', { slot: 2, context: 'an interrupt handler, called in hard interrupt context' }],
]);

/** The function a registration's argument names (`foo_cb`, `&foo_cb`, `(dma_fence_func_t)foo_cb`); undefined for anything else. */
export function callbackName(arg: string | undefined): string | undefined {
  const match = arg === undefined ? null : /^(?:\([\w\s*]+\)\s*)?&?\s*([A-Za-z_]\w*)$/.exec(arg.trim());
  return match && match[1] !== 'NULL' ? match[1] : undefined;
}

/**
 * A lock a function's body asserts held, unconditionally, on an object reached
 * from one of its parameters: its callers must hold it. The same shape says
 * which locks a body takes itself on such an object (`paramLocks`).
 */
export interface LockRequirement {
  /** The parameter the lock is reached from (0-based). */
  readonly param: number;
  /** The steps from that parameter to the lock: `->lock`, `->vm->lock`, `->ct.lock`. */
  readonly path: string;
  /** The assertion (or, in `paramLocks`, the acquisition). */
  readonly site: LockSite;
}

/** A call made with locks held: the arguments it passes and the lock classes held (`LockFacts.lockedCalls`). */
export interface LockedCall {
  readonly args: readonly string[];
  readonly held: readonly string[];
  readonly site: LockSite;
}

/** Why a function of the driver may sleep: the call in its body that does, and the reason at the end of the chain. */
export interface Sleeper {
  /** The call in this function's body that sleeps (a kernel function, or another sleeper). */
  readonly callee: string;
  readonly site: LockSite;
  /** The sleeping kernel call the chain ends in, with why (`set_pages_wb() may sleep`). */
  readonly reason: string;
}

interface FlagCall {
  readonly callee: string;
  readonly arg: number;
  readonly param?: number;
  readonly flags?: string;
  readonly line: number;
}

interface UnitFacts {
  readonly fn: string;
  readonly orders: { key: string; site: LockSite }[];
  readonly takes: Set<string>;
  readonly calls: { name: string; held: readonly string[]; line: number; args: readonly string[] }[];
  /** field → locks held at its first access in the function (intersection over its accesses). */
  readonly fields: Map<string, { locks: Set<string>; line: number }>;
  /** The first call of a sleeping kernel function in the body, if any. */
  sleeps?: { name: string; reason: string; line: number };
  /** Every function the body calls, at its first call. */
  readonly callees: Map<string, number>;
  /** The functions the body registers to run in atomic context (`ATOMIC_REGISTRATIONS`). */
  readonly registers: { callback: string; via: string; line: number }[];
  /**
   * Calls that pass GFP flags on: the callee, the argument's position, and the
   * flags, either this function's own `gfp_t` parameter (by position) or a
   * name in capitals (a `GFP_*` constant, or a macro that may spell one).
   */
  readonly flagCalls: FlagCall[];
  /** The locks the body asserts held on objects its parameters reach, and the name its head gives. */
  readonly requires: ParamLock[];
  /** The locks the body takes unconditionally on objects its parameters reach. */
  readonly takesOn: ParamLock[];
  requiredBy?: string;
}

/**
 * Scans of tree files, by content: the same driver files are read again for
 * every patch of a series, and by the server on every review of a patch in a
 * checkout. Keyed by a 64-bit hash of the text, not the text (a driver is
 * tens of megabytes), and bounded by the text its entries cover (a patch's
 * own hunks are not kept: they are seen once).
 */
const cache = new Map<string, { scanned: ScannedSource; chars: number }>();
const CACHE_CHARS = 32 << 20;
let cachedChars = 0;

/**
 * Two independent 32-bit hashes of the lines' text (FNV-1a, and a
 * multiply-xorshift), one pass, nothing joined; and the characters hashed.
 */
function contentKey(lines: readonly ScanLine[]): { key: string; chars: number } {
  let a = FNV_OFFSET ^ lines.length;
  let b = 0x9e3779b9 ^ lines.length;
  let chars = 0;
  for (const { text } of lines) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, FNV_PRIME);
      b = Math.imul(b + c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a = Math.imul(a ^ 10, FNV_PRIME);
    b = Math.imul(b + 10, 0x5bd1e995);
    b ^= b >>> 15;
    chars += text.length + 1;
  }
  return { key: `${(a >>> 0).toString(16)}.${(b >>> 0).toString(16)}`, chars };
}

/** What one source says: its functions, and its macros that spell blocking GFP flags. */
interface ScannedSource {
  readonly units: UnitFacts[];
  readonly gfpMacros: ReadonlyMap<string, string>;
}

function scanSource(source: LockSource, pairs: PairIndex, pairsKey: string): ScannedSource {
  const content = source.fromTree ? contentKey(source.lines) : undefined;
  const cacheKey =
    content && `${pairsKey}\u0000${source.path}\u0000${source.enclosing ?? ''}\u0000${source.lines.length}\u0000${content.key}`;
  const cached = cacheKey === undefined ? undefined : cache.get(cacheKey);
  if (cached) return cached.scanned;
  const found: UnitFacts[] = [];
  const gfpMacros = gfpMacrosOf(source.lines);
  functionUnits(source).forEach((unit, index) => {
    const enclosing = index === 0 && source.enclosing ? functionNameOf([{ text: source.enclosing, line: 0 }]) : undefined;
    const fn = functionNameOf(unit) ?? enclosing ?? `${source.path}#${index}`;
    const facts: UnitFacts = {
      fn,
      orders: [],
      takes: new Set(),
      calls: [],
      fields: new Map(),
      callees: new Map(),
      registers: [],
      requires: [],
      takesOn: [],
      flagCalls: [],
    };
    // The head is read once: the requirements and the `gfp_t` parameters both come from it.
    const head = headOf(unit);
    const required = requirementsOf(unit, head, pairs);
    if (required) {
      facts.requiredBy = required.fn;
      facts.requires.push(...required.requires);
      facts.takesOn.push(...required.takes);
    }
    collectCallees(unit, facts, gfpParamsOf(head));
    scanLocks(unit, pairs, (event) => {
      if (event.type === 'call') {
        facts.calls.push({ name: event.name, held: event.held.map((h) => h.cls), line: event.line, args: event.args });
        return;
      }
      if (event.type === 'acquire') {
        if (event.trylock) return;
        facts.takes.add(event.cls);
        for (const held of event.held) {
          if (held.cls !== event.cls)
            facts.orders.push({ key: `${held.cls}\u0001${event.cls}`, site: { path: source.path, line: event.line, fn } });
        }
        return;
      }
      const locks = new Set(event.held.map((h) => h.cls));
      const seen = facts.fields.get(event.field);
      if (!seen) facts.fields.set(event.field, { locks, line: event.line });
      else for (const lock of seen.locks) if (!locks.has(lock)) seen.locks.delete(lock);
    });
    found.push(facts);
  });
  const scanned = { units: found, gfpMacros };
  if (content && cacheKey !== undefined && content.chars <= CACHE_CHARS) {
    while (cachedChars + content.chars > CACHE_CHARS) {
      const [oldest, entry] = cache.entries().next().value as [string, { chars: number }];
      cache.delete(oldest);
      cachedChars -= entry.chars;
    }
    cache.set(cacheKey, { scanned, chars: content.chars });
    cachedChars += content.chars;
  }
  return scanned;
}

/**
 * The macros of `lines` that spell blocking GFP flags, by name, with the
 * constant each contains (`#define ALLOW_FAIL (GFP_KERNEL | __GFP_RETRY_MAYFAIL)`);
 * a macro made of an earlier one counts too.
 */
function gfpMacrosOf(lines: readonly ScanLine[]): Map<string, string> {
  const macros = new Map<string, string>();
  for (const { text } of lines) {
    if (!text.startsWith('#define') || !text.includes('GFP')) continue;
    const define = /^#define\s+([A-Z_][A-Z0-9_]*)\s+(.*)$/.exec(text);
    if (!define) continue;
    const constant = BLOCKING_GFP.exec(define[2] as string)?.[0] ?? macros.get(macroName(define[2] as string) ?? '');
    if (constant !== undefined) macros.set(define[1] as string, constant);
  }
  return macros;
}

/** The positions of a function's `gfp_t` parameters, by name (none for a unit without a head). */
function gfpParamsOf(head: FunctionHead | undefined): ReadonlyMap<string, number> {
  const params = new Map<string, number>();
  head?.params.forEach((param, index) => {
    const name = /\bgfp_t\s+([A-Za-z_]\w*)\s*$/.exec(param)?.[1];
    if (name !== undefined) params.set(name, index);
  });
  return params;
}

/**
 * A function's head in kernel style (the body opens with `{` in column 0,
 * under a head that starts in column 0): its name and its parameters' texts.
 */
interface FunctionHead {
  readonly fn: string;
  readonly params: readonly string[];
  readonly bodyStart: number;
}

function headOf(unit: readonly ScanLine[]): FunctionHead | undefined {
  const bodyStart = unit.findIndex(({ text }) => /^\{/.test(text));
  if (bodyStart < 1) return undefined;
  let headIndex = bodyStart - 1;
  while (headIndex > 0 && bodyStart - headIndex < 8 && !/^[A-Za-z_].*\(/.test((unit[headIndex] as ScanLine).text)) headIndex--;
  const head = unit
    .slice(headIndex, bodyStart)
    .map(({ text }) => text)
    .join(' ');
  const name = /^[A-Za-z_][\w\s*]*?\b([A-Za-z_]\w*)\s*\(/.exec(head);
  if (!name || KEYWORDS.has(name[1] as string) || head.includes(';')) return undefined;
  return { fn: name[1] as string, params: argumentsAt(head, name.index + name[0].length - 1), bodyStart };
}

/** The calls of a body, the first sleeping kernel call among them, and the calls passing GFP flags on. */
function collectCallees(lines: readonly ScanLine[], facts: UnitFacts, gfpParams: ReadonlyMap<string, number>): void {
  const inComment = { value: false };
  for (const { text, line } of lines) {
    if (text.length > 1024) continue;
    const code = codeOf(text, inComment);
    if (code.trimStart().startsWith('#')) continue;
    // A line of code at column 0 is a function's head, a prototype or a file-scope macro, never a call in a body:
    // a header's prototypes (`int foo_init(...);` above `void foo_unbind(...`) are not what foo_unbind() calls.
    if (/^[A-Za-z_]/.test(code)) continue;
    CALL.lastIndex = 0;
    for (let match = CALL.exec(code); match; match = CALL.exec(code)) {
      const name = match[1] as string;
      if (KEYWORDS.has(name) || name === WINDOW_GAP) continue;
      // A call through a pointer (`engine->schedule(rq)`, `ops.release(obj)`) does not call the function of that name.
      if (afterMemberAccess(code, match.index)) continue;
      if (!facts.callees.has(name)) facts.callees.set(name, line);
      const registration = ATOMIC_REGISTRATIONS.get(name);
      const args = argumentsAt(code, match.index + match[0].length - 1);
      collectFlagCalls(name, args, line, facts, gfpParams);
      if (!registration && facts.sleeps) continue;
      if (registration) {
        const callback = callbackName(args[registration.slot]);
        if (callback) facts.registers.push({ callback, via: name, line });
      }
      if (facts.sleeps) continue;
      const reason = sleepingCall(name, args);
      if (reason) facts.sleeps = { name, reason, line };
    }
  }
}

/** Records the call's arguments that pass GFP flags on: the body's own `gfp_t` parameter, or a name in capitals. */
function collectFlagCalls(
  callee: string,
  args: readonly string[],
  line: number,
  facts: UnitFacts,
  gfpParams: ReadonlyMap<string, number>,
): void {
  args.forEach((text, arg) => {
    const word = text.trim();
    const param = gfpParams.get(word);
    if (param !== undefined) facts.flagCalls.push({ callee, arg, param, line });
    else if (word !== 'NULL' && /[A-Z]/.test(word) && (BLOCKING_GFP.test(word) || macroName(word) !== undefined))
      facts.flagCalls.push({ callee, arg, flags: word, line });
  });
}

/** Calls deep a chain of driver functions is followed to a sleeping call. */
const SLEEP_DEPTH = 3;

/**
 * Learns lock order and field beliefs from `sources`, leaving out the tree's
 * copies of the functions named in `skip` (those a patch changes: their old
 * text is not evidence about the new one; the patch's own lines are).
 */
export function learnLockFacts(sources: readonly LockSource[], pairs: PairIndex, skip: ReadonlySet<string> = new Set()): LockFacts {
  const pairsKey = [...pairs.acquires.keys()].filter((name) => pairs.acquires.get(name)?.kind === 'lock').join(',');
  const order = new Map<string, LockSite[]>();
  const fields = new Map<string, Map<string, { locks: ReadonlySet<string>; site: LockSite }>>();
  const takes = new Map<string, Set<string>>();
  const sleepers = new Map<string, Sleeper>();
  const requires = new Map<string, LockRequirement[]>();
  const paramLocks = new Map<string, LockRequirement[]>();
  const lockedCalls = new Map<string, LockedCall[]>();
  const atomicCallbacks = new Map<string, AtomicCallback>();
  const gfpMacros = new Map<string, string>();
  const units: { unit: UnitFacts; path: string }[] = [];
  const seenFunctions = new Set<string>();
  for (const source of sources) {
    const scanned = scanSource(source, pairs, pairsKey);
    for (const [name, constant] of scanned.gfpMacros) if (!gfpMacros.has(name)) gfpMacros.set(name, constant);
    for (const unit of scanned.units) {
      if (source.fromTree && skip.has(unit.fn)) continue;
      // A function defined twice (a header and its file, or #ifdef variants) counts once; the hunks of
      // one function in a patch are parts of it, each with its own orders (the lock taken in the second).
      const identity = `${unit.fn}\u0000${source.path}\u0000${source.fromTree ? '' : (source.lines[0]?.line ?? '')}`;
      if (seenFunctions.has(identity)) continue;
      seenFunctions.add(identity);
      units.push({ unit, path: source.path });
      for (const { callback, via, line } of unit.registers) {
        const context = ATOMIC_REGISTRATIONS.get(via)?.context;
        if (context && !atomicCallbacks.has(callback))
          atomicCallbacks.set(callback, { via, context, site: { path: source.path, line, fn: unit.fn } });
      }
      if (unit.sleeps && !sleepers.has(unit.fn))
        sleepers.set(unit.fn, {
          callee: unit.sleeps.name,
          site: { path: source.path, line: unit.sleeps.line, fn: unit.fn },
          reason: unit.sleeps.reason,
        });
      // The first definition seen says what a function requires: the patch's own copy comes before the tree's.
      const requiredBy = unit.requiredBy;
      if (requiredBy && unit.requires.length > 0 && !requires.has(requiredBy))
        requires.set(
          requiredBy,
          unit.requires.map(({ param, path, line }) => ({ param, path, site: { path: source.path, line, fn: requiredBy } })),
        );
      if (requiredBy && unit.takesOn.length > 0 && !paramLocks.has(requiredBy))
        paramLocks.set(
          requiredBy,
          unit.takesOn.map(({ param, path, line }) => ({ param, path, site: { path: source.path, line, fn: requiredBy } })),
        );
      if (source.fromTree) {
        for (const call of unit.calls) {
          if (call.name === unit.fn) continue;
          const list = lockedCalls.get(call.name) ?? [];
          if (list.length === 0) lockedCalls.set(call.name, list);
          list.push({ args: call.args, held: call.held, site: { path: source.path, line: call.line, fn: unit.fn } });
        }
      }
      if (unit.takes.size > 0) {
        const set = takes.get(unit.fn) ?? new Set<string>();
        for (const cls of unit.takes) set.add(cls);
        takes.set(unit.fn, set);
      }
      for (const { key, site } of unit.orders) {
        const list = order.get(key);
        if (list) list.push(site);
        else order.set(key, [site]);
      }
      if (NO_BELIEF_FUNCTION.test(unit.fn)) continue;
      for (const [field, { locks, line }] of unit.fields) {
        let uses = fields.get(field);
        if (!uses) {
          uses = new Map();
          fields.set(field, uses);
        }
        if (!uses.has(unit.fn)) uses.set(unit.fn, { locks, site: { path: source.path, line, fn: unit.fn } });
      }
    }
  }
  // One level of calls: a function called with A held takes its own locks inside A.
  for (const { unit, path } of units) {
    for (const call of unit.calls) {
      const inner = takes.get(call.name);
      if (!inner || call.name === unit.fn) continue;
      for (const cls of inner) {
        for (const held of call.held) {
          if (held === cls) continue;
          const key = `${held}\u0001${cls}`;
          const site = { path, line: call.line, fn: unit.fn, via: call.name };
          const list = order.get(key);
          if (list) list.push(site);
          else order.set(key, [site]);
        }
      }
    }
  }
  const gfpTakers = learnGfpTakers(units);
  // A function that passes blocking flags to an allocator through a flag-taking helper sleeps.
  for (const { unit, path } of units) {
    if (sleepers.has(unit.fn)) continue;
    for (const call of unit.flagCalls) {
      if (call.flags === undefined || call.callee === unit.fn) continue;
      if (gfpTakers.get(call.callee)?.param !== call.arg && !isAllocator(call.callee)) continue;
      const reason = reclaimReason(call.callee, call.flags, gfpMacros);
      if (reason === undefined) continue;
      sleepers.set(unit.fn, { callee: call.callee, site: { path, line: call.line, fn: unit.fn }, reason });
      break;
    }
  }
  // A function that calls a sleeper sleeps too, a few calls deep.
  for (let depth = 1; depth < SLEEP_DEPTH; depth++) {
    const found: [string, Sleeper][] = [];
    for (const { unit, path } of units) {
      if (sleepers.has(unit.fn)) continue;
      for (const [callee, line] of unit.callees) {
        const inner = callee === unit.fn ? undefined : sleepers.get(callee);
        if (!inner) continue;
        found.push([unit.fn, { callee, site: { path, line, fn: unit.fn }, reason: inner.reason }]);
        break;
      }
    }
    if (found.length === 0) break;
    for (const [fn, sleeper] of found) if (!sleepers.has(fn)) sleepers.set(fn, sleeper);
  }
  return { order, fields, takes, sleepers, requires, paramLocks, lockedCalls, atomicCallbacks, gfpMacros, gfpTakers };
}

/** The functions that hand a `gfp_t` parameter to an allocator, directly or through such functions, a few calls deep. */
function learnGfpTakers(units: readonly { unit: UnitFacts; path: string }[]): Map<string, GfpTaker> {
  const takers = new Map<string, GfpTaker>();
  for (let depth = 0; depth < SLEEP_DEPTH; depth++) {
    const found: [string, GfpTaker][] = [];
    for (const { unit, path } of units) {
      if (takers.has(unit.fn)) continue;
      const call = unit.flagCalls.find(
        ({ callee, arg, param }) =>
          param !== undefined && callee !== unit.fn && (depth === 0 ? isAllocator(callee) : takers.get(callee)?.param === arg),
      );
      if (call) found.push([unit.fn, { param: call.param as number, callee: call.callee, site: { path, line: call.line, fn: unit.fn } }]);
    }
    if (found.length === 0) break;
    for (const [fn, taker] of found) if (!takers.has(fn)) takers.set(fn, taker);
  }
  return takers;
}

/**
 * The words a file must contain to hold facts about what `sources` do: the
 * lock classes they take (a learned lock function by its name), the fields
 * they touch and the functions they call with locks held. Tree files without
 * any of them are not scanned (a driver directory has hundreds of files).
 */
export function lockWords(sources: readonly LockSource[], pairs: PairIndex): Set<string> {
  const words = new Set<string>();
  for (const source of sources) {
    for (const unit of functionUnits(source)) {
      scanLocks(unit, pairs, (event) => {
        if (event.type === 'acquire') words.add(event.cls.replace(/\(.*$/, ''));
        else if (event.type === 'access') words.add(event.field);
        else words.add(event.name);
        for (const held of event.held) words.add(held.cls.replace(/\(.*$/, ''));
      });
    }
  }
  return words;
}

/**
 * The lock the functions other than `self` hold for `field`, when they are
 * consistent enough to believe it: how many hold it, of how many, and one of them.
 */
export function believedLock(
  facts: LockFacts,
  field: string,
  self: string,
): { lock: string; count: number; functions: number; example: LockSite } | undefined {
  const uses = facts.fields.get(field);
  if (!uses) return undefined;
  const byLock = new Map<string, { count: number; example: LockSite }>();
  let functions = 0;
  for (const [fn, { locks, site }] of uses) {
    if (fn === self) continue;
    functions++;
    for (const lock of locks) {
      const entry = byLock.get(lock);
      if (entry) entry.count++;
      else byLock.set(lock, { count: 1, example: site });
    }
  }
  let best: { lock: string; count: number; functions: number; example: LockSite } | undefined;
  for (const [lock, { count, example }] of byLock) if (!best || count > best.count) best = { lock, count, functions, example };
  if (!best || best.count < MIN_BELIEF_FUNCTIONS || best.count < BELIEF_SHARE * functions) return undefined;
  return best;
}

/** At least this many other functions hold the lock for the field... */
export const MIN_BELIEF_FUNCTIONS = 3;
/** ...and at least this share of those that touch it. */
export const BELIEF_SHARE = 0.8;

/** `struct xe_vm *vm = q->vm;`: a local standing for a field its declaration reads. */
const ALIAS_DECLARATION = /^\s*(?:const\s+)?(?:struct\s+)?\w+\s*\*+\s*([A-Za-z_]\w*)\s*=\s*([A-Za-z_]\w*)((?:(?:->|\.)[A-Za-z_]\w*)+)\s*;/;
/** A statement that guards the next line when it has no braces of its own. */
const GUARDING_STATEMENT = /^\s*(?:(?:\}\s*)?else\b|if\b|for\b|while\b|[a-z_]*for_each\w*\b)|\)\s*$/;
/** A lock expression a caller's argument can be substituted into: `&vm->lock`, `q->vm->lock`, `&guc->ct.lock`. */
const PLAIN_EXPRESSION = /^&?[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*$/;

/** A call whose name says it releases a lock (`mutex_unlock`, `up_write`, a driver's `foo_release_ctx`). */
const LOCK_RELEASE_NAME = /unlock|up_write|up_read|release/;
const RELEASE_CALL = new RegExp(String.raw`\b([A-Za-z_]\w*(?:${LOCK_RELEASE_NAME.source})\w*)\s*\(`, 'g');

/** Whether a function's name says it releases a lock, under a name the lock table may not know. */
export function looksLikeRelease(name: string): boolean {
  return LOCK_RELEASE_NAME.test(name);
}

/** A lock on a parameter's object: which parameter, the steps to the lock, where. */
type ParamLock = { param: number; path: string; line: number };

/**
 * The locks a function body asserts held at its top level (not under a
 * condition), on an object a parameter reaches directly or through a local
 * declared from the parameter's field; and, the same way, the locks it takes
 * there itself (a plain acquisition of the lock table: no trylock, no
 * `_nested` annotation, no read side of a reader-writer lock, which may nest).
 * A body whose head is not in view (a window of a hunk) has neither: its
 * parameters are unknown.
 */
function requirementsOf(
  unit: readonly ScanLine[],
  head: FunctionHead | undefined,
  pairs: PairIndex,
): { fn: string; requires: ParamLock[]; takes: ParamLock[] } | undefined {
  if (!head) return undefined;
  const { fn, bodyStart } = head;
  // Bounded: see MAX_PARAMETER_TEXT.
  const params = head.params.map((param) =>
    param.length > MAX_PARAMETER_TEXT ? '' : (/([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*$/.exec(param)?.[1] ?? ''),
  );
  const aliases = new Map<string, { param: number; path: string }>();
  const out: ParamLock[] = [];
  const takes: ParamLock[] = [];
  /** `param` + path of every lock on a parameter's object the body has released so far. */
  const released = new Set<string>();
  /** `&root->a.b` (or `root->a.b`) of a parameter or of a local declared from one. */
  const onParam = (expression: string, line: number, into: ParamLock[]): void => {
    const steps = /^&?([A-Za-z_]\w*)((?:(?:->|\.)[A-Za-z_]\w*)+)$/.exec(expression.replace(/\s+/g, ''));
    if (!steps) return;
    const root = steps[1] as string;
    const param = params.indexOf(root);
    const via = aliases.get(root);
    if (param >= 0) into.push({ param, path: steps[2] as string, line });
    else if (via) into.push({ param: via.param, path: `${via.path}${steps[2] as string}`, line });
  };
  const inComment = { value: false };
  let depth = 0;
  let previous = '';
  for (let i = bodyStart; i < unit.length; i++) {
    const { text, line } = unit[i] as ScanLine;
    if (text.length > 1024) break;
    const code = codeOf(text, inComment);
    const topLevel = depth === 1 && !GUARDING_STATEMENT.test(previous);
    if (topLevel) {
      const alias = ALIAS_DECLARATION.exec(code);
      const from = alias ? params.indexOf(alias[2] as string) : -1;
      if (alias && from >= 0) aliases.set(alias[1] as string, { param: from, path: alias[3] as string });
      const assertion = /\blockdep_assert_held(?:_once|_write|_read)?\s*\(/.exec(code);
      const argument = assertion ? (argumentsAt(code, assertion.index + assertion[0].length - 1)[0] ?? '').replace(/\s+/g, '') : '';
      if (argument.startsWith('&')) onParam(argument, line, out);
      const call = /^\s*([A-Za-z_]\w*)\s*\(/.exec(code);
      const pair = call ? pairs.acquires.get(call[1] as string) : undefined;
      if (call && pair && exclusiveLock(call[1] as string, pair)) {
        const lock = argumentsAt(code, call[0].length - 1)[typeof pair.acquireSlot === 'number' ? pair.acquireSlot : 0] ?? '';
        const found: ParamLock[] = [];
        onParam(pair.acquirePath !== undefined ? `${lock}${pair.acquirePath}` : lock, line, found);
        // A body that released the lock first retakes its caller's lock (drop, work, retake): its callers hold it.
        for (const take of found) if (!released.has(`${take.param}${take.path}`)) takes.push(take);
      }
    }
    if (LOCK_RELEASE_NAME.test(code))
      for (const match of code.matchAll(RELEASE_CALL)) {
        const release = pairs.releases.get(match[1] as string)?.find((candidate) => candidate.kind === 'lock');
        if (!release) continue;
        const lock = argumentsAt(code, (match.index ?? 0) + match[0].length - 1)[release.releaseSlot ?? 0] ?? '';
        const found: ParamLock[] = [];
        onParam(release.releasePath !== undefined ? `${lock}${release.releasePath}` : lock, line, found);
        for (const { param, path } of found) released.add(`${param}${path}`);
      }
    depth += braceBalance(code);
    if (code.trim() !== '') previous = code;
  }
  return { fn, requires: out, takes };
}

/**
 * The locks the body `lines` (a whole function, head first) takes itself,
 * unconditionally at its top level, on objects its parameters reach; each
 * `line` is the `ScanLine.line` of the acquisition.
 */
export function paramLocksOf(lines: readonly ScanLine[], pairs: PairIndex): { fn: string; takes: readonly ParamLock[] } | undefined {
  const found = requirementsOf(lines, headOf(lines), pairs);
  return found && { fn: found.fn, takes: found.takes };
}

/**
 * The lock class a call of `name` with `args` takes when it is an exclusive
 * acquisition of the lock table (`exclusiveLock`), or nothing.
 */
export function exclusiveClassOf(name: string, args: readonly string[], pairs: PairIndex): string | undefined {
  const pair = pairs.acquires.get(name);
  if (!pair || !exclusiveLock(name, pair)) return undefined;
  return classOfCall(pair, args, typeof pair.acquireSlot === 'number' ? pair.acquireSlot : 0, true);
}

/** A statement-level acquisition that deadlocks when its lock is already held: not a trylock, nested or shared one. */
function exclusiveLock(name: string, pair: ResourcePair): boolean {
  return pair.kind === 'lock' && pair.style !== 'bool' && !NOT_ORDERED.test(name) && !/_nested|read|try/.test(name);
}

/**
 * The lock class a call of a function that requires `requirement` needs, for
 * the argument the caller passes (`&xe->guc` with `->ct.lock`: `guc.ct.lock`
 * of `xe`), or nothing when the argument is not a plain expression.
 */
export function requiredClass(requirement: LockRequirement, argument: string): string | undefined {
  const arg = argument.replace(/\s+/g, '');
  if (!PLAIN_EXPRESSION.test(arg)) return undefined;
  const expression = arg.startsWith('&') ? `${arg.slice(1)}.${requirement.path.replace(/^(?:->|\.)/, '')}` : `${arg}${requirement.path}`;
  return requirement.path.startsWith('.') && !arg.startsWith('&') ? undefined : lockClassOf(expression);
}
