/**
 * job-list.list results: which jobs, in what order, with which attributes, and how responses
 * are framed (reference sections 4.2 and 6).
 */
import fc from 'fast-check';
import { Errno, JobState, Role } from '../../../src/flux/constants';
import type { Json, JsonObject } from '../../../src/flux/json';
import { EmbeddedInstance, JOB_ATTRIBUTES } from '../../../src/embedded';
import { call, callOnce, ev, job, listedIds, request } from '../job-builders';

function list(instance: EmbeddedInstance, payload: JsonObject, options: { streaming?: boolean; userid?: number; rolemask?: number } = {}) {
  return call(instance.service, request('job-list.list', payload, options));
}

function ids(instance: EmbeddedInstance, payload: JsonObject): bigint[] {
  const responses = list(instance, payload);
  expect(responses).toHaveLength(1);
  return listedIds(responses[0] as never);
}

function jobsOf(instance: EmbeddedInstance, payload: JsonObject): JsonObject[] {
  return (callOnce(instance.service, request('job-list.list', payload)).payload as { jobs: JsonObject[] }).jobs;
}

describe('pending order', () => {
  /** The order observed on a flux-core 0.88 broker (reference 4.2), plus a PRIORITY job. */
  function pendingInstance(): EmbeddedInstance {
    const instance = new EmbeddedInstance();
    instance.sink.ingest(job(10n, 'depend', 100));
    instance.sink.ingest(job(20n, 'depend', 110));
    instance.sink.ingest(job(25n, 'priority', 115));
    instance.sink.ingest(job(30n, 'sched', 120, { urgency: 0, priority: 0 }));
    instance.sink.ingest(job(40n, 'sched', 130, { urgency: 0, priority: 0 }));
    instance.sink.ingest(job(50n, 'sched', 140, { priority: 16 }));
    instance.sink.ingest(job(60n, 'sched', 150, { urgency: 8, priority: 8 }));
    instance.sink.ingest(job(70n, 'sched', 160, { urgency: 31, priority: 4294967295 }));
    return instance;
  }

  it('is priority descending, then ID ascending, with unprioritised jobs interleaved by ID among priority 0', () => {
    expect(ids(pendingInstance(), { max_entries: 0, attrs: [] })).toEqual([70n, 50n, 60n, 10n, 20n, 25n, 30n, 40n]);
  });

  it('re-sorts a job when its priority changes', () => {
    const instance = pendingInstance();
    instance.sink.post(30n, ev('urgency', 200, { urgency: 20 }));
    instance.sink.post(30n, ev('priority', 201, { priority: 20 }));
    instance.sink.post(50n, ev('priority', 202, { priority: 1 }));
    expect(ids(instance, { max_entries: 0, attrs: [] })).toEqual([70n, 30n, 60n, 50n, 10n, 20n, 25n, 40n]);
  });

  it('keeps the last priority for ordering after a fall back to PRIORITY, but hides it', () => {
    const instance = pendingInstance();
    instance.sink.post(40n, ev('priority', 200, { priority: 100 }));
    instance.sink.post(40n, ev('urgency', 201, { urgency: 20 }));
    const jobs = jobsOf(instance, { max_entries: 0, attrs: ['state', 'priority', 't_priority'] });
    expect(jobs.map((j) => j.id)).toEqual([70, 40, 50, 60, 10, 20, 25, 30]);
    expect(jobs[1]).toEqual({ id: 40, state: JobState.PRIORITY, t_priority: 132 });
  });
});

describe('running order', () => {
  it('is t_run descending, ties most recently inserted first, jobs that never ran last', () => {
    const instance = new EmbeddedInstance();
    instance.sink.ingest(job(100n, 'run', 1000)); // t_run 1004
    instance.sink.ingest(job(101n, 'run', 1000)); // same t_run, inserted later
    instance.sink.ingest(job(102n, 'run', 2000)); // t_run 2004
    instance.sink.ingest(job(103n, 'cleanup', 500)); // ran at 504, now CLEANUP
    // canceled while SCHED: CLEANUP without ever running (t_run 0)
    instance.sink.ingest(job(104n, 'sched', 10));
    instance.sink.post(104n, ev('exception', 20, { type: 'cancel', severity: 0, note: '' }));
    instance.sink.ingest(job(105n, 'sched', 30));
    instance.sink.post(105n, ev('exception', 40, { type: 'cancel', severity: 0, note: '' }));
    expect(ids(instance, { max_entries: 0, attrs: [] })).toEqual([102n, 101n, 100n, 103n, 105n, 104n]);
    const jobs = jobsOf(instance, { max_entries: 0, attrs: ['state', 't_run'] });
    expect(jobs.slice(4)).toEqual([
      { id: 105, state: JobState.CLEANUP },
      { id: 104, state: JobState.CLEANUP },
    ]);
  });
});

describe('inactive order and since', () => {
  function inactiveInstance(): EmbeddedInstance {
    const instance = new EmbeddedInstance();
    instance.sink.ingest(job(200n, 'completed', 1000)); // t_inactive 1009
    instance.sink.ingest(job(201n, 'failed', 1000)); // 1009: tie, higher ID first
    instance.sink.ingest(job(199n, 'completed', 1000)); // 1009
    instance.sink.ingest(job(202n, 'canceled', 1100)); // 1105
    instance.sink.ingest(job(203n, 'timeout', 900)); // 909
    instance.sink.ingest(job(300n, 'sched', 5000));
    instance.sink.ingest(job(301n, 'run', 5000));
    return instance;
  }

  it('is t_inactive descending, ties by ID descending, after pending and running jobs', () => {
    expect(ids(inactiveInstance(), { max_entries: 0, attrs: [] })).toEqual([300n, 301n, 202n, 201n, 200n, 199n, 203n]);
  });

  it('returns the first max_entries jobs of the full order', () => {
    const instance = inactiveInstance();
    const all = ids(instance, { max_entries: 0, attrs: [] });
    for (let n = 1; n <= all.length + 1; n++) {
      expect(ids(instance, { max_entries: n, attrs: [] })).toEqual(all.slice(0, n));
    }
  });

  it('applies since to inactive jobs only, strictly', () => {
    const instance = inactiveInstance();
    expect(ids(instance, { max_entries: 0, attrs: [], since: 1009 })).toEqual([300n, 301n, 202n]);
    expect(ids(instance, { max_entries: 0, attrs: [], since: 1008.999 })).toEqual([300n, 301n, 202n, 201n, 200n, 199n]);
    expect(ids(instance, { max_entries: 0, attrs: [], since: 1e10 })).toEqual([300n, 301n]);
  });
});

describe('responses', () => {
  function smallInstance(): EmbeddedInstance {
    const instance = new EmbeddedInstance();
    instance.sink.ingest(job(1n, 'sched', 100, { userid: 42, spec: { command: ['/usr/bin/foo.sh'] } }));
    instance.sink.ingest(job(2n, 'run', 100, { userid: 42, spec: { name: 'bar.sh' } }));
    instance.sink.ingest(job(3n, 'completed', 100, { userid: 43 }));
    return instance;
  }

  it('streams one job per response, version 1 in the first, then ENODATA', () => {
    const responses = list(smallInstance(), { max_entries: 2, attrs: ['userid', 'name'], constraint: { userid: [42] } }, { streaming: true });
    expect(responses).toEqual([
      { payload: { jobs: [{ id: 1, userid: 42, name: 'foo.sh' }], version: 1 } },
      { payload: { jobs: [{ id: 2, userid: 42, name: 'bar.sh' }] } },
      { errnum: Errno.ENODATA },
    ]);
    expect(Object.keys((responses[0] as { payload: JsonObject }).payload)).toEqual(['jobs', 'version']);
  });

  it('sends only ENODATA when a streamed request matches nothing, and {"jobs":[]} otherwise', () => {
    const instance = smallInstance();
    expect(list(instance, { max_entries: 0, attrs: [], constraint: { userid: [7] } }, { streaming: true })).toEqual([{ errnum: Errno.ENODATA }]);
    expect(list(instance, { max_entries: 0, attrs: [], constraint: { userid: [7] } })).toEqual([{ payload: { jobs: [] } }]);
  });

  it('returns the same jobs in the same order streamed or not', () => {
    const instance = smallInstance();
    const streamed = list(instance, { max_entries: 0, attrs: ['all'] }, { streaming: true })
      .filter((r) => r.errnum === undefined)
      .flatMap((r) => (r.payload as { jobs: JsonObject[] }).jobs);
    expect(streamed).toEqual(jobsOf(instance, { max_entries: 0, attrs: ['all'] }));
  });
});

describe('attribute projection', () => {
  const instance = new EmbeddedInstance();
  instance.sink.ingest(job(5n, 'completed', 100, { spec: { queue: 'batch', cwd: '/home/alice' } }));
  instance.sink.ingest(job(6n, 'depend', 100));

  it('returns only id for an empty attrs array', () => {
    expect(jobsOf(instance, { max_entries: 0, attrs: [] })).toEqual([{ id: 6 }, { id: 5 }]);
  });

  it('puts id first, then attributes in request order, each at its first mention', () => {
    const [first] = jobsOf(instance, { max_entries: 1, attrs: ['state', 'name', 'userid', 'name'], constraint: { states: ['inactive'] } });
    expect(Object.keys(first as JsonObject)).toEqual(['id', 'state', 'name', 'userid']);
    const [withAll] = jobsOf(instance, { max_entries: 1, attrs: ['name', 'all'], constraint: { states: ['inactive'] } });
    const keys = Object.keys(withAll as JsonObject);
    expect(keys.slice(0, 3)).toEqual(['id', 'name', 'userid']);
    expect(keys.slice(2)).toEqual(JOB_ATTRIBUTES.filter((a) => a !== 'name' && keys.includes(a)));
  });

  it('leaves out attributes a job does not have', () => {
    expect(jobsOf(instance, { max_entries: 0, attrs: ['t_run', 'priority', 'result'], constraint: { states: ['depend'] } })).toEqual([{ id: 6 }]);
  });

  it('keeps integer and real attribute types apart in values', () => {
    const [done] = jobsOf(instance, { max_entries: 1, attrs: ['all'], constraint: { states: ['inactive'] } });
    expect(done).toMatchObject({ t_submit: 100, duration: 0, expiration: 0, priority: 16, result: 1, success: true, waitstatus: 0 });
  });
});

describe('attributes present by state (reference section 6)', () => {
  const spec = { queue: 'batch', cwd: '/home/alice' };
  const always = ['id', 'userid', 'urgency', 't_submit', 't_depend', 'state', 'name', 'cwd', 'queue', 'ntasks', 'ncores', 'duration'];

  function keysOf(documents: Parameters<EmbeddedInstance['sink']['ingest']>[0], extra: (i: EmbeddedInstance) => void = () => {}): string[] {
    const instance = new EmbeddedInstance();
    instance.sink.ingest(documents);
    extra(instance);
    const [only] = jobsOf(instance, { max_entries: 0, attrs: ['all'] });
    return Object.keys(only as JsonObject);
  }

  function inListOrder(keys: string[]): string[] {
    return ['id', ...JOB_ATTRIBUTES.filter((a) => keys.includes(a))];
  }

  it('DEPEND: dependencies, no priority or later timestamps', () => {
    expect(keysOf(job(1n, 'depend', 10, { spec }))).toEqual(inListOrder([...always, 'dependencies']));
  });

  it('SCHED, including a held job with priority 0', () => {
    const keys = inListOrder([...always, 'priority', 't_priority', 't_sched']);
    expect(keysOf(job(1n, 'sched', 10, { spec }))).toEqual(keys);
    const instance = new EmbeddedInstance();
    instance.sink.ingest(job(1n, 'sched', 10, { spec, urgency: 0, priority: 0 }));
    expect(jobsOf(instance, { max_entries: 0, attrs: ['priority', 'urgency'] })).toEqual([{ id: 1, priority: 0, urgency: 0 }]);
  });

  it('RUN: resources, expiration, annotations; project and bank when set', () => {
    expect(keysOf(job(1n, 'run', 10, { spec: { ...spec, project: 'p1', bank: 'b1' } }))).toEqual(
      inListOrder([...always, 'priority', 't_priority', 't_sched', 't_run', 'project', 'bank', 'nnodes', 'ranks', 'nodelist', 'expiration', 'annotations']),
    );
  });

  it('INACTIVE after running: outcome fields and waitstatus; exception fields only after an exception', () => {
    const ran = [...always, 'priority', 't_priority', 't_sched', 't_run', 'nnodes', 'ranks', 'nodelist', 'expiration', 'annotations'];
    const done = [...ran, 't_cleanup', 't_inactive', 'success', 'exception_occurred', 'result', 'waitstatus'];
    expect(keysOf(job(1n, 'completed', 10, { spec }))).toEqual(inListOrder(done));
    expect(keysOf(job(1n, 'timeout', 10, { spec }))).toEqual(inListOrder([...done, 'exception_type', 'exception_severity', 'exception_note']));
  });

  it('INACTIVE, canceled before running: no resources, annotations or waitstatus', () => {
    expect(keysOf(job(1n, 'canceled', 10, { spec }))).toEqual(
      inListOrder([
        ...always,
        'priority',
        't_priority',
        't_sched',
        't_cleanup',
        't_inactive',
        'success',
        'exception_occurred',
        'exception_type',
        'exception_severity',
        'exception_note',
        'result',
      ]),
    );
  });

  it('INACTIVE after a failed dependency: keeps the unsatisfied dependency, never reached SCHED', () => {
    const documents = job(1n, 'depend', 10, { spec });
    documents.eventlog.push(ev('exception', 13, { type: 'dependency', severity: 0, note: 'dependency failed' }), ev('clean', 14));
    const instance = new EmbeddedInstance();
    instance.sink.ingest(documents);
    const [failed] = jobsOf(instance, { max_entries: 0, attrs: ['all'] });
    expect(Object.keys(failed as JsonObject)).toEqual(
      inListOrder([
        ...always,
        't_cleanup',
        't_inactive',
        'success',
        'exception_occurred',
        'exception_type',
        'exception_severity',
        'exception_note',
        'result',
        'dependencies',
      ]),
    );
    expect(failed).toMatchObject({ result: 2, exception_type: 'dependency', dependencies: ['after-finish=f1'] });
  });
});

describe('legacy payloads (no constraint key)', () => {
  const instance = new EmbeddedInstance();
  instance.sink.ingest(job(1n, 'completed', 100, { userid: 1000, spec: { name: 'a', queue: 'q1' } }));
  instance.sink.ingest(job(2n, 'canceled', 100, { userid: 1000, spec: { name: 'b', queue: 'q2' } }));
  instance.sink.ingest(job(3n, 'canceled', 100, { userid: 2000, spec: { name: 'a', queue: 'q1' } }));
  instance.sink.ingest(job(4n, 'run', 100, { userid: 2000, spec: { name: 'a', queue: 'q2' } }));
  // order: 4 (running), 1 (t_inactive 109), 3 and 2 (both 105: higher ID first)

  const legacy = (extra: JsonObject): JsonObject => ({ max_entries: 0, attrs: [], userid: 1000, states: 0, results: 0, ...extra });

  it('builds the constraint from userid, name, queue, states and results (ANDed)', () => {
    expect(ids(instance, legacy({}))).toEqual([1n, 2n]);
    expect(ids(instance, legacy({ userid: -1 }))).toEqual([4n, 1n, 3n, 2n]);
    expect(ids(instance, legacy({ userid: 4294967295 }))).toEqual([4n, 1n, 3n, 2n]);
    expect(ids(instance, legacy({ userid: -1, name: 'a' }))).toEqual([4n, 1n, 3n]);
    expect(ids(instance, legacy({ userid: -1, queue: 'q2' }))).toEqual([4n, 2n]);
    expect(ids(instance, legacy({ userid: -1, states: JobState.INACTIVE, results: 4 }))).toEqual([3n, 2n]);
    expect(ids(instance, legacy({ userid: -1, states: JobState.RUN, results: 4 }))).toEqual([]);
  });

  it('treats a payload that is not quite legacy as "match everything"', () => {
    expect(ids(instance, legacy({ userid: 'x' }))).toEqual([4n, 1n, 3n, 2n]);
    expect(ids(instance, { max_entries: 0, attrs: [], userid: 1000, states: 0 })).toEqual([4n, 1n, 3n, 2n]);
  });

  it('validates the constraint it builds', () => {
    expect(list(instance, legacy({ states: 128 }))).toEqual([
      { errnum: Errno.EPROTO, errstr: "invalid payload: constraint object invalid: invalid states value '80h' specified" },
    ]);
  });
});

describe('private mode', () => {
  const instance = new EmbeddedInstance({ privateMode: true });
  instance.sink.ingest(job(1n, 'completed', 100, { userid: 1000 }));
  instance.sink.ingest(job(2n, 'run', 100, { userid: 2000 }));

  it("restricts guests to their own jobs and lets owners and admins see everyone's", () => {
    expect(listedIds(callOnce(instance.service, request('job-list.list', { max_entries: 0, attrs: [] }, { userid: 1000, rolemask: Role.USER })))).toEqual([1n]);
    expect(
      listedIds(callOnce(instance.service, request('job-list.list', { max_entries: 0, attrs: [], constraint: { states: ['run'] } }, { userid: 1000, rolemask: Role.USER }))),
    ).toEqual([]);
    expect(listedIds(callOnce(instance.service, request('job-list.list', { max_entries: 0, attrs: [] }, { userid: 1000, rolemask: Role.OWNER })))).toEqual([2n, 1n]);
    expect(listedIds(callOnce(instance.service, request('job-list.list', { max_entries: 0, attrs: [] }, { userid: 1000, rolemask: Role.USER | Role.ADMIN })))).toEqual([2n, 1n]);
  });

  it('is off by default', () => {
    const open = new EmbeddedInstance();
    open.sink.ingest(job(2n, 'run', 100, { userid: 2000 }));
    expect(listedIds(callOnce(open.service, request('job-list.list', { max_entries: 0, attrs: [] }, { userid: 1000, rolemask: Role.USER })))).toEqual([2n]);
  });
});

describe('timestamp-bounded scans', () => {
  it('return exactly the jobs a full scan returns, for any bound and page size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.constantFrom('completed', 'run', 'failed') as fc.Arbitrary<'completed' | 'run' | 'failed'>), {
          maxLength: 40,
        }),
        fc.integer({ min: 0, max: 60 }),
        fc.boolean(),
        fc.constantFrom('t_inactive', 't_run'),
        fc.integer({ min: 0, max: 6 }),
        (specs, bound, inclusive, key, maxEntries) => {
          const instance = new EmbeddedInstance({ maxComparisons: 0 });
          specs.forEach(([start, stage], i) => instance.sink.ingest(job(BigInt(i + 1), stage, 1000 + start)));
          const comparison = `${inclusive ? '<=' : '<'}${1000 + bound}`;
          const seeking: Json = { and: [{ [key]: [comparison] }, { userid: [1000] }] };
          // The same constraint hidden inside "or", where no bound is read from it: a full scan.
          const scanning: Json = { or: [{ and: [{ [key]: [comparison] }, { userid: [1000] }] }] };
          const a = jobsOf(instance, { max_entries: maxEntries, attrs: ['t_run', 't_inactive'], constraint: seeking });
          const b = jobsOf(instance, { max_entries: maxEntries, attrs: ['t_run', 't_inactive'], constraint: scanning });
          expect(a).toEqual(b);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keyset paging over t_inactive visits every inactive job once, in order', () => {
    const instance = new EmbeddedInstance();
    for (let i = 0; i < 30; i++) instance.sink.ingest(job(BigInt(100 + i), 'completed', 1000 + Math.floor(i / 3) * 10));
    const all = listedIds(callOnce(instance.service, request('job-list.list', { max_entries: 0, attrs: [], constraint: { states: ['inactive'] } })));
    const seen: bigint[] = [];
    let cursor: { t: number; id: bigint } | undefined;
    for (;;) {
      const constraint: Json =
        cursor === undefined ? { states: ['inactive'] } : { and: [{ states: ['inactive'] }, { t_inactive: [`<=${cursor.t}`] }] };
      const page = jobsOf(instance, { max_entries: 4 + seen.length, attrs: ['t_inactive'], constraint });
      const fresh = page.filter((j) => cursor === undefined || (j.t_inactive as number) < cursor.t || BigInt(j.id as number) < cursor.id).slice(0, 4);
      if (fresh.length === 0) break;
      for (const j of fresh) seen.push(BigInt(j.id as number));
      const last = fresh[fresh.length - 1] as JsonObject;
      cursor = { t: last.t_inactive as number, id: BigInt(last.id as number) };
    }
    expect(seen).toEqual(all);
  });
});

describe('jobs that are not listed', () => {
  it('never lists NEW jobs, and forgets invalidated ones', () => {
    const instance = new EmbeddedInstance();
    instance.sink.ingest(job(1n, 'new', 100));
    instance.sink.ingest(job(2n, 'new', 100));
    instance.sink.post(2n, ev('invalidate', 101));
    expect(ids(instance, { max_entries: 0, attrs: [] })).toEqual([]);
    instance.sink.post(1n, ev('validate', 102));
    expect(ids(instance, { max_entries: 0, attrs: [] })).toEqual([1n]);
    expect(instance.store.lookup(2n)).toBe(-1);
  });

  it('builds jobs whose jobspec is unusable, with fewer fields', () => {
    const instance = new EmbeddedInstance();
    instance.sink.ingest({ ...job(1n, 'sched', 100), jobspec: { version: 1 } as never });
    expect(jobsOf(instance, { max_entries: 0, attrs: ['all'] })).toEqual([
      { id: 1, userid: 1000, urgency: 16, priority: 16, t_submit: 100, t_depend: 101, t_priority: 102, t_sched: 103, state: JobState.SCHED },
    ]);
  });
});
