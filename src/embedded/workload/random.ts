/**
 * A small seedable PRNG (xoshiro128**, seeded through splitmix32) so that a
 * workload is a pure function of its seed: Math.random is never consulted.
 * 32-bit integer arithmetic keeps it fast and identical on every platform.
 */

// Module-level copies: a global lookup (Math, Infinity) is slow in some hosts, jest's
// sandbox among them, and these run millions of times.
const { cos, exp, floor, imul, log, sqrt } = Math;

function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) | 0;
  let z = state.x;
  z = imul(z ^ (z >>> 16), 0x85ebca6b);
  z = imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const TWO_POW_32 = 4294967296;

export class SeededRandom {
  /** xoshiro128 state; an Int32Array keeps every step in 32-bit integer arithmetic. */
  private readonly s = new Int32Array(4);

  /**
   * `seed` is any safe integer; `stream` picks an independent sequence for the
   * same seed (used to keep side computations from shifting the main sequence).
   */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${String(seed)}`);
    const low = seed % TWO_POW_32;
    const high = floor(seed / TWO_POW_32);
    const state = { x: (low ^ imul(high | 0, 0x27d4eb2f) ^ imul(stream | 0, 0x165667b1)) | 0 };
    for (let i = 0; i < 4; i++) this.s[i] = splitmix32(state);
    // xoshiro must not start from the all-zero state.
    if (this.s.every((word) => word === 0)) this.s[0] = 1;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const s0 = s[0] as number;
    const s1 = s[1] as number;
    const s2 = s[2] as number;
    const s3 = s[3] as number;
    const result = imul(rotl(imul(s1, 5), 7), 9) >>> 0;
    const c = s2 ^ s0;
    const d = s3 ^ s1;
    s[0] = s0 ^ d;
    s[1] = s1 ^ c;
    s[2] = c ^ (s1 << 9);
    s[3] = rotl(d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform in (0, 1]: safe to take the logarithm of. */
  floatNonZero(): number {
    return (this.nextUint32() + 1) / TWO_POW_32;
  }

  /** Uniform real in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** Uniform integer in [min, max], both ends included. */
  int(min: number, max: number): number {
    return min + floor(this.float() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[floor(this.float() * items.length)] as T;
  }

  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number {
    return -log(this.floatNonZero()) * mean;
  }

  /** Standard normal deviate (Box-Muller; one value per call keeps the state simple). */
  normal(): number {
    const u = this.floatNonZero();
    const v = this.float();
    return sqrt(-2 * log(u)) * cos(2 * Math.PI * v);
  }

  /** Log-normally distributed: `median` is exp(mu), `sigma` the spread of the logarithm. */
  logNormal(median: number, sigma: number): number {
    return median * exp(sigma * this.normal());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Draws indices with fixed relative weights in O(log n) per draw. */
export class WeightedChoice<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) {
      throw new RangeError('WeightedChoice needs as many weights as items, and at least one');
    }
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i] as number;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weight ${String(w)} is not a finite non-negative number`);
      sum += w;
      this.cumulative[i] = sum;
    }
    if (sum <= 0) throw new RangeError('WeightedChoice needs at least one positive weight');
    this.total = sum;
  }

  draw(random: SeededRandom): T {
    const target = random.float() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] as number) > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo] as T;
  }
}
