import { describe, expect, it } from 'vitest';
import type { IrNode } from '../../../src/parse/c/function-ir';
import { branchSuccessors, factsAfter } from '../../../src/rules/patch/branch-facts';

/** A node of the path walks' IR, with only what the facts look at. */
function node(kind: IrNode['kind'], extra: Partial<IrNode> = {}): IrNode {
  return { id: 0, kind, row: 0, calls: [], assigns: [], derefs: [], succ: kind === 'branch' ? [1, 2] : [1], ...extra };
}

/** The ways a branch on `cond` can go once `statements` have run, every condition in `correlated` tracked. */
function ways(correlated: string[], statements: IrNode[], cond: string, start = ''): string[] {
  const tracked = new Set(correlated);
  let facts = start;
  for (const statement of statements) facts = factsAfter(statement, facts, tracked);
  return branchSuccessors(node('branch', { cond }), facts, tracked).map((way) => way.taken);
}

const assign = (target: string, value: string, op?: string) => node('stmt', { assigns: [{ target, value, ...(op ? { op } : {}) }] });

describe('branch facts', () => {
  it.each([
    ['an errno makes the variable true', ['ret'], [assign('ret', '-EBUSY')], 'ret', ['then']],
    ['0 makes it false', ['ret'], [assign('ret', '0')], 'ret', ['else']],
    ['a call result makes it unknown', ['ret'], [assign('ret', '-EBUSY'), assign('ret', 'f()')], 'ret', ['then', 'else']],
    ['a compound add is no constant', ['ret'], [assign('ret', '0'), assign('ret', '1', '+=')], 'ret', ['then', 'else']],
    ['x == 0 is the negation of x', ['ret'], [assign('ret', '-EINVAL')], 'ret==0', ['else']],
    ['x == errno cannot hold where x is 0', ['err'], [assign('err', '0')], 'err==-EAGAIN', ['else']],
    ['x != errno holds where x is 0', ['err'], [assign('err', '0')], 'err!=-EAGAIN', ['then']],
    [
      '&= of another flag keeps a bit test',
      ['flags&VALID'],
      [assign('flags', '~CPU_ACCESS', '&=')],
      'flags&VALID',
      ['then'],
      'flags&VALID\u00011',
    ],
    ['&= of the tested flag clears it', ['flags&VALID'], [assign('flags', '~VALID', '&=')], 'flags&VALID', ['else'], 'flags&VALID\u00011'],
    ['|= of the tested flag sets it', ['flags&VALID'], [assign('flags', 'VALID', '|=')], 'flags&VALID', ['then'], 'flags&VALID\u00010'],
    [
      'an assignment on the path forgets a field test',
      ['ring->funcs->type==CPER'],
      [assign('ring->funcs', 'f')],
      'ring->funcs->type==CPER',
      ['then', 'else'],
      'ring->funcs->type==CPER\u00011',
    ],
    [
      'a lock of the object handed by address keeps it',
      ['ring->funcs->type==CPER'],
      [node('stmt', { calls: [{ name: 'mutex_lock', args: ['&ring->adev->lock'], row: 0, column: 0, negated: false }] })],
      'ring->funcs->type==CPER',
      ['then'],
      'ring->funcs->type==CPER\u00011',
    ],
  ])('%s', (_why, correlated, statements, cond, expected, start = '') => {
    expect(ways(correlated, statements, cond, start)).toEqual(expected);
  });
});
