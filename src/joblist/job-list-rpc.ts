import { FLUX_USERID_UNKNOWN, JobState } from '../flux/constants';
import { FluxError } from '../flux/errors';
import type { FluxHandle } from '../flux/handle';
import type { Json, JsonObject } from '../flux/json';
import { JobListError } from './errors';
import { JobInfo, type JobInfoOptions } from './job-info';
import { describe, isJsonObject, toJobRecord, type JobRecord } from './job-record';
import { estimateReplyBytes } from './reply-size';

export const LIST_TOPIC = 'job-list.list';

/**
 * Largest estimated reply (bytes) still asked for as one non-streaming response: 1 MiB.
 * Streaming costs the broker one message per job (about 73 µs each on a measured 0.88 broker),
 * so one reply is faster at any size with few attributes; Flux streams big listings anyway so
 * that one huge message does not hold up other traffic. A budget in bytes rather than jobs
 * lets lists with few attributes go as one reply for far longer (about 23,000 jobs with
 * state,name, 1,950 with every attribute; see reply-size.ts for the estimate).
 */
export const DEFAULT_STREAM_THRESHOLD_BYTES = 1024 * 1024;

/** The uid of this process, which Flux's job_list() filters on by default. */
export function processUserId(): number {
  return typeof process.getuid === 'function' ? process.getuid() : FLUX_USERID_UNKNOWN;
}

export interface JobListRequest {
  /** Most jobs to return; 0 = no limit. Default 1000. */
  maxEntries?: number;
  /** job-list attributes to fetch. Default ["all"]. */
  attrs?: string[];
  /**
   * Only this user's jobs; FLUX_USERID_UNKNOWN for every user. Default: the uid of this
   * process, as in Flux's job_list() (JobList, by contrast, defaults to every user).
   */
  userid?: number;
  /** State bits, ORed with `results` when both are given. 0 = any. */
  states?: number;
  /** Result bits. 0 = any. */
  results?: number;
  /** Only inactive jobs that became inactive after this Unix time. Default 0.0. */
  since?: number;
  /** Only jobs with this name (ignored when empty). */
  name?: string | null;
  /** Only jobs in this queue or these queues (ignored when empty). */
  queue?: string | Iterable<string> | null;
  /** An RFC 31 constraint ANDed with the filters above. */
  constraint?: JsonObject | null;
  /**
   * Byte budget for one non-streaming reply: ask without the streaming flag when maxEntries >= 1
   * and maxEntries × the estimated bytes per job of `attrs` is at most this; stream otherwise
   * (always for maxEntries 0, no limit). 0 streams every list; Infinity streams only unlimited
   * ones. Default DEFAULT_STREAM_THRESHOLD_BYTES (1 MiB).
   */
  streamThresholdBytes?: number;
}

function integerOption(value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new JobListError('INVALID_ARGUMENT', `${what} must be a finite number, got ${String(value)}`);
  }
  // Python's int() truncates toward zero.
  return Math.trunc(value);
}

function queueList(queue: unknown): string[] | undefined {
  if (typeof queue === 'string') return queue === '' ? undefined : [queue];
  if (queue === undefined || queue === null || queue === false || queue === 0) return undefined;
  if (typeof queue === 'object' && Symbol.iterator in queue) {
    const list = Array.from(queue as Iterable<string>);
    return list.length === 0 ? undefined : list;
  }
  throw new JobListError('INVALID_ARGUMENT', 'queue parameter must be a string or iterable');
}

/**
 * The job-list.list payload Flux's job_list() builds: filters become an RFC 31 constraint
 * `{"and":[<constraint>?, userid?, name?, queue?, states/results?]}`, states and results ORed.
 */
export function jobListPayload(request: JobListRequest = {}): JsonObject {
  return listPlan(request).payload;
}

/** A job-list.list request with its defaults applied: the payload and the values it was built from. */
interface ListPlan {
  payload: JsonObject;
  maxEntries: number;
  attrs: string[];
}

function listPlan(request: JobListRequest): ListPlan {
  const maxEntries = integerOption(request.maxEntries ?? 1000, 'maxEntries');
  const since = request.since ?? 0.0;
  if (typeof since !== 'number' || !Number.isFinite(since)) {
    throw new JobListError('INVALID_ARGUMENT', `since must be a finite number, got ${String(since)}`);
  }
  const userid = request.userid ?? processUserId();
  const states = request.states ?? 0;
  const results = request.results ?? 0;

  const terms: Json[] = request.constraint !== undefined && request.constraint !== null ? [request.constraint] : [];
  if (userid !== FLUX_USERID_UNKNOWN) terms.push({ userid: [userid] });
  if (typeof request.name === 'string' && request.name !== '') terms.push({ name: [request.name] });
  const queues = queueList(request.queue);
  if (queues !== undefined) terms.push({ queue: queues });
  if (states && results) terms.push({ or: [{ states: [states] }, { results: [results] }] });
  else if (states) terms.push({ states: [states] });
  else if (results) terms.push({ results: [results] });

  const attrs = [...(request.attrs ?? ['all'])];
  return { payload: { max_entries: maxEntries, attrs, since, constraint: { and: terms } }, maxEntries, attrs };
}

/**
 * Whether a list of at most `maxEntries` jobs with `attrs` is read as a stream: when it has no
 * limit (0), or its estimated reply exceeds `thresholdBytes` (see DEFAULT_STREAM_THRESHOLD_BYTES).
 */
export function shouldStream(
  maxEntries: number,
  attrs: readonly string[],
  thresholdBytes: number = DEFAULT_STREAM_THRESHOLD_BYTES,
): boolean {
  return !(maxEntries >= 1 && estimateReplyBytes(maxEntries, attrs) <= thresholdBytes);
}

/** The streamThresholdBytes option checked: a number of bytes, 0 or more (Infinity allowed). */
export function streamThresholdOption(value: number | undefined): number {
  if (value === undefined) return DEFAULT_STREAM_THRESHOLD_BYTES;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new JobListError('INVALID_ARGUMENT', `streamThresholdBytes must be a number of bytes, 0 or more, got ${String(value)}`);
  }
  return value;
}

function jobsOf(response: Json | undefined): { jobs: Json[]; body: JsonObject } {
  if (!isJsonObject(response) || !Array.isArray(response.jobs)) {
    throw new FluxError('FLUX_PROTOCOL', `${LIST_TOPIC}: expected {"jobs":[...]}, got ${describe(response)}`);
  }
  return { jobs: response.jobs, body: response };
}

/**
 * A job-list.list request in flight (sent when constructed), like Flux's JobListRPC.
 *
 * Streaming requests are read the way Flux's client reads them: jobs from every response;
 * if the first response has no `version` (or version 0) the service is answering the old
 * one-response way and that response is all; otherwise read on to the ENODATA end of stream.
 * An error response at any point rejects getJobs() with the FluxRpcError.
 */
export class JobListRPC {
  private readonly result: Promise<JobRecord[]>;

  constructor(
    private readonly handle: FluxHandle,
    readonly payload: JsonObject,
    readonly streaming: boolean,
  ) {
    this.result = streaming ? this.readStream() : this.readSingle();
    // Rejections are delivered by getJobs(); until then they must not count as unhandled.
    this.result.catch(() => undefined);
  }

  /** Every job the service returned, in its order. */
  getJobs(): Promise<JobRecord[]> {
    return this.result;
  }

  /** The jobs as JobInfo objects. */
  async getJobInfos(options?: JobInfoOptions): Promise<JobInfo[]> {
    const records = await this.result;
    return records.map((record) => new JobInfo(record, options));
  }

  private async readSingle(): Promise<JobRecord[]> {
    const { jobs } = jobsOf(await this.handle.rpc(LIST_TOPIC, this.payload));
    return jobs.map((job) => toJobRecord(job, LIST_TOPIC));
  }

  private async readStream(): Promise<JobRecord[]> {
    const records: JobRecord[] = [];
    let first = true;
    for await (const response of this.handle.rpcStream(LIST_TOPIC, this.payload)) {
      const { jobs, body } = jobsOf(response);
      for (const job of jobs) records.push(toJobRecord(job, LIST_TOPIC));
      if (first) {
        const version = body.version;
        if (version === undefined || version === 0 || version === 0n || version === false) break;
        first = false;
      }
    }
    return records;
  }
}

/**
 * List jobs (Flux's job_list()). Defaults: 1000 jobs, all attributes, the current process's
 * jobs only (userid = process uid), any state, since 0.0.
 */
export function jobList(handle: FluxHandle, request: JobListRequest = {}): JobListRPC {
  const thresholdBytes = streamThresholdOption(request.streamThresholdBytes);
  const plan = listPlan(request);
  return new JobListRPC(handle, plan.payload, shouldStream(plan.maxEntries, plan.attrs, thresholdBytes));
}

export type JobListInactiveRequest = Pick<
  JobListRequest,
  'since' | 'maxEntries' | 'attrs' | 'name' | 'queue' | 'constraint' | 'streamThresholdBytes'
>;

/** Inactive jobs of every user (Flux's job_list_inactive()). */
export function jobListInactive(handle: FluxHandle, request: JobListInactiveRequest = {}): JobListRPC {
  return jobList(handle, { ...request, userid: FLUX_USERID_UNKNOWN, states: JobState.INACTIVE, results: 0 });
}
