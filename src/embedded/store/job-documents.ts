import type { EventlogEntry, Jobspec, ResourceSet } from '../../flux/jobspec';

/** Everything the embedded instance knows of one job: its documents as the job manager holds them. */
export interface JobDocuments {
  id: bigint;
  jobspec: Jobspec;
  /** The resource set, once the job has been allocated resources. */
  R?: ResourceSet;
  /** The job's eventlog so far, oldest first, starting with `submit`. */
  eventlog: EventlogEntry[];
}

/** Where a workload delivers jobs and later events (the embedded instance's journal). */
export interface JobSink {
  /** A job with its eventlog so far (at least `submit`). */
  ingest(job: JobDocuments): void;
  /** One more event for a known job; `R` accompanies an `alloc` event. */
  post(id: bigint, entry: EventlogEntry, R?: ResourceSet): void;
  /**
   * Everything that happens up to `time` has been delivered (a live workload says so after
   * each step), so running jobs' output up to then can be shown.
   */
  advanceTo?(time: number): void;
}
