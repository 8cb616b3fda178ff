import { ExcessiveComparisonsError } from './errors';

/**
 * The per-request comparison counter of flux-core's job-list. One budget spans every job a
 * request examines, so a request over a huge job list fails instead of stalling the service.
 */
export class ComparisonBudget {
  private count = 0;

  /** @param limit maximum comparisons for the request; 0 means unlimited, as in Flux's config. */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`comparison limit must be an integer >= 0, got ${limit}`);
  }

  /** Comparisons charged so far. */
  get used(): number {
    return this.count;
  }

  /**
   * Records `n` comparisons. Flux checks after each single increment; charging a batch at once
   * fails in exactly the same cases because the count only grows.
   */
  charge(n = 1): void {
    if (n <= 0) return;
    this.count += n;
    if (this.limit !== 0 && this.count > this.limit) throw new ExcessiveComparisonsError();
  }
}
