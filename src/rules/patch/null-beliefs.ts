/**
 * What the code believes may be NULL, learned from how it tests things:
 *
 * - a function whose result its callers test for NULL right after the call
 *   (`dev = foo_by_id(id);` then `if (!dev)`), at least twice and in most of
 *   its calls: a lookup that can fail;
 * - a field expression the patch's own added code tests for NULL
 *   (`if (res->bo && ...)`): the author knows it can be NULL. A guard that
 *   also takes a NULL object (`if (!node || !node->ggtt) return false;`) does
 *   not count: that is an API accepting anything, not a belief about the
 *   field. The test of what was just stored in the field (`f->ctx =
 *   kzalloc(…); if (!f->ctx)`), an allocation's check, is a belief only for
 *   the teardown that runs after a failed set-up (`allocationCheck`); so is
 *   the test that creates the field when it is missing (`if (!f->ctx)
 *   f->ctx = kzalloc(…);`).
 *
 * Each belief keeps where it was learned, for the finding to cite. Only
 * NULL tests count (`!x`, `x == NULL`, `x != NULL`, `if (x)`, `IS_ERR_OR_NULL(x)`):
 * a result tested with `IS_ERR()` alone is an error pointer, not NULL.
 */

import { regExpLiteral } from '../../base/regexp-literal';
import { withoutComments, withoutSpaceAroundMembers } from '../../parse/c/c-text';

export interface NullSourceLine {
  readonly text: string;
  readonly line: number;
  /** A line the patch adds. */
  readonly added?: boolean;
}

export interface NullSource {
  readonly path: string;
  readonly lines: readonly NullSourceLine[];
}

export interface NullBelief {
  readonly path: string;
  readonly line: number;
  readonly text: string;
  /** For a function: how many of its calls are tested, of how many. */
  readonly tested?: number;
  readonly calls?: number;
  /** For a field: its only tests check what was just stored in it (an allocation), see `learnNullBeliefs`. */
  readonly allocationCheck?: boolean;
}

export interface NullBeliefs {
  /** Functions whose result is tested for NULL by their callers. */
  readonly calls: ReadonlyMap<string, NullBelief>;
  /** Field expressions (`res->bo`, white space removed) the patch's added code tests for NULL. */
  readonly fields: ReadonlyMap<string, NullBelief>;
}

/** `x = f(`, `set.engines = f(`, `obj->bo = (cast)f(`: the result kept in a variable or a field, and the callee. */
export const ASSIGNED_CALL = /(?:^|[^=!<>.\w>])((?:[A-Za-z_]\w*(?:->|\.))*[A-Za-z_]\w*)\s*=\s*(?:\([^()]*\)\s*)?([A-Za-z_]\w*)\s*\(/;
/**
 * Straight dereferences of a field in the added code (`pipe_ctx->stream->link`; its own guarded use on the
 * test's line is not told apart), per NULL test of it, from which the tests are the exception.
 */
const UNTESTED_USES_PER_TEST = 4;
const UNTESTED_USES_MIN = 8;
/**
 * Functions of the added code that take the field into a local of their own
 * (`struct vmw_bo_dirty *dirty = vbo->dirty;`, each then used as it is), per
 * NULL test of it, from which those functions are the code's habit and the
 * tests the exception.
 */
const COPIES_PER_TEST = 2;
const COPIES_MIN = 6;

/**
 * Accessors that read whatever their argument names (`READ_ONCE(rq->engine)`, `rcu_dereference(p->ctx)`):
 * whether the result may be NULL is a fact of that field, not of the accessor, so their callers' tests
 * (of other fields) say nothing about one call.
 */
const ACCESSOR =
  /^(?:READ_ONCE|smp_load_acquire|rcu_dereference\w*|rcu_access_pointer|srcu_dereference\w*|xchg|cmpxchg|try_cmpxchg|fetch_and_zero)$/;

/** Lines after a call where its result's test counts. */
export const TEST_WINDOW = 3;
const FIELD = String.raw`[A-Za-z_]\w*(?:->[A-Za-z_]\w*|\.[A-Za-z_]\w*)*->[A-Za-z_]\w*`;
const FIELD_TESTS = [
  new RegExp(String.raw`\bif\s*\(\s*(?:!\s*)?(${FIELD})\s*(?:&&|\|\||\))`),
  new RegExp(String.raw`(?:&&|\|\|)\s*(?:!\s*)?(${FIELD})\s*(?:&&|\|\||\))`),
  new RegExp(String.raw`\b(${FIELD})\s*[!=]=\s*NULL\b`),
  new RegExp(String.raw`\bNULL\s*[!=]=\s*(${FIELD})`),
  new RegExp(String.raw`\bIS_ERR_OR_NULL\s*\(\s*(${FIELD})\s*\)`),
];

/** The line tests `name` for NULL. */
export function testsForNull(text: string, name: string): boolean {
  const n = regExpLiteral(name);
  return new RegExp(
    String.raw`(?:\bif\s*\(\s*(?:!\s*)?${n}\s*(?:&&|\|\||\))|(?:&&|\|\|)\s*(?:!\s*)?${n}\s*(?:&&|\|\||\))|\b${n}\s*[!=]=\s*NULL\b|\bNULL\s*[!=]=\s*${n}\b|IS_ERR_OR_NULL\s*\(\s*${n}\s*\)|\bWARN_ON(?:_ONCE)?\s*\(\s*!\s*${n}\s*\))`,
  ).test(text);
}

export function learnNullBeliefs(sources: readonly NullSource[]): NullBeliefs {
  const counts = new Map<string, { tested: number; calls: number; first?: NullBelief }>();
  const fields = new Map<string, NullBelief>();
  const fieldTests = new Map<string, number>();
  const addedTexts: string[] = [];
  for (const source of sources) {
    const lines = source.lines;
    lines.forEach((entry, index) => {
      const text = withoutComments(entry.text);
      const assigned = ASSIGNED_CALL.exec(text);
      if (assigned && !/^\s*(?:return|if|while|for)\b/.test(text) && !ACCESSOR.test(assigned[2] as string)) {
        const [, target, callee] = assigned as unknown as [string, string, string];
        const count = counts.get(callee) ?? { tested: 0, calls: 0 };
        count.calls++;
        const window = lines.slice(index + 1, index + 1 + TEST_WINDOW).map((l) => l.text);
        const tested = window.findIndex((next) => testsForNull(next, target));
        if (tested >= 0) {
          count.tested++;
          const at = lines[index + 1 + tested] as NullSourceLine;
          count.first ??= { path: source.path, line: at.line, text: at.text.trim() };
        }
        counts.set(callee, count);
      }
      if (entry.added) {
        addedTexts.push(text.replace(/\s+/g, ''));
        for (const test of FIELD_TESTS) {
          const field = test.exec(text)?.[1];
          // `if (!node || !node->ggtt)`: a guard that takes a NULL object as well, defensive input checking.
          const root = field === undefined ? '' : regExpLiteral(/^[A-Za-z_]\w*/.exec(field)?.[0] ?? '');
          if (field && new RegExp(String.raw`(?:!\s*${root}|\b${root}\s*==\s*NULL)\s*\|\|`).test(text)) continue;
          if (!field) continue;
          const key = field.replace(/\s+/g, '');
          // `if (f->time != NULL) kfree(f->time);`: a defensive test before a release says nothing of the field.
          if (releasedUnderTest(lines, index, key)) continue;
          fieldTests.set(key, (fieldTests.get(key) ?? 0) + 1);
          // `f->ctx = kzalloc(…); if (!f->ctx) return -ENOMEM;`: the check of what was just stored there says
          // the field may be NULL only where a failed set-up leaves it so: in the teardown that runs after it.
          const allocationCheck = justAssigned(lines, index, key) || createdIfMissing(lines, index, key);
          const known = fields.get(key);
          if (!known || (known.allocationCheck && !allocationCheck))
            fields.set(key, {
              path: source.path,
              line: entry.line,
              text: entry.text.trim(),
              ...(allocationCheck ? { allocationCheck } : {}),
            });
        }
      }
    });
  }
  // A field the added code dereferences straight far more often than it tests is believed set: the test is
  // the exception (a walk over every pipe slot testing `pipe_ctx->stream`, where the functions handed one
  // pipe use it), not what the code knows of the field.
  for (const [key, tests] of fieldTests) {
    const deref = new RegExp(String.raw`(?<![\w>.])${regExpLiteral(key)}->`, 'g');
    const copy = new RegExp(String.raw`[\w*]=${regExpLiteral(key)};$`);
    let derefs = 0;
    let copies = 0;
    for (const text of addedTexts) {
      if (!text.includes(key)) continue;
      derefs += text.match(deref)?.length ?? 0;
      if (copy.test(text)) copies++;
    }
    if (derefs >= UNTESTED_USES_MIN && derefs >= UNTESTED_USES_PER_TEST * tests) fields.delete(key);
    else if (copies >= COPIES_MIN && copies >= COPIES_PER_TEST * tests) fields.delete(key);
  }
  const calls = new Map<string, NullBelief>();
  for (const [callee, count] of counts) {
    // Most of the other callers test it, and more than one: a belief, not a habit of one author.
    if (count.first && count.tested >= 2 && count.tested * 4 >= (count.calls - 1) * 3)
      calls.set(callee, { ...count.first, tested: count.tested, calls: count.calls });
  }
  return { calls, fields };
}

/** One of the few lines before `index` stores into `field` (white space removed). */
/**
 * `if (!f->job) { f->job = kzalloc(…); …`: the test creates the field when it
 * is missing (lazy set-up), and says no more than an allocation's check does
 * about the code that uses the field once it is set.
 */
function createdIfMissing(lines: readonly NullSourceLine[], index: number, field: string): boolean {
  const name = regExpLiteral(field);
  const squashed = (at: number) => withoutSpaceAroundMembers((lines[at] as NullSourceLine).text);
  if (!new RegExp(String.raw`\bif\s*\(\s*(?:!\s*${name}|${name}\s*==\s*NULL)\s*\)`).test(squashed(index))) return false;
  const store = new RegExp(String.raw`^\s*${name}\s*=(?!=)`);
  for (let at = index + 1; at <= Math.min(lines.length - 1, index + TEST_WINDOW); at++) if (store.test(squashed(at))) return true;
  return false;
}

/** The test's line or the next releases the field it tests (`if (x->buf) kfree(x->buf);`). */
function releasedUnderTest(lines: readonly NullSourceLine[], index: number, field: string): boolean {
  const release = new RegExp(String.raw`\b(?:\w*(?:free|put|destroy|release|fini)\w*)\(${regExpLiteral(field)}\)`);
  for (let at = index; at <= index + 1 && at < lines.length; at++) {
    if (release.test((lines[at] as NullSourceLine).text.replace(/\s+/g, ''))) return true;
  }
  return false;
}

function justAssigned(lines: readonly NullSourceLine[], index: number, field: string): boolean {
  const store = new RegExp(String.raw`^\s*${regExpLiteral(field)}\s*=(?!=)`);
  for (let at = Math.max(0, index - TEST_WINDOW); at < index; at++) {
    if (store.test(withoutSpaceAroundMembers((lines[at] as NullSourceLine).text))) return true;
  }
  return false;
}
