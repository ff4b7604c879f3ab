/**
 * Correlated branches for the path walks: a condition tested by two
 * branches of one function (`if (lock) spin_lock(…); … if (lock)
 * spin_unlock(…);`, or `if (ring->funcs->type == AMDGPU_RING_TYPE_CPER)`
 * around a lock and again around its unlock) takes, at the second test, the
 * outcome it took at the first unless something changed it in between. A
 * path that takes the lock and then skips the unlock is not one the code can
 * run, and a finding on it is a false alarm. A condition is a plain variable
 * or a field path, possibly negated, compared or masked with one operand; a
 * condition with a call in it may change between the tests and is not one.
 *
 * An assignment of a constant is a fact too: `ret = -EBUSY; goto out;`
 * reaches `out: if (ret) xe_pm_runtime_put(…);` with ret known nonzero, and
 * `int ret = 0;` (or `ret = 0;`) makes it known zero. A failure path that
 * sets its errno and jumps to a label releasing only `if (ret)` is then not
 * walked through the label's success side. A comparison with a nonzero
 * constant (`if (err == -EAGAIN) goto retry;`) cannot hold where err is known
 * 0, and `flags &= ~CPU_ACCESS` leaves a known `flags & VM_ALWAYS_VALID` as
 * it was (see `truthAfter`).
 *
 * Facts are kept only for conditions that two or more branches test, or that
 * one branch tests and some statement sets to a constant, so a walk's states
 * multiply only where a correlation exists. A fact is dropped where an
 * operand may change: an assignment of anything but a constant, a step
 * (`i++`), a call whose result goes to it, or a call given its address; for
 * a field path, the same of any path it goes through (`ring`, `ring->funcs`
 * for `ring->funcs->type`). A call that is handed the object only by value
 * is assumed not to change the tested field.
 *
 * The first operand of `a || b` (`a && b`) counts as tested: where `a` is
 * known to decide the condition, the rest is not evaluated and the other
 * side cannot be taken (`evaluatedPart`, `branchSuccessors`). Counters of a
 * first-round test or of a counted branch (`firstRoundCounters`) are kept
 * even where nothing else is.
 *
 * Invariant: facts are sorted `condition\u00010|1` entries joined by ';' (one
 * string, so a walk can key its memo on it); '' is "nothing known".
 */

import { splitTop } from '../../parse/c/c-text';
import type { FunctionIr, IrNode } from '../../parse/c/function-ir';

/** Plain variable or field path, possibly compared or masked with one operand (white space already removed). */
const CONDITION = /^[A-Za-z_][\w]*(?:(?:->|\.)[A-Za-z_]\w*)*(?:(?:==|!=|&)[\w>.-]+)?$/;

/** A condition the walks can correlate, possibly negated: `lock`, `!locked`, `(need_put)`, `ring->type==X`. */
function testedCondition(cond: string | undefined): { name: string; whenTrue: boolean } | undefined {
  if (cond === undefined) return undefined;
  let text = cond;
  while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1);
  const negated = text.startsWith('!') && !text.startsWith('!=');
  if (negated) text = text.slice(1);
  while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1);
  if (!CONDITION.test(text)) return undefined;
  // `x == 0`, `x != NULL`: the variable's own truth.
  const zero = /^([A-Za-z_]\w*)(==|!=)(?:0|NULL|false)$/.exec(text);
  if (zero) return { name: zero[1] as string, whenTrue: (zero[2] === '!=') !== negated };
  return { name: text, whenTrue: !negated };
}

/** `x == C` or `x != C` with C a nonzero constant (`err == -EAGAIN`): where it holds, x is true. */
function comparedToNonzero(cond: string | undefined): { name: string; equal: boolean } | undefined {
  if (cond === undefined) return undefined;
  let text = cond;
  while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1);
  const match = /^([A-Za-z_]\w*)(==|!=)(.+)$/.exec(text);
  if (!match || constantTruth(match[3] as string) !== true) return undefined;
  return { name: match[1] as string, equal: match[2] === '==' };
}

/**
 * Whether changing `changed` (a variable, a field path) may change condition
 * `name`: it is one of the condition's operands or a path the operand goes
 * through (`ring`, `ring->funcs` for `ring->funcs->type==X`; not
 * `ring->adev->lock`).
 */
function touches(name: string, changed: string): boolean {
  return name
    .split(/==|!=|&/)
    .some((operand) => operand === changed || operand.startsWith(`${changed}->`) || operand.startsWith(`${changed}.`));
}

/**
 * The truth of condition `name`, known `truth`, after `changed op= value`,
 * when it can tell (undefined: unknown). `&=` only clears bits and `|=` only
 * sets them: a variable known false stays false under `&=`, one known true
 * stays true under `|=`. A bit test `changed&B` also knows what a named mask
 * does to B: `&= ~M` and `|= M` with another name leave it as it was (distinct
 * flag macros are distinct bits), with B itself they make it false or true.
 * (`flags &= ~CPU_ACCESS; goto retry;` leaves `flags & VM_ALWAYS_VALID` as it was.)
 */
function truthAfter(name: string, truth: boolean, changed: string, op: string | undefined, value: string): boolean | undefined {
  if (op !== '&=' && op !== '|=') return undefined;
  if (name === changed) return op === '&=' ? (truth ? undefined : false) : truth ? true : undefined;
  if (!name.startsWith(`${changed}&`)) return undefined;
  const bit = name.slice(changed.length + 1);
  const mask = op === '&=' ? /^~\(?([A-Za-z_]\w*)\)?$/.exec(value)?.[1] : /^\(?([A-Za-z_]\w*)\)?$/.exec(value)?.[1];
  if (mask !== undefined && /^[A-Za-z_]\w*$/.test(bit)) return mask === bit ? op === '|=' : truth;
  return op === '&=' ? (truth ? undefined : false) : truth ? true : undefined;
}

/** A constant's truth: `0`, `false`, `NULL` are false; an errno (`-ENOMEM`), another integer and `true` are true. */
export function constantTruth(value: string): boolean | undefined {
  if (/^(?:0+|0[xX]0+|false|NULL)$/.test(value)) return false;
  if (/^(?:-\(?E[A-Z0-9]+\)?|-?[1-9]\d*|0[xX]0*[1-9a-fA-F][0-9a-fA-F]*|true)$/.test(value)) return true;
  return undefined;
}

/**
 * The conditions two or more branch nodes of `fn` test, and those one
 * branch tests and some statement sets to a constant.
 */
export function correlatedVariables(fn: FunctionIr): ReadonlySet<string> {
  const tests = new Map<string, number>();
  for (const node of fn.nodes) {
    if (node.kind !== 'branch' || node.succ.length !== 2) continue;
    const tested = testedCondition(node.cond);
    if (tested) tests.set(tested.name, (tests.get(tested.name) ?? 0) + 1);
    // The first operand of `a || b` is tested too (`if (!fast) fill(&v); if (fast || v == n)`), for `evaluatedPart`.
    const first = node.cond === undefined ? undefined : testedCondition(logicalOperands(node.cond)?.operands[0]);
    if (first && first.name !== tested?.name) tests.set(first.name, (tests.get(first.name) ?? 0) + 1);
    const compared = comparedToNonzero(node.cond);
    if (compared && compared.name !== tested?.name) tests.set(compared.name, (tests.get(compared.name) ?? 0) + 1);
  }
  const constants = new Set<string>();
  for (const node of fn.nodes)
    for (const assign of node.assigns)
      if (tests.has(assign.target) && constantTruth(assign.value) !== undefined) constants.add(assign.target);
  const correlated = new Set<string>();
  for (const [name, count] of tests) if (count >= 2 || constants.has(name)) correlated.add(name);
  return correlated;
}

/**
 * Counters of a first-round test (`if (count == 0) { first = …; } else if (first != …)`, then `count++`):
 * variables a branch tests for zero, that some statement sets to 0 and some statement steps or adds to
 * (`count++`, `count = count + 1`, `count += n`). While such a counter still holds its 0, the test takes
 * its first-round side; after a step nothing is known of it.
 */
export function firstRoundCounters(fn: FunctionIr): ReadonlySet<string> {
  // Asked once per variable declared in the function: learned once per function.
  const cached = counterCache.get(fn);
  if (cached) return cached;
  const tested = new Set<string>();
  for (const node of fn.nodes) {
    if (node.kind !== 'branch' || node.succ.length !== 2) continue;
    const condition = testedCondition(node.cond);
    if (condition && /^[A-Za-z_]\w*$/.test(condition.name)) tested.add(condition.name);
    // `if (count == 1)` after a loop that counts: holds only where the counting branch ran.
    const compared = comparedToNonzero(node.cond);
    if (compared) tested.add(compared.name);
  }
  const zeroed = new Set<string>();
  const stepped = new Set<string>();
  for (const node of fn.nodes) {
    for (const name of node.steps ?? []) stepped.add(name);
    for (const assign of node.assigns) {
      if (!tested.has(assign.target)) continue;
      if (assign.op === undefined && constantTruth(assign.value) === false) zeroed.add(assign.target);
      else if (assign.op === '+=' || new RegExp(`^${assign.target}\\+`).test(assign.value)) stepped.add(assign.target);
    }
  }
  const counters = new Set([...zeroed].filter((name) => stepped.has(name)));
  counterCache.set(fn, counters);
  return counters;
}

const counterCache = new WeakMap<FunctionIr, ReadonlySet<string>>();

/** The top-level operands of `a || b || c` or `a && b` (white space removed); undefined for one operand or both operators. */
function logicalOperands(cond: string): { operands: string[]; operator: '||' | '&&' } | undefined {
  const ors = splitTop(cond, '||');
  const ands = splitTop(cond, '&&');
  if (ors.length > 1 && ands.length === 1) return { operands: ors, operator: '||' };
  if (ands.length > 1 && ors.length === 1) return { operands: ands, operator: '&&' };
  return undefined;
}

/**
 * The part of a condition C evaluates under `facts`: `a || b` stops after an `a` known true, `a && b`
 * after an `a` known false (`if (fast_validate || vlevel == n)` reads no vlevel where fast_validate holds).
 * The whole condition when its top level mixes the two operators or nothing decides it early.
 */
export function evaluatedPart(cond: string, facts: string, correlated: ReadonlySet<string>): string {
  if (facts === '' || correlated.size === 0) return cond;
  const split = logicalOperands(cond);
  if (!split) return cond;
  const { operands } = split;
  const stopsOn = split.operator === '||';
  for (let i = 0; i < operands.length - 1; i++) {
    const tested = testedCondition(operands[i]);
    if (!tested || !correlated.has(tested.name)) continue;
    const known = factOf(facts, tested.name);
    if (known !== undefined && (known === tested.whenTrue) === stopsOn) return operands.slice(0, i + 1).join(stopsOn ? '||' : '&&');
  }
  return cond;
}

/** `facts` with condition `name` known to be `value` (undefined: nothing known of it). */
export function withFact(facts: string, name: string, value: boolean | undefined): string {
  const entry = `${name}\u0001`;
  const kept = facts === '' ? [] : facts.split(';').filter((fact) => !fact.startsWith(entry));
  if (value !== undefined) kept.push(`${entry}${value ? 1 : 0}`);
  return kept.sort().join(';');
}

/** What `facts` say of a condition's truth: true, false, or undefined when nothing is known. */
export function factOf(facts: string, name: string): boolean | undefined {
  if (facts === '') return undefined;
  const entry = `${name}\u0001`;
  for (const fact of facts.split(';')) if (fact.startsWith(entry)) return fact.endsWith('1');
  return undefined;
}

/** `facts` without what `node` may change, and with the constants it assigns (see the module comment). */
export function factsAfter(node: IrNode, facts: string, correlated: ReadonlySet<string>): string {
  if (correlated.size === 0) return facts;
  let out = facts;
  // `op`, `value`: a compound assignment, after which some facts are still known (see `truthAfter`).
  const drop = (changed: string, op?: string, value = '') => {
    if (out === '') return;
    for (const fact of out.split(';')) {
      const name = fact.slice(0, fact.indexOf('\u0001'));
      if (touches(name, changed)) out = withFact(out, name, truthAfter(name, fact.endsWith('1'), changed, op, value));
    }
  };
  for (const name of node.steps ?? []) drop(name);
  for (const name of node.declares ?? []) drop(name);
  for (const call of node.calls) {
    if (call.target !== undefined) drop(call.target);
    for (const arg of call.args) if (arg.startsWith('&')) drop(arg.slice(1));
  }
  // Last: `ret = f(); … ret = -EINVAL;` in one node ends with the constant.
  for (const assign of node.assigns) {
    drop(assign.target, assign.op, assign.value);
    const truth =
      node.kind === 'branch' || assign.op !== undefined || !correlated.has(assign.target) ? undefined : constantTruth(assign.value);
    if (truth !== undefined) out = withFact(out, assign.target, truth);
  }
  return out;
}

/**
 * The successors a walk follows from branch `node` with `facts` (already
 * passed through `factsAfter`), each with the facts that hold along it:
 * both, unless the condition is a correlated one whose value is known.
 * Successors are in the node's order (then first).
 */
export function branchSuccessors(
  node: IrNode,
  facts: string,
  correlated: ReadonlySet<string>,
): { readonly succ: number; readonly facts: string; readonly taken: 'then' | 'else' }[] {
  const [thenSucc, elseSucc] = node.succ as [number, number];
  const isBranch = node.kind === 'branch' && node.succ.length === 2;
  let thenFacts = facts;
  let elseFacts = facts;
  let thenPossible = true;
  let elsePossible = true;
  const tested = isBranch ? testedCondition(node.cond) : undefined;
  if (tested && correlated.has(tested.name)) {
    const known = factOf(facts, tested.name);
    if (known !== undefined) {
      thenPossible = known === tested.whenTrue;
      elsePossible = !thenPossible;
    } else {
      thenFacts = withFact(thenFacts, tested.name, tested.whenTrue);
      elseFacts = withFact(elseFacts, tested.name, !tested.whenTrue);
    }
  }
  // `err == -EAGAIN` cannot hold where err is known 0, and where it holds err is not 0.
  const compared = isBranch ? comparedToNonzero(node.cond) : undefined;
  if (compared && correlated.has(compared.name)) {
    const known = factOf(facts, compared.name);
    if (known === false) {
      if (compared.equal) thenPossible = false;
      else elsePossible = false;
    } else if (known === undefined) {
      if (compared.equal) thenFacts = withFact(thenFacts, compared.name, true);
      else elseFacts = withFact(elseFacts, compared.name, true);
    }
  }
  // `a || b` holds where `a` is known true, and `a && b` fails where `a` is known false.
  const split = isBranch && node.cond !== undefined ? logicalOperands(node.cond) : undefined;
  const first = split ? testedCondition(split.operands[0]) : undefined;
  if (split && first && correlated.has(first.name)) {
    const known = factOf(facts, first.name);
    if (known !== undefined && known === first.whenTrue && split.operator === '||') elsePossible = false;
    if (known !== undefined && known !== first.whenTrue && split.operator === '&&') thenPossible = false;
  }
  const out: { succ: number; facts: string; taken: 'then' | 'else' }[] = [];
  if (thenPossible) out.push({ succ: thenSucc, facts: thenFacts, taken: 'then' });
  if (elsePossible) out.push({ succ: elseSucc, facts: elseFacts, taken: 'else' });
  return out;
}
