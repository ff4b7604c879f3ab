/**
 * Acquire/release pairs learned from the code under review instead of listed
 * by hand: a driver's own `foo_get`/`foo_put`, `foo_lock`/`foo_unlock`,
 * `foo_init`/`foo_fini`, `foo_pin`/`foo_unpin`, `foo_begin`/`foo_end`,
 * `foo_alloc`/`foo_free`, `foo_create`/`foo_destroy`, `foo_enter`/`foo_exit`,
 * and lookups that return a reference (`x = foo_find(...)`/`foo_put(x)`).
 *
 * A name pair is only believed when the code confirms it: some function calls
 * both on the same object (the same first argument, or the result of the
 * allocation handed to the free). That is the "bugs as deviant behaviour"
 * idea: the code base's own habits say which calls balance each other, and a
 * path that breaks the habit is suspect. Each learned pair remembers where it
 * was confirmed (`file:line` of the release), so a finding can say why.
 *
 * Invariants: names the curated table already knows are never relearned (the
 * table wins); the scan is textual over C source, one unit per function body
 * (kernel style: a function ends at a `}` in column 0) or per hunk, so it never
 * fails on damaged input; learning a text is cached by its content.
 */

import type { AcquireStyle, PairIndex, ResourceKind, ResourcePair } from './resource-pairs';
import { regExpLiteral } from '../../base/regexp-literal';
import { WINDOW_GAP } from '../../parse/c/fragment';
import { MAX_HEAD_TEXT, MAX_LINE_TEXT, MAX_PARAMETER_TEXT } from '../../parse/c/c-text';

/** One piece of source to learn from: a file of the tree, or the lines of a hunk. */
export interface LearnSource {
  readonly path: string;
  /** The lines, with the line number each one is cited by. */
  readonly lines: readonly { readonly text: string; readonly line: number; readonly cite?: string }[];
  /** The head of the function the lines start in, when they start inside one (a hunk header's function context). */
  readonly context?: string;
}

export interface LearnedPair extends ResourcePair {
  /** `path:line` of the call that confirmed the pair. */
  readonly learnedFrom: string;
  /** For a function summary: what the function does and where, for messages (`foo_lock() takes it at foo.c:12`). */
  readonly summary?: string;
}

interface Suffix {
  readonly acquire: string;
  readonly release: string;
  readonly kind: ResourceKind;
  /** The acquire returns the object (allocators), rather than taking it as first argument. */
  readonly returnsObject?: boolean;
  /** The release undoes a step, not the object's life (`ResourcePair.objectLivesOn`). */
  readonly objectLivesOn?: boolean;
}

const SUFFIXES: readonly Suffix[] = [
  { acquire: '_get', release: '_put', kind: 'reference' },
  { acquire: '_lock', release: '_unlock', kind: 'lock' },
  { acquire: '_init', release: '_fini', kind: 'reference', objectLivesOn: true },
  { acquire: '_pin', release: '_unpin', kind: 'reference', objectLivesOn: true },
  { acquire: '_begin', release: '_end', kind: 'reference', objectLivesOn: true },
  { acquire: '_enter', release: '_exit', kind: 'reference', objectLivesOn: true },
  { acquire: '_alloc', release: '_free', kind: 'memory', returnsObject: true },
  { acquire: '_create', release: '_destroy', kind: 'memory', returnsObject: true },
];

/** A get in the middle of the name that returns the object it references. */
const RETURNED_REFERENCE: Suffix = { acquire: '_get', release: '_put', kind: 'reference', returnsObject: true };

/**
 * A lookup by handle or id that returns a referenced object: `x = foo_find(...)`,
 * `foo_lookup(...)`, `foo_lookup_by_id(...)`, released by `foo_put(x)`.
 */
const LOOKUP = /^(\w+)_(?:find|lookup)(?:_\w+)?$/;

const CALL = /(?:([A-Za-z_][\w>.\-[\]]*)\s*=\s*)?(\b[a-z_]\w*)\s*\(\s*([^,()]*(?:\([^()]*\))?[^,()]*)/g;

/** Words followed by a parenthesis that are not calls. */
const KEYWORD = /^(?:if|while|for|switch|return|sizeof|typeof|__typeof__|defined|likely|unlikely)$/;

/** A parameter declaration, not an argument (`struct foo *f`, `const char *name`, `u32 flags`): the "call" is a prototype. */
const PARAMETER = /^(?:const\s+)?(?:(?:struct|union|enum)\s+)?[A-Za-z_]\w*(?:\s+|\s*\*+\s*)(?:const\s+)?[A-Za-z_]\w*(?:\[\w*\])?$/;

interface Call {
  readonly name: string;
  readonly first: string;
  readonly target?: string;
  readonly line: number;
  /** The call is the condition of an `if` (or negated in one). */
  readonly inCondition: boolean;
  /** The call is the negated condition of an `if` (`if (!foo_pin(x))`). */
  readonly negatedCondition: boolean;
  /**
   * The call is the whole condition of an `if` whose block follows on its line (`if (foo_pin(x)) {`):
   * its line's indentation, to find the block's end; -1 otherwise.
   */
  readonly blockIndent: number;
  /** The second argument is a constant (`FORCEWAKE_ALL`, `POWER_DOMAIN_INIT`): it selects a part of the object. */
  readonly selects: boolean;
  /** The second argument is an acquire context (`ctx`, `state->acquire_ctx`, `ticket`). */
  readonly inContext: boolean;
  /** The second argument when it is the address of a member (`&adev->crtc_irq`), squashed. */
  readonly part?: string;
  /** The second argument when it is a variable or a field (`reg`, `engine->id`), squashed. */
  readonly second?: string;
  /** The third argument after a member's address (`AMDGPU_SDMA_IRQ_ECC0` of `amdgpu_irq_get(adev, &adev->sdma.ecc_irq, AMDGPU_SDMA_IRQ_ECC0)`), squashed. */
  readonly third?: string;
}

/**
 * A second argument that is an acquire context: `drm_modeset_lock(&crtc->mutex, ctx)`.
 * The context records every lock taken in it and drops them all at once
 * (`drm_modeset_drop_locks()`, `drm_exec_fini()`), so such a lock is not
 * released on each path by its own unlock and is not learned as a pair.
 */
const CONTEXT_ARGUMENT = /^\s*,\s*[^,()]*?\b(?:\w*ctx|ticket)\s*[,)]/;

/**
 * A get/put of a power state (`intel_runtime_pm_get(i915)`, `foo_pm_get(dev)`,
 * `foo_power_get()`, a wake reference), of a CRTC's vblank interrupt
 * (`drm_crtc_vblank_get(crtc)`) or of an interrupt source: it counts the users
 * of the device's power or interrupt, not of the object, which lives on after the put.
 */
const POWER_REFERENCE = /(?:^|_)(?:pm|power|wakeref|forcewake|wake|vblank|irq)(?:_|$)/;

/** A second argument that is a constant: `, FORCEWAKE_ALL)`, `, POWER_DOMAIN_INIT,`. */
const SELECTOR_ARGUMENT = /^\s*,\s*[A-Z][A-Z0-9_]*\s*[,)]/;

/** A second argument that is the address of a member: `, &adev->crtc_irq,`. */
const PART_ARGUMENT = /^\s*,\s*(&\s*[A-Za-z_][\w\s>.\-[\]]*?)\s*[,)]/;

/** A member's address as second argument and a plain third one: `, &adev->sdma.ecc_irq, AMDGPU_SDMA_IRQ_ECC0)`. */
const PART_AND_THIRD = /^\s*,\s*&[^,()]*,\s*([A-Za-z_][\w>.-]*(?:\s*[-+]\s*\w+)?)\s*[,)]/;

/** A second argument that is a variable or a field read (`, reg)`, `, engine->id,`), not a constant or an address. */
const SECOND_VARIABLE = /^\s*,\s*([a-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*)\s*[,)]/;

const squashKey = (arg: string) =>
  arg
    .replace(/\s+/g, '')
    .replace(/^&/, '')
    .replace(/^\((.*)\)$/, '$1');

function callsOf(lines: LearnSource['lines']): Call[] {
  const calls: Call[] = [];
  for (const { text, line } of lines) {
    if (text.length > MAX_LINE_TEXT || !text.includes('(')) continue;
    CALL.lastIndex = 0;
    for (let match = CALL.exec(text); match; match = CALL.exec(text)) {
      const name = match[2] as string;
      if (KEYWORD.test(name)) {
        // `if (foo_pin(x))`: the call is inside; read on from after the parenthesis.
        CALL.lastIndex = match.index + match[0].indexOf('(') + 1;
        continue;
      }
      // A prototype or a definition's head names its parameters, not the object a call takes.
      if (PARAMETER.test((match[3] ?? '').trim())) continue;
      const before = text.slice(0, match.index + (match[0].length - match[0].trimStart().length));
      calls.push({
        name,
        first: squashKey(match[3] ?? ''),
        ...(match[1] ? { target: squashKey(match[1]) } : {}),
        line,
        inCondition: /\bif\s*\(\s*(?:!\s*)?$/.test(before),
        negatedCondition: /\bif\s*\(\s*!\s*$/.test(before),
        blockIndent:
          /^\s*(?:}\s*else\s+)?if\s*\(\s*$/.test(before) && /\)\s*\{\s*$/.test(text) ? (/^\s*/.exec(text)?.[0] ?? '').length : -1,
        selects: SELECTOR_ARGUMENT.test(text.slice(match.index + match[0].length)),
        inContext: CONTEXT_ARGUMENT.test(text.slice(match.index + match[0].length)),
        ...partOf(text.slice(match.index + match[0].length)),
        ...secondOf(text.slice(match.index + match[0].length)),
      });
    }
  }
  return calls;
}

/** Function bodies (kernel style: each ends at a `}` in column 0), or the whole source when it has none. */
export function functionUnits(source: LearnSource): LearnSource['lines'][] {
  const out: LearnSource['lines'][] = [];
  let current: { text: string; line: number }[] = [];
  for (const row of source.lines) {
    current.push(row);
    if (/^\}/.test(row.text)) {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

function secondOf(rest: string): { second?: string } {
  const second = SECOND_VARIABLE.exec(rest)?.[1];
  return second === undefined || second === 'true' || second === 'false' ? {} : { second: squashKey(second) };
}

function partOf(rest: string): { part?: string; third?: string } {
  const part = PART_ARGUMENT.exec(rest)?.[1];
  if (part === undefined) return {};
  const third = PART_AND_THIRD.exec(rest)?.[1];
  return { part: squashKey(part), ...(third === undefined ? {} : { third: squashKey(third) }) };
}

interface Evidence {
  suffix: Suffix;
  acquire: string;
  release: string;
  at: string;
  assigned: boolean;
  inCondition: boolean;
  /**
   * The release runs inside the block of an `if` whose condition is the acquire
   * (`if (foo_pin(x)) { ...; foo_unpin(x); }`), or the acquire is negated in one
   * (`if (!foo_pin(x)) return ...;`): the acquire returns true when it took it.
   */
  releasedWhenTrue: boolean;
  /**
   * The get and the put name a part of the object by a constant
   * (`intel_uncore_forcewake_get(uncore, FORCEWAKE_ALL)`): they count the
   * part's users (a power domain, a wake reference), not the object's, so
   * the object lives on after the put.
   */
  selects?: boolean;
  /**
   * The confirming get and put also name the same member of it by address
   * (`amdgpu_irq_get(adev, &adev->crtc_irq, type)`): the first argument is
   * the device the count lives in, the member is what is counted, so the
   * member is the resource (two sources of one device are two resources).
   */
  byPart?: boolean;
  /**
   * With `byPart`, the get and the put also pass the same third argument
   * (`AMDGPU_SDMA_IRQ_ECC0`): it picks one of the member's counts (an interrupt
   * type of the source), so the ECC0 and ECC1 counts are two resources.
   */
  partQualified?: boolean;
  /**
   * The confirming get and put also pass the same variable after the object
   * (`intel_dmc_wl_get(i915, reg)` … `intel_dmc_wl_put(i915, reg)`): it picks
   * one resource of the object (`ResourcePair.qualifierSlot`).
   */
  qualified?: boolean;
  /**
   * What the declared type of the object says about a `foo_get(x)`/`foo_put(x)` pair
   * (`vlv_punit_get(dev_priv)` with `struct drm_i915_private *dev_priv`): `own` when a word of
   * the pair's name is a word of the type (`i915_request_get(rq)`, `ttm_bo_get(bo)` of a
   * `ttm_buffer_object`), `foreign` when none is: the calls count the users of a unit of the
   * object (a sideband port, a mailbox), not the references that keep the object alive.
   */
  owner?: 'own' | 'foreign';
}

/** `struct foo *name` in a parameter list or a declaration: the type of each pointer the unit names. */
const STRUCT_POINTER = /\bstruct\s+([A-Za-z_]\w*)\s*\*\s*([A-Za-z_]\w*)/g;

function declaredStructTypes(unit: LearnSource['lines'], context: string | undefined): Map<string, string> {
  const types = new Map<string, string>();
  for (const { text } of context === undefined ? unit : [...unit, { text: context }]) {
    if (!text.includes('struct')) continue;
    for (const match of text.matchAll(STRUCT_POINTER))
      if (!types.has(match[2] as string)) types.set(match[2] as string, match[1] as string);
  }
  return types;
}

/** Whether a word of `stem` (the pair's name without its suffix) names, or abbreviates, a word of `type`. */
function stemNamesType(stem: string, type: string): boolean {
  const typeWords = type.split('_').filter((word) => word.length >= 2);
  return stem
    .split('_')
    .filter((word) => word.length >= 2)
    .some((word) => typeWords.some((typeWord) => typeWord.startsWith(word) || word.startsWith(typeWord)));
}

function ownerOf(suffix: Suffix, stem: string, object: string, types: ReadonlyMap<string, string>): { owner?: 'own' | 'foreign' } {
  if (suffix.kind !== 'reference' || suffix.returnsObject) return {};
  const type = types.get(object);
  if (type === undefined) return {};
  return { owner: stemNamesType(stem, type) ? 'own' : 'foreign' };
}

/** The cache key of a source: its path, context and every line with its number. */
export function learnSourceKey(source: LearnSource): string {
  return `${source.path}\u0000${source.context ?? ''}\u0000${source.lines.map((row) => `${row.line}\u0001${row.text}`).join('\n')}`;
}

const cache = new Map<string, Evidence[]>();
const CACHE_LIMIT = 256;

/** Whether `release` lies in the block an `if (acquire(...)) {` opens: after it, before the `}` at the `if`'s indentation. */
function releasedInBlock(unit: LearnSource['lines'], acquire: Call, release: Call): boolean {
  if (acquire.blockIndent < 0 || release.line <= acquire.line) return false;
  for (const { text, line } of unit) {
    if (line <= acquire.line) continue;
    if (line >= release.line) return true;
    const indent = (/^\s*/.exec(text)?.[0] ?? '').length;
    if (indent <= acquire.blockIndent && /^\s*\}/.test(text)) return false;
  }
  return false;
}

function learnFrom(source: LearnSource): Evidence[] {
  const cacheKey = learnSourceKey(source);
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const found: Evidence[] = [];
  for (const [index, unit] of functionUnits(source).entries()) {
    const calls = callsOf(unit);
    let types: Map<string, string> | undefined;
    // The hunk header names the function the first unit starts in; later units are functions of their own.
    const context = index === 0 ? source.context : undefined;
    const byName = new Map<string, Call[]>();
    for (const call of calls) byName.set(call.name, [...(byName.get(call.name) ?? []), call]);
    for (const [name, acquires] of byName) {
      for (const suffix of SUFFIXES) {
        if (!name.endsWith(suffix.acquire) || name.length === suffix.acquire.length) continue;
        const release = name.slice(0, -suffix.acquire.length) + suffix.release;
        const releases = byName.get(release);
        if (!releases) continue;
        if (suffix.kind === 'lock' && acquires.some((acq) => acq.inContext)) continue;
        const confirmed = releases.find((rel) =>
          acquires.some((acq) =>
            suffix.returnsObject ? acq.target !== undefined && acq.target === rel.first : acq.first !== '' && acq.first === rel.first,
          ),
        );
        if (!confirmed) continue;
        found.push({
          suffix,
          acquire: name,
          release,
          at: `${source.path}:${confirmed.line}`,
          assigned: acquires.some((acq) => acq.target !== undefined),
          inCondition: acquires.some((acq) => acq.inCondition),
          releasedWhenTrue: acquires.some(
            (acq) => acq.first === confirmed.first && (acq.negatedCondition || releasedInBlock(unit, acq, confirmed)),
          ),
          ...(confirmed.selects && acquires.some((acq) => acq.selects && acq.first === confirmed.first) ? { selects: true } : {}),
          ...(confirmed.part !== undefined && acquires.some((acq) => acq.first === confirmed.first && acq.part === confirmed.part)
            ? { byPart: true }
            : {}),
          ...(confirmed.third !== undefined &&
          acquires.some((acq) => acq.first === confirmed.first && acq.part === confirmed.part && acq.third === confirmed.third)
            ? { partQualified: true }
            : {}),
          ...(confirmed.second !== undefined && acquires.some((acq) => acq.first === confirmed.first && acq.second === confirmed.second)
            ? { qualified: true }
            : {}),
          ...ownerOf(suffix, name.slice(0, -suffix.acquire.length), confirmed.first, (types ??= declaredStructTypes(unit, context))),
        });
      }
      const lookup = LOOKUP.exec(name);
      const lookupReleases = lookup ? byName.get(`${lookup[1]}_put`) : undefined;
      // Only a put of the object the lookup returned confirms it: most finds return a borrowed pointer.
      const lookupConfirmed = lookupReleases?.find((rel) => acquires.some((acq) => acq.target !== undefined && acq.target === rel.first));
      if (lookup && lookupConfirmed) {
        found.push({
          suffix: RETURNED_REFERENCE,
          acquire: name,
          release: `${lookup[1]}_put`,
          at: `${source.path}:${lookupConfirmed.line}`,
          assigned: true,
          inCondition: false,
          releasedWhenTrue: false,
        });
      }
      // `x = foo_get_info_by_id(...)` ... `foo_put_info(x)`: a lookup that returns a reference,
      // named by its get, released by the put of the same prefix (the put's tail starts the get's).
      const infix = /^(\w*?_)get(_\w+)$/.exec(name);
      if (!infix) continue;
      const [, prefix, rest] = infix as unknown as [string, string, string];
      for (const [release, releases] of byName) {
        if (!release.startsWith(`${prefix}put`)) continue;
        const tail = release.slice(prefix.length + 3);
        if (tail !== '' && !tail.startsWith('_')) continue;
        // The put names a part of what the get names: `_port` of `_validated_port_ref`, in any order.
        const restWords = new Set(rest.split('_'));
        if (!rest.startsWith(tail) && !tail.split('_').every((word) => restWords.has(word))) continue;
        const confirmed = releases.find((rel) => acquires.some((acq) => acq.target !== undefined && acq.target === rel.first));
        if (!confirmed) continue;
        found.push({
          suffix: RETURNED_REFERENCE,
          acquire: name,
          release,
          at: `${source.path}:${confirmed.line}`,
          assigned: true,
          inCondition: false,
          releasedWhenTrue: false,
        });
      }
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(cacheKey, found);
  return found;
}

/** How the acquire reports failure: from how the code calls it, and whether a source declares it `bool`. */
function styleOf(evidence: readonly Evidence[], suffix: Suffix, name: string, declaredBool: boolean): AcquireStyle {
  if (suffix.returnsObject) return 'pointer';
  if (declaredBool || /try|unless|_if_/.test(name)) return 'bool';
  if (evidence.some((e) => e.releasedWhenTrue)) return 'bool';
  if (evidence.some((e) => e.inCondition)) return suffix.acquire === '_enter' ? 'bool' : 'errno';
  if (evidence.some((e) => e.assigned)) return 'errno';
  return 'always';
}

const BOOL_FUNCTION = /^(?:static\s+)?(?:inline\s+)?(?:__must_check\s+)?bool\s+(\w+)\s*\(/;

/** Which of `names` the sources declare or define as returning `bool` (true: it took the resource). */
function boolFunctions(sources: readonly LearnSource[], names: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  if (names.size === 0) return found;
  for (const source of sources) {
    for (const { text } of source.lines) {
      if (!text.includes('bool')) continue;
      const name = BOOL_FUNCTION.exec(text)?.[1];
      if (name !== undefined && names.has(name)) found.add(name);
    }
  }
  return found;
}

/**
 * The pairs `sources` confirm that `known` does not already have, each with
 * the first place it was confirmed.
 */
export function learnPairs(sources: readonly LearnSource[], known: PairIndex): LearnedPair[] {
  const byPair = new Map<string, Evidence[]>();
  for (const source of sources) {
    for (const evidence of learnFrom(source)) {
      if (
        known.acquires.has(evidence.acquire) ||
        known.releases.has(evidence.acquire) ||
        known.releases.has(evidence.release) ||
        known.acquires.has(evidence.release)
      )
        continue;
      const key = `${evidence.acquire}\u0001${evidence.release}`;
      byPair.set(key, [...(byPair.get(key) ?? []), evidence]);
    }
  }
  const declaredBool = boolFunctions(sources, new Set([...byPair.values()].map((list) => (list[0] as Evidence).acquire)));
  const pairs: LearnedPair[] = [];
  for (const list of byPair.values()) {
    const first = list[0] as Evidence;
    const qualified = !first.suffix.returnsObject && list.every((evidence) => evidence.qualified);
    pairs.push({
      what: `${first.acquire}()/${first.release}() ${first.suffix.kind === 'lock' ? 'lock' : first.suffix.kind === 'memory' ? 'object' : 'reference'} (pair learned from ${first.at})`,
      kind: first.suffix.kind,
      acquire: [first.acquire],
      release: [first.release],
      style: styleOf(list, first.suffix, first.acquire, declaredBool.has(first.acquire)),
      ...(first.suffix.returnsObject ? { acquireSlot: 'result' as const } : {}),
      ...(!first.suffix.returnsObject && list.every((evidence) => evidence.byPart) ? { acquireSlot: 1, releaseSlot: 1 } : {}),
      ...(qualified ? { qualifierSlot: 1 } : {}),
      ...(!first.suffix.returnsObject && list.every((evidence) => evidence.byPart && evidence.partQualified) ? { qualifierSlot: 2 } : {}),
      // A reference per qualifier (`drm_vblank_put(dev, pipe)`: one pipe's vblank count) is one of the object's
      // counts, not the one that keeps it alive.
      ...(first.suffix.objectLivesOn ||
      list.some((evidence) => evidence.selects) ||
      POWER_REFERENCE.test(first.acquire) ||
      qualified ||
      unitOfObject(list)
        ? { objectLivesOn: true }
        : {}),
      learnedFrom: first.at,
    });
  }
  return pairs;
}

/** Every place that confirmed the pair and knows the object's type says the pair counts users of a unit of it. */
function unitOfObject(list: readonly Evidence[]): boolean {
  return list.some((evidence) => evidence.owner === 'foreign') && !list.some((evidence) => evidence.owner === 'own');
}

/** The name and parameter names of a function unit, and the row its body opens at. */
function unitHeader(unit: LearnSource['lines']): { name: string; params: string[]; bodyStart: number } | undefined {
  const bodyStart = unit.findIndex((row) => /^\{/.test(row.text));
  if (bodyStart <= 0) return undefined;
  const head = unit
    .slice(Math.max(0, bodyStart - 8), bodyStart)
    .map((row) => row.text)
    .join(' ');
  // Bounded: see MAX_HEAD_TEXT.
  const match = /\b([A-Za-z_]\w*)\s*\(([^()]*)\)\s*$/.exec(head.length > MAX_HEAD_TEXT ? head.slice(-MAX_HEAD_TEXT) : head);
  if (!match) return undefined;
  const params = (match[2] as string)
    .split(',')
    .map((param) => (param.length > MAX_PARAMETER_TEXT ? '' : (/([A-Za-z_]\w*)\s*(?:\[\s*\])?\s*$/.exec(param.trim())?.[1] ?? '')));
  return { name: match[1] as string, params, bodyStart };
}

/** A return that reports failure: `return ERR_PTR(...)`, `return -ENOMEM`, `return err;`. */
const ERROR_RETURN = /^\s*return\s+(?:ERR_PTR\(|ERR_CAST\(|-E[A-Z0-9]+\b|(?:ret|err|error|r)\s*;)/;

/**
 * Functions that free an argument: a driver's own `foo_del(m, c)` whose body
 * ends `c`'s life with a plain `kfree(c)` at the top level of the body (not
 * under a condition). A call of it then releases that argument, so a use
 * after it is a use after free. Learned from the same sources as the pairs;
 * each remembers where (`path:line` of the free).
 *
 * Then the functions that take ownership of an argument (`handsOver`): they
 * free it when they fail and keep it when they succeed, so a caller that hands
 * it to them must not free it again, and the function itself must free it on
 * every failure. Believed when the body frees the parameter right before
 * returning an error, or when a caller frees the object on one error path but
 * returns without freeing it when this function fails.
 */
export function learnFreeingFunctions(sources: readonly LearnSource[], known: PairIndex): LearnedPair[] {
  const facts = sources.map(freeingFacts);
  const found = new Map<string, LearnedPair>();
  for (const { name, frees } of facts.flatMap((f) => f.units)) {
    if (known.acquires.has(name) || known.releases.has(name) || found.has(name)) continue;
    const free = frees.find((candidate) => known.releases.get(candidate.callee)?.some((pair) => pair.kind === 'memory' && !pair.handsOver));
    if (!free) continue;
    found.set(name, {
      what: `which frees it with ${free.callee}() at ${free.at}`,
      kind: 'memory',
      acquire: [],
      release: [name],
      style: 'always',
      releaseSlot: free.slot,
      learnedFrom: free.at,
    });
  }
  const freeing = (callee: string) =>
    found.has(callee) || known.releases.get(callee)?.some((pair) => pair.kind === 'memory' && !pair.handsOver) === true;
  const consumers = new Map<string, LearnedPair>();
  const consumer = (name: string, slot: number, why: string, at: string) => {
    if (known.acquires.has(name) || known.releases.has(name) || found.has(name) || consumers.has(name)) return;
    consumers.set(name, {
      what: `which takes ownership of it (${why})`,
      kind: 'memory',
      acquire: [],
      release: [name],
      style: 'always',
      releaseSlot: slot,
      handsOver: true,
      learnedFrom: at,
    });
  };
  for (const { units, handOvers } of facts) {
    for (const { name, errorFrees } of units) {
      const free = errorFrees.find((candidate) => freeing(candidate.callee));
      if (free) consumer(name, free.slot, `it frees it with ${free.callee}() before returning an error at ${free.at}`, free.at);
    }
    for (const hand of handOvers) {
      const free = hand.frees.find((candidate) => freeing(candidate.callee));
      if (free)
        consumer(
          hand.callee,
          hand.slot,
          `${hand.caller}() frees ${hand.arg} at ${free.at} but not when ${hand.callee}() fails at ${hand.at}`,
          hand.at,
        );
    }
  }
  return [...found.values(), ...consumers.values()];
}

interface FreeCandidate {
  readonly callee: string;
  readonly slot: number;
  readonly at: string;
}

/** What one source says about freeing, before knowing which calls free: cached by its text. */
interface FreeingFacts {
  readonly units: {
    readonly name: string;
    /** `callee(param);` statements at the top level of the body. */
    readonly frees: readonly FreeCandidate[];
    /** `callee(param);` right before an error return. */
    readonly errorFrees: readonly FreeCandidate[];
  }[];
  /** `r = callee(.., arg, ..); if (IS_ERR(r)) return r;` where the caller frees `arg` with one of `frees` elsewhere. */
  readonly handOvers: {
    readonly caller: string;
    readonly callee: string;
    readonly slot: number;
    readonly arg: string;
    readonly at: string;
    readonly frees: readonly { readonly callee: string; readonly at: string }[];
  }[];
}

const freeingCache = new Map<string, FreeingFacts>();

function freeingFacts(source: LearnSource): FreeingFacts {
  const cacheKey = learnSourceKey(source);
  const cached = freeingCache.get(cacheKey);
  if (cached) return cached;
  const facts: { units: FreeingFacts['units'][number][]; handOvers: FreeingFacts['handOvers'][number][] } = { units: [], handOvers: [] };
  for (const unit of functionUnits(source)) {
    const header = unitHeader(unit);
    if (!header) continue;
    const body = unit.slice(header.bodyStart + 1);
    const at = (row: { line: number }) => `${source.path}:${row.line}`;
    const next = (index: number) => body.slice(index + 1).find((row) => row.text.trim() !== '');
    const frees: FreeCandidate[] = [];
    const errorFrees: FreeCandidate[] = [];
    const statement = (text: string) => /^(\t+)(\w+)\(\s*([A-Za-z_]\w*)\s*\);/.exec(text);
    body.forEach((row, index) => {
      const free = statement(row.text);
      if (free) {
        const slot = header.params.indexOf(free[3] as string);
        if (slot !== -1 && free[1] === '\t') frees.push({ callee: free[2] as string, slot, at: at(row) });
        const after = next(index);
        if (slot !== -1 && after && ERROR_RETURN.test(after.text)) errorFrees.push({ callee: free[2] as string, slot, at: at(row) });
      }
      const call = /^\t+([A-Za-z_]\w*)\s*=\s*([A-Za-z_]\w*)\(([^()]*)\);\s*$/.exec(row.text);
      if (!call) return;
      const [, result, callee, argText] = call as unknown as [string, string, string, string];
      const test = next(index);
      if (
        !test ||
        !new RegExp(
          `^\\s*if\\s*\\((?:IS_ERR\\(${regExpLiteral(result)}\\)|${regExpLiteral(result)}|!${regExpLiteral(result)})\\)\\s*$`,
        ).test(test.text)
      )
        return;
      const exit = next(body.indexOf(test));
      if (
        !exit ||
        (!ERROR_RETURN.test(exit.text) && !new RegExp(`^\\s*return\\s+(?:ERR_CAST\\()?${regExpLiteral(result)}\\)?;`).test(exit.text))
      )
        return;
      argText.split(',').forEach((raw, slot) => {
        const arg = raw.trim();
        if (!/^[A-Za-z_]\w*$/.test(arg)) return;
        const freesOfArg = body.flatMap((other) => {
          const m = statement(other.text);
          return m && m[3] === arg ? [{ callee: m[2] as string, at: at(other) }] : [];
        });
        if (freesOfArg.length > 0) facts.handOvers.push({ caller: header.name, callee, slot, arg, at: at(row), frees: freesOfArg });
      });
    });
    facts.units.push({ name: header.name, frees, errorFrees });
  }
  if (freeingCache.size >= CACHE_LIMIT) freeingCache.delete(freeingCache.keys().next().value as string);
  freeingCache.set(cacheKey, facts);
  return facts;
}

/**
 * Cleanup actions: a driver's own `foo_fini(struct drm_device *drm, void *arg)`
 * whose body releases what `arg` stands for (`struct xe_device *xe = arg;
 * xe_pm_runtime_put(xe);`). Registered with `drmm_add_action_or_reset()` or
 * `devm_add_action_or_reset()`, it runs at teardown, and at once when the
 * registration fails. Learned as a release of the pair it calls, by the
 * argument slot of `arg`, citing the release's line.
 */
export function learnReleaseActions(sources: readonly LearnSource[], known: PairIndex): LearnedPair[] {
  const found = new Map<string, LearnedPair>();
  // The first body of a name decides, as for the release wrappers: the patch's new body comes first, so a
  // function the patch changes to stop releasing (`remove_signaling_context()` leaving the put to its
  // callers) is judged by what it does now, not by the tree's old copy.
  const defined = new Set<string>();
  for (const source of sources) {
    for (const unit of functionUnits(source)) {
      const header = unitHeader(unit);
      if (!header || defined.has(header.name)) continue;
      defined.add(header.name);
      if (header.params.length !== 2) continue;
      if (known.acquires.has(header.name) || known.releases.has(header.name)) continue;
      const arg = header.params[1] as string;
      const names = new Set([arg]);
      const body = unit.slice(header.bodyStart + 1);
      for (const row of body) {
        const alias = /^\t[\w\s*]*?\b([A-Za-z_]\w*)\s*=\s*(?:\([^()]*\)\s*)?([A-Za-z_]\w*)\s*;/.exec(row.text);
        if (alias && names.has(alias[2] as string)) names.add(alias[1] as string);
        const call = /^\t(\w+)\(\s*&?([A-Za-z_]\w*)\s*[,)]/.exec(row.text);
        if (!call || !names.has(call[2] as string)) continue;
        const pair = known.releases
          .get(call[1] as string)
          ?.find((candidate) => candidate.kind !== 'memory' && (candidate.releaseSlot ?? 0) === 0);
        if (!pair) continue;
        // Taken in the same body (`intel_context_pin(remote); … intel_context_unpin(remote);`): a section
        // of its own, which leaves the caller's count as it was, not a cleanup action.
        if (callsOf(body).some((c) => pair.acquire.includes(c.name))) break;
        const at = `${source.path}:${row.line}`;
        found.set(header.name, {
          what: pair.what,
          kind: pair.kind,
          acquire: [],
          release: [header.name],
          style: 'always',
          releaseSlot: 1,
          learnedFrom: at,
        });
        break;
      }
    }
  }
  return [...found.values()];
}

/**
 * Release wrappers, one level deep: a driver's own `foo_queue_unlock(struct foo_queue *q)`
 * whose body unlocks a field of a parameter at its top level (`mutex_unlock(&q->lock);`)
 * without taking it there. A call of it releases that field of its argument, so
 * `mutex_lock(&q->lock); ... foo_queue_unlock(q);` balances, and a path that misses the
 * wrapper keeps the lock. Learned as a release of the unlocked pair with the field as its
 * `releasePath`, citing the unlock's line.
 */
export function learnReleaseWrappers(sources: readonly LearnSource[], known: PairIndex): LearnedPair[] {
  const found = new Map<string, LearnedPair>();
  // The first body of a name decides, wrapper or not: the patch's new body comes first, so a function the patch
  // renames and strips of its unlock is not a wrapper because the hunk still shows the removed line.
  const defined = new Set<string>();
  for (const source of sources) {
    for (const unit of functionUnits(source)) {
      const header = unitHeader(unit);
      if (!header || defined.has(header.name) || known.acquires.has(header.name) || known.releases.has(header.name)) continue;
      defined.add(header.name);
      const body = unit.slice(header.bodyStart + 1);
      for (const row of body) {
        // Code the patch does not show comes next: it may take the lock, so no unlock after it says "wrapper".
        if (row.text.includes(WINDOW_GAP)) break;
        const call = /^\t([a-z_]\w*)\(\s*&\s*([A-Za-z_]\w*)((?:->[A-Za-z_]\w*|\.[A-Za-z_]\w*)+)\s*\);/.exec(row.text);
        if (!call) continue;
        const [, callee, param, path] = call as unknown as [string, string, string, string];
        const slot = header.params.indexOf(param);
        const pair = known.releases.get(callee)?.find((candidate) => candidate.kind === 'lock' && (candidate.releaseSlot ?? 0) === 0);
        if (slot === -1 || !pair) continue;
        // Taken in the same body, by any acquire this unlock ends (`mutex_lock_interruptible()` as well as
        // `mutex_lock()`): a locked section of its own, not a wrapper.
        const expression = `&${param}${path}`.replace(/\s+/g, '');
        const acquires = (known.releases.get(callee) ?? [])
          .filter((candidate) => candidate.kind === 'lock')
          .flatMap((candidate) => candidate.acquire);
        if (body.some((other) => acquires.some((name) => other.text.replace(/\s+/g, '').includes(`${name}(${expression}`)))) continue;
        found.set(header.name, {
          what: pair.what,
          kind: 'lock',
          acquire: [],
          release: [header.name],
          style: 'always',
          releaseSlot: slot,
          releasePath: path,
          learnedFrom: `${source.path}:${row.line}`,
        });
        break;
      }
    }
  }
  return [...found.values()];
}
