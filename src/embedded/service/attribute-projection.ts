/**
 * The attributes job-list can return for a job, when each is present (flux-core job_util.c
 * store_attr), and the projection of a request's `attrs` array onto a response object.
 */
import { Errno, JobState } from '../../flux/constants';
import { JOB_ATTRIBUTES, type JobAttribute } from '../../flux/attribute-names';
import type { Json, JsonObject } from '../../flux/json';
import type { JobStore } from '../store/job-store';
import { FLAG_EXCEPTION, FLAG_SUCCESS } from '../store/job-table';
import { JobView } from './matchable-job';

export { JOB_ATTRIBUTES, type JobAttribute } from '../../flux/attribute-names';

/** Reads one attribute of the job the view points at; undefined when the job does not have it. */
type AttributeReader = (store: JobStore, view: JobView) => Json | undefined;

function reached(store: JobStore, slot: number, state: number): boolean {
  return ((store.jobs.statesMask[slot] as number) & state) !== 0;
}

function nonNegative(value: number): number | undefined {
  return value < 0 ? undefined : value;
}

function inactiveException(store: JobStore, slot: number): boolean {
  return reached(store, slot, JobState.INACTIVE) && store.jobs.hasFlag(slot, FLAG_EXCEPTION);
}

const READERS: Readonly<Record<JobAttribute, AttributeReader>> = {
  userid: (s, v) => s.jobs.userid[v.slot] as number,
  urgency: (s, v) => s.jobs.urgency[v.slot] as number,
  // Shown only while SCHED is among the states reached (hidden again after a fall back).
  priority: (s, v) => (reached(s, v.slot, JobState.SCHED) ? (s.jobs.priority[v.slot] as number) : undefined),
  t_submit: (_s, v) => v.t_submit,
  t_depend: (_s, v) => v.t_depend,
  t_priority: (_s, v) => v.t_priority,
  t_sched: (_s, v) => v.t_sched,
  t_run: (_s, v) => v.t_run,
  t_cleanup: (_s, v) => v.t_cleanup,
  t_inactive: (_s, v) => v.t_inactive,
  state: (s, v) => s.jobs.state[v.slot] as number,
  name: (s, v) => s.jobs.str(s.jobs.name, v.slot),
  cwd: (s, v) => s.jobs.str(s.jobs.cwd, v.slot),
  queue: (s, v) => s.jobs.str(s.jobs.queue, v.slot),
  project: (s, v) => s.jobs.str(s.jobs.project, v.slot),
  bank: (s, v) => s.jobs.str(s.jobs.bank, v.slot),
  ntasks: (s, v) => nonNegative(s.jobs.ntasks[v.slot] as number),
  ncores: (s, v) => nonNegative(s.jobs.ncores[v.slot] as number),
  duration: (s, v) => nonNegative(s.jobs.duration[v.slot] as number),
  nnodes: (s, v) => nonNegative(s.jobs.nnodes[v.slot] as number),
  ranks: (s, v) => (reached(s, v.slot, JobState.RUN) ? s.jobs.str(s.jobs.ranks, v.slot) : undefined),
  nodelist: (s, v) => (reached(s, v.slot, JobState.RUN) ? s.jobs.str(s.jobs.nodelist, v.slot) : undefined),
  success: (s, v) => (reached(s, v.slot, JobState.INACTIVE) ? s.jobs.hasFlag(v.slot, FLAG_SUCCESS) : undefined),
  exception_occurred: (s, v) => (reached(s, v.slot, JobState.INACTIVE) ? s.jobs.hasFlag(v.slot, FLAG_EXCEPTION) : undefined),
  exception_type: (s, v) => (inactiveException(s, v.slot) ? s.jobs.str(s.jobs.exceptionType, v.slot) : undefined),
  exception_severity: (s, v) => (inactiveException(s, v.slot) ? (s.jobs.exceptionSeverity[v.slot] as number) : undefined),
  exception_note: (s, v) => (inactiveException(s, v.slot) ? s.jobs.str(s.jobs.exceptionNote, v.slot) : undefined),
  result: (s, v) => (reached(s, v.slot, JobState.INACTIVE) ? (s.jobs.result[v.slot] as number) : undefined),
  expiration: (s, v) => (reached(s, v.slot, JobState.RUN) ? nonNegative(s.jobs.expiration[v.slot] as number) : undefined),
  annotations: (s, v) => s.annotations(v.slot),
  waitstatus: (s, v) => nonNegative(s.jobs.waitstatus[v.slot] as number),
  dependencies: (s, v) => {
    const deps = s.dependencies(v.slot);
    return deps === undefined ? undefined : [...deps];
  },
};

const KNOWN: ReadonlySet<string> = new Set(JOB_ATTRIBUTES);

/** An error job-list reports while building a job object (EINVAL, no "invalid payload" prefix). */
export interface AttributeError {
  readonly errnum: number;
  readonly message: string;
}

/**
 * What to put in each job object for a request's `attrs`: `id` first, then each attribute at
 * its first mention, `all` expanding in list-attrs order. Flux reports a bad entry only when it
 * builds a job object, so the error is kept here and raised by the caller at the first job.
 */
export class AttributePlan {
  private readonly readers: ReadonlyArray<readonly [JobAttribute, AttributeReader]>;
  private readonly view: JobView;

  private constructor(
    private readonly store: JobStore,
    keys: readonly JobAttribute[],
    readonly error: AttributeError | undefined,
  ) {
    this.readers = keys.map((key) => [key, READERS[key]] as const);
    this.view = new JobView(store.jobs);
  }

  static fromRequest(store: JobStore, attrs: readonly Json[]): AttributePlan {
    const keys = new Set<JobAttribute>();
    for (const attr of attrs) {
      if (typeof attr !== 'string') return new AttributePlan(store, [], { errnum: Errno.EINVAL, message: 'attr has no string value' });
      if (attr === 'all') {
        for (const key of JOB_ATTRIBUTES) keys.add(key);
      } else if (KNOWN.has(attr)) {
        keys.add(attr as JobAttribute);
      } else {
        return new AttributePlan(store, [], { errnum: Errno.EINVAL, message: `${attr} is not a valid attribute` });
      }
    }
    return new AttributePlan(store, [...keys], undefined);
  }

  /** The job object for `slot`. Call only when `error` is undefined. */
  build(slot: number): JsonObject {
    const view = this.view.at(slot);
    const out: JsonObject = { id: this.store.jobs.idJson(slot) };
    for (const [key, read] of this.readers) {
      const value = read(this.store, view);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
}
