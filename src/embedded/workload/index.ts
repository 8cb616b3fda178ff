/**
 * A seeded, realistic Flux workload for the embedded instance: job histories
 * of any size as Flux documents (jobspec, R, eventlog), and a live mode that
 * keeps submitting and running jobs. See src/embedded/workload/ for the parts.
 */
export type { WorkloadOptions, WorkloadErrorCode } from './options';
export { WorkloadError, DEFAULT_QUEUES } from './options';
export type { WorkloadDescription } from './engine';
export type { Workload } from './generate';
export { describeWorkload, forEachJob, generateWorkload, iterateJobs } from './generate';
export type { LiveWorkloadOptions, LiveWorkloadStats } from './live';
export { LiveWorkload } from './live';
export { SeededRandom } from './random';
