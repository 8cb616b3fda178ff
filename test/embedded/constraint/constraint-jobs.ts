import { JobResult, JobState } from '../../../src/flux/constants';
import type { MatchableJob } from '../../../src/embedded/constraint/compile';

/**
 * A small fixed set of jobs covering every state and result, with and without names, queues,
 * nodes and each timestamp. Timestamps grow by job (10s apart) and by state within a job, so
 * an expected match list can be read off the table.
 */
export interface NamedJob extends MatchableJob {
  readonly id: string;
}

const { NEW, DEPEND, PRIORITY, SCHED, RUN, CLEANUP, INACTIVE } = JobState;
const { COMPLETED, FAILED, CANCELED, TIMEOUT } = JobResult;

export const JOBS: readonly NamedJob[] = [
  { id: 'new', state: NEW, result: 0, userid: 100, name: 'alpha', queue: 'batch', t_submit: 5 },
  { id: 'depend', state: DEPEND, result: 0, userid: 100, name: 'alpha', queue: 'batch', t_submit: 10, t_depend: 11 },
  {
    id: 'priority',
    state: PRIORITY,
    result: 0,
    userid: 101,
    name: 'beta',
    queue: 'debug',
    t_submit: 20,
    t_depend: 21,
    t_priority: 22,
  },
  {
    id: 'sched',
    state: SCHED,
    result: 0,
    userid: 100,
    name: 'gamma',
    queue: 'batch',
    t_submit: 30,
    t_depend: 31,
    t_priority: 32,
    t_sched: 33,
  },
  // Went back from SCHED to PRIORITY: keeps its first t_sched; has no queue.
  { id: 'requeued', state: PRIORITY, result: 0, userid: 102, name: 'delta', t_submit: 40, t_depend: 41, t_priority: 42, t_sched: 43 },
  {
    id: 'run',
    state: RUN,
    result: 0,
    userid: 101,
    name: 'alpha',
    queue: 'batch',
    nodelist: 'node[1-2]',
    ranks: '[1-2]',
    t_submit: 50,
    t_depend: 51,
    t_priority: 52,
    t_sched: 53,
    t_run: 54,
  },
  // No name.
  {
    id: 'cleanup',
    state: CLEANUP,
    result: 0,
    userid: 100,
    queue: 'debug',
    nodelist: 'node3',
    ranks: '3',
    t_submit: 60,
    t_depend: 61,
    t_priority: 62,
    t_sched: 63,
    t_run: 64,
    t_cleanup: 65,
  },
  {
    id: 'completed',
    state: INACTIVE,
    result: COMPLETED,
    userid: 100,
    name: 'alpha',
    queue: 'batch',
    nodelist: 'node[0-3]',
    ranks: '[0-3]',
    t_submit: 70,
    t_depend: 71,
    t_priority: 72,
    t_sched: 73,
    t_run: 74,
    t_cleanup: 75,
    t_inactive: 76,
  },
  {
    id: 'failed',
    state: INACTIVE,
    result: FAILED,
    userid: 101,
    name: 'beta',
    queue: 'debug',
    nodelist: 'node4',
    ranks: '4',
    t_submit: 80,
    t_depend: 81,
    t_priority: 82,
    t_sched: 83,
    t_run: 84,
    t_cleanup: 85,
    t_inactive: 86,
  },
  // Canceled while pending: never ran, so no t_run, nodelist or ranks.
  {
    id: 'canceled',
    state: INACTIVE,
    result: CANCELED,
    userid: 102,
    name: 'gamma',
    queue: 'batch',
    t_submit: 90,
    t_depend: 91,
    t_priority: 92,
    t_sched: 93,
    t_cleanup: 95,
    t_inactive: 96,
  },
  {
    id: 'timeout',
    state: INACTIVE,
    result: TIMEOUT,
    userid: 0,
    name: 'epsilon',
    queue: 'batch',
    nodelist: 'node[5-6]',
    ranks: '[5-6]',
    t_submit: 100,
    t_depend: 101,
    t_priority: 102,
    t_sched: 103,
    t_run: 104,
    t_cleanup: 105,
    t_inactive: 106,
  },
  // A fatal exception while waiting on a dependency: CLEANUP without PRIORITY, SCHED or RUN.
  { id: 'exception', state: CLEANUP, result: 0, userid: 103, name: 'zeta', queue: 'debug', t_submit: 110, t_depend: 111, t_cleanup: 115 },
];

export const ALL_IDS: readonly string[] = JOBS.map((job) => job.id);

export function jobById(id: string): NamedJob {
  const job = JOBS.find((j) => j.id === id);
  if (job === undefined) throw new Error(`no test job ${id}`);
  return job;
}

/** Every id except the given ones, in table order. */
export function allBut(...ids: string[]): string[] {
  return ALL_IDS.filter((id) => !ids.includes(id));
}
