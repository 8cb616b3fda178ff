import { FluxError, FluxRpcError } from '../flux/errors';
import type { FluxHandle } from '../flux/handle';
import type { Json, JsonObject } from '../flux/json';
import { JobIdError, MAX_JOBID, parseJobId } from '../flux/jobid';
import { JobListError } from './errors';
import { classifyFailure, JobListFailure } from './job-list-failure';
import type { JobLookupOutcome } from './job-lookup-outcome';
import { JobInfo, type JobInfoOptions } from './job-info';
import { describe, isJsonObject, toJobRecord, type JobRecord } from './job-record';

export const LIST_ID_TOPIC = 'job-list.list-id';

/** A job ID together with the text the user gave for it (for "JobID <input> unknown"). */
export interface JobIdInput {
  input: string;
  id: bigint;
}

/**
 * Reads a job ID in any form Flux accepts (F58, decimal, hex, dothex, kvs) or takes a bigint.
 * Throws JobListError INVALID_JOBID "<input> is not a valid Flux jobid".
 */
export function toJobIdInput(jobid: string | bigint): JobIdInput {
  if (typeof jobid === 'bigint') {
    const input = jobid.toString(10);
    if (jobid < 0n || jobid > MAX_JOBID) {
      throw new JobListError('INVALID_JOBID', `${input} is not a valid Flux jobid`);
    }
    return { input, id: jobid };
  }
  try {
    return { input: String(jobid), id: parseJobId(jobid) };
  } catch (err) {
    if (err instanceof JobIdError) {
      throw new JobListError('INVALID_JOBID', `${String(jobid)} is not a valid Flux jobid`, { cause: err });
    }
    throw err;
  }
}

function jobOf(response: Json | undefined): JobRecord {
  if (!isJsonObject(response) || !isJsonObject(response.job)) {
    throw new FluxError('FLUX_PROTOCOL', `${LIST_ID_TOPIC}: expected {"job":{...}}, got ${describe(response)}`);
  }
  return toJobRecord(response.job, LIST_ID_TOPIC);
}

/**
 * One job-list.list-id request in flight (sent when constructed), like Flux's JobListIdRPC.
 * It is always sent without the streaming flag: the service never ends a streamed list-id.
 */
export class JobListIdRPC {
  private readonly result: Promise<JobRecord>;

  constructor(
    handle: FluxHandle,
    /** The job asked for, with the caller's original text. */
    readonly jobid: JobIdInput,
    attrs: string[] = ['all'],
    /**
     * JobState bits: answer once the job has reached one of them (or is inactive), as job-list
     * does for `state`. Default 0: answer at once (once the job has left NEW).
     */
    waitForStates = 0,
  ) {
    const payload: JsonObject = { id: jobid.id, attrs: [...attrs] };
    if (waitForStates !== 0) payload['state'] = waitForStates;
    // An async call sends at once and turns a synchronous throw from the handle into a rejection.
    this.result = (async () => jobOf(await handle.rpc(LIST_ID_TOPIC, payload)))();
    this.result.catch(() => undefined);
  }

  /** The job object; rejects with FluxRpcError (errno ENOENT for an unknown job). */
  getJob(): Promise<JobRecord> {
    return this.result;
  }

  async getJobInfo(options?: JobInfoOptions): Promise<JobInfo> {
    return new JobInfo(await this.result, options);
  }
}

/** Look up one job (Flux's job_list_id()). */
export function jobListId(handle: FluxHandle, jobid: string | bigint, attrs: string[] = ['all']): JobListIdRPC {
  return new JobListIdRPC(handle, toJobIdInput(jobid), attrs);
}

function isUnknownJob(err: unknown): boolean {
  return classifyFailure(err) === JobListFailure.NOT_FOUND;
}

/**
 * Everything Flux knows about one job as Flux's get_job() gives it: JobInfo.to_dict(false)
 * of all attributes, or null when the service does not know the job (ENOENT).
 */
export async function getJob(
  handle: FluxHandle,
  jobid: string | bigint,
  options?: JobInfoOptions,
): Promise<Record<string, unknown> | null> {
  try {
    const info = await jobListId(handle, jobid, ['all']).getJobInfo(options);
    return info.toDict(false);
  } catch (err) {
    if (isUnknownJob(err)) return null;
    throw err;
  }
}

/** A settled list-id RPC as an outcome: ENOENT is "not found", every other failure stays an Error. */
function outcomeOf(jobid: JobIdInput, settled: PromiseSettledResult<JobRecord>): JobLookupOutcome {
  if (settled.status === 'fulfilled') return { kind: 'found', jobid, record: settled.value };
  const error: unknown = settled.reason;
  if (error instanceof FluxRpcError && isUnknownJob(error)) return { kind: 'notFound', jobid, error };
  return { kind: 'failed', jobid, error: error instanceof Error ? error : new Error(String(error)) };
}

/**
 * Several list-id requests, all in flight at once (Flux's JobListIdsFuture). getOutcomes()
 * gives one outcome per ID, in request order, so that one failed ID fails nothing else.
 *
 * getJobs() is Flux's own interface on top of it: the jobs found in request order, and one
 * message per failed ID in `errors` ("JobID <input> unknown" for ENOENT, "rpc: <error text>"
 * for any other error response), with failures that are not error responses (a lost
 * connection, a timeout, a malformed reply) rejecting getJobs(), as in Flux. The messages are
 * for people; code that needs to know what happened reads the outcomes.
 */
export class JobListIdsFuture {
  private readonly rpcs: JobListIdRPC[];
  private settled: Promise<JobLookupOutcome[]> | undefined;
  private collected: Promise<JobRecord[]> | undefined;
  private readonly messages: string[] = [];

  constructor(handle: FluxHandle, ids: JobIdInput[], attrs: string[] = ['all']) {
    this.rpcs = ids.map((jobid) => new JobListIdRPC(handle, jobid, attrs));
  }

  /** One outcome per ID, in request order; never rejects. */
  getOutcomes(): Promise<JobLookupOutcome[]> {
    this.settled ??= Promise.allSettled(this.rpcs.map((rpc) => rpc.getJob())).then((results) =>
      results.map((result, index) => outcomeOf((this.rpcs[index] as JobListIdRPC).jobid, result)),
    );
    return this.settled;
  }

  /** Messages for the IDs that failed, in request order (filled once getJobs() resolves). */
  get errors(): string[] {
    return this.messages;
  }

  getJobs(): Promise<JobRecord[]> {
    this.collected ??= this.collect();
    return this.collected;
  }

  async getJobInfos(options?: JobInfoOptions): Promise<JobInfo[]> {
    const records = await this.getJobs();
    return records.map((record) => new JobInfo(record, options));
  }

  private async collect(): Promise<JobRecord[]> {
    const jobs: JobRecord[] = [];
    for (const outcome of await this.getOutcomes()) {
      if (outcome.kind === 'found') jobs.push(outcome.record);
      else if (outcome.kind === 'notFound') this.messages.push(`JobID ${outcome.jobid.input} unknown`);
      else if (outcome.error instanceof FluxRpcError) this.messages.push(`rpc: ${outcome.error.text}`);
      else throw outcome.error;
    }
    return jobs;
  }
}
