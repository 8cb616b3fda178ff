import { FLUX_USERID_UNKNOWN } from '../../src/flux/constants';
import { stringifyJson, type JsonObject } from '../../src/flux/json';
import { JobList, JobListError, jobFieldsToAttrs, jobList, jobListInactive, jobListPayload } from '../../src/joblist';
import { parsePasswd } from '../../src/joblist/user-database';
import { FakeHandle, jobListResponder } from './fake-handle';
import { compactPythonJson, wireCapture } from './fixtures';

const users = parsePasswd(
  ['root:x:0:0:root:/root:/bin/bash', '# comment', 'alice:x:1000:1000::/home/alice:/bin/sh', 'bob:x:1001:1001::/home/bob:/bin/sh'].join(
    '\n',
  ),
);

function newHandle(): FakeHandle {
  return new FakeHandle(jobListResponder([]));
}

function payloadOf(options: ConstructorParameters<typeof JobList>[1]): JsonObject {
  return new JobList(newHandle(), { userDatabase: users, ...options }).payload();
}

function constraintOf(options: ConstructorParameters<typeof JobList>[1]): JsonObject {
  return payloadOf(options).constraint as JsonObject;
}

describe('JobList payloads (section 9.3)', () => {
  it('sends every user, all attributes, 1000 jobs and since 0.0 by default', () => {
    const payload = payloadOf({});
    expect(payload).toEqual({ max_entries: 1000, attrs: ['all'], since: 0, constraint: { and: [] } });
    expect(stringifyJson(payload)).toBe('{"max_entries":1000,"attrs":["all"],"since":0.0,"constraint":{"and":[]}}');
  });

  it('matches the documented pending,running example for uid 1000', () => {
    expect(stringifyJson(payloadOf({ user: 1000, filters: ['pending,running'] }))).toBe(
      '{"max_entries":1000,"attrs":["all"],"since":0.0,"constraint":{"and":[{"userid":[1000]},{"states":[62]}]}}',
    );
  });

  it('ORs states with results: running + completed', () => {
    expect(constraintOf({ user: 1000, filters: ['running', 'completed'] })).toEqual({
      and: [{ userid: [1000] }, { or: [{ states: [48] }, { results: [1] }] }],
    });
    expect(constraintOf({ user: 'all', filters: ['running', 'completed'] })).toEqual({
      and: [{ or: [{ states: [48] }, { results: [1] }] }],
    });
  });

  it.each([
    [['depend'], { states: [2] }],
    [['priority'], { states: [4] }],
    [['sched'], { states: [8] }],
    [['run'], { states: [16] }],
    [['cleanup'], { states: [32] }],
    [['inactive'], { states: [64] }],
    [['pending'], { states: [14] }],
    [['running'], { states: [48] }],
    [['active'], { states: [62] }],
    [['pending', 'running', 'inactive'], { states: [126] }],
    [['SCHED,Run'], { states: [24] }],
    [['completed'], { results: [1] }],
    [['failed'], { results: [2] }],
    [['canceled'], { results: [4] }],
    [['timeout'], { results: [8] }],
    [['failed,canceled,timeout'], { results: [14] }],
    [['inactive,completed'], { or: [{ states: [64] }, { results: [1] }] }],
  ])('filters %j add %j', (filters, term) => {
    expect(constraintOf({ filters })).toEqual({ and: [term] });
  });

  it('puts constraint, user, name, queue and state terms in Flux order', () => {
    const payload = payloadOf({
      constraint: { hostlist: ['node[1-2]'] },
      user: 'alice',
      name: 'sleep',
      queue: 'batch',
      filters: ['running'],
      since: 1795636000.5,
      maxEntries: 5,
      attrs: ['state', 'name'],
    });
    expect(payload).toEqual({
      max_entries: 5,
      attrs: ['state', 'name'],
      since: 1795636000.5,
      constraint: {
        and: [{ hostlist: ['node[1-2]'] }, { userid: [1000] }, { name: ['sleep'] }, { queue: ['batch'] }, { states: [48] }],
      },
    });
  });

  it('accepts several queues, from an array or any iterable', () => {
    expect(constraintOf({ queue: ['batch', 'debug'] })).toEqual({ and: [{ queue: ['batch', 'debug'] }] });
    expect(constraintOf({ queue: new Set(['long']) })).toEqual({ and: [{ queue: ['long'] }] });
  });

  it('leaves out an empty name or queue, as Flux does for falsy values', () => {
    expect(constraintOf({ name: '', queue: '' })).toEqual({ and: [] });
    expect(constraintOf({ queue: [] })).toEqual({ and: [] });
  });

  it('rejects a queue that is neither a string nor iterable', () => {
    const make = () => payloadOf({ queue: 42 as unknown as string });
    expect(make).toThrow(JobListError);
    expect(make).toThrow('queue parameter must be a string or iterable');
    try {
      make();
    } catch (err) {
      expect((err as JobListError).code).toBe('INVALID_ARGUMENT');
    }
  });

  it('does not change the caller constraint or attrs', () => {
    const constraint = { name: ['x'] };
    const attrs = ['state'];
    const payload = payloadOf({ constraint, attrs, user: 0 });
    expect(constraint).toEqual({ name: ['x'] });
    expect(attrs).toEqual(['state']);
    expect(payload.constraint).toEqual({ and: [{ name: ['x'] }, { userid: [0] }] });
  });

  it('reproduces the request `flux jobs -a -o "{id.f58} {state} {name}"` sent as root', () => {
    const request = wireCapture().find((m) => m.dir === 'client->broker' && m.topic === 'job-list.list');
    expect(request?.payload).toBeDefined();
    // flux jobs: -a = pending,running,inactive; count 1000 + 1 to notice truncation.
    const list = new JobList(newHandle(), {
      attrs: jobFieldsToAttrs(['id.f58', 'state', 'name']),
      filters: ['pending', 'running', 'inactive'],
      user: 0,
      maxEntries: 1001,
      userDatabase: users,
    });
    expect(stringifyJson(list.payload())).toBe(compactPythonJson(request?.payload ?? ''));
  });
});

describe('JobList users', () => {
  it.each([
    ['all', undefined],
    [null, undefined],
    [undefined, undefined],
    ['root', 0],
    ['alice', 1000],
    [1001, 1001],
    ['1001', 1001],
    ['+1000', 1000],
    [' 42 ', 42],
    ['4_2', 42],
    [String(FLUX_USERID_UNKNOWN), undefined],
  ])('user %j -> userid term %j', (user, uid) => {
    const expected = uid === undefined ? [] : [{ userid: [uid] }];
    expect(constraintOf({ user })).toEqual({ and: expected });
  });

  it.each(['nosuchuser', '', '1.5', '12a', '4__2', 'ALL'])('rejects user %j', (user) => {
    expect(() => payloadOf({ user })).toThrow(`Invalid user ${user} specified`);
    expect(() => payloadOf({ user })).toThrow(expect.objectContaining({ code: 'INVALID_USER' }));
  });

  it('rejects a non-integer numeric user', () => {
    expect(() => payloadOf({ user: 1.5 })).toThrow('Invalid user 1.5 specified');
  });

  it('setUser changes the query afterwards', () => {
    const list = new JobList(newHandle(), { userDatabase: users });
    list.setUser('bob');
    expect(list.payload().constraint).toEqual({ and: [{ userid: [1001] }] });
    list.setUser('all');
    expect(list.payload().constraint).toEqual({ and: [] });
  });
});

describe('JobList filters', () => {
  it.each(['new', '', 'foobar', 'runnin', 'completed ', 'pending;running'])('rejects filter %j', (filter) => {
    let caught: unknown;
    try {
      payloadOf({ filters: [filter] });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(JobListError);
    expect((caught as JobListError).code).toBe('INVALID_FILTER');
    expect((caught as JobListError).message).toBe(`Invalid filter specified: ${filter.toLowerCase().split(',')[0]}`);
  });

  it('reports the lower-cased piece that failed, after splitting on commas', () => {
    expect(() => payloadOf({ filters: ['Running,FooBar'] })).toThrow('Invalid filter specified: foobar');
    expect(() => payloadOf({ filters: ['running,'] })).toThrow(/^Invalid filter specified: $/);
  });

  it('addFilter accumulates', () => {
    const list = new JobList(newHandle());
    list.addFilter('RUN');
    list.addFilter('sched');
    list.addFilter('timeout');
    expect(list.states).toBe(24);
    expect(list.results).toBe(8);
  });

  it('exposes Flux filter tables', () => {
    expect(JobList.STATES).toEqual({
      depend: 2,
      priority: 4,
      sched: 8,
      run: 16,
      cleanup: 32,
      inactive: 64,
      pending: 14,
      running: 48,
      active: 62,
    });
    expect(JobList.RESULTS).toEqual({ completed: 1, failed: 2, canceled: 4, timeout: 8 });
  });

  it('checks ids before filters and filters before the user, as Flux does', () => {
    expect(() => payloadOf({ ids: ['nope'], filters: ['bad'], user: 'nosuchuser' })).toThrow('nope is not a valid Flux jobid');
    expect(() => payloadOf({ filters: ['bad'], user: 'nosuchuser' })).toThrow('Invalid filter specified: bad');
  });
});

describe('job_list and job_list_inactive payloads (section 9.1)', () => {
  it('job_list defaults to the uid of this process', () => {
    expect(jobListPayload()).toEqual({
      max_entries: 1000,
      attrs: ['all'],
      since: 0,
      constraint: { and: [{ userid: [process.getuid?.() ?? FLUX_USERID_UNKNOWN] }] },
    });
  });

  it('job_list ORs states and results, or sends whichever is set', () => {
    expect(jobListPayload({ userid: FLUX_USERID_UNKNOWN, states: 14, results: 2 }).constraint).toEqual({
      and: [{ or: [{ states: [14] }, { results: [2] }] }],
    });
    expect(jobListPayload({ userid: FLUX_USERID_UNKNOWN, results: 2 }).constraint).toEqual({ and: [{ results: [2] }] });
  });

  it('truncates max_entries like int() and refuses non-finite numbers', () => {
    expect(jobListPayload({ maxEntries: 7.9, userid: 5 }).max_entries).toBe(7);
    expect(() => jobListPayload({ maxEntries: Number.NaN })).toThrow(JobListError);
    expect(() => jobListPayload({ since: Number.POSITIVE_INFINITY })).toThrow(JobListError);
  });

  it('job_list_inactive asks every user for INACTIVE jobs since a time', async () => {
    const handle = newHandle();
    await jobListInactive(handle, { since: 1795636000, maxEntries: 10, name: 'sleep' }).getJobs();
    expect(handle.calls).toEqual([
      {
        topic: 'job-list.list',
        streaming: false,
        payload: {
          max_entries: 10,
          attrs: ['all'],
          since: 1795636000,
          constraint: { and: [{ name: ['sleep'] }, { states: [64] }] },
        },
      },
    ]);
  });

  it('job_list sends the payload it was given a constraint for', async () => {
    const handle = newHandle();
    await jobList(handle, { userid: 1000, constraint: { name: ['sleep'] }, maxEntries: 0 }).getJobs();
    expect(handle.calls[0]?.payload).toEqual({
      max_entries: 0,
      attrs: ['all'],
      since: 0,
      constraint: { and: [{ name: ['sleep'] }, { userid: [1000] }] },
    });
  });
});
