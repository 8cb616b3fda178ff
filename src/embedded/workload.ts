/**
 * A seeded, realistic Flux workload for the embedded instance: job histories
 * of any size as Flux documents (jobspec, R, eventlog), and a live mode that
 * keeps submitting and running jobs. See src/embedded/workload/ for the parts.
 */
export type { WorkloadOptions, WorkloadErrorCode } from './workload/options';
export { WorkloadError, DEFAULT_QUEUES } from './workload/options';
export type { WorkloadDescription } from './workload/engine';
export type { Workload } from './workload/generate';
export { describeWorkload, forEachJob, generateWorkload, iterateJobs } from './workload/generate';
export type { LiveWorkloadOptions, LiveWorkloadStats } from './workload/live';
export { LiveWorkload } from './workload/live';
export { SeededRandom } from './workload/random';
