/**
 * How big a job-list.list reply will be, estimated before asking: the client chooses between
 * one reply and a stream by size, and only knows the most jobs it asked for and the attributes.
 */
import { JOB_ATTRIBUTES, type JobAttribute } from '../flux/attribute-names';

/**
 * Bytes of compact JSON per job that every reply carries: `{"id":…}` and the comma between jobs.
 * Flux measured 20 for a listing of IDs only (docs/flux-performance.md).
 */
export const JOB_REPLY_BASE_BYTES = 20;

/**
 * Typical bytes one attribute adds to a job: `,"key":` and a usual value. Keys Flux writes only
 * for some jobs (project, bank, the exception_* trio, dependencies) count at the share of jobs
 * that usually have them. Calibrated on Flux's measurement of a 20,008-job instance: the table
 * plus the base comes to ~535 bytes for every attribute and 45 for state,name.
 */
export const ATTRIBUTE_REPLY_BYTES: Readonly<Record<JobAttribute, number>> = {
  userid: 14,
  urgency: 13,
  priority: 14,
  t_submit: 27,
  t_depend: 27,
  t_priority: 29,
  t_sched: 26,
  t_run: 24,
  t_cleanup: 28,
  t_inactive: 29,
  state: 10,
  name: 15,
  cwd: 24,
  queue: 14,
  project: 3,
  bank: 3,
  ntasks: 11,
  ncores: 11,
  duration: 15,
  nnodes: 11,
  ranks: 12,
  nodelist: 18,
  success: 15,
  exception_occurred: 27,
  exception_type: 5,
  exception_severity: 4,
  exception_note: 4,
  result: 11,
  expiration: 17,
  annotations: 40,
  waitstatus: 15,
  dependencies: 2,
};

/** An attribute this table does not know (Flux would refuse it anyway): a generous guess. */
const UNKNOWN_ATTRIBUTE_BYTES = 32;

function isKnownAttribute(name: string): name is JobAttribute {
  return Object.prototype.hasOwnProperty.call(ATTRIBUTE_REPLY_BYTES, name);
}

/** Estimated bytes of one job with these attributes ("all" anywhere means every attribute, as in Flux). */
export function estimateJobBytes(attrs: readonly string[]): number {
  const names = new Set<string>(attrs.includes('all') ? JOB_ATTRIBUTES : attrs);
  names.delete('id'); // always there, part of the base
  let bytes = JOB_REPLY_BASE_BYTES;
  for (const name of names) bytes += isKnownAttribute(name) ? ATTRIBUTE_REPLY_BYTES[name] : UNKNOWN_ATTRIBUTE_BYTES;
  return bytes;
}

/** Estimated bytes of a reply of `maxEntries` jobs with these attributes (a bound: fewer jobs may match). */
export function estimateReplyBytes(maxEntries: number, attrs: readonly string[]): number {
  return maxEntries * estimateJobBytes(attrs);
}
