/**
 * A second, synthetic snapshot: job records written by hand from the presence rules of
 * reference section 6 (flux-core job_util.c), covering what the recorded 0.88 instance did
 * not have: several users, nodes and ranks, a PRIORITY job, CLEANUP jobs with and without a
 * run, jobs without a queue or a name, an exception without a note, equal t_inactive, ids
 * above 2^53 and a queue that has no jobs left. The records are sorted into job-list order
 * by the comparators of section 4.2 (jobListOrder below), so serving them must give back
 * exactly this order.
 *
 * test/fixtures/synthetic-snapshot.json is this module's output (snapshot-synthetic.test.ts
 * fails if they drift apart).
 */
import type { JsonObject } from '../../../src/flux/json';

/** 2^56 ms-ish FLUID timestamps put every id above Number.MAX_SAFE_INTEGER. */
const ID_BASE = 1n << 58n;
const T0 = 1795700000;

function id(n: number): bigint {
  return ID_BASE + (BigInt(n) << 24n);
}

interface Base {
  n: number;
  userid: number;
  name?: string;
  queue?: string;
  urgency?: number;
  submitted: number;
}

/** Attributes every listed job has, in list-attrs order (only some are always present). */
function common(b: Base): JsonObject {
  return { id: id(b.n), userid: b.userid, urgency: b.urgency ?? 16 };
}

function withJobspec(b: Base, record: JsonObject, extra: JsonObject = {}): JsonObject {
  const out: JsonObject = { ...record };
  if (b.name !== undefined) out.name = b.name;
  out.cwd = `/home/u${b.userid}`;
  if (b.queue !== undefined) out.queue = b.queue;
  Object.assign(out, extra);
  return out;
}

/** Re-orders a record's keys into list-attrs order, as job-list emits them. */
const ORDER = [
  'id', 'userid', 'urgency', 'priority', 't_submit', 't_depend', 't_priority', 't_sched', 't_run', 't_cleanup',
  't_inactive', 'state', 'name', 'cwd', 'queue', 'project', 'bank', 'ntasks', 'ncores', 'duration', 'nnodes',
  'ranks', 'nodelist', 'success', 'exception_occurred', 'exception_type', 'exception_severity', 'exception_note',
  'result', 'expiration', 'annotations', 'waitstatus', 'dependencies',
];
function ordered(record: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of ORDER) {
    const value = record[key];
    if (value !== undefined) out[key] = value;
  }
  const stray = Object.keys(record).filter((key) => !ORDER.includes(key));
  if (stray.length > 0) throw new Error(`synthetic record has unknown keys ${stray.join(',')}`);
  return out;
}

function build(): JsonObject[] {
  const jobs: JsonObject[] = [];
  const add = (record: JsonObject): void => {
    jobs.push(ordered(record));
  };
  const t = (offset: number): number => T0 + offset;

  // --- pending ---------------------------------------------------------------------------------
  // SCHED, expedited: priority shown once SCHED was reached.
  {
    const b = { n: 40, userid: 1000, name: 'expedite me', queue: 'batch', urgency: 31, submitted: 400 };
    add(withJobspec(b, { ...common(b), priority: 4294967295, t_submit: t(400.125), t_depend: t(400.25), t_priority: t(400.375), t_sched: t(400.5), state: 8 }, { ntasks: 8, ncores: 8, duration: 3600, nnodes: 2 }));
  }
  // Two SCHED jobs of equal priority: ID ascending.
  for (const [n, userid] of [[41, 1001], [43, 1000]] as const) {
    const b = { n, userid, name: `solver-${n}`, queue: 'debug', submitted: 410 + n };
    add(withJobspec(b, { ...common(b), priority: 16, t_submit: t(410 + n), t_depend: t(410.5 + n), t_priority: t(410.75 + n), t_sched: t(411 + n), state: 8 }, { ntasks: 1, ncores: 1, duration: 600, annotations: { sched: { t_estimate: t(5000) } } }));
  }
  // DEPEND (no priority yet: counts as 0, interleaved by ID with held jobs), no queue.
  {
    const b = { n: 30, userid: 1001, name: 'after-solver', submitted: 300 };
    add(withJobspec(b, { ...common(b), t_submit: t(300.5), t_depend: t(300.75), state: 2 }, { ntasks: 1, ncores: 1, duration: 0, dependencies: ['after-success=ƒ5w8EqvNa'] }));
  }
  // PRIORITY: entered PRIORITY, no priority assigned yet, never SCHED.
  {
    const b = { n: 31, userid: 1000, name: 'waiting-for-priority', queue: 'batch', submitted: 310 };
    add(withJobspec(b, { ...common(b), t_submit: t(310.5), t_depend: t(310.75), t_priority: t(311), state: 4 }, { ntasks: 2, ncores: 2, duration: 60 }));
  }
  // Held (urgency 0): priority 0 is shown because SCHED was reached.
  {
    const b = { n: 32, userid: 5000, name: 'held', queue: 'batch', urgency: 0, submitted: 320 };
    add(withJobspec(b, { ...common(b), priority: 0, t_submit: t(320.5), t_depend: t(320.75), t_priority: t(321), t_sched: t(321.25), state: 8 }, { project: 'atlas', bank: 'hep', ntasks: 1, ncores: 1, duration: 0, annotations: { user: { reason: 'hold' } } }));
  }
  // DEPEND on a begin time (three decimals, as the plugin writes it).
  {
    const b = { n: 33, userid: 1000, name: 'later', queue: 'debug', submitted: 330 };
    add(withJobspec(b, { ...common(b), t_submit: t(330.5), t_depend: t(330.75), state: 2 }, { ntasks: 1, ncores: 1, duration: 0, dependencies: ['begin-time=1795790000.250'] }));
  }

  // --- running: t_run descending; jobs that never ran (t_run 0) last ---------------------------
  {
    const b = { n: 24, userid: 1001, name: 'two-nodes', queue: 'batch', submitted: 240 };
    add(withJobspec(b, { ...common(b), priority: 16, t_submit: t(240.5), t_depend: t(240.75), t_priority: t(241), t_sched: t(241.25), t_run: t(260.5), state: 16 }, { ntasks: 2, ncores: 2, duration: 7200, nnodes: 2, ranks: '[4,6]', nodelist: 'node[4,6]', expiration: t(7460.5), annotations: { sched: { resource_summary: 'rank[4,6]/core0' } } }));
  }
  {
    const b = { n: 20, userid: 1000, name: 'four-nodes', queue: 'batch', submitted: 200 };
    add(withJobspec(b, { ...common(b), priority: 16, t_submit: t(200.5), t_depend: t(200.75), t_priority: t(201), t_sched: t(201.25), t_run: t(250.5), state: 16 }, { ntasks: 16, ncores: 16, duration: 0, nnodes: 4, ranks: '[0-3]', nodelist: 'node[0-3]', expiration: 0, annotations: { sched: { resource_summary: 'rank[0-3]/core[0-3]' }, user: { progress: 0.5 } } }));
  }
  // CLEANUP after running: finish seen (waitstatus), no result yet.
  {
    const b = { n: 21, userid: 5000, name: 'finishing', queue: 'debug', submitted: 210 };
    add(withJobspec(b, { ...common(b), priority: 16, t_submit: t(210.5), t_depend: t(210.75), t_priority: t(211), t_sched: t(211.25), t_run: t(220.5), t_cleanup: t(230.5), state: 32 }, { ntasks: 1, ncores: 1, duration: 60, nnodes: 1, ranks: '5', nodelist: 'node5', expiration: t(280.5), annotations: { sched: { resource_summary: 'rank5/core0' } }, waitstatus: 0 }));
  }
  // CLEANUP without having run (fatal exception while SCHED): no t_run, no ranks/nodelist.
  {
    const b = { n: 22, userid: 1000, name: 'excepted-while-pending', queue: 'batch', submitted: 215 };
    add(withJobspec(b, { ...common(b), priority: 16, t_submit: t(215.5), t_depend: t(215.75), t_priority: t(216), t_sched: t(216.25), t_cleanup: t(240.5), state: 32 }, { ntasks: 1, ncores: 1, duration: 0 }));
  }

  // --- inactive: t_inactive descending, ties by ID descending ----------------------------------
  {
    const b = { n: 12, userid: 5000, name: 'eight-nodes', queue: 'debug', submitted: 120 };
    add(withJobspec(b, { ...common(b), priority: 16, t_submit: t(120.5), t_depend: t(120.75), t_priority: t(121), t_sched: t(121.25), t_run: t(121.5), t_cleanup: t(190.25), t_inactive: t(190.5), state: 64 }, { ntasks: 8, ncores: 64, duration: 3600, nnodes: 8, ranks: '[0-7]', nodelist: 'node[0-7]', success: true, exception_occurred: false, result: 1, expiration: t(3721.5), annotations: { sched: { resource_summary: 'rank[0-7]/core[0-7]' } }, waitstatus: 0 }));
  }
  // Two jobs finishing at the same instant: the larger ID first.
  for (const n of [10, 11]) {
    const b = { n, userid: 1001, name: 'pair', queue: 'batch', submitted: 100 + n };
    add(withJobspec(b, { ...common(b), priority: 16, t_submit: t(100 + n), t_depend: t(100.25 + n), t_priority: t(100.5 + n), t_sched: t(100.75 + n), t_run: t(101 + n), t_cleanup: t(179.75), t_inactive: t(180), state: 64 }, { ntasks: 1, ncores: 1, duration: 0, nnodes: 1, ranks: '6', nodelist: 'node6', success: false, exception_occurred: false, result: 2, expiration: 0, annotations: { sched: { resource_summary: 'rank6/core0' } }, waitstatus: 256 }));
  }
  // Canceled while pending: exception fields, no run.
  {
    const b = { n: 9, userid: 1000, name: 'canceled-pending', queue: 'batch', submitted: 90 };
    add(withJobspec(b, { ...common(b), priority: 16, t_submit: t(90.5), t_depend: t(90.75), t_priority: t(91), t_sched: t(91.25), t_cleanup: t(170.25), t_inactive: t(170.5), state: 64 }, { ntasks: 1, ncores: 1, duration: 0, success: false, exception_occurred: true, exception_type: 'cancel', exception_severity: 0, exception_note: '', result: 4 }));
  }
  // Timed out on two nodes.
  {
    const b = { n: 8, userid: 1001, name: 'overran', queue: 'debug', submitted: 80 };
    add(withJobspec(b, { ...common(b), priority: 16, t_submit: t(80.5), t_depend: t(80.75), t_priority: t(81), t_sched: t(81.25), t_run: t(81.5), t_cleanup: t(141.5), t_inactive: t(160.5), state: 64 }, { ntasks: 2, ncores: 2, duration: 60, nnodes: 2, ranks: '[2-3]', nodelist: 'node[2-3]', success: false, exception_occurred: true, exception_type: 'timeout', exception_severity: 0, exception_note: 'resource allocation expired', result: 8, expiration: t(141.5), annotations: { sched: { resource_summary: 'rank[2-3]/core0' } }, waitstatus: 36352 }));
  }
  // Failed on a broken dependency: never reached SCHED, keeps its dependency list.
  {
    const b = { n: 7, userid: 1000, name: 'broken-dependency', submitted: 70 };
    add(withJobspec(b, { ...common(b), t_submit: t(70.5), t_depend: t(70.75), t_cleanup: t(150.25), t_inactive: t(150.5), state: 64 }, { ntasks: 1, ncores: 1, duration: 0, success: false, exception_occurred: true, exception_type: 'dependency', exception_severity: 0, exception_note: 'dependency after-success=ƒ4FvFiNb can never be satisfied', result: 2, dependencies: ['after-success=ƒ4FvFiNb'] }));
  }
  // An exception recorded without a note (job-list omits exception_note then).
  {
    const b = { n: 6, userid: 5000, name: 'no-note', queue: 'batch', submitted: 60 };
    add(withJobspec(b, { ...common(b), priority: 16, t_submit: t(60.5), t_depend: t(60.75), t_priority: t(61), t_sched: t(61.25), t_run: t(61.5), t_cleanup: t(140.25), t_inactive: t(140.5), state: 64 }, { ntasks: 1, ncores: 1, duration: 0, nnodes: 1, ranks: '1', nodelist: 'node1', success: false, exception_occurred: true, exception_type: 'exec', exception_severity: 0, result: 2, expiration: 0, waitstatus: 32512 }));
  }
  // A jobspec job-list could not parse: no name, cwd, queue, counts or duration (job-list still
  // lists it); canceled while waiting in DEPEND, so no t_priority either.
  {
    add(ordered({ id: id(5), userid: 1001, urgency: 16, t_submit: t(50.5), t_depend: t(50.75), t_cleanup: t(130.25), t_inactive: t(130.5), state: 64, success: false, exception_occurred: true, exception_type: 'cancel', exception_severity: 0, exception_note: '', result: 4 }));
  }
  // Completed despite a non-fatal exception, with memo annotations.
  {
    const b = { n: 4, userid: 1000, name: 'データ ✓', queue: 'debug', urgency: 20, submitted: 40 };
    add(withJobspec(b, { ...common(b), priority: 20, t_submit: t(40.5), t_depend: t(40.75), t_priority: t(41), t_sched: t(41.25), t_run: t(41.5), t_cleanup: t(120.25), t_inactive: t(120.5), state: 64 }, { project: 'atlas', bank: 'hep', ntasks: 1, ncores: 1, duration: 0, nnodes: 1, ranks: '7', nodelist: 'node7', success: true, exception_occurred: true, exception_type: 'warning', exception_severity: 3, exception_note: 'slow filesystem', result: 1, expiration: 0, annotations: { user: { ticket: { id: 17, open: false } }, sched: { resource_summary: 'rank7/core0' } }, waitstatus: 0 }));
  }
  return jobs.sort(jobListOrder);
}

const PENDING = 0x0e;
const RUNNING = 0x30;
const listOf = (job: JsonObject): number => ((job.state as number) & PENDING ? 0 : (job.state as number) & RUNNING ? 1 : 2);
const num = (job: JsonObject, key: string): number => (job[key] as number | undefined) ?? 0;
const cmp = (a: bigint | number, b: bigint | number): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Section 4.2's order, written out again for the test: pending by priority (absent = 0)
 * descending then ID ascending; running by t_run (absent = 0) descending; inactive by
 * t_inactive descending then ID descending. (Running ties depend on insertion order in Flux,
 * so no two synthetic running jobs share a t_run.)
 */
export function jobListOrder(a: JsonObject, b: JsonObject): number {
  const list = listOf(a) - listOf(b);
  if (list !== 0) return list;
  const idA = a.id as bigint;
  const idB = b.id as bigint;
  switch (listOf(a)) {
    case 0:
      return cmp(num(b, 'priority'), num(a, 'priority')) || cmp(idA, idB);
    case 1:
      return cmp(num(b, 't_run'), num(a, 't_run'));
    default:
      return cmp(num(b, 't_inactive'), num(a, 't_inactive')) || cmp(idB, idA);
  }
}

export const SYNTHETIC_JOBS: readonly JsonObject[] = build();

/** Configured queues as job-stats named them; "idle" has no jobs left (all purged). */
export const SYNTHETIC_QUEUES = ['batch', 'debug', 'idle'];

export const SYNTHETIC_SNAPSHOT: JsonObject = {
  version: 1,
  taken: T0 + 500.5,
  source: 'synthetic: built from the job-list presence rules (reference section 6)',
  queues: SYNTHETIC_QUEUES,
  jobs: [...SYNTHETIC_JOBS],
};
