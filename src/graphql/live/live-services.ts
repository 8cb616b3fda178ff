/**
 * What the subscriptions of one server share across requests: the bound on each subscriber's
 * unread events, the job-stats poller, and the feed of job changes. Made once per app; a
 * request's context points at it.
 */
import type { StatsShape } from '../types/job-stats';
import { DEFAULT_SUBSCRIBER_BUFFER } from './live-queue';
import { StatsTicker } from './stats-ticker';

export interface LiveOptions {
  /** Most events one subscriber may leave unread before it is ended with SUBSCRIBER_TOO_SLOW (default 1000). */
  subscriberBuffer?: number;
  /** The clock pacing jobStats (tests may pass their own). */
  now?: () => number;
}

export class LiveServices {
  readonly subscriberBuffer: number;
  readonly stats: StatsTicker<StatsShape>;

  constructor(options: LiveOptions = {}) {
    this.subscriberBuffer = options.subscriberBuffer ?? DEFAULT_SUBSCRIBER_BUFFER;
    if (!Number.isSafeInteger(this.subscriberBuffer) || this.subscriberBuffer < 1) {
      throw new RangeError(`subscriberBuffer must be a positive integer (got ${this.subscriberBuffer})`);
    }
    this.stats = new StatsTicker<StatsShape>(options.now);
  }
}
