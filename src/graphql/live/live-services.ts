/**
 * What the subscriptions of one server share across requests: the bound on each subscriber's
 * unread events, the job-stats poller, and the feed of job changes. Made once per app; a
 * request's context points at it.
 */
import type { FluxHandle } from '../../flux/handle';
import type { StatsShape } from '../types/job-stats';
import { JournalFeed } from './journal-feed';
import { JournalReads } from './journal-changes';
import { DEFAULT_SUBSCRIBER_BUFFER } from './live-queue';
import { StatsTicker } from './stats-ticker';

export interface LiveOptions {
  /**
   * The server's own connection (its credentials, no request deadline): what the shared
   * job-manager journal is read through. Without it jobChanges always polls.
   */
  serverHandle?: FluxHandle;
  /** Most events one subscriber may leave unread before it is ended with SUBSCRIBER_TOO_SLOW (default 1000). */
  subscriberBuffer?: number;
  /** The clock pacing jobStats (tests may pass their own). */
  now?: () => number;
}

export class LiveServices {
  readonly subscriberBuffer: number;
  readonly stats: StatsTicker<StatsShape>;
  /** The journal shared by every jobChanges subscriber (undefined: no server handle, so polling). */
  readonly journal: JournalFeed | undefined;
  readonly journalReads = new JournalReads();

  constructor(options: LiveOptions = {}) {
    this.subscriberBuffer = options.subscriberBuffer ?? DEFAULT_SUBSCRIBER_BUFFER;
    if (!Number.isSafeInteger(this.subscriberBuffer) || this.subscriberBuffer < 1) {
      throw new RangeError(`subscriberBuffer must be a positive integer (got ${this.subscriberBuffer})`);
    }
    this.stats = new StatsTicker<StatsShape>(options.now);
    this.journal = options.serverHandle === undefined ? undefined : new JournalFeed(options.serverHandle);
  }
}
