/**
 * The job attributes Flux's job-list service can return, in the order of job-list.list-attrs
 * (which is also the order "all" expands to). One list for every layer: the client, the
 * embedded service and snapshots must never disagree on it.
 */
import { JobState } from './constants';

export const JOB_ATTRIBUTES = [
  'userid',
  'urgency',
  'priority',
  't_submit',
  't_depend',
  't_priority',
  't_sched',
  't_run',
  't_cleanup',
  't_inactive',
  'state',
  'name',
  'cwd',
  'queue',
  'project',
  'bank',
  'ntasks',
  'ncores',
  'duration',
  'nnodes',
  'ranks',
  'nodelist',
  'success',
  'exception_occurred',
  'exception_type',
  'exception_severity',
  'exception_note',
  'result',
  'expiration',
  'annotations',
  'waitstatus',
  'dependencies',
] as const;
export type JobAttribute = (typeof JOB_ATTRIBUTES)[number];

/** Attributes job-list writes as JSON reals (C clients read them strictly as reals); other numbers are integers. */
export const REAL_JOB_ATTRIBUTES: ReadonlySet<string> = new Set<JobAttribute>([
  't_submit',
  't_depend',
  't_priority',
  't_sched',
  't_run',
  't_cleanup',
  't_inactive',
  'duration',
  'expiration',
]);

/** The timestamp attribute each state sets when a job enters it (RFC 21; job-list shows it from then on). */
export const STATE_TIMESTAMP_ATTRIBUTE: ReadonlyMap<number, JobAttribute> = new Map<number, JobAttribute>([
  [JobState.DEPEND, 't_depend'],
  [JobState.PRIORITY, 't_priority'],
  [JobState.SCHED, 't_sched'],
  [JobState.RUN, 't_run'],
  [JobState.CLEANUP, 't_cleanup'],
  [JobState.INACTIVE, 't_inactive'],
]);
