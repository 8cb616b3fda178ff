import { FLUX_USERID_UNKNOWN, JobResult, JobState, StateMask } from '../flux/constants';
import type { FluxHandle } from '../flux/handle';
import type { JsonObject } from '../flux/json';
import { JobListError } from './errors';
import { JobInfo, type JobInfoOptions } from './job-info';
import { JobListIdsFuture, toJobIdInput, type JobIdInput } from './job-list-id';
import { jobList, JobListRPC, jobListPayload, streamThresholdOption, type JobListRequest } from './job-list-rpc';
import type { JobRecord } from './job-record';
import { systemUserDatabase, type UserDatabase } from './user-database';

export interface JobListOptions {
  /** job-list attributes to fetch. Default ["all"]. */
  attrs?: string[];
  /** State and result names ("running", "completed", ...), each may be a comma-separated list. */
  filters?: string[];
  /** Fetch exactly these jobs (any Flux ID form); every other filter is then ignored. */
  ids?: Array<string | bigint>;
  /**
   * A user name, a uid (number or decimal text, "+1000" too) or "all". Default: every user
   * (null and undefined both mean that). Flux's Python JobList defaults to the current user
   * instead; pass process.getuid() for that.
   */
  user?: string | number | null;
  /** Most jobs to return; 0 = no limit. Default 1000. */
  maxEntries?: number;
  /** Only inactive jobs that became inactive after this Unix time. Default 0.0. */
  since?: number;
  /** Only jobs with this name. */
  name?: string | null;
  /** Only jobs in this queue or these queues. */
  queue?: string | Iterable<string> | null;
  /** An RFC 31 constraint ANDed with the other filters. */
  constraint?: JsonObject | null;
  /**
   * Byte budget for one non-streaming response: a list whose estimated size (maxEntries × bytes
   * per job of `attrs`) is at most this comes in one reply, larger and unlimited ones stream.
   * Default DEFAULT_STREAM_THRESHOLD_BYTES (1 MiB); 0 streams every list.
   */
  streamThresholdBytes?: number;
  /** Clock, user names and time zone for the JobInfo objects jobs() returns. */
  jobInfo?: JobInfoOptions;
  /** Where user names are looked up (default: the system's password database). */
  userDatabase?: UserDatabase;
}

/** Python's int() of a string: blanks around, an optional sign, digits with single underscores. */
function parseUidText(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^[+-]?\d(?:_?\d)*$/.test(trimmed)) return undefined;
  const value = Number(trimmed.replace(/_/g, ''));
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * A friendly job query (Flux's JobList): filters by state/result names, user, name, queue,
 * since and constraint, or a list of IDs.
 */
export class JobList {
  /** Filter names that select states (virtual states included). */
  static readonly STATES: Readonly<Record<string, number>> = Object.freeze({
    depend: JobState.DEPEND,
    priority: JobState.PRIORITY,
    sched: JobState.SCHED,
    run: JobState.RUN,
    cleanup: JobState.CLEANUP,
    inactive: JobState.INACTIVE,
    pending: StateMask.PENDING,
    running: StateMask.RUNNING,
    active: StateMask.ACTIVE,
  });

  /** Filter names that select results. */
  static readonly RESULTS: Readonly<Record<string, number>> = Object.freeze({
    completed: JobResult.COMPLETED,
    failed: JobResult.FAILED,
    canceled: JobResult.CANCELED,
    timeout: JobResult.TIMEOUT,
  });

  readonly attrs: string[];
  /** State bits selected by the filters so far (0 = any). */
  states = 0;
  /** Result bits selected by the filters so far (0 = any). */
  results = 0;
  /** The uid jobs are limited to; FLUX_USERID_UNKNOWN for every user. */
  userid: number = FLUX_USERID_UNKNOWN;
  readonly maxEntries: number;
  readonly since: number;
  readonly name: string | null | undefined;
  readonly queue: string | Iterable<string> | null | undefined;
  readonly constraint: JsonObject | null | undefined;
  readonly ids: JobIdInput[] | undefined;
  readonly streamThresholdBytes: number;
  private lastErrors: string[] = [];
  private readonly jobInfoOptions: JobInfoOptions | undefined;
  private readonly userDatabase: UserDatabase | undefined;

  /**
   * Throws JobListError: INVALID_ARGUMENT for a streamThresholdBytes that is no byte count,
   * then INVALID_JOBID for a bad ID, INVALID_FILTER for an unknown filter name, INVALID_USER
   * for an unknown user (these three checked in that order, as Flux does).
   */
  constructor(
    private readonly handle: FluxHandle,
    options: JobListOptions = {},
  ) {
    this.attrs = [...(options.attrs ?? ['all'])];
    this.maxEntries = options.maxEntries ?? 1000;
    this.since = options.since ?? 0.0;
    this.name = options.name;
    this.queue = options.queue;
    this.streamThresholdBytes = streamThresholdOption(options.streamThresholdBytes);
    this.jobInfoOptions = options.jobInfo;
    this.userDatabase = options.userDatabase;
    const ids = options.ids ?? [];
    this.ids = ids.length > 0 ? ids.map(toJobIdInput) : undefined;
    for (const filter of options.filters ?? []) {
      for (const piece of String(filter).split(',')) this.addFilter(piece);
    }
    this.setUser(options.user);
    this.constraint = options.constraint;
  }

  /** Messages for IDs that could not be fetched by the last jobs()/records() call. */
  get errors(): string[] {
    return this.lastErrors;
  }

  /**
   * Limit the query to one user: a name from the password database, a uid (number or text),
   * or "all". null/undefined mean every user (Flux's set_user(None) means the current user).
   * Throws JobListError INVALID_USER "Invalid user <user> specified".
   */
  setUser(user?: string | number | null): void {
    if (user === undefined || user === null || user === 'all') {
      this.userid = FLUX_USERID_UNKNOWN;
      return;
    }
    if (typeof user === 'number') {
      if (!Number.isSafeInteger(user)) throw new JobListError('INVALID_USER', `Invalid user ${user} specified`);
      this.userid = user;
      return;
    }
    const text = String(user);
    const uid = (this.userDatabase ?? systemUserDatabase()).uidOf(text) ?? parseUidText(text);
    if (uid === undefined) throw new JobListError('INVALID_USER', `Invalid user ${text} specified`);
    this.userid = uid;
  }

  /**
   * Add a state or result name (case-insensitive) to the query; states are ORed together,
   * results too, and the two groups are ORed with each other.
   * Throws JobListError INVALID_FILTER "Invalid filter specified: <name>".
   */
  addFilter(name: string): void {
    const key = String(name).toLowerCase();
    if (Object.prototype.hasOwnProperty.call(JobList.STATES, key)) {
      this.states |= JobList.STATES[key] ?? 0;
    } else if (Object.prototype.hasOwnProperty.call(JobList.RESULTS, key)) {
      this.results |= JobList.RESULTS[key] ?? 0;
    } else {
      throw new JobListError('INVALID_FILTER', `Invalid filter specified: ${key}`);
    }
  }

  /** The job-list.list request this query makes (when it is not an ID lookup). */
  private listRequest(): JobListRequest {
    return {
      maxEntries: this.maxEntries,
      attrs: this.attrs,
      userid: this.userid,
      states: this.states,
      results: this.results,
      since: this.since,
      name: this.name,
      queue: this.queue,
      constraint: this.constraint,
    };
  }

  /** The job-list.list payload this query sends (when it is not an ID lookup). */
  payload(): JsonObject {
    return jobListPayload(this.listRequest());
  }

  /** Send the query: one list-id request per ID when `ids` was given, else one job-list.list. */
  fetchJobs(): JobListRPC | JobListIdsFuture {
    if (this.ids !== undefined) return new JobListIdsFuture(this.handle, this.ids, this.attrs);
    return jobList(this.handle, { ...this.listRequest(), streamThresholdBytes: this.streamThresholdBytes });
  }

  /** The raw job records, without JobInfo; `errors` is updated for an ID lookup. */
  async records(): Promise<JobRecord[]> {
    const rpc = this.fetchJobs();
    if (rpc instanceof JobListIdsFuture) {
      try {
        return await rpc.getJobs();
      } finally {
        this.lastErrors = rpc.errors;
      }
    }
    return rpc.getJobs();
  }

  /** The jobs as JobInfo objects (Flux's JobList.jobs()). */
  async jobs(): Promise<JobInfo[]> {
    const records = await this.records();
    return records.map((record) => new JobInfo(record, this.jobInfoOptions));
  }
}
