/**
 * job-info.lookup: the values of some keys of one job's KVS directory (`job.<dothex>.<key>`),
 * in one request and one response. Values are the stored strings, except that with
 * JSON_DECODE jobspec and R come back as objects, and with CURRENT jobspec and R have the
 * eventlog's jobspec-update / resource-update events applied (what `flux job info` shows).
 * One absent key fails the whole request; see job-keys.ts for a lookup that goes on without it.
 */
import { FluxError } from '../flux/errors';
import type { FluxHandle } from '../flux/handle';
import { JobInfoTopic, LookupFlag } from '../flux/job-info-protocol';
import { parseJson, type Json, type JsonObject } from '../flux/json';
import { MAX_JOBID } from '../flux/jobid';

/** The keys this port knows how to read; any other key path may be asked for too. */
export const JobInfoKey = {
  /** The main eventlog (RFC 21), a string. */
  EVENTLOG: 'eventlog',
  /** The redacted jobspec (no environment). */
  JOBSPEC: 'jobspec',
  /** The resource set, once allocated. */
  R: 'R',
  /** The job shell's and job-exec's eventlog, once the job started. */
  EXEC_EVENTLOG: 'guest.exec.eventlog',
  /** The output eventlog (RFC 24), once the job started. */
  OUTPUT: 'guest.output',
  /** The input eventlog (RFC 24). */
  INPUT: 'guest.input',
} as const;

/** The keys JSON_DECODE turns into objects (everything else stays a string). */
const DECODED_KEYS: ReadonlySet<string> = new Set([JobInfoKey.JOBSPEC, JobInfoKey.R]);

const VALID_FLAGS = LookupFlag.JSON_DECODE | LookupFlag.CURRENT;

export interface LookupRequest {
  readonly id: bigint;
  readonly keys: readonly string[];
  readonly flags: number;
}

/** The request payload, checked as job-info would check it (so that Flux never has to refuse it). */
export function lookupPayload(request: LookupRequest): JsonObject {
  const { id, keys, flags } = request;
  if (id < 0n || id > MAX_JOBID) throw new RangeError(`job-info.lookup: id ${id} is not a 64-bit job ID`);
  if (!Number.isInteger(flags) || (flags & ~VALID_FLAGS) !== 0) throw new RangeError(`job-info.lookup: flags ${flags} is not a combination of JSON_DECODE and CURRENT`);
  if (!keys.every((key) => typeof key === 'string' && key.length > 0)) throw new RangeError('job-info.lookup: every key must be a non-empty string');
  return { id, keys: [...keys], flags };
}

function kindOf(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function protocolError(detail: string): FluxError {
  return new FluxError('FLUX_PROTOCOL', `${JobInfoTopic.LOOKUP}: ${detail}`);
}

/** The values of one answered lookup, each of the type its key and the flags promise. */
export class JobInfoAnswer {
  private constructor(
    readonly id: bigint,
    private readonly values: ReadonlyMap<string, string | JsonObject>,
  ) {}

  /**
   * Checks a response against its request: an object with the job's id and every key asked
   * for, eventlogs and other keys as strings, jobspec and R as objects when JSON_DECODE was
   * asked for. Throws FLUX_PROTOCOL otherwise.
   */
  static fromResponse(response: Json | undefined, request: LookupRequest): JobInfoAnswer {
    if (typeof response !== 'object' || response === null || Array.isArray(response)) throw protocolError(`expected a response object, got ${kindOf(response)}`);
    const id = response['id'];
    if ((typeof id !== 'number' && typeof id !== 'bigint') || BigInt(id) !== request.id) {
      throw protocolError(`expected the response for job ${request.id}, got id ${typeof id === 'bigint' || typeof id === 'number' ? String(id) : kindOf(id)}`);
    }
    const decoded = (request.flags & LookupFlag.JSON_DECODE) !== 0;
    const values = new Map<string, string | JsonObject>();
    for (const key of request.keys) {
      const value = response[key];
      const object = decoded && DECODED_KEYS.has(key);
      const fits = object ? typeof value === 'object' && value !== null && !Array.isArray(value) : typeof value === 'string';
      if (!fits) throw protocolError(`${key} of job ${request.id}: expected ${object ? 'an object' : 'a string'}, got ${kindOf(value)}`);
      values.set(key, value as string | JsonObject);
    }
    return new JobInfoAnswer(request.id, values);
  }

  /** The keys answered, in request order. */
  get keys(): string[] {
    return [...this.values.keys()];
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  /** A string value (an eventlog, a key asked for without JSON_DECODE); throws for a key not asked or not a string. */
  text(key: string): string {
    const value = this.values.get(key);
    if (typeof value !== 'string') throw new RangeError(`job-info.lookup answer of job ${this.id}: ${key} ${value === undefined ? 'was not asked for' : 'is an object'}`);
    return value;
  }

  /** jobspec or R as an object, whether it came decoded or as its JSON text. */
  document(key: string): JsonObject {
    const value = this.values.get(key);
    if (value === undefined) throw new RangeError(`job-info.lookup answer of job ${this.id}: ${key} was not asked for`);
    if (typeof value !== 'string') return value;
    let parsed: Json;
    try {
      // parseJson keeps 64-bit integers exact (bigint), as the decoded form does.
      parsed = parseJson(value);
    } catch {
      throw protocolError(`${key} of job ${this.id} is not JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw protocolError(`${key} of job ${this.id}: expected a JSON object, got ${kindOf(parsed)}`);
    return parsed;
  }
}

/** One job-info.lookup in flight (sent when constructed), like libflux's flux_job_lookup(). */
export class JobInfoLookupRPC {
  private readonly result: Promise<JobInfoAnswer>;

  constructor(
    handle: FluxHandle,
    readonly request: LookupRequest,
  ) {
    // An async call sends at once and turns a synchronous throw (a bad request) into a rejection.
    this.result = (async () => JobInfoAnswer.fromResponse(await handle.rpc(JobInfoTopic.LOOKUP, lookupPayload(request)), request))();
    this.result.catch(() => undefined);
  }

  /** The answer; rejects with FluxRpcError (classify with classifyJobInfoFailure) or FLUX_PROTOCOL. */
  get(): Promise<JobInfoAnswer> {
    return this.result;
  }
}

/** Look up `keys` of job `id` (flags: LookupFlag bits, 0 by default). */
export function jobInfoLookup(handle: FluxHandle, id: bigint, keys: readonly string[], flags = 0): JobInfoLookupRPC {
  return new JobInfoLookupRPC(handle, { id, keys, flags });
}
