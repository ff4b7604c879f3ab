/**
 * Which lock of an object protects a field of it, learned by the object's
 * struct type rather than by variable name: `uq_mgr->userq_idr`,
 * `uqm->userq_idr` and `mgr->userq_idr` are all `amdgpu_userq_mgr::userq_idr`
 * when the function declares them `struct amdgpu_userq_mgr *`, and the lock
 * is a lock of that same object (`uq_mgr->userq_mutex`: `userq_mutex`).
 *
 * Used by `element-lock-not-held`: a function that walks a container of
 * objects and touches a field of each element can count on no caller holding
 * the element's lock (it found the element itself), so the rest of the code's
 * belief about the field decides.
 *
 * A function that touches the field through a parameter without the lock may
 * be called with it held: it is evidence only through its callers (when
 * every call of it in the code read holds a lock of that name on an object of
 * that type), never against the belief. Set-up and tear-down functions are
 * no evidence (`NO_BELIEF_FUNCTION`), and neither are the functions the patch
 * adds (with a tree: only the tree's functions speak for the rest of the code).
 *
 * Only the fields the patch's own loops touch are learned, so a patch without
 * such a loop costs nothing. Pure and total, like the lock scan it reuses.
 */

import { functionUnits } from './learned-pairs';
import { NO_BELIEF_FUNCTION, functionNameOf, scanLocks, type HeldLock, type LockSite, type LockSource, type ScanLine } from './lock-facts';
import type { PairIndex } from './resource-pairs';
import { regExpLiteral } from '../../base/regexp-literal';
import { iteratorElement } from '../../parse/c/iterator-macros';
import { declaredName, MAX_HEAD_TEXT } from '../../parse/c/c-text';

/** `T::field` is protected by the object's `lock` in `holders` of the `functions` that touch it. */
export interface ObjectLockBelief {
  readonly type: string;
  readonly field: string;
  readonly lock: string;
  readonly holders: number;
  readonly functions: number;
  readonly example: LockSite;
}

/** `type::field` → what the code believes; `holdersOf` is for the function being checked to leave itself out. */
export type ObjectLockFacts = ReadonlyMap<
  string,
  { readonly belief: ObjectLockBelief; readonly holdersOf: ReadonlySet<string>; readonly knownOf: ReadonlySet<string> }
>;

/** An element of a container the function walks: the loop cursor, and its struct type. */
export interface Cursor {
  readonly name: string;
  readonly type: string;
}

/** One access of `var->field` where the field is a container or is written, with the locks held then. */
export interface ObjectAccess {
  readonly owner: string;
  readonly field: string;
  readonly line: number;
  readonly held: readonly HeldLock[];
}

const DECLARATION = /\bstruct\s+(\w+)\s*\*\s*(\w+)/g;
/**
 * The next declarator after one: `, *b` after an initializer of its own
 * (`= x`, `= f(y)`). The text after a call's `)` belongs to the group: two
 * adjacent `[^,;()]*` had a line without a comma try every split between
 * them (hours on a line of declarations).
 */
const MORE_DECLARATORS = /^\s*(?:=[^,;()]*(?:\([^;]*?\)[^,;()]*)?)?,\s*\*\s*(\w+)/;
/** An iterator macro's head: `list_for_each_entry(`, `xa_for_each(` (`iterator-macros.ts` says which arguments are its cursors). */
const ITERATOR_HEAD = /\b(\w*for_each\w*)\s*\(/g;
/** Container operations whose first argument is the container: `idr_find(&mgr->idr, id)`, `xa_load(&vm->xa, i)`. */
const CONTAINER_OP = /\b(?:idr|ida|xa)_\w+\s*\(\s*&\s*([A-Za-z_]\w*)\s*->\s*(\w+)\s*[,)]/g;

/** Variables a function body declares as `struct T *name` (parameters and locals), by name. */
export function structPointerTypes(lines: readonly ScanLine[]): Map<string, string> {
  const types = new Map<string, string>();
  for (const { text } of lines) {
    DECLARATION.lastIndex = 0;
    for (let match = DECLARATION.exec(text); match; match = DECLARATION.exec(text)) {
      const type = match[1] as string;
      if (!types.has(match[2] as string)) types.set(match[2] as string, type);
      // A declaration line is short; on a long damaged one each declarator would rescan the rest of it.
      if (text.length > MAX_HEAD_TEXT) continue;
      let rest = text.slice(match.index + match[0].length);
      for (let more = MORE_DECLARATORS.exec(rest); more; more = MORE_DECLARATORS.exec(rest)) {
        if (!types.has(more[1] as string)) types.set(more[1] as string, type);
        rest = rest.slice(more[0].length);
      }
    }
  }
  return types;
}

/** The parameters: names declared in the function's head, before its opening brace. */
export function parameterNames(lines: readonly ScanLine[]): Set<string> {
  const head: string[] = [];
  for (const { text } of lines) {
    const brace = text.indexOf('{');
    head.push(brace === -1 ? text : text.slice(0, brace));
    if (brace !== -1) break;
  }
  const open = head.join(' ').indexOf('(');
  const names = new Set<string>();
  if (open === -1) return names;
  for (const part of head
    .join(' ')
    .slice(open + 1)
    .split(',')) {
    const name = declaredName(part.replace(/\)\s*$/, ''));
    if (name !== undefined) names.add(name);
  }
  return names;
}

/** The loop cursors of a body that have a declared struct type. */
export function cursorsOf(lines: readonly ScanLine[], types: ReadonlyMap<string, string>): Map<string, Cursor> {
  const cursors = new Map<string, Cursor>();
  for (const { text } of lines) {
    ITERATOR_HEAD.lastIndex = 0;
    for (let match = ITERATOR_HEAD.exec(text); match; match = ITERATOR_HEAD.exec(text)) {
      const name = iteratorElement(match[1] as string, argumentList(text, match.index + match[0].length));
      const type = name ? types.get(name) : undefined;
      if (name && type) cursors.set(name, { name, type });
    }
  }
  return cursors;
}

/** Top-level arguments of a call whose `(` ends just before `from`, as far as the line goes. */
function argumentList(text: string, from: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') {
      if (depth === 0) break;
      depth--;
    } else if (ch === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  // The last argument ends at the first `)` after it (all of the line
  // without one). An index, not `replace(/\).*$/)` on the rest of the line:
  // that copied and rescanned the rest of a long line once per call.
  const close = text.indexOf(')', start);
  args.push(text.slice(start, close === -1 ? text.length : close).trim());
  return args;
}

/** Container uses and writes of `var->field` (a plain variable's field) in a body, with the locks held, in source order. */
export function objectAccesses(
  lines: readonly ScanLine[],
  pairs: PairIndex,
  onCall?: (name: string, line: number, held: readonly HeldLock[]) => void,
): ObjectAccess[] {
  const accesses: ObjectAccess[] = [];
  const text = new Map(lines.map((line) => [line.line, line.text]));
  scanLocks(
    lines,
    pairs,
    (event) => {
      if (event.type !== 'access') return;
      const [owner, field] = event.field.split('->') as [string, string | undefined];
      // `owner->field` as written, not `x->owner->field`.
      if (
        !field ||
        !/^\w+$/.test(field) ||
        !new RegExp(`(?<![\\w>.])${regExpLiteral(owner)}\\s*->\\s*${regExpLiteral(field)}\\b`).test(text.get(event.line) ?? '')
      )
        return;
      accesses.push({ owner, field, line: event.line, held: event.held });
    },
    (line, code, before, after) => {
      const held = before.filter((lock) => after.some((h) => h.cls === lock.cls));
      CONTAINER_OP.lastIndex = 0;
      for (let match = CONTAINER_OP.exec(code); match; match = CONTAINER_OP.exec(code))
        accesses.push({ owner: match[1] as string, field: match[2] as string, line, held });
      if (!onCall) return;
      const calls = /\b([A-Za-z_]\w*)\s*\(/g;
      for (let match = calls.exec(code); match; match = calls.exec(code)) onCall(match[1] as string, line, held);
    },
  );
  return accesses;
}

/** The lock of `owner` itself among `held`: `owner->userq_mutex` → `userq_mutex`. */
export function ownLock(held: readonly HeldLock[], owner: string): string | undefined {
  for (const lock of held) if (lock.cls.startsWith(`${owner}->`) && !lock.cls.includes('(')) return lock.cls.slice(owner.length + 2);
  return undefined;
}

/** At least this many functions hold the lock for the field (themselves or every caller)... */
const MIN_HOLDERS = 3;
/** ...and at least this share of those whose lock state is known. */
const SHARE = 0.8;

type Verdict =
  { readonly kind: 'holds'; readonly lock: string; readonly site: LockSite } | { readonly kind: 'not' } | { readonly kind: 'via-callers' };

/**
 * Beliefs for the fields that the loops of the patch's own code (the sources
 * not from the tree) touch on their cursors.
 */
export function learnObjectLocks(sources: readonly LockSource[], pairs: PairIndex, skip: ReadonlySet<string>): ObjectLockFacts {
  const wanted = new Set<string>();
  for (const source of sources) {
    if (source.fromTree) continue;
    for (const unit of functionUnits(source)) {
      const types = structPointerTypes(unit);
      const cursors = cursorsOf(unit, types);
      if (cursors.size === 0) continue;
      for (const access of objectAccesses(unit, pairs)) {
        const cursor = cursors.get(access.owner);
        if (cursor) wanted.add(`${cursor.type}::${access.field}`);
      }
    }
  }
  const facts = new Map<string, { belief: ObjectLockBelief; holdersOf: Set<string>; knownOf: Set<string> }>();
  if (wanted.size === 0) return facts;
  const fields = [...new Set([...wanted].map((key) => key.slice(key.indexOf('::') + 2)))];
  const withTree = sources.some((source) => source.fromTree);
  // type::field → function → what each of its accesses says.
  const seen = new Map<string, Map<string, Verdict[]>>();
  const units: { lines: readonly ScanLine[]; fn: string; path: string }[] = [];
  for (const source of sources) {
    if (withTree && !source.fromTree) continue;
    functionUnits(source).forEach((unit, index) => {
      const fn = functionNameOf(unit) ?? `${source.path}#${index}`;
      units.push({ lines: unit, fn, path: source.path });
      if (NO_BELIEF_FUNCTION.test(fn) || (source.fromTree && skip.has(fn))) return;
      if (!unit.some(({ text }) => fields.some((field) => text.includes(`->${field}`)))) return;
      const types = structPointerTypes(unit);
      const params = parameterNames(unit);
      // Another walk that reaches the element through its own loop cursor without the lock is the
      // shape the rule reports, not evidence against the lock: it counts only when it holds it.
      const ownCursors = cursorsOf(unit, types);
      const taken = new Set<string>();
      const accesses = objectAccesses(unit, pairs, (_name, _line, held) => {
        for (const lock of held) taken.add(lock.cls);
      });
      for (const access of accesses) {
        const type = types.get(access.owner);
        const key = type ? `${type}::${access.field}` : undefined;
        if (!key || !wanted.has(key)) continue;
        const lock = ownLock(access.held, access.owner);
        if (!lock && ownCursors.has(access.owner)) continue;
        const verdict: Verdict = lock
          ? { kind: 'holds', lock, site: { path: source.path, line: access.line, fn } }
          : params.has(access.owner) && ![...taken].some((cls) => cls.startsWith(`${access.owner}->`))
            ? { kind: 'via-callers' }
            : { kind: 'not' };
        const byFn = seen.get(key) ?? new Map<string, Verdict[]>();
        seen.set(key, byFn);
        byFn.set(fn, [...(byFn.get(fn) ?? []), verdict]);
      }
    });
  }
  // One verdict per function: any unlocked access of its own decides; else a lock it holds; else its callers do.
  const verdicts = new Map<string, Map<string, Verdict>>();
  const viaCallers = new Map<string, { key: string; type: string }[]>();
  for (const [key, byFn] of seen) {
    const out = new Map<string, Verdict>();
    verdicts.set(key, out);
    for (const [fn, list] of byFn) {
      const verdict = list.find((v) => v.kind === 'not') ?? list.find((v) => v.kind === 'holds') ?? (list[0] as Verdict);
      out.set(fn, verdict);
      if (verdict.kind === 'via-callers')
        viaCallers.set(fn, [...(viaCallers.get(fn) ?? []), { key, type: key.slice(0, key.indexOf('::')) }]);
    }
  }
  // A function reached through its parameter holds the lock when every call of it does, on an object of that type.
  if (viaCallers.size > 0) {
    const names = [...viaCallers.keys()];
    const calls = new Map<string, { locks: Set<string>; site: LockSite }[]>();
    for (const { lines, fn, path } of units) {
      if (!lines.some(({ text }) => names.some((name) => text.includes(`${name}(`)))) continue;
      const types = structPointerTypes(lines);
      objectAccesses(lines, pairs, (name, line, held) => {
        if (!viaCallers.has(name) || name === fn) return;
        const locks = new Set<string>();
        for (const lock of held) {
          const [owner, field] = lock.cls.split('->');
          const type = owner ? types.get(owner) : undefined;
          if (type && field) locks.add(`${type}::${field}`);
        }
        calls.set(name, [...(calls.get(name) ?? []), { locks, site: { path, line, fn } }]);
      });
    }
    for (const [fn, keys] of viaCallers) {
      const sites = calls.get(fn) ?? [];
      for (const { key, type } of keys) {
        const byFn = verdicts.get(key);
        const first = sites[0];
        const lock = first
          ? [...first.locks].find((l) => l.startsWith(`${type}::`) && sites.every((site) => site.locks.has(l)))
          : undefined;
        if (byFn && first && lock) byFn.set(fn, { kind: 'holds', lock: lock.slice(type.length + 2), site: { ...first.site, via: fn } });
      }
    }
  }
  for (const [key, byFn] of verdicts) {
    const holders = new Map<string, { fns: Set<string>; example: LockSite }>();
    const knownOf = new Set<string>();
    for (const [fn, verdict] of byFn) {
      if (verdict.kind === 'via-callers') continue;
      knownOf.add(fn);
      if (verdict.kind !== 'holds') continue;
      const entry = holders.get(verdict.lock) ?? { fns: new Set<string>(), example: verdict.site };
      entry.fns.add(fn);
      holders.set(verdict.lock, entry);
    }
    let best: [string, { fns: Set<string>; example: LockSite }] | undefined;
    for (const entry of holders) if (!best || entry[1].fns.size > best[1].fns.size) best = entry;
    if (!best) continue;
    const [type, field] = key.split('::') as [string, string];
    facts.set(key, {
      belief: { type, field, lock: best[0], holders: best[1].fns.size, functions: knownOf.size, example: best[1].example },
      holdersOf: best[1].fns,
      knownOf,
    });
  }
  return facts;
}

/** The belief about `type::field` as the functions other than `self` hold it, when it is strong enough. */
export function believedObjectLock(
  facts: ObjectLockFacts | undefined,
  type: string,
  field: string,
  self: string,
): ObjectLockBelief | undefined {
  const entry = facts?.get(`${type}::${field}`);
  if (!entry) return undefined;
  const holders = entry.belief.holders - (entry.holdersOf.has(self) ? 1 : 0);
  const functions = entry.belief.functions - (entry.knownOf.has(self) ? 1 : 0);
  if (holders < MIN_HOLDERS || holders < SHARE * functions) return undefined;
  return { ...entry.belief, holders, functions };
}
