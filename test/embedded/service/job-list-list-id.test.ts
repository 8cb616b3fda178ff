/**
 * job-list.list-id: the error rows of reference 4.3 and waiting for a state (4.3 step 4).
 */
import { Errno, JobState, Role } from '../../../src/flux/constants';
import type { Json, JsonObject } from '../../../src/flux/json';
import { EmbeddedInstance } from '../../../src/embedded';
import type { ServiceResponse } from '../../../src/embedded/service/service-types';
import { call, callOnce, ev, job, rawRequest, request } from '../job-builders';

const KNOWN = 8862581129216n;

function instance(options: ConstructorParameters<typeof EmbeddedInstance>[0] = {}): EmbeddedInstance {
  const inst = new EmbeddedInstance(options);
  inst.sink.ingest(job(KNOWN, 'run', 100, { userid: 1000 }));
  return inst;
}

describe('job-list.list-id errors', () => {
  const inst = instance();

  it.each<[string, string]>([
    ['{"attrs":[]}', 'invalid payload: Object item not found: id'],
    [`{"id":${KNOWN}}`, 'invalid payload: Object item not found: attrs'],
    ['{"id":"8862581129216","attrs":[]}', 'invalid payload: Expected integer, got string'],
    ['{"id":"ƒjwgCSK","attrs":[]}', 'invalid payload: Expected integer, got string'],
    ['{"id":8862581129216.0,"attrs":[]}', 'invalid payload: Expected integer, got real'],
    [`{"id":${KNOWN},"attrs":"name"}`, 'invalid payload: attrs must be an array'],
    [`{"id":${KNOWN},"attrs":null}`, 'invalid payload: attrs must be an array'],
    [`{"id":${KNOWN},"attrs":null,"state":1}`, 'invalid payload: attrs must be an array'],
    [`{"id":${KNOWN},"attrs":[],"state":1}`, 'invalid payload: invalid state specified'],
    [`{"id":${KNOWN},"attrs":[],"state":128}`, 'invalid payload: invalid state specified'],
    [`{"id":${KNOWN},"attrs":[],"state":-1}`, 'invalid payload: invalid state specified'],
    [`{"id":${KNOWN},"attrs":[],"state":"run"}`, 'invalid payload: Expected integer, got string'],
    [`{"id":${KNOWN},"attrs":[],"state":16.0}`, 'invalid payload: Expected integer, got real'],
    ['hello', "invalid payload: '[' or '{' expected near 'hello'"],
  ])('%s -> EPROTO %j', (text, message) => {
    expect(call(inst.service, rawRequest('job-list.list-id', text))).toEqual([{ errnum: Errno.EPROTO, errstr: message }]);
  });

  it('rejects a request without payload', () => {
    expect(call(inst.service, request('job-list.list-id'))).toEqual([
      { errnum: Errno.EPROTO, errstr: 'invalid payload: message does not have a string payload' },
    ]);
  });

  it.each<[Json, Json]>([
    [1, []],
    [2n ** 62n, []],
    [-1, []],
    [1, ['foo']],
  ])('answers ENOENT without a string for unknown id %p (attrs %j)', (id, attrs) => {
    expect(call(inst.service, request('job-list.list-id', { id, attrs }))).toEqual([{ errnum: Errno.ENOENT }]);
  });

  it.each<[Json[], string]>([
    [['foo'], 'foo is not a valid attribute'],
    [['id'], 'id is not a valid attribute'],
    [[1], 'attr has no string value'],
  ])('answers EINVAL for a known job with attrs %j', (attrs, message) => {
    expect(call(inst.service, request('job-list.list-id', { id: KNOWN, attrs }))).toEqual([{ errnum: Errno.EINVAL, errstr: message }]);
  });

  it('answers once, even with the STREAMING flag, with the same job object as list', () => {
    const responses = call(inst.service, request('job-list.list-id', { id: KNOWN, attrs: ['all'], max_entries: 5 }, { streaming: true }));
    const listed = callOnce(inst.service, request('job-list.list', { max_entries: 1, attrs: ['all'] })).payload as { jobs: JsonObject[] };
    expect(responses).toEqual([{ payload: { job: listed.jobs[0] } }]);
  });

  it('reads the low 32 bits of state, as Flux does', () => {
    expect(callOnce(inst.service, rawRequest('job-list.list-id', `{"id":${KNOWN},"attrs":["state"],"state":4294967312}`))).toEqual({
      payload: { job: { id: Number(KNOWN), state: JobState.RUN } },
    });
  });
});

describe('job-list.list-id waiting for a state', () => {
  it.each<[string, number]>([
    ['no state on a RUN job', 0],
    ['RUN on a RUN job', JobState.RUN],
    ['DEPEND, passed earlier', JobState.DEPEND],
    ['any of 126', 126],
  ])('answers at once: %s', (_what, state) => {
    const inst = instance();
    expect(call(inst.service, request('job-list.list-id', { id: KNOWN, attrs: ['state'], state }))).toEqual([
      { payload: { job: { id: Number(KNOWN), state: JobState.RUN } } },
    ]);
  });

  it('answers an inactive job at once whatever state is asked for', () => {
    const inst = new EmbeddedInstance();
    inst.sink.ingest(job(5n, 'canceled', 100));
    expect(call(inst.service, request('job-list.list-id', { id: 5, attrs: ['state'], state: JobState.RUN }))).toEqual([
      { payload: { job: { id: 5, state: JobState.INACTIVE } } },
    ]);
  });

  it('waits until a requested state is reached, then shows the current state', () => {
    const inst = new EmbeddedInstance();
    inst.sink.ingest(job(5n, 'sched', 100));
    const responses: ServiceResponse[] = [];
    inst.service.handle(request('job-list.list-id', { id: 5, attrs: ['state', 't_run'], state: JobState.RUN | JobState.INACTIVE }), (r) => responses.push(r));
    expect(responses).toEqual([]);
    expect((callOnce(inst.service, request('job-list.stats-get', {})).payload as JsonObject).idsync).toEqual({ lookups: 0, waits: 1 });
    inst.sink.post(5n, ev('annotations', 110, { annotations: { sched: { reason_pending: 'x' } } }));
    expect(responses).toEqual([]);
    inst.sink.post(5n, ev('alloc', 111));
    expect(responses).toEqual([{ payload: { job: { id: 5, state: JobState.RUN, t_run: 111 } } }]);
    inst.sink.post(5n, ev('finish', 112, { status: 0 }));
    expect(responses).toHaveLength(1);
    expect((callOnce(inst.service, request('job-list.stats-get', {})).payload as JsonObject).idsync).toEqual({ lookups: 0, waits: 0 });
  });

  it('ends a wait for a state the job skipped when it becomes inactive', () => {
    const inst = new EmbeddedInstance();
    inst.sink.ingest(job(5n, 'sched', 100));
    const responses: ServiceResponse[] = [];
    inst.service.handle(request('job-list.list-id', { id: 5, attrs: ['state'], state: JobState.RUN }), (r) => responses.push(r));
    inst.sink.post(5n, ev('exception', 110, { type: 'cancel', severity: 0, note: '' }));
    expect(responses).toEqual([]);
    inst.sink.post(5n, ev('clean', 111));
    expect(responses).toEqual([{ payload: { job: { id: 5, state: JobState.INACTIVE } } }]);
  });

  it('waits for a NEW job to leave NEW when no state is asked for', () => {
    const inst = new EmbeddedInstance();
    inst.sink.ingest(job(5n, 'new', 100));
    const responses: ServiceResponse[] = [];
    inst.service.handle(request('job-list.list-id', { id: 5, attrs: ['state'] }), (r) => responses.push(r));
    inst.service.handle(request('job-list.list-id', { id: 5, attrs: ['state'], state: JobState.SCHED }), (r) => responses.push(r));
    expect(responses).toEqual([]);
    inst.sink.post(5n, ev('validate', 101));
    expect(responses).toEqual([{ payload: { job: { id: 5, state: JobState.DEPEND } } }]);
    inst.sink.post(5n, ev('depend', 102));
    inst.sink.post(5n, ev('priority', 103, { priority: 16 }));
    expect(responses).toEqual([{ payload: { job: { id: 5, state: JobState.DEPEND } } }, { payload: { job: { id: 5, state: JobState.SCHED } } }]);
  });

  it('reports a bad attribute when the wait ends', () => {
    const inst = new EmbeddedInstance();
    inst.sink.ingest(job(5n, 'sched', 100));
    const responses: ServiceResponse[] = [];
    inst.service.handle(request('job-list.list-id', { id: 5, attrs: ['nope'], state: JobState.RUN }), (r) => responses.push(r));
    inst.sink.post(5n, ev('alloc', 111));
    expect(responses).toEqual([{ errnum: Errno.EINVAL, errstr: 'nope is not a valid attribute' }]);
  });

  it('keeps waiting after the client disconnects', () => {
    const inst = new EmbeddedInstance();
    inst.sink.ingest(job(5n, 'sched', 100));
    const responses: ServiceResponse[] = [];
    inst.service.handle(request('job-list.list-id', { id: 5, attrs: [], state: JobState.RUN }, { sender: 'gone' }), (r) => responses.push(r));
    expect(call(inst.service, request('job-list.disconnect', undefined, { sender: 'gone' }))).toEqual([]);
    inst.sink.post(5n, ev('alloc', 111));
    expect(responses).toEqual([{ payload: { job: { id: 5 } } }]);
  });
});

describe('job-list.list-id in private mode', () => {
  it("hides other users' jobs as unknown, with an empty error string", () => {
    const inst = instance({ privateMode: true });
    inst.sink.ingest(job(6n, 'sched', 100, { userid: 2000 }));
    const guest = { userid: 1000, rolemask: Role.USER };
    expect(call(inst.service, request('job-list.list-id', { id: 6, attrs: [] }, guest))).toEqual([{ errnum: Errno.ENOENT, errstr: '' }]);
    expect(call(inst.service, request('job-list.list-id', { id: KNOWN, attrs: ['userid'] }, guest))).toEqual([
      { payload: { job: { id: Number(KNOWN), userid: 1000 } } },
    ]);
    expect(call(inst.service, request('job-list.list-id', { id: 6, attrs: [] }, { userid: 1000, rolemask: Role.OWNER }))).toEqual([{ payload: { job: { id: 6 } } }]);

    // A NEW job's owner is known from its submit event, so it is hidden at once, without a wait.
    inst.sink.ingest(job(7n, 'new', 100, { userid: 2000 }));
    expect(call(inst.service, request('job-list.list-id', { id: 7, attrs: [] }, guest))).toEqual([{ errnum: Errno.ENOENT, errstr: '' }]);
  });
});
