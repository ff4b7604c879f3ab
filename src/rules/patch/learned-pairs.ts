/**
 * Acquire/release pairs learned from the code under review instead of listed
 * by hand: a driver's own `foo_get`/`foo_put`, `foo_lock`/`foo_unlock`,
 * `foo_init`/`foo_fini`, `foo_pin`/`foo_unpin`, `foo_begin`/`foo_end`,
 * `foo_alloc`/`foo_free`, `foo_create`/`foo_destroy`, `foo_enter`/`foo_exit`.
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

/** One piece of source to learn from: a file of the tree, or the lines of a hunk. */
export interface LearnSource {
  readonly path: string;
  /** The lines, with the line number each one is cited by. */
  readonly lines: readonly { readonly text: string; readonly line: number }[];
}

export interface LearnedPair extends ResourcePair {
  /** `path:line` of the call that confirmed the pair. */
  readonly learnedFrom: string;
}

interface Suffix {
  readonly acquire: string;
  readonly release: string;
  readonly kind: ResourceKind;
  /** The acquire returns the object (allocators), rather than taking it as first argument. */
  readonly returnsObject?: boolean;
}

const SUFFIXES: readonly Suffix[] = [
  { acquire: '_get', release: '_put', kind: 'reference' },
  { acquire: '_lock', release: '_unlock', kind: 'lock' },
  { acquire: '_init', release: '_fini', kind: 'reference' },
  { acquire: '_pin', release: '_unpin', kind: 'reference' },
  { acquire: '_begin', release: '_end', kind: 'reference' },
  { acquire: '_enter', release: '_exit', kind: 'reference' },
  { acquire: '_alloc', release: '_free', kind: 'memory', returnsObject: true },
  { acquire: '_create', release: '_destroy', kind: 'memory', returnsObject: true },
];

const CALL = /(?:([A-Za-z_][\w>.\-[\]]*)\s*=\s*)?(\b[a-z_]\w*)\s*\(\s*([^,()]*(?:\([^()]*\))?[^,()]*)/g;

interface Call {
  readonly name: string;
  readonly first: string;
  readonly target?: string;
  readonly line: number;
  /** The call is the condition of an `if` (or negated in one). */
  readonly inCondition: boolean;
}

const squashKey = (arg: string) =>
  arg
    .replace(/\s+/g, '')
    .replace(/^&/, '')
    .replace(/^\((.*)\)$/, '$1');

function callsOf(lines: LearnSource['lines']): Call[] {
  const calls: Call[] = [];
  for (const { text, line } of lines) {
    if (text.length > 4096 || !text.includes('(')) continue;
    CALL.lastIndex = 0;
    for (let match = CALL.exec(text); match; match = CALL.exec(text)) {
      const name = match[2] as string;
      const before = text.slice(0, match.index + (match[0].length - match[0].trimStart().length));
      calls.push({
        name,
        first: squashKey(match[3] ?? ''),
        ...(match[1] ? { target: squashKey(match[1]) } : {}),
        line,
        inCondition: /\bif\s*\(\s*!?\s*$/.test(before),
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

interface Evidence {
  suffix: Suffix;
  acquire: string;
  release: string;
  at: string;
  assigned: boolean;
  inCondition: boolean;
}

const cache = new Map<string, Evidence[]>();
const CACHE_LIMIT = 256;

function learnFrom(source: LearnSource): Evidence[] {
  const cacheKey = `${source.path}\u0000${source.lines.map((row) => `${row.line}\u0001${row.text}`).join('\n')}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const found: Evidence[] = [];
  for (const unit of functionUnits(source)) {
    const calls = callsOf(unit);
    const byName = new Map<string, Call[]>();
    for (const call of calls) byName.set(call.name, [...(byName.get(call.name) ?? []), call]);
    for (const [name, acquires] of byName) {
      for (const suffix of SUFFIXES) {
        if (!name.endsWith(suffix.acquire) || name.length === suffix.acquire.length) continue;
        const release = name.slice(0, -suffix.acquire.length) + suffix.release;
        const releases = byName.get(release);
        if (!releases) continue;
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
        });
      }
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(cacheKey, found);
  return found;
}

/** How the acquire reports failure, from how the code calls it. */
function styleOf(evidence: readonly Evidence[], suffix: Suffix, name: string): AcquireStyle {
  if (suffix.returnsObject) return 'pointer';
  if (/try|unless|_if_/.test(name)) return 'bool';
  if (evidence.some((e) => e.inCondition)) return suffix.acquire === '_enter' ? 'bool' : 'errno';
  if (evidence.some((e) => e.assigned)) return 'errno';
  return 'always';
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
  const pairs: LearnedPair[] = [];
  for (const list of byPair.values()) {
    const first = list[0] as Evidence;
    pairs.push({
      what: `${first.acquire}()/${first.release}() ${first.suffix.kind === 'lock' ? 'lock' : first.suffix.kind === 'memory' ? 'object' : 'reference'} (pair learned from ${first.at})`,
      kind: first.suffix.kind,
      acquire: [first.acquire],
      release: [first.release],
      style: styleOf(list, first.suffix, first.acquire),
      ...(first.suffix.returnsObject ? { acquireSlot: 'result' as const } : {}),
      learnedFrom: first.at,
    });
  }
  return pairs;
}

/**
 * Functions that free an argument: a driver's own `foo_del(m, c)` whose body
 * ends `c`'s life with a plain `kfree(c)` at the top level of the body (not
 * under a condition). A call of it then releases that argument, so a use
 * after it is a use after free. Learned from the same sources as the pairs;
 * each remembers where (`path:line` of the free).
 */
export function learnFreeingFunctions(sources: readonly LearnSource[], known: PairIndex): LearnedPair[] {
  const found = new Map<string, LearnedPair>();
  for (const source of sources) {
    for (const unit of functionUnits(source)) {
      const bodyStart = unit.findIndex((row) => /^\{/.test(row.text));
      if (bodyStart <= 0) continue;
      const head = unit
        .slice(Math.max(0, bodyStart - 4), bodyStart)
        .map((row) => row.text)
        .join(' ');
      const match = /\b([A-Za-z_]\w*)\s*\(([^()]*)\)\s*$/.exec(head);
      if (!match) continue;
      const name = match[1] as string;
      if (known.acquires.has(name) || known.releases.has(name) || found.has(name)) continue;
      const params = (match[2] as string).split(',').map((param) => /([A-Za-z_]\w*)\s*(?:\[\s*\])?\s*$/.exec(param.trim())?.[1] ?? '');
      for (const row of unit.slice(bodyStart + 1)) {
        const free = /^\t(\w+)\(\s*([A-Za-z_]\w*)\s*\);/.exec(row.text);
        if (!free) continue;
        const pair = known.releases.get(free[1] as string)?.find((candidate) => candidate.kind === 'memory');
        const slot = params.indexOf(free[2] as string);
        if (!pair || slot === -1) continue;
        const at = `${source.path}:${row.line}`;
        found.set(name, {
          what: `which frees it with ${free[1]}() at ${at}`,
          kind: 'memory',
          acquire: [],
          release: [name],
          style: 'always',
          releaseSlot: slot,
          learnedFrom: at,
        });
        break;
      }
    }
  }
  return [...found.values()];
}
