import { SeededRandom, WeightedChoice } from '../../../src/embedded/workload/random';

const draw = (random: SeededRandom, n: number): number[] => Array.from({ length: n }, () => random.nextUint32());

describe('SeededRandom', () => {
  it('repeats the same sequence for the same seed', () => {
    expect(draw(new SeededRandom(42), 1000)).toEqual(draw(new SeededRandom(42), 1000));
  });

  it('gives different sequences for different seeds and streams', () => {
    const base = draw(new SeededRandom(42), 50);
    expect(draw(new SeededRandom(43), 50)).not.toEqual(base);
    expect(draw(new SeededRandom(42, 1), 50)).not.toEqual(base);
    // Seeds that differ only above 32 bits must not collide.
    expect(draw(new SeededRandom(2 ** 32 + 42), 50)).not.toEqual(base);
  });

  it('keeps its recorded outputs, so a change of algorithm or seeding is noticed', () => {
    // Recorded from this implementation: a changed value means every workload changed.
    expect(draw(new SeededRandom(1), 3)).toEqual([2442144158, 3238099751, 3819917871]);
  });

  it('stays within the requested ranges and covers them', () => {
    const random = new SeededRandom(7);
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const f = random.float();
      expect(f >= 0 && f < 1).toBe(true);
      const n = random.int(3, 9);
      expect(n >= 3 && n <= 9 && Number.isInteger(n)).toBe(true);
      seen.add(n);
      const b = random.between(10, 20);
      expect(b >= 10 && b < 20).toBe(true);
      expect(random.floatNonZero()).toBeGreaterThan(0);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('has a plausible mean for uniform and exponential draws', () => {
    const random = new SeededRandom(3);
    let sum = 0;
    let expSum = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      sum += random.float();
      expSum += random.exponential(5);
    }
    expect(sum / n).toBeCloseTo(0.5, 1);
    expect(expSum / n).toBeGreaterThan(4.7);
    expect(expSum / n).toBeLessThan(5.3);
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => new SeededRandom(1.5)).toThrow(/safe integer/);
    expect(() => new SeededRandom(Number.NaN)).toThrow(/safe integer/);
  });
});

describe('WeightedChoice', () => {
  it('draws items in proportion to their weights and never a zero-weight item', () => {
    const choice = new WeightedChoice(['a', 'b', 'c'], [1, 3, 0]);
    const random = new SeededRandom(11);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 8000; i++) counts[choice.draw(random)]! += 1;
    expect(counts.c).toBe(0);
    expect(counts.b! / counts.a!).toBeGreaterThan(2.6);
    expect(counts.b! / counts.a!).toBeLessThan(3.4);
  });

  it('rejects mismatched, negative or all-zero weights', () => {
    expect(() => new WeightedChoice(['a'], [1, 2])).toThrow(/as many weights/);
    expect(() => new WeightedChoice(['a'], [-1])).toThrow(/non-negative/);
    expect(() => new WeightedChoice(['a', 'b'], [0, 0])).toThrow(/positive weight/);
  });
});
