/**
 * Job field values: equal to Flux's JobInfo.to_dict(filtered=False) for the same job, with
 * null where Flux shows a stand-in ("" or 0.0) for something it has not set.
 */
import { JobInfo, type JobRecord } from '../../src/joblist';
import { readFixture, snapshotApp, workloadApp } from './test-app';

const ALL_FIELDS = `
  fragment AllJobFields on Job {
    id jobid userid username urgency priority state stateSingle result resultAbbrev status statusAbbrev
    name cwd queue project bank ntasks ncores nnodes duration ranks nodelist expiration
    tSubmit tDepend tPriority tSched tRun tCleanup tInactive runtime tRemaining
    waitstatus returncode success exception { occurred severity type note } annotations dependencies
    contextualInfo contextualTime inactiveReason
  }`;

type Dict = Record<string, unknown>;
type GraphQLJob = Record<string, unknown> & { exception: Dict };

/** Flux's stand-in for "not set" in to_dict(False) becomes null. */
function unlessBlank(value: unknown): unknown {
  return value === '' ? null : value;
}

function unlessZero(value: unknown): unknown {
  return value === 0 || value === '' ? null : value;
}

/** What our Job fields should say, worked out from Flux's dict and the raw record. */
function expectedFromDict(dict: Dict, record: Dict, skipClockFields: boolean): Dict {
  const exception = dict['exception'] as Dict;
  const expected: Dict = {
    id: dict['jobid'],
    jobid: dict['jobid'],
    userid: dict['userid'],
    username: dict['username'],
    urgency: dict['urgency'],
    priority: unlessBlank(dict['priority']),
    state: dict['state'],
    stateSingle: dict['state_single'],
    result: unlessBlank(dict['result']),
    resultAbbrev: unlessBlank(dict['result_abbrev']),
    status: dict['status'],
    statusAbbrev: dict['status_abbrev'],
    name: unlessBlank(dict['name']),
    cwd: unlessBlank(dict['cwd']),
    queue: unlessBlank(dict['queue']),
    project: unlessBlank(dict['project']),
    bank: unlessBlank(dict['bank']),
    ntasks: unlessBlank(dict['ntasks']),
    ncores: unlessBlank(dict['ncores']),
    nnodes: unlessBlank(dict['nnodes']),
    duration: 'duration' in record ? dict['duration'] : null,
    ranks: unlessBlank(dict['ranks']),
    nodelist: unlessBlank(dict['nodelist']),
    // 0.0 is Flux's "no expiration" as well as its stand-in: both are null here.
    expiration: unlessZero(dict['expiration']),
    tSubmit: dict['t_submit'],
    tDepend: unlessZero(dict['t_depend']),
    tPriority: unlessZero(dict['t_priority']),
    tSched: unlessZero(dict['t_sched']),
    tRun: unlessZero(dict['t_run']),
    tCleanup: unlessZero(dict['t_cleanup']),
    tInactive: unlessZero(dict['t_inactive']),
    waitstatus: unlessBlank(dict['waitstatus']),
    returncode: unlessBlank(dict['returncode']),
    success: unlessBlank(dict['success']),
    exception: {
      occurred: unlessBlank(exception['occurred']),
      severity: unlessBlank(exception['severity']),
      type: unlessBlank(exception['type']),
      // An exception's note may be empty: Flux has set it then.
      note: exception['occurred'] === true ? exception['note'] : null,
    },
    annotations: 'annotations' in record ? dict['annotations'] : null,
    dependencies: 'dependencies' in record ? dict['dependencies'] : null,
  };
  if (!skipClockFields) {
    expected['runtime'] = 't_run' in record ? dict['runtime'] : null;
    expected['tRemaining'] = dict['status'] === 'RUN' && unlessZero(dict['expiration']) !== null ? dict['t_remaining'] : null;
  }
  return expected;
}

function pick(job: GraphQLJob, keys: string[]): Dict {
  return Object.fromEntries(keys.map((key) => [key, job[key]]));
}

describe('Job fields against Flux 0.88 (the recorded snapshot and its JobInfo dump)', () => {
  const test = snapshotApp();
  const dumps = readFixture<Dict[]>('flux-0.88-snapshot-jobinfo.json');
  let jobs: GraphQLJob[];

  beforeAll(async () => {
    const response = await test.gql(`{ jobs(first: 1000) { nodes { ...AllJobFields } } } ${ALL_FIELDS}`);
    expect(response.errors).toBeUndefined();
    jobs = response.data.jobs.nodes as GraphQLJob[];
  });

  it('lists the 59 jobs in the order the 0.88 broker listed them', () => {
    expect(jobs.map((job) => job['id'])).toEqual(dumps.map((dump) => dump['jobid']));
  });

  it.each(dumps.map((dump, index) => [dump['jobid'] as string, dump['state'] as string, index]))(
    'job %s (%s) has the values Flux reports',
    (_jobid, state, index) => {
      const dump = dumps[index] as Dict;
      const record = test.snapshot.jobs[index] as Dict;
      // A running job's runtime and time left move with the clock; the dump was taken at another moment.
      const running = state === 'RUN' || state === 'CLEANUP';
      const expected = expectedFromDict(dump, record, running);
      const job = jobs[index] as GraphQLJob;
      expect(pick(job, Object.keys(expected))).toEqual(expected);
    },
  );

  it('shows priorities above 2^31 exactly (SafeInt)', () => {
    expect(jobs.map((job) => job['priority'])).toContain(4294967295);
  });
});

describe('Job fields against our JobInfo on a generated workload', () => {
  const test = workloadApp({ jobs: 600, seed: 2 });
  let jobs: GraphQLJob[];
  let records: JobRecord[];

  beforeAll(async () => {
    const response = await test.gql(`{ jobs(first: 1000) { nodes { ...AllJobFields } } } ${ALL_FIELDS}`);
    expect(response.errors).toBeUndefined();
    jobs = response.data.jobs.nodes as GraphQLJob[];
    records = await test.list({ attrs: ['all'] });
  });

  it('covers pending, running and inactive jobs of every result', () => {
    const states = new Set(jobs.map((job) => job['state']));
    expect([...states]).toEqual(expect.arrayContaining(['RUN', 'INACTIVE']));
    expect(['DEPEND', 'PRIORITY', 'SCHED'].some((state) => states.has(state))).toBe(true);
    expect(new Set(jobs.map((job) => job['result']))).toEqual(new Set([null, 'COMPLETED', 'FAILED', 'CANCELED', 'TIMEOUT']));
  });

  it('gives every job the values of JobInfo.toDict(false), null for what Flux has not set', () => {
    expect(jobs).toHaveLength(records.length);
    records.forEach((record, index) => {
      const info = new JobInfo(record, test.jobInfo);
      const dict = {
        ...info.toDict(false),
        state_single: info.fluxField('state_single'),
        status_abbrev: info.fluxField('status_abbrev'),
        result_abbrev: info.fluxField('result_abbrev'),
      };
      const expected = expectedFromDict(dict, record, false);
      expected['contextualInfo'] = unlessBlank(info.fluxField('contextual_info'));
      expected['inactiveReason'] = unlessBlank(info.fluxField('inactive_reason'));
      // The TIME column: the duration while pending, else the runtime (null as those are).
      expected['contextualTime'] = ['DEPEND', 'PRIORITY', 'SCHED'].includes(String(expected['state']))
        ? expected['duration']
        : expected['runtime'];
      const job = jobs[index] as GraphQLJob;
      expect(pick(job, Object.keys(expected))).toEqual(expected);
    });
  });

  it('shows a running job its runtime and time left from the instance clock', () => {
    const running = jobs.filter((job) => job['state'] === 'RUN' && job['expiration'] !== null);
    expect(running.length).toBeGreaterThan(0);
    for (const job of running) {
      expect(job['runtime']).toBeCloseTo(1795640000.25 - (job['tRun'] as number), 6);
      expect(job['tRemaining']).toBeCloseTo(Math.max(0, (job['expiration'] as number) - 1795640000.25), 6);
    }
  });

  it('gives pending jobs null for everything that comes with running', () => {
    const pending = jobs.filter((job) => ['DEPEND', 'PRIORITY', 'SCHED'].includes(job['state'] as string));
    expect(pending.length).toBeGreaterThan(0);
    for (const job of pending) {
      expect(pick(job, ['tRun', 'tCleanup', 'tInactive', 'runtime', 'tRemaining', 'ranks', 'nodelist', 'expiration', 'waitstatus', 'returncode', 'success', 'result', 'inactiveReason'])).toEqual({
        tRun: null,
        tCleanup: null,
        tInactive: null,
        runtime: null,
        tRemaining: null,
        ranks: null,
        nodelist: null,
        expiration: null,
        waitstatus: null,
        returncode: null,
        success: null,
        result: null,
        inactiveReason: null,
      });
      expect(job.exception).toEqual({ occurred: null, severity: null, type: null, note: null });
    }
  });
});
