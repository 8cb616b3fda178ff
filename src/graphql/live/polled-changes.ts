/**
 * Subscription.jobChanges where the job-manager's events journal is closed to this server (it
 * answers only the instance owner): job-list is asked every interval, with the subscriber's
 * credentials, for the jobs the subscription is about, and each job whose record differs from
 * the previous poll's is sent once, named after the last change its records reveal
 * (src/joblist/record-change.ts).
 *
 * The first poll only sets the baseline, as the journal sends only what happens after the
 * subscription starts: it lists the active jobs and, of the inactive ones, only the newest (its
 * t_inactive is where later polls start). Each later poll lists the active jobs and the inactive
 * ones since the newest t_inactive seen, less a margin for jobs job-list records out of order
 * (Flux's since is strict); those within the margin are told apart by ID. What is remembered is
 * the active jobs that matched at the last poll, and the inactive ones within the margin.
 */
import { JobState } from '../../flux/constants';
import type { FluxHandle } from '../../flux/handle';
import { JobListIdsFuture, recordChange, type JobIdInput, type JobQuery, type JobRecord } from '../../joblist';
import { expectedErrorFor } from '../errors';
import type { JobChange } from './job-change';
import type { LiveQueue } from './live-queue';

/** How far before the newest t_inactive seen later polls list inactive jobs from, by default. */
export const DEFAULT_INACTIVE_MARGIN_SECONDS = 5;

/** The timers polls are paced by (tests pass their own). */
export interface PollTimers {
  set(callback: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}

const NODE_TIMERS: PollTimers = {
  set(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer;
  },
  clear(timer) {
    clearTimeout(timer as ReturnType<typeof setTimeout>);
  },
};

export interface JobChangePollOptions {
  /** Time from the end of one poll to the start of the next, in ms (> 0). */
  intervalMs: number;
  /** The clock of the poll time, in Unix seconds: the timestamp of changes whose time the record does not keep. */
  now?: () => number;
  timers?: PollTimers;
  /** How far before the newest t_inactive seen to list inactive jobs from, in seconds (default 5). */
  inactiveMarginSeconds?: number;
}

/** Every attribute: a change is sent with the whole job, whatever Job fields the client selected. */
const ALL_ATTRS = ['all'];

/** Where each poll's records come from. */
interface PollSource {
  /** The records of the first poll, which only set the baseline. */
  baseline(): Promise<readonly JobRecord[]>;
  /** The records of a later poll; `known` tells the jobs the previous poll saw active. */
  next(known: (id: bigint) => boolean): Promise<readonly JobRecord[]>;
  /** True when nothing the source lists can change any more. */
  readonly exhausted: boolean;
}

function inactiveAt(record: JobRecord): number | undefined {
  if (record.state !== JobState.INACTIVE) return undefined;
  const at = record.t_inactive;
  return typeof at === 'number' && Number.isFinite(at) ? at : undefined;
}

/** The jobs of a query: job-list.list with its filters, inactive jobs from the newest t_inactive seen. */
class QuerySource implements PollSource {
  /** The newest t_inactive seen: later polls list inactive jobs from it, less the margin. */
  private newest: number | undefined;
  /** The newest t_inactive at the baseline: an inactive job not seen before and no newer ended before the subscription. */
  private baselineNewest: number | undefined;
  /** Inactive jobs already handled, by t_inactive, while later polls still list them. */
  private readonly handled = new Map<bigint, number>();
  readonly exhausted = false;

  constructor(
    private readonly handle: FluxHandle,
    private readonly query: JobQuery,
    private readonly marginSeconds: number,
  ) {}

  async baseline(): Promise<readonly JobRecord[]> {
    // Asked first, so that a job ending between the two answers is active in the second and a change later.
    const newest = this.query.newestInactive(this.handle, ALL_ATTRS);
    const active = this.query.listActive(this.handle, ALL_ATTRS);
    const [newestRecord, activeRecords] = await Promise.all([newest, active]);
    this.baselineNewest = newestRecord === undefined ? undefined : inactiveAt(newestRecord);
    this.newest = this.baselineNewest;
    return activeRecords;
  }

  async next(known: (id: bigint) => boolean): Promise<readonly JobRecord[]> {
    const query = this.newest === undefined ? this.query : this.query.withSince(this.floor(this.newest));
    const records = await query.list(this.handle, undefined, 0, ALL_ATTRS);
    const fresh = records.filter((record) => {
      const at = inactiveAt(record);
      if (at === undefined) return true;
      if (this.handled.has(record.id)) return false;
      this.handled.set(record.id, at);
      this.newest = this.newest === undefined ? at : Math.max(this.newest, at);
      return known(record.id) || this.baselineNewest === undefined || at > this.baselineNewest;
    });
    if (this.newest !== undefined) {
      const floor = this.floor(this.newest);
      for (const [id, at] of this.handled) if (at <= floor) this.handled.delete(id);
    }
    return fresh;
  }

  private floor(newest: number): number {
    return Math.max(0, newest - this.marginSeconds);
  }
}

/** Given jobs, as jobs(ids:) looks them up: list-id each, until it is inactive. */
class IdSource implements PollSource {
  private remaining: JobIdInput[];

  constructor(
    private readonly handle: FluxHandle,
    ids: readonly bigint[],
  ) {
    this.remaining = [...new Set(ids)].map((id) => ({ input: id.toString(), id }));
  }

  get exhausted(): boolean {
    return this.remaining.length === 0;
  }

  baseline(): Promise<readonly JobRecord[]> {
    return this.lookUp();
  }

  next(): Promise<readonly JobRecord[]> {
    return this.lookUp();
  }

  private async lookUp(): Promise<readonly JobRecord[]> {
    const outcomes = await new JobListIdsFuture(this.handle, this.remaining, ALL_ATTRS).getOutcomes();
    const records: JobRecord[] = [];
    // An unknown ID (or, in private mode, someone else's job) is not there: it may be later.
    for (const outcome of outcomes) {
      if (outcome.kind === 'failed') throw outcome.error;
      if (outcome.kind === 'found') records.push(outcome.record);
    }
    const ended = new Set(records.filter((record) => record.state === JobState.INACTIVE).map((record) => record.id));
    this.remaining = this.remaining.filter((jobid) => !ended.has(jobid.id));
    return records;
  }
}

function byTimeThenId(a: JobChange, b: JobChange): number {
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  return a.job.id < b.job.id ? -1 : a.job.id > b.job.id ? 1 : 0;
}

class JobChangePoller {
  /** The active jobs the last poll saw, as it saw them. */
  private readonly seen = new Map<bigint, JobRecord>();
  private timer: unknown = undefined;
  private stopped = false;

  constructor(
    private readonly source: PollSource,
    private readonly queue: LiveQueue<JobChange>,
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly timers: PollTimers,
  ) {}

  start(): void {
    this.queue.onClose(() => this.stop());
    if (!this.stopped) void this.poll(true);
  }

  private stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  private async poll(first: boolean): Promise<void> {
    if (this.stopped) return;
    const readAt = this.now();
    let records: readonly JobRecord[];
    try {
      records = first ? await this.source.baseline() : await this.source.next((id) => this.seen.has(id));
    } catch (error) {
      if (!this.stopped) this.queue.fail(expectedErrorFor(error) ?? (error instanceof Error ? error : new Error(String(error))));
      this.stop();
      return;
    }
    if (this.stopped) return;
    const changes = this.observe(records, readAt, first);
    for (const change of changes) this.queue.push(change);
    if (this.source.exhausted) {
      this.queue.end();
      return;
    }
    if (this.stopped) return;
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      void this.poll(false);
    }, this.intervalMs);
  }

  /** Remembers what this poll saw and returns the changes since the last one (none at the baseline). */
  private observe(records: readonly JobRecord[], readAt: number, first: boolean): JobChange[] {
    const changes: JobChange[] = [];
    const present = new Set<bigint>();
    for (const record of records) {
      present.add(record.id);
      if (!first) {
        const change = recordChange(this.seen.get(record.id), record, readAt);
        if (change !== undefined) changes.push({ event: change.event, timestamp: change.timestamp, job: record });
      }
      if (record.state === JobState.INACTIVE) this.seen.delete(record.id);
      else this.seen.set(record.id, record);
    }
    // A job that no longer matches is forgotten; should it match again, it is new again.
    for (const id of [...this.seen.keys()]) if (!present.has(id)) this.seen.delete(id);
    return changes.sort(byTimeThenId);
  }
}

/**
 * Sends `queue` the changes of the jobs of `query` (or, when `ids` has any, of just those jobs,
 * the query's filters then ignored as jobs(ids:) ignores them) as `handle`'s credentials see
 * them, polling job-list every `intervalMs` until the queue closes. A failed poll ends the queue
 * with its coded error; a queue of given jobs ends once they are all inactive.
 */
export function pollJobChanges(
  handle: FluxHandle,
  query: JobQuery,
  ids: readonly bigint[] | null,
  queue: LiveQueue<JobChange>,
  options: JobChangePollOptions,
): void {
  const { intervalMs } = options;
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new RangeError(`intervalMs must be a number of milliseconds > 0 (got ${String(intervalMs)})`);
  }
  const margin = options.inactiveMarginSeconds ?? DEFAULT_INACTIVE_MARGIN_SECONDS;
  if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0) {
    throw new RangeError(`inactiveMarginSeconds must be a number of seconds >= 0 (got ${String(margin)})`);
  }
  const source: PollSource = ids !== null && ids.length > 0 ? new IdSource(handle, ids) : new QuerySource(handle, query, margin);
  const now = options.now ?? (() => Date.now() / 1000);
  new JobChangePoller(source, queue, intervalMs, now, options.timers ?? NODE_TIMERS).start();
}
