import { FluxError } from '../flux/errors';
import type { FluxHandle } from '../flux/handle';
import type { Json, JsonObject } from '../flux/json';
import { JobListError } from './errors';
import { describe, isJsonObject } from './job-record';

export const JOB_STATS_TOPIC = 'job-list.job-stats';

const STATE_KEYS = ['depend', 'priority', 'sched', 'run', 'cleanup', 'inactive', 'total'] as const;
const RESULT_KEYS = ['successful', 'failed', 'timeout', 'canceled', 'inactive_purged'] as const;

type Counters = Record<(typeof STATE_KEYS)[number] | (typeof RESULT_KEYS)[number], number>;

function counter(value: Json | undefined, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new FluxError('FLUX_PROTOCOL', `${JOB_STATS_TOPIC}: ${what} is ${describe(value)}, expected an integer`);
  }
  return value;
}

/** The counters of one job-stats section (the whole instance or one queue). */
function readCounters(section: JsonObject, where: string): Counters {
  const states = section.job_states;
  if (!isJsonObject(states)) {
    throw new FluxError('FLUX_PROTOCOL', `${JOB_STATS_TOPIC}: ${where} has no job_states object`);
  }
  const counters = {} as Counters;
  for (const key of STATE_KEYS) counters[key] = counter(states[key], `${where} job_states.${key}`);
  for (const key of RESULT_KEYS) counters[key] = counter(section[key], `${where} ${key}`);
  return counters;
}

/** One job-list.job-stats request; the response is checked to be an object. */
export async function fetchJobStatsResponse(handle: FluxHandle): Promise<JsonObject> {
  const response = await handle.rpc(JOB_STATS_TOPIC, {});
  if (!isJsonObject(response)) {
    throw new FluxError('FLUX_PROTOCOL', `${JOB_STATS_TOPIC}: expected an object, got ${describe(response)}`);
  }
  return response;
}

/** The queue names a job-stats response reports, in its order (configured queues and any seen on a job). */
export function queueNamesOf(response: JsonObject): string[] {
  const queues = Array.isArray(response.queues) ? response.queues : [];
  return queues.flatMap((entry) => (isJsonObject(entry) && typeof entry.name === 'string' ? [entry.name] : []));
}

/**
 * Job counts from job-list.job-stats (Flux's JobStats), for the whole instance or summed over
 * some queues. Every count is -1 until update() succeeds. `failed` counts every unsuccessful
 * job (failed + timeout + canceled), as Flux's class reports it.
 */
export class JobStats {
  depend = -1;
  priority = -1;
  sched = -1;
  run = -1;
  cleanup = -1;
  inactive = -1;
  total = -1;
  successful = -1;
  failed = -1;
  timeout = -1;
  canceled = -1;
  inactivePurged = -1;
  /** depend + priority + sched */
  pending = -1;
  /** run + cleanup */
  running = -1;
  /** total - inactive */
  active = -1;
  readonly queues: string[];

  constructor(
    private readonly handle: FluxHandle,
    queue?: string | Iterable<string> | null,
  ) {
    this.queues = queue === undefined || queue === null ? [] : typeof queue === 'string' ? [queue] : [...queue];
  }

  /**
   * Fetch the counts. Throws JobListError INVALID_ARGUMENT "no stats available for queue <q>"
   * for a queue the instance does not report, FluxRpcError for an error response.
   */
  async update(): Promise<this> {
    return this.load(await fetchJobStatsResponse(this.handle));
  }

  /**
   * Take the counts from a job-stats response already in hand (so one request can serve the
   * instance-wide counts and every queue's). Same errors as update().
   */
  load(response: JsonObject): this {
    let counters: Counters;
    if (this.queues.length === 0) {
      counters = readCounters(response, 'response');
    } else {
      const listed = Array.isArray(response.queues) ? response.queues : [];
      const byName = new Map<string, JsonObject>();
      for (const entry of listed) {
        if (isJsonObject(entry) && typeof entry.name === 'string') byName.set(entry.name, entry);
      }
      counters = Object.fromEntries([...STATE_KEYS, ...RESULT_KEYS].map((key) => [key, 0])) as Counters;
      for (const queue of this.queues) {
        const section = byName.get(queue);
        if (section === undefined) {
          throw new JobListError('INVALID_ARGUMENT', `no stats available for queue ${queue}`);
        }
        const add = readCounters(section, `queue ${queue}`);
        for (const key of [...STATE_KEYS, ...RESULT_KEYS]) counters[key] += add[key];
      }
    }
    this.depend = counters.depend;
    this.priority = counters.priority;
    this.sched = counters.sched;
    this.run = counters.run;
    this.cleanup = counters.cleanup;
    this.inactive = counters.inactive;
    this.total = counters.total;
    this.successful = counters.successful;
    this.timeout = counters.timeout;
    this.canceled = counters.canceled;
    this.inactivePurged = counters.inactive_purged;
    this.failed = counters.failed + counters.timeout + counters.canceled;
    this.pending = this.depend + this.priority + this.sched;
    this.running = this.run + this.cleanup;
    this.active = this.total - this.inactive;
    return this;
  }
}
