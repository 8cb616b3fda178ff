/**
 * The jobs the benchmarks list: shaped like the instance Flux's own figures were measured on
 * (docs/flux-performance.md): many inactive, completed jobs and a few running, scheduled and
 * dependent ones, as job-list records with attrs ["all"]. Records are built directly rather
 * than through the workload generator, because the generator replays every eventlog and would
 * take minutes for a million jobs on two cores; the records carry the same attributes, in the
 * same shapes, as a 0.88 broker lists for such jobs (about 530 bytes each as compact JSON).
 */
import { makeFluid } from '../src/flux/jobid';
import type { Json, JsonObject } from '../src/flux/json';

/** The instance's clock: every timestamp of the dataset lies before it. */
export const DATASET_NOW = 1795640000.25;

export const DATASET_QUEUES: readonly string[] = ['batch', 'debug'];

/** Seconds between submissions; 1M jobs then span about 14 hours. */
const SUBMIT_SPACING = 0.05;

const USERS: readonly number[] = [1001, 1002, 1003, 1004, 1005];
const NAMES: readonly string[] = ['hostname', 'sim-step', 'post-process', 'analysis.sh', 'sleep', 'lammps', 'train-model'];
const CWDS: readonly string[] = USERS.map((_uid, k) => `/home/user${k + 1}/work`);
const NODES = 16;
const RANKS: readonly string[] = Array.from({ length: NODES }, (_unused, rank) => `${rank}`);
const NODELISTS: readonly string[] = Array.from({ length: NODES }, (_unused, rank) => `node${rank + 1}`);
const ACTIVE_COUNT = 8;

/** A whole-number hash of i, so attributes vary without a PRNG's state. */
function mix(i: number): number {
  let h = Math.imul(i ^ (i >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Rounds to microseconds, as Flux's timestamps are. */
function micro(t: number): number {
  return Math.round(t * 1e6) / 1e6;
}

/** The first submission time, chosen so that the last job of `total` finishes before DATASET_NOW. */
function firstSubmit(total: number): number {
  return DATASET_NOW - 3600 - total * SUBMIT_SPACING;
}

function jobIdAt(tSubmit: number, i: number): bigint {
  // A FLUID: millisecond timestamp since an epoch a day before the first job, then sequence bits.
  return makeFluid(BigInt(Math.round((tSubmit - (DATASET_NOW - 30 * 86400)) * 1000)), 0, i & 0x3ff);
}

/** Common attributes of every job, submitted at `tSubmit`. */
function base(i: number, tSubmit: number): JsonObject {
  const h = mix(i);
  const ncores = 1 + (h % 4);
  return {
    id: jobIdAt(tSubmit, i),
    userid: USERS[h % USERS.length] as number,
    urgency: 16,
    priority: 16,
    t_submit: micro(tSubmit),
    t_depend: micro(tSubmit + 0.0151),
    t_priority: micro(tSubmit + 0.0294),
    t_sched: micro(tSubmit + 0.0296),
    name: NAMES[(h >>> 3) % NAMES.length] as string,
    cwd: CWDS[h % USERS.length] as string,
    queue: DATASET_QUEUES[(h >>> 7) % DATASET_QUEUES.length] as string,
    ntasks: ncores,
    ncores,
    duration: 0.0,
  };
}

function rankOf(i: number): number {
  return mix(i + 7) % NODES;
}

/**
 * An inactive job that completed successfully. Written out in full rather than spread from
 * base(): this runs a million times for the large datasets. Key order does not matter, the
 * store lists attributes in its own order.
 */
function completedJob(i: number, tSubmit: number): JsonObject {
  const h = mix(i);
  const ncores = 1 + (h % 4);
  const tRun = tSubmit + 0.041;
  const tCleanup = tRun + 0.05 + (mix(i + 1) % 1200) / 10;
  const rank = rankOf(i);
  const user = h % USERS.length;
  return {
    id: jobIdAt(tSubmit, i),
    userid: USERS[user] as number,
    urgency: 16,
    priority: 16,
    t_submit: micro(tSubmit),
    t_depend: micro(tSubmit + 0.0151),
    t_priority: micro(tSubmit + 0.0294),
    t_sched: micro(tSubmit + 0.0296),
    t_run: micro(tRun),
    t_cleanup: micro(tCleanup),
    t_inactive: micro(tCleanup + 0.0084),
    state: 64,
    name: NAMES[(h >>> 3) % NAMES.length] as string,
    cwd: CWDS[user] as string,
    queue: DATASET_QUEUES[(h >>> 7) % DATASET_QUEUES.length] as string,
    ntasks: ncores,
    ncores,
    duration: 0.0,
    nnodes: 1,
    ranks: RANKS[rank] as string,
    nodelist: NODELISTS[rank] as string,
    success: true,
    exception_occurred: false,
    result: 1,
    expiration: 0.0,
    annotations: { sched: { resource_summary: ncores === 1 ? `rank${rank}/core0` : `rank${rank}/core[0-${ncores - 1}]` } },
    waitstatus: 0,
    // No "dependencies": job-list shows that key only for jobs that were submitted with some.
  };
}

/** A few active jobs: 2 running, 4 scheduled (one held), 2 waiting on a dependency. */
function activeJobs(total: number): JsonObject[] {
  const start = firstSubmit(total) + total * SUBMIT_SPACING;
  const jobs: JsonObject[] = [];
  for (let k = 0; k < ACTIVE_COUNT; k++) {
    const i = total + k;
    const tSubmit = start + k * SUBMIT_SPACING;
    const job = base(i, tSubmit);
    if (k < 2) {
      const rank = rankOf(i);
      const resources = { nnodes: 1, ranks: RANKS[rank] as string, nodelist: NODELISTS[rank] as string, expiration: 0.0 };
      jobs.push({ ...job, ...resources, t_run: micro(tSubmit + 0.041), state: 16, annotations: { sched: { resource_summary: `rank${rank}/core0` } } });
    } else if (k < 6) {
      const held = k === 5;
      jobs.push({ ...job, urgency: held ? 0 : 16, priority: held ? 0 : 16, state: 8 });
    } else {
      // Not yet past DEPEND: no priority, no t_priority or t_sched.
      const { priority: _priority, t_priority: _tPriority, t_sched: _tSched, ...pending } = job;
      jobs.push({ ...pending, state: 2, dependencies: [`after-finish=${(jobIdAt(tSubmit - 1, i)).toString()}`] });
    }
  }
  return jobs;
}

export interface DatasetShape {
  /** Inactive, completed jobs. */
  inactive: number;
  /** Whether to add the few active jobs (running, scheduled, dependent). */
  active: boolean;
}

/** How many jobs a dataset holds. */
export function datasetSize(shape: DatasetShape): number {
  return shape.inactive + (shape.active ? ACTIVE_COUNT : 0);
}

/**
 * The dataset's records in chunks of at most `chunkSize`, so that a million jobs can be loaded
 * without holding a million records at once. Active jobs come in the first chunk.
 */
export function* datasetChunks(shape: DatasetShape, chunkSize = 10_000): Generator<JsonObject[]> {
  const t0 = firstSubmit(shape.inactive);
  let chunk: JsonObject[] = shape.active ? activeJobs(shape.inactive) : [];
  for (let i = 0; i < shape.inactive; i++) {
    chunk.push(completedJob(i, t0 + i * SUBMIT_SPACING));
    if (chunk.length >= chunkSize) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** The whole dataset at once (fine for tens of thousands of jobs). */
export function datasetRecords(shape: DatasetShape): Json[] {
  const all: Json[] = [];
  for (const chunk of datasetChunks(shape)) for (const job of chunk) all.push(job);
  return all;
}
