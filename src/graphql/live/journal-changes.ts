/**
 * jobChanges fed by the journal: for each event of the shared JournalFeed, the subscriber's
 * own view of the job, asked of Flux with the subscriber's credentials, so Flux decides both
 * what the user may see and what matches the filters; nothing of its policy is re-implemented:
 *
 * 1. job-list.list-id of the job, waiting (list-id's `state`) until job-list has applied the
 *    state the event entered, so the job is read after the change. Flux answers ENOENT for a job
 *    the user may not see (private mode): nothing is sent, and that job is not asked about for
 *    that user again (a job's owner never changes).
 * 2. With filters besides `ids`: job-list.list with the subscription's own filters and its
 *    constraint ANDed with the job's exact t_submit, which finds the job again if and only if
 *    it matches them.
 *
 * Subscribers sharing credentials share step 1 for each event; those sharing credentials and
 * filters share step 2. Each subscriber's changes go out in journal order.
 */
import { JobListFailure, JobListIdRPC, classifyFailure, toJobIdInput, type JobQuery, type JobRecord } from '../../joblist';
import { ALL_STATES_MASK, JobState } from '../../flux/constants';
import type { FluxHandle } from '../../flux/handle';
import type { Json, JsonObject } from '../../flux/json';
import { expectedErrorFor } from '../errors';
import type { JobChange } from './job-change';
import type { JournalListener, JournalNotice } from './journal-feed';
import type { LiveQueue } from './live-queue';

/** Slack for the since bound of `match`, against rounding of the timestamps Flux keeps. */
const SINCE_MARGIN_SECONDS = 1;

/** The mask of `state` (one state bit) and every state after it; every state when unknown. */
function stateOrLater(state: Json | undefined): number {
  if (typeof state !== 'number' || state <= 0 || (state & (state - 1)) !== 0) return ALL_STATES_MASK;
  return ALL_STATES_MASK & ~(state - 1);
}

/** Per credentials, the jobs Flux would not show: at most this many remembered. */
const MAX_HIDDEN_JOBS = 100_000;

/** What reads the jobs of one event for every subscriber, so that identical requests go out once. */
export class JournalReads {
  private readonly listIds = new WeakMap<JournalNotice, Map<string, Promise<JobRecord | null>>>();
  private readonly matches = new WeakMap<JournalNotice, Map<string, Promise<JobRecord | null>>>();
  private readonly hidden = new Map<string, Set<bigint>>();

  /** The job after the event as `credentials` may see it, or null when Flux shows them no such job. */
  job(notice: JournalNotice, credentials: string, handle: FluxHandle): Promise<JobRecord | null> {
    const hidden = this.hidden.get(credentials);
    if (hidden?.has(notice.id) === true) return Promise.resolve(null);
    return memo(this.listIds, notice, credentials, async () => {
      // list-id cannot wait for NEW: it answers once the job has left it.
      const waitFor = notice.enteredState === undefined || notice.enteredState === JobState.NEW ? 0 : notice.enteredState;
      const rpc = new JobListIdRPC(handle, toJobIdInput(notice.id), ['all'], waitFor);
      try {
        return await rpc.getJob();
      } catch (error) {
        if (classifyFailure(error) !== JobListFailure.NOT_FOUND) throw error;
        this.hide(credentials, notice.id);
        return null;
      }
    });
  }

  /**
   * The job if it matches `query` for `credentials` (whose filters `filters` names), else null.
   * Pinned to the job's exact t_submit; job-list is spared its other jobs by two bounds a job
   * read after this event cannot be outside: its state or a later one (states only move on), and
   * for the inactive list, since shortly before the event (a job that became inactive after it has
   * a later t_inactive, and one already inactive has the t_inactive it was read with).
   */
  match(notice: JournalNotice, record: JobRecord, filters: string, handle: FluxHandle, query: JobQuery): Promise<JobRecord | null> {
    return memo(this.matches, notice, filters, async () => {
      const submitted = String(record.t_submit);
      const pinned: JsonObject = {
        and: [{ t_submit: [`>=${submitted}`] }, { t_submit: [`<=${submitted}`] }, { states: [stateOrLater(record.state)] }],
      };
      const inactiveAt = typeof record.t_inactive === 'number' && record.t_inactive > 0 ? record.t_inactive : Infinity;
      const becameInactiveAfter = Math.min(notice.entry.timestamp, inactiveAt) - SINCE_MARGIN_SECONDS;
      const narrowed = becameInactiveAfter > 0 ? query.withSince(becameInactiveAfter) : query;
      const found = await narrowed.list(handle, pinned, 0, ['all']);
      return found.find((job) => job.id === notice.id) ?? null;
    });
  }

  private hide(credentials: string, id: bigint): void {
    let hidden = this.hidden.get(credentials);
    if (hidden === undefined) this.hidden.set(credentials, (hidden = new Set()));
    if (hidden.size >= MAX_HIDDEN_JOBS) hidden.clear();
    hidden.add(id);
  }
}

function memo(table: WeakMap<JournalNotice, Map<string, Promise<JobRecord | null>>>, notice: JournalNotice, key: string, read: () => Promise<JobRecord | null>): Promise<JobRecord | null> {
  let byKey = table.get(notice);
  if (byKey === undefined) table.set(notice, (byKey = new Map()));
  let pending = byKey.get(key);
  if (pending === undefined) {
    pending = read();
    byKey.set(key, pending);
  }
  return pending;
}

export interface JournalSubscription {
  /** Names the credentials `handle` carries (subscribers with the same one share list-id reads). */
  readonly credentials: string;
  readonly handle: FluxHandle;
  /** The filters besides ids, or null when there are none (every job the user may see matches). */
  readonly query: { readonly query: JobQuery; readonly fingerprint: string } | null;
  /** Only these jobs, when given. */
  readonly ids: ReadonlySet<bigint> | null;
  readonly queue: LiveQueue<JobChange>;
}

/**
 * A JournalListener that turns the feed's events into one subscriber's changes, in order. With
 * `ids`, the subscription completes once every one of those jobs is inactive, as the polling path
 * does: `settled(id)` says a job is already inactive, and each
 * job's `clean` (or other change into INACTIVE) settles it after that change is sent.
 */
export function journalListener(subscription: JournalSubscription, reads: JournalReads, maxPending: number): JournalListener & { settled(id: bigint): void } {
  const { queue, handle, credentials, ids, query } = subscription;
  const unsettled = ids === null ? null : new Set(ids);
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;

  const settle = (id: bigint): void => {
    if (unsettled === null || !unsettled.delete(id) || unsettled.size > 0) return;
    queue.end();
  };

  const changeFor = async (notice: JournalNotice): Promise<JobChange | null> => {
    let job = await reads.job(notice, credentials, handle);
    if (job === null) return null;
    if (query !== null) job = await reads.match(notice, job, `${credentials} ${query.fingerprint}`, handle, query.query);
    if (job === null) return null;
    return { event: notice.entry.name, timestamp: notice.entry.timestamp, job };
  };

  return {
    notice(notice) {
      if (queue.isEnded || (ids !== null && !ids.has(notice.id))) return;
      // A subscriber whose reads fall this far behind is as slow as one that does not read.
      if (pending + queue.unread >= maxPending) {
        queue.tooSlow();
        return;
      }
      pending++;
      const read = changeFor(notice);
      read.catch(() => undefined);
      tail = tail.then(async () => {
        pending--;
        if (queue.isEnded) return;
        try {
          const change = await read;
          if (change !== null) queue.push(change);
          if (notice.enteredState === JobState.INACTIVE) settle(notice.id);
        } catch (error) {
          queue.fail(error instanceof Error ? (expectedErrorFor(error) ?? error) : new Error(String(error)));
        }
      });
    },
    settled(id) {
      // After the changes already on their way, so that none is cut off.
      tail = tail.then(() => settle(id));
    },
    failed(error) {
      queue.fail(error instanceof Error ? (expectedErrorFor(error) ?? error) : new Error(String(error)));
    },
  };
}
