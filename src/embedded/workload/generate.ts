/**
 * The history of a workload as Flux documents: every job submitted before
 * `now`, with the eventlog it has at `now` (and R once allocated). Jobs come
 * one at a time in job ID order, so a caller that keeps none of them can walk
 * a million jobs in constant memory.
 */
import type { JobDocuments } from '../store/job-documents';
import type { WorkloadDescription } from './engine';
import { WorkloadEngine } from './engine';
import type { PlannedJob } from './lifecycle';
import type { WorkloadOptions } from './options';
import { resolveOptions } from './options';

export interface Workload extends WorkloadDescription {
  /** Jobs in submission order (ascending job ID). */
  jobs: JobDocuments[];
}

/** How many of a plan's events have happened by `now` (events are in time order). */
export function eventsBy(job: PlannedJob, now: number): number {
  const events = job.events;
  let count = 0;
  while (count < events.length && (events[count] as { timestamp: number }).timestamp <= now) count++;
  return count;
}

/**
 * The documents of a planned job as of `now`. With `consume` the plan's own
 * event array is cut and handed over (no copy; the plan must not be used again).
 */
export function documentsAt(job: PlannedJob, now: number, consume: boolean): JobDocuments {
  const count = eventsBy(job, now);
  let eventlog = job.events;
  if (consume) eventlog.length = count;
  else eventlog = eventlog.slice(0, count);
  const docs: JobDocuments = { id: job.id, jobspec: job.jobspec, eventlog };
  if (job.R !== null && job.allocIndex >= 0 && job.allocIndex < count) docs.R = job.R;
  return docs;
}

/** Calls `visit` for each job of the history in job ID order; returns what the workload looks like. */
export function forEachJob(options: WorkloadOptions, visit: (job: JobDocuments) => void): WorkloadDescription {
  const resolved = resolveOptions(options);
  const engine = new WorkloadEngine(resolved);
  for (let job = engine.nextHistoryJob(); job !== null; job = engine.nextHistoryJob()) {
    visit(documentsAt(job, resolved.now, true));
  }
  return engine.describe();
}

/** The history's jobs as an iterator, in job ID order. */
export function* iterateJobs(options: WorkloadOptions): Generator<JobDocuments, WorkloadDescription, undefined> {
  const resolved = resolveOptions(options);
  const engine = new WorkloadEngine(resolved);
  for (let job = engine.nextHistoryJob(); job !== null; job = engine.nextHistoryJob()) {
    yield documentsAt(job, resolved.now, true);
  }
  return engine.describe();
}

/** The whole history at once (fine for thousands of jobs; use forEachJob for millions). */
export function generateWorkload(options: WorkloadOptions): Workload {
  const jobs: JobDocuments[] = [];
  const description = forEachJob(options, (job) => jobs.push(job));
  return { ...description, jobs };
}

/** Queues, users, nodes and owner of a workload, without generating any job. */
export function describeWorkload(options: WorkloadOptions): WorkloadDescription {
  return new WorkloadEngine(resolveOptions({ ...options, jobs: 0 })).describe();
}
