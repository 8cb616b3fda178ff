/** The restart rate of serve --workers: at most `limit` restarts in any window, later ones delayed, never refused. */
import fc from 'fast-check';
import { RestartBudget } from '../../../src/server/cluster/restart-budget';

describe('RestartBudget', () => {
  it('restarts at once up to the limit, then waits for the oldest restart to leave the window', () => {
    const budget = new RestartBudget(3, 60_000);
    expect([0, 1_000, 2_000].map((t) => budget.reserve(t))).toEqual([0, 0, 0]);
    // The fourth within the minute waits until the first is a minute old.
    expect(budget.reserve(3_000)).toBe(57_000);
    // The fifth waits for the second; both are booked, so the count stays bounded.
    expect(budget.reserve(3_000)).toBe(58_000);
    // Long after, the window is empty again.
    expect(budget.reserve(500_000)).toBe(0);
  });

  it.each([
    [0, 1000],
    [1.5, 1000],
    [2, 0],
    [2, -5],
  ])('refuses limit %p with window %p ms', (limit, windowMs) => {
    expect(() => new RestartBudget(limit, windowMs)).toThrow(RangeError);
  });

  it('never books more than the limit in any window, never earlier than asked, and waits only when the window is full', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.integer({ min: 0, max: 50_000 }), { maxLength: 60 }),
        (limit, windowMs, gaps) => {
          const budget = new RestartBudget(limit, windowMs);
          const booked: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            const inWindowBefore = booked.filter((at) => at > now - windowMs).length;
            const delay = budget.reserve(now);
            expect(delay).toBeGreaterThanOrEqual(0);
            if (inWindowBefore < limit) expect(delay).toBe(0);
            booked.push(now + delay);
          }
          for (const at of booked) {
            expect(booked.filter((other) => other > at - windowMs && other <= at).length).toBeLessThanOrEqual(limit);
          }
        },
      ),
    );
  });
});
