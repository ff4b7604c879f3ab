import { describe, expect, it } from 'vitest';
import { RestartBudget } from '../../../src/extension/restart-budget';

describe('server restart budget', () => {
  it('restarts up to the maximum within the window, then gives up', () => {
    const budget = new RestartBudget(4, 180_000);
    expect([0, 1000, 2000, 3000].map((t) => budget.crashed(t))).toEqual([true, true, true, true]);
    expect(budget.crashed(4000)).toBe(false);
    expect(budget.recent).toBe(5);
  });

  it('forgets crashes older than the window', () => {
    const budget = new RestartBudget(2, 1000);
    expect(budget.crashed(0)).toBe(true);
    expect(budget.crashed(10)).toBe(true);
    expect(budget.crashed(20)).toBe(false);
    expect(budget.crashed(1015)).toBe(true); // 0 and 10 have left the window
  });

  it('starts afresh after a manual restart', () => {
    const budget = new RestartBudget(1, 1000);
    budget.crashed(0);
    expect(budget.crashed(1)).toBe(false);
    budget.reset();
    expect(budget.crashed(2)).toBe(true);
  });
});
