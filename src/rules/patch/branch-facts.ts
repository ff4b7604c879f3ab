/**
 * Correlated branches for the path walks: a plain variable tested by two
 * branches of one function (`if (lock) spin_lock(…); … if (lock)
 * spin_unlock(…);`) takes, at the second test, the outcome it took at the
 * first unless something assigned it in between. A path that takes the lock
 * and then skips the unlock is not one the code can run, and a finding on it
 * is a false alarm.
 *
 * Facts are kept only for variables that two or more branches test, so a
 * walk's states multiply only where a correlation exists. A fact is dropped
 * where the variable may change: an assignment, a step (`i++`), a call whose
 * result goes to it, or a call given its address.
 *
 * Invariant: facts are sorted `name=0|1` entries joined by ';' (one string,
 * so a walk can key its memo on it); '' is "nothing known".
 */

import type { FunctionIr, IrNode } from '../../parse/c/function-ir';

/** A condition that is a plain variable, possibly negated: `lock`, `!locked`, `(need_put)`. */
function testedVariable(cond: string | undefined): { name: string; whenTrue: boolean } | undefined {
  if (cond === undefined) return undefined;
  let text = cond;
  while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1);
  const match = /^(!?)([A-Za-z_]\w*)$/.exec(text);
  if (!match) return undefined;
  return { name: match[2] as string, whenTrue: match[1] === '' };
}

/** The variables two or more branch nodes of `fn` test as plain conditions. */
export function correlatedVariables(fn: FunctionIr): ReadonlySet<string> {
  const tests = new Map<string, number>();
  for (const node of fn.nodes) {
    if (node.kind !== 'branch' || node.succ.length !== 2) continue;
    const tested = testedVariable(node.cond);
    if (tested) tests.set(tested.name, (tests.get(tested.name) ?? 0) + 1);
  }
  const correlated = new Set<string>();
  for (const [name, count] of tests) if (count >= 2) correlated.add(name);
  return correlated;
}

function withFact(facts: string, name: string, value: boolean | undefined): string {
  const kept = facts === '' ? [] : facts.split(';').filter((fact) => !fact.startsWith(`${name}=`));
  if (value !== undefined) kept.push(`${name}=${value ? 1 : 0}`);
  return kept.sort().join(';');
}

function factOf(facts: string, name: string): boolean | undefined {
  if (facts === '') return undefined;
  for (const fact of facts.split(';')) if (fact.startsWith(`${name}=`)) return fact.endsWith('=1');
  return undefined;
}

/** `facts` without what `node` may change (see the module comment). */
export function factsAfter(node: IrNode, facts: string, correlated: ReadonlySet<string>): string {
  if (facts === '') return facts;
  let out = facts;
  const drop = (name: string) => {
    if (correlated.has(name)) out = withFact(out, name, undefined);
  };
  for (const assign of node.assigns) drop(assign.target);
  for (const name of node.steps ?? []) drop(name);
  for (const name of node.declares ?? []) drop(name);
  for (const call of node.calls) {
    if (call.target !== undefined) drop(call.target);
    for (const arg of call.args) if (arg.startsWith('&')) drop(arg.slice(1));
  }
  return out;
}

/**
 * The successors a walk follows from branch `node` with `facts` (already
 * passed through `factsAfter`), each with the facts that hold along it:
 * both, unless the condition is a correlated variable whose value is known.
 * Successors are in the node's order (then first).
 */
export function branchSuccessors(
  node: IrNode,
  facts: string,
  correlated: ReadonlySet<string>,
): { readonly succ: number; readonly facts: string; readonly taken: 'then' | 'else' }[] {
  const [thenSucc, elseSucc] = node.succ as [number, number];
  const tested = node.kind === 'branch' && node.succ.length === 2 ? testedVariable(node.cond) : undefined;
  if (!tested || !correlated.has(tested.name)) {
    return [
      { succ: thenSucc, facts, taken: 'then' },
      { succ: elseSucc, facts, taken: 'else' },
    ];
  }
  const known = factOf(facts, tested.name);
  if (known !== undefined) {
    const thenHolds = known === tested.whenTrue;
    return [thenHolds ? { succ: thenSucc, facts, taken: 'then' } : { succ: elseSucc, facts, taken: 'else' }];
  }
  return [
    { succ: thenSucc, facts: withFact(facts, tested.name, tested.whenTrue), taken: 'then' },
    { succ: elseSucc, facts: withFact(facts, tested.name, !tested.whenTrue), taken: 'else' },
  ];
}
