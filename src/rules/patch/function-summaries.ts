/**
 * Function summaries: what a driver's own function does to the resources of
 * its arguments, learned from its body in the code under review (the patch's
 * post-image first, then the files it touches), so a call of it counts as the
 * acquire or release it wraps:
 *
 *   - an acquire wrapper takes a field of a parameter on every path:
 *     `int foo_lock_interruptible(struct foo *f) { return mutex_lock_interruptible(&f->lock); }`
 *     locks `f->lock` with the errno style of what it returns; a `void` one that
 *     calls the acquire as a statement takes it unconditionally; one that keeps
 *     an errno-style acquire's result, returns it on failure and 0 after it
 *     (`r = ttm_bo_reserve(&bo->bo, …); if (r) { log; return r; } return 0;`)
 *     takes it in the errno style;
 *   - a getter takes a reference of its parameter and returns it
 *     (`kref_get(&x->ref); return x;`): the result holds the reference;
 *   - a release wrapper drops the reference (or lock, PM reference,
 *     allocation) of a parameter on every path (`kref_put(&x->ref, rel);`,
 *     `kfree(x);`): a use after it is a use after put, a second call a double
 *     release;
 *   - an allocator wrapper returns what a known allocation returned
 *     (`p = kzalloc(...); ... return p;`), released by `kfree()` or by a
 *     function of the code that frees a parameter of the returned type.
 *
 * Summaries compose: a wrapper of a wrapper is learned in the next round, up
 * to `MAX_ROUNDS` deep, each round with the index the previous one grew.
 *
 * Invariants: only the top level of a body counts (one tab deep, nothing
 * before it that can return), so "on every path" holds as far as the text
 * shows; a body with a gap (two hunks of a function) is never summarised; a
 * name the curated table or an earlier learner knows is never relearned; the
 * first source naming a function wins (the patch's new body over the tree's
 * old one); each summary keeps the underlying pair's `what`, so paths through
 * the wrapper and through the plain call balance, and remembers where it was
 * learned (`path:line` of the wrapped call). Parsing a source is cached by
 * its content.
 */

import { WINDOW_GAP } from '../../parse/c/fragment';
import { functionUnits, learnSourceKey, type LearnedPair, type LearnSource } from './learned-pairs';
import { argumentsAt } from './lock-facts';
import { indexPairs, type PairIndex, type ResourcePair } from './resource-pairs';
import { MAX_HEAD_TEXT, MAX_LINE_TEXT, MAX_PARAMETER_TEXT, withoutComments } from '../../parse/c/c-text';

/** Wrappers of wrappers, at most this deep. */
const MAX_ROUNDS = 3;

/** Calls that make an object reachable from elsewhere. */
const PUBLISH = /(?:^|_)(?:add|insert|link|store|register|push|attach|install|publish)(?:_|$)/;

/** A body longer than this is not a wrapper: its top level is too far from "every path". */
const MAX_BODY_ROWS = 40;

interface Row {
  readonly text: string;
  readonly line: number;
  /** How a message names this line, when not `path:line` (a line of the patch). */
  readonly cite?: string;
}

interface Unit {
  readonly path: string;
  readonly name: string;
  readonly params: readonly string[];
  /** The type of each parameter, white space squashed (`structfoo*`). */
  readonly paramTypes: readonly string[];
  /** The declared result type, white space squashed (`void`, `int`, `structfoo*`). */
  readonly returns: string;
  /** Body rows, comments removed, without the braces. */
  readonly body: readonly Row[];
  /** Every name the body calls: a body that calls nothing the index knows is no wrapper. */
  readonly names: ReadonlySet<string>;
}

const unitCache = new Map<string, Unit[]>();
const CACHE_LIMIT = 256;

const squash = (text: string) => text.replace(/\s+/g, '');

function unitsOf(source: LearnSource): Unit[] {
  const cacheKey = learnSourceKey(source);
  const cached = unitCache.get(cacheKey);
  if (cached) return cached;
  const units: Unit[] = [];
  for (const lines of functionUnits(source)) {
    const open = lines.findIndex((row) => /^\{/.test(row.text));
    const close = lines.length - 1;
    if (open <= 0 || !/^\}/.test(lines[close]?.text ?? '') || close - open - 1 > MAX_BODY_ROWS) continue;
    // The declaration: the lines right above the brace, back to a blank line, a directive or the end of something else.
    let first = open;
    while (first > 0 && open - first < 6 && !/^\s*$|^#|[;}]\s*$|\*\/\s*$/.test(lines[first - 1]?.text ?? '')) first--;
    const joined = lines
      .slice(first, open)
      .map((row) => row.text)
      .join(' ');
    // Bounded: see MAX_HEAD_TEXT.
    const head = joined.length > MAX_HEAD_TEXT ? '' : withoutComments(joined, false);
    const match = /^\s*([^;{}()#]*?)\b([A-Za-z_]\w*)\s*\(([^()]*)\)\s*$/.exec(head);
    if (!match) continue;
    const [, prefix, name, paramText] = match as unknown as [string, string, string, string];
    const params: string[] = [];
    const paramTypes: string[] = [];
    for (const param of paramText.split(',')) {
      const named = param.length > MAX_PARAMETER_TEXT ? null : /^(.*?)([A-Za-z_]\w*)\s*(?:\[\s*\])?\s*$/.exec(param.trim());
      params.push(named?.[2] ?? '');
      paramTypes.push(squash(named?.[1] ?? '').replace(/^const/, ''));
    }
    const body: Row[] = [];
    let inComment = false;
    for (const row of lines.slice(open + 1, close)) {
      let text = row.text;
      if (inComment) {
        const end = text.indexOf('*/');
        if (end === -1) continue;
        text = text.slice(end + 2);
        inComment = false;
      }
      text = withoutComments(text);
      const start = text.indexOf('/*');
      if (start !== -1) {
        text = text.slice(0, start);
        inComment = true;
      }
      if (text.trim() !== '') body.push({ text, line: row.line, ...(row.cite !== undefined ? { cite: row.cite } : {}) });
    }
    if (body.some((row) => row.text.includes(WINDOW_GAP) || /^#/.test(row.text))) continue;
    const returns = squash(prefix.replace(/\b(?:static|inline|__always_inline|noinline|extern|__must_check|const)\b/g, ''));
    const names = new Set(body.flatMap((row) => [...row.text.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1] as string)));
    units.push({ path: source.path, name, params, paramTypes, returns, body, names });
  }
  if (unitCache.size >= CACHE_LIMIT) unitCache.delete(unitCache.keys().next().value as string);
  unitCache.set(cacheKey, units);
  return units;
}

/** A statement at the top level of the body: one tab, then code. */
const TOP_LEVEL = /^\t(?=\S)/;
/** `return ...;`, `goto`, `break`: anything before the summarised call that may leave without it. */
const MAY_LEAVE = /\b(?:return|goto)\b/;

/** The parameter an argument names, and the path to the resource inside it: `&q->lock` → q, `->lock`. */
function paramPath(unit: Unit, arg: string | undefined): { slot: number; path: string } | undefined {
  if (arg === undefined) return undefined;
  const match = /^&?\s*\(?\s*([A-Za-z_]\w*)((?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*)\s*\)?$/.exec(arg.trim());
  if (!match) return undefined;
  const slot = unit.params.indexOf(match[1] as string);
  if (slot === -1) return undefined;
  return { slot, path: squash(match[2] ?? '') };
}

/** The calls of a row: name, arguments and where the name starts. */
function callsOf(text: string): { name: string; args: string[]; index: number }[] {
  // Each call's arguments are read to its `)`: on a long damaged line of unclosed calls, to the end every time.
  if (text.length > MAX_LINE_TEXT) return [];
  const cached = callCache.get(text);
  if (cached) return cached;
  const out: { name: string; args: string[]; index: number }[] = [];
  for (const match of text.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) {
    const name = match[1] as string;
    if (/^(?:if|while|for|switch|return|sizeof|typeof)$/.test(name)) continue;
    out.push({ name, args: argumentsAt(text, (match.index ?? 0) + match[0].length - 1), index: match.index ?? 0 });
  }
  if (callCache.size >= 20_000) callCache.clear();
  callCache.set(text, out);
  return out;
}

const callCache = new Map<string, { name: string; args: string[]; index: number }[]>();

/** A reference of the parameter itself: its counter (`&x->ref`, `&x->base.refcount`) or an embedded base (`&bo->base`). */
function countsParameter(pair: ResourcePair, path: string): boolean {
  if (path === '') return true;
  if (pair.kind === 'memory') return false;
  return /^(?:(?:->|\.)(?:refcount|kref|ref|base|tbo|ttm|gem))+$/.test(path);
}

const where = (unit: Unit, row: Row) => row.cite ?? `${unit.path}:${row.line}`;

/** The body calls no release of `pair` (a wrapper that takes and drops is a section, not an acquire). */
function releasesNothingOf(unit: Unit, pair: ResourcePair, index: PairIndex): boolean {
  return !unit.body.some((row) =>
    callsOf(row.text).some(
      (call) => pair.release.includes(call.name) || index.releases.get(call.name)?.some((other) => other.what === pair.what),
    ),
  );
}

/**
 * `return acquire(&p->field)` or, in a `void` function, `acquire(&p->field);`
 * with nothing before it that may leave: the function takes `p->field`.
 */
function acquireWrapper(unit: Unit, index: PairIndex): LearnedPair | undefined {
  for (const row of unit.body) {
    if (MAY_LEAVE.test(row.text) && !/^\treturn\b/.test(row.text)) return undefined;
    if (!TOP_LEVEL.test(row.text)) continue;
    const statement = /^\t(return\s+)?([A-Za-z_]\w*)\s*\(/.exec(row.text);
    const call = statement ? callsOf(row.text)[0] : undefined;
    const pair = call ? index.acquires.get(call.name) : undefined;
    // A set-up step (`_init`, `_pin`, `_begin`) is weaker evidence than a lock or reference: not wrapped.
    if (
      !statement ||
      !call ||
      !pair ||
      pair.kind === 'memory' ||
      pair.kind === 'fence-signalling' ||
      pair.kind === 'atomic' ||
      pair.acquireSlot === 'result' ||
      pair.objectLivesOn
    ) {
      if (/^\treturn\b/.test(row.text)) return undefined;
      continue;
    }
    const returned = statement[1] !== undefined;
    // The acquire's result is the wrapper's result: its style carries over. As a statement, only one that cannot fail.
    // A returned pointer is the object itself: a getter, below.
    if (
      returned
        ? pair.style === 'pointer' || unit.returns === 'void' || unit.returns.endsWith('*')
        : pair.style !== 'always' || unit.returns !== 'void'
    )
      return undefined;
    if (!row.text.trimEnd().endsWith(';') || !/\)\s*;\s*$/.test(row.text)) return undefined;
    return wrappedAcquire(unit, index, row, call, pair, pair.style, '');
  }
  return undefined;
}

/**
 * The pair `unit` learns by wrapping `call` (an acquire of `pair`) on `row`: the parameter it takes,
 * when the argument names one and the body releases nothing of the kind. A reference of the parameter
 * itself is held by the object, as the object-level puts below release it; a lock, or a reference of
 * something the parameter points to, by its field.
 */
function wrappedAcquire(
  unit: Unit,
  index: PairIndex,
  row: Row,
  call: { name: string; args: string[] },
  pair: ResourcePair,
  style: ResourcePair['style'],
  note: string,
): LearnedPair | undefined {
  const target = paramPath(unit, call.args[typeof pair.acquireSlot === 'number' ? pair.acquireSlot : 0]);
  if (!target || !releasesNothingOf(unit, pair, index)) return undefined;
  const objectLevel = pair.kind === 'reference' && countsParameter(pair, target.path);
  const path = objectLevel ? '' : `${target.path}${pair.acquirePath ?? ''}`;
  return {
    what: pair.what,
    kind: pair.kind,
    acquire: [unit.name],
    release: objectLevel ? [] : pair.release,
    style,
    acquireSlot: target.slot,
    ...(path !== '' ? { acquirePath: path } : {}),
    learnedFrom: where(unit, row),
    summary: `${unit.name}() takes it with ${call.name}() at ${where(unit, row)}${note}`,
  };
}

/**
 * `r = acquire(&p->field, ...); if (r) { …; return r; } return 0;`: an errno-style acquire kept in a
 * variable, its failure logged and returned, and 0 returned after it (`vbox_bo_reserve()`,
 * `amdgpu_bo_reserve()` around `ttm_bo_reserve()`): the function takes `p->field` when it returns 0.
 * Nothing before the acquire may leave, and every way out after it is the test's `return r;` or the
 * final `return 0;` (or `return r;`).
 */
function errnoAcquireWrapper(unit: Unit, index: PairIndex): LearnedPair | undefined {
  if (unit.returns !== 'int') return undefined;
  const at = unit.body.findIndex((row) => TOP_LEVEL.test(row.text) && /^\t[A-Za-z_]\w*\s*=\s*[A-Za-z_]\w*\s*\(/.test(row.text));
  const row = unit.body[at];
  if (!row || unit.body.slice(0, at).some((before) => MAY_LEAVE.test(before.text))) return undefined;
  const variable = /^\t([A-Za-z_]\w*)/.exec(row.text)?.[1] as string;
  const call = callsOf(row.text)[0];
  const pair = call ? index.acquires.get(call.name) : undefined;
  if (!call || !pair || pair.style !== 'errno' || (pair.kind !== 'lock' && pair.kind !== 'reference') || pair.objectLivesOn)
    return undefined;
  if (pair.acquireSlot === 'result' || !/\)\s*;\s*$/.test(row.text)) return undefined;
  const rest = unit.body.slice(at + 1);
  const test = rest.find((other) => TOP_LEVEL.test(other.text));
  const failureTest = new RegExp(`^\\tif\\s*\\((?:unlikely\\()?\\s*${variable}\\s*(?:!=\\s*0|<\\s*0)?\\s*\\)?\\)\\s*\\{?\\s*$`);
  if (!test || !failureTest.test(test.text)) return undefined;
  // Every exit after the acquire: the failure's `return r;` (nested in the test) or a last `return 0;`/`return r;`.
  const exits = rest.filter((other) => MAY_LEAVE.test(other.text));
  const last = exits[exits.length - 1];
  if (!last || !TOP_LEVEL.test(last.text) || !new RegExp(`^\\treturn\\s+(?:0|${variable})\\s*;`).test(last.text)) return undefined;
  if (exits.slice(0, -1).some((other) => TOP_LEVEL.test(other.text) || !new RegExp(`^\\t\\t+return\\s+${variable}\\s*;`).test(other.text)))
    return undefined;
  return wrappedAcquire(unit, index, row, call, pair, 'errno', ' and returns 0 when it did');
}

/** `get(&p->ref); return p;` (or under `if (p)`): the function returns `p` with a reference taken. */
function referenceGetter(unit: Unit, index: PairIndex, returnsArgument: Map<string, number>): LearnedPair | undefined {
  if (unit.returns === 'void' || !unit.returns.endsWith('*')) return undefined;
  const last = unit.body[unit.body.length - 1];
  const returned = last ? /^\treturn\s+([A-Za-z_]\w*)\s*;/.exec(last.text)?.[1] : undefined;
  const got = last ? /^\treturn\s+([A-Za-z_]\w*)\s*\(.*\)\s*;\s*$/.exec(last.text) : null;
  const gotCall = got ? callsOf(last?.text ?? '')[0] : undefined;
  const gotPair = gotCall ? index.acquires.get(gotCall.name) : undefined;
  if (last && gotCall && gotPair && gotPair.kind === 'reference' && gotPair.style === 'always' && gotPair.acquireSlot !== 'result') {
    // `return foo_get(m->q->vm);`: the object the get returns, with its reference.
    if (unit.body.some((row) => row !== last && MAY_LEAVE.test(row.text)) || !releasesNothingOf(unit, gotPair, index)) return undefined;
    return {
      what: gotPair.what,
      kind: 'reference',
      acquire: [unit.name],
      release: [],
      style: 'always',
      acquireSlot: 'result',
      learnedFrom: where(unit, last),
      summary: `${unit.name}() returns it with a reference taken by ${gotCall.name}() at ${where(unit, last)}`,
    };
  }
  if (!last || !returned) return undefined;
  // A local (`obj = xa_load(...); if (obj) kref_get(&obj->ref); ... return obj;`) is a lookup: it may find nothing.
  const isParam = unit.params.includes(returned);
  for (const [i, row] of unit.body.entries()) {
    if (row === last) return undefined;
    if (MAY_LEAVE.test(row.text)) return undefined;
    const guard = i > 0 && new RegExp(`^\\tif\\s*\\(\\s*${returned}\\s*\\)\\s*$`).test(unit.body[i - 1]?.text ?? '');
    if (!TOP_LEVEL.test(row.text) && !(guard && /^\t\t\S/.test(row.text))) continue;
    const statement = /^\t\t?([A-Za-z_]\w*)\s*\(.*\)\s*;\s*$/.exec(row.text);
    const call = statement ? callsOf(row.text)[0] : undefined;
    const pair = call ? index.acquires.get(call.name) : undefined;
    if (!call || !pair || pair.kind !== 'reference' || pair.style !== 'always') continue;
    // A getter of the code called as a statement (`foo_get(obj);`) references the argument it returns.
    const slot = pair.acquireSlot === 'result' ? returnsArgument.get(call.name) : (pair.acquireSlot ?? 0);
    const path = slot === undefined ? undefined : objectPath(call.args[slot], returned);
    if (path === undefined || !countsParameter(pair, path)) continue;
    if (!releasesNothingOf(unit, pair, index)) return undefined;
    if (isParam) returnsArgument.set(unit.name, unit.params.indexOf(returned));
    return {
      what: pair.what,
      kind: pair.kind,
      acquire: [unit.name],
      // Keyed by the variable the result goes to: the object-level puts below release it.
      release: [],
      // Under `if (p)`, or a lookup: a NULL out holds nothing.
      style: guard || !isParam ? 'pointer' : 'always',
      acquireSlot: 'result',
      learnedFrom: where(unit, row),
      summary: `${unit.name}() returns it with a reference taken by ${call.name}() at ${where(unit, row)}`,
    };
  }
  return undefined;
}

/** The path inside `name` an argument names (`&obj->ref` → `->ref`, `obj` → ``), if it names it. */
function objectPath(arg: string | undefined, name: string): string | undefined {
  const match = /^&?\s*\(?\s*([A-Za-z_]\w*)((?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*)\s*\)?$/.exec(arg?.trim() ?? '');
  return match && match[1] === name ? squash(match[2] ?? '') : undefined;
}

/**
 * `release(&p->field);` at the top level with nothing before it that may leave
 * (but a NULL guard of `p`): every call of the function releases it. A reference or
 * allocation only of the parameter itself; a lock or PM reference by any field.
 */
function releaseWrapper(unit: Unit, index: PairIndex): LearnedPair | undefined {
  for (const [i, row] of unit.body.entries()) {
    const previous = unit.body[i - 1]?.text ?? '';
    const nullGuard = /^\tif\s*\(\s*!\s*[A-Za-z_]\w*\s*\)\s*$/.test(previous) || /^\tif\s*\(\s*(?:!\s*)?IS_ERR_OR_NULL\(/.test(previous);
    if (MAY_LEAVE.test(row.text) && !(nullGuard && /^\t\treturn\s*;/.test(row.text))) return undefined;
    // `if (p)` (or `if (!IS_ERR_OR_NULL(p))`) before a release of `p`: every `p` that holds something is released.
    const guarded = /^\tif\s*\(\s*(?:!\s*IS_ERR_OR_NULL\(\s*)?([A-Za-z_]\w*)\s*\)?\s*\)\s*$/.exec(previous)?.[1];
    const inGuard = guarded !== undefined && /^\t\t\S/.test(row.text) && !/^\telse\b/.test(unit.body[i + 1]?.text ?? '');
    if (!TOP_LEVEL.test(row.text) && !inGuard) continue;
    const statement = /^\t\t?([A-Za-z_]\w*)\s*\(.*\)\s*;\s*$/.exec(row.text);
    if (!statement) continue;
    const call = callsOf(row.text)[0];
    const pairs = call ? index.releases.get(call.name) : undefined;
    const pair = pairs?.find((candidate) => !candidate.handsOver && !candidate.objectLivesOn);
    if (!call || !pair || pair.kind === 'fence-signalling' || pair.kind === 'drm-dev' || pair.kind === 'atomic') continue;
    const target = paramPath(unit, call.args[pair.releaseSlot ?? 0]);
    if (!target || (inGuard && unit.params[target.slot] !== guarded)) continue;
    if (pair.kind !== 'lock' && pair.kind !== 'pm' && !countsParameter(pair, target.path)) continue;
    // Taken again in the same body: a section of its own, not a release of the caller's.
    const acquiredHere = unit.body.some((other) => callsOf(other.text).some((c) => index.acquires.get(c.name)?.what === pair.what));
    if (acquiredHere) continue;
    // A reference or allocation of the parameter itself is released by the object (`foo_put(x)` drops `x`),
    // as a getter's result holds it; a lock by its field.
    const path = pair.kind === 'lock' || pair.kind === 'pm' ? `${target.path}${pair.releasePath ?? ''}` : '';
    return {
      what:
        pair.kind === 'memory' && 'learnedFrom' in pair
          ? pair.what
          : pair.kind === 'memory'
            ? `which frees it with ${call.name}() at ${where(unit, row)}`
            : pair.what,
      kind: pair.kind,
      acquire: [],
      release: [unit.name],
      style: 'always',
      releaseSlot: target.slot,
      ...(path !== '' ? { releasePath: path } : {}),
      learnedFrom: where(unit, row),
      summary: `${unit.name}() releases it with ${call.name}() at ${where(unit, row)}`,
    };
  }
  return undefined;
}

/**
 * `p = alloc(...); ... return p;`: an allocation the function hands to its caller,
 * with no free of it on the way. Released by what releases the allocation, and
 * by the functions of the code that free a parameter of the returned type.
 */
function allocatorWrapper(unit: Unit, index: PairIndex, units: readonly Unit[]): LearnedPair | undefined {
  if (!unit.returns.endsWith('*') || unit.returns === 'void*') return undefined;
  const last = unit.body[unit.body.length - 1];
  const returned = last ? /^\treturn\s+([A-Za-z_]\w*)\s*;/.exec(last.text)?.[1] : undefined;
  if (!last || !returned) return undefined;
  for (const row of unit.body) {
    if (row === last) return undefined;
    if (/^\treturn\b|\bgoto\b/.test(row.text)) return undefined;
    if (!TOP_LEVEL.test(row.text)) continue;
    const assigned = new RegExp(`^\\t(?:[\\w\\s*]*?\\b)?${returned}\\s*=\\s*([A-Za-z_]\\w*)\\s*\\(`).exec(row.text);
    const pair = assigned ? index.acquires.get(assigned[1] as string) : undefined;
    if (!assigned || !pair || pair.kind !== 'memory' || pair.acquireSlot !== 'result') continue;
    const freed = unit.body.some((other) =>
      callsOf(other.text).some(
        (call) => index.releases.get(call.name)?.some((p) => p.kind === 'memory') && call.args.some((arg) => squash(arg) === returned),
      ),
    );
    // Published in the body (`list_add(&p->link, ...)`, `foo_register(p)`, `q->p = p`): the function is an
    // add, not an allocator. Passing it to a helper that fills it in (`foo_state_reset(p, crtc)`) is not.
    const published = unit.body.some(
      (other) =>
        other !== row &&
        (new RegExp(`=\\s*${returned}\\s*;`).test(other.text) ||
          callsOf(other.text).some(
            (call) =>
              PUBLISH.test(call.name) && call.args.some((arg) => squash(arg) === returned || squash(arg).startsWith(`&${returned}->`)),
          )),
    );
    if (freed || published) return undefined;
    const frees = units
      .filter((other) => other !== unit && other.paramTypes.some((type) => type === unit.returns))
      .flatMap((other) => {
        const slot = other.paramTypes.indexOf(unit.returns);
        const released = index.releases.get(other.name)?.find((p) => p.kind === 'memory' && !p.handsOver && (p.releaseSlot ?? 0) === slot);
        return released ? [other.name] : [];
      });
    return {
      what: `${unit.name}() object`,
      kind: 'memory',
      acquire: [unit.name],
      release: [...pair.release, ...frees],
      style: 'pointer',
      acquireSlot: 'result',
      learnedFrom: where(unit, row),
      summary: `${unit.name}() returns what ${assigned[1] as string}() allocates at ${where(unit, row)}`,
    };
  }
  return undefined;
}

/**
 * The summaries `sources` show for functions `known` does not name, computed
 * round by round (a wrapper of a wrapper in the next round) up to `MAX_ROUNDS`.
 */
export function learnFunctionSummaries(sources: readonly LearnSource[], known: PairIndex): LearnedPair[] {
  const seen = new Set<string>();
  const units: Unit[] = [];
  for (const source of sources) {
    for (const unit of unitsOf(source)) {
      if (seen.has(unit.name)) continue;
      seen.add(unit.name);
      units.push(unit);
    }
  }
  const learned = new Map<string, LearnedPair>();
  // Getters that return their argument, by the argument's slot: a statement call of one references it.
  const returnsArgument = new Map<string, number>();
  let index = known;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const found: LearnedPair[] = [];
    for (const unit of units) {
      if (learned.has(unit.name) || known.acquires.has(unit.name) || known.releases.has(unit.name)) continue;
      if (![...unit.names].some((name) => index.acquires.has(name) || index.releases.has(name))) continue;
      const summary =
        acquireWrapper(unit, index) ??
        errnoAcquireWrapper(unit, index) ??
        referenceGetter(unit, index, returnsArgument) ??
        releaseWrapper(unit, index) ??
        allocatorWrapper(unit, index, units);
      if (summary) found.push(summary);
    }
    if (found.length === 0) break;
    for (const summary of found) learned.set(summary.acquire[0] ?? summary.release[0] ?? '', summary);
    index = indexPairs([...known.pairs, ...learned.values()]);
  }
  return [...learned.values()];
}

/** ` (foo_lock() takes it with mutex_lock() at foo.c:12)` for a pair learned from a function's body, else nothing. */
export function summaryNote(pair: ResourcePair): string {
  const summary = summaryOf(pair);
  return summary === undefined ? '' : ` (${summary})`;
}

/** What a pair learned from a function's body says the function does, if it is one. */
export function summaryOf(pair: ResourcePair): string | undefined {
  return 'summary' in pair && typeof pair.summary === 'string' ? pair.summary : undefined;
}
