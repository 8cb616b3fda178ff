/**
 * One validated job-list query: the filters parsed, the user resolved and the arguments
 * checked once (by JobList's own rules, so errors are JobList's), then reused unchanged by
 * every page fetch, retry and count of a request (through its pager), and by the cursor fingerprint.
 */
import { JobState, StateMask } from '../flux/constants';
import type { FluxHandle } from '../flux/handle';
import type { Json, JsonObject } from '../flux/json';
import { constraintDepthProblem } from './constraint-depth';
import { JobListError } from './errors';
import { JobList } from './job-list';
import { JobListRPC, jobListPayload, shouldStream } from './job-list-rpc';
import type { JobSource } from './job-pager';
import type { JobRecord } from './job-record';
import type { UserDatabase } from './user-database';

/** The filter part of JobList's options, as a query is asked for. */
export interface JobQueryOptions {
  filters: readonly string[];
  user: string;
  since: number;
  name: string | null;
  queue: readonly string[] | null;
  constraint: JsonObject | null;
  userDatabase?: UserDatabase;
}

function withExtra(constraint: JsonObject | null, extra: JsonObject | undefined): JsonObject | null {
  if (extra === undefined) return constraint;
  if (constraint === null) return extra;
  return { and: [constraint, extra] };
}

export class JobQuery {
  private constructor(
    private readonly options: Readonly<JobQueryOptions>,
    /** What JobList resolved: the uid and the state and result bits of the filters. */
    private readonly userid: number,
    private readonly states: number,
    private readonly results: number,
    /** Budget for one non-streaming reply, as JobList defaults it. */
    private readonly streamThresholdBytes: number,
  ) {}

  /** Throws JobListError as JobList does (INVALID_FILTER, INVALID_USER, ...), and INVALID_CONSTRAINT for one nested deeper than Flux decodes. */
  static parse(handle: FluxHandle, options: JobQueryOptions): JobQuery {
    const tooDeep = options.constraint === null ? undefined : constraintDepthProblem(options.constraint);
    if (tooDeep !== undefined) throw new JobListError('INVALID_CONSTRAINT', tooDeep);
    const checked = new JobList(handle, { ...options, filters: [...options.filters], queue: options.queue, attrs: [] });
    const frozen = Object.freeze({ ...options, filters: [...options.filters], queue: options.queue === null ? null : [...options.queue] });
    return new JobQuery(frozen, checked.userid, checked.states, checked.results, checked.streamThresholdBytes);
  }

  /**
   * The same query, its inactive jobs further limited to those that became inactive after
   * `since` (strictly, as Flux's since): the query's own since stays the lower bound, so the
   * query never lists an inactive job it would not have listed. Active jobs are unaffected.
   */
  withSince(since: number): JobQuery {
    if (typeof since !== 'number' || !Number.isFinite(since) || since < 0) {
      throw new JobListError('INVALID_ARGUMENT', `since must be a time in seconds >= 0, got ${String(since)}`);
    }
    if (since <= this.options.since) return this;
    const options = Object.freeze({ ...this.options, since });
    return new JobQuery(options, this.userid, this.states, this.results, this.streamThresholdBytes);
  }

  /** A stable text of the query (and of the `ids` of jobs(ids:)), for cursor fingerprints. */
  fingerprintText(ids?: readonly bigint[]): string {
    const { filters, user, since, name, queue, constraint } = this.options;
    return JSON.stringify([
      [...filters].sort(),
      user,
      since,
      name,
      queue,
      constraint as Json | null,
      ids?.map((id) => id.toString()) ?? null,
    ]);
  }

  /** Lists the query's jobs, narrowed by `extra` (0 = no limit), in Flux's order. */
  list(handle: FluxHandle, extra: JsonObject | undefined, maxEntries: number, attrs: readonly string[]): Promise<JobRecord[]> {
    const payload = jobListPayload({
      maxEntries,
      attrs: [...attrs],
      userid: this.userid,
      states: this.states,
      results: this.results,
      since: this.options.since,
      name: this.options.name,
      queue: this.options.queue,
      constraint: withExtra(this.options.constraint, extra),
    });
    const streaming = shouldStream(maxEntries, [...attrs], this.streamThresholdBytes);
    return new JobListRPC(handle, payload, streaming).getJobs();
  }

  /** Every active job (pending and running) of the query, in Flux's order. */
  listActive(handle: FluxHandle, attrs: readonly string[]): Promise<JobRecord[]> {
    return this.list(handle, { states: [StateMask.ACTIVE] }, 0, attrs);
  }

  /**
   * The inactive job of the query that became inactive last, or undefined when none: job-list
   * lists inactive jobs latest t_inactive first, so it is the first one and the only one asked for.
   */
  async newestInactive(handle: FluxHandle, attrs: readonly string[]): Promise<JobRecord | undefined> {
    const [newest] = await this.list(handle, { states: [JobState.INACTIVE] }, 1, attrs);
    return newest;
  }

  /** The query as a pager's source of jobs. */
  sourceOn(handle: FluxHandle): JobSource {
    return { list: (extra, maxEntries, attrs) => this.list(handle, extra, maxEntries, attrs) };
  }
}
