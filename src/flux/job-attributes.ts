/**
 * The job attributes Flux's job-list service can return, in the order of job-list.list-attrs
 * (which is also the order "all" expands to). One list for every layer: the client, the
 * embedded service and snapshots must never disagree on it.
 */
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
