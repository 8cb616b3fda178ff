/**
 * job-list.list-attrs, job-stats (one-shot and streamed), stats-get, disconnect, the journal
 * pause hooks, unknown methods and services, and role checks (reference 3, 4.4-4.7).
 */
import { Errno, JobResult, JobState, Role } from '../../../src/flux/constants';
import type { JsonObject } from '../../../src/flux/json';
import { stringifyJson } from '../../../src/flux/json';
import { EmbeddedInstance, JOB_ATTRIBUTES, type TimerApi } from '../../../src/embedded';
import type { ServiceResponse } from '../../../src/embedded/service/service-types';
import { call, callOnce, ev, job, rawRequest, request, type Stage } from '../job-builders';

/** Timers that fire only when the test says so. */
class ManualTimers implements TimerApi {
  private callbacks = new Map<number, () => void>();
  private next = 1;
  delays: number[] = [];
  set(callback: () => void, ms: number): unknown {
    this.delays.push(ms);
    const handle = this.next++;
    this.callbacks.set(handle, callback);
    return handle;
  }
  clear(handle: unknown): void {
    this.callbacks.delete(handle as number);
  }
  get pending(): number {
    return this.callbacks.size;
  }
  fireAll(): void {
    const due = [...this.callbacks.values()];
    this.callbacks.clear();
    for (const callback of due) callback();
  }
}

const LIST_ATTRS = [
  'userid', 'urgency', 'priority', 't_submit', 't_depend', 't_priority', 't_sched', 't_run', 't_cleanup', 't_inactive',
  'state', 'name', 'cwd', 'queue', 'project', 'bank', 'ntasks', 'ncores', 'duration', 'nnodes', 'ranks', 'nodelist',
  'success', 'exception_occurred', 'exception_type', 'exception_severity', 'exception_note', 'result', 'expiration',
  'annotations', 'waitstatus', 'dependencies', 'all',
]; // prettier-ignore

describe('job-list.list-attrs', () => {
  const inst = new EmbeddedInstance();

  it('lists the 32 attributes in Flux order plus "all", whatever the payload', () => {
    for (const req of [
      request('job-list.list-attrs'),
      request('job-list.list-attrs', {}),
      rawRequest('job-list.list-attrs', 'not json at all'),
      rawRequest('job-list.list-attrs', 'x', { nul: false }),
      request('job-list.list-attrs', {}, { streaming: true }),
    ]) {
      expect(call(inst.service, req)).toEqual([{ payload: { attrs: LIST_ATTRS } }]);
    }
    expect(JOB_ATTRIBUTES).toEqual(LIST_ATTRS.slice(0, 32));
  });
});

describe('job-list.job-stats', () => {
  it('has Flux key order, "queues":[] when there are none', () => {
    const response = callOnce(new EmbeddedInstance().service, request('job-list.job-stats'));
    expect(stringifyJson(response.payload as JsonObject)).toBe(
      '{"job_states":{"depend":0,"priority":0,"sched":0,"run":0,"cleanup":0,"inactive":0,"total":0},' +
        '"successful":0,"failed":0,"canceled":0,"timeout":0,"inactive_purged":0,"queues":[]}',
    );
  });

  it('lists configured queues even when empty, and queues that jobs name', () => {
    const inst = new EmbeddedInstance({ queues: ['batch', 'debug'] });
    inst.sink.ingest(job(1n, 'run', 10, { spec: { queue: 'gpu' } }));
    inst.sink.ingest(job(2n, 'run', 10));
    const stats = callOnce(inst.service, request('job-list.job-stats', {})).payload as { queues: JsonObject[]; job_states: JsonObject };
    expect(stats.queues.map((q) => q.name)).toEqual(['batch', 'debug', 'gpu']);
    expect(Object.keys(stats.queues[0] as JsonObject)).toEqual(['job_states', 'successful', 'failed', 'canceled', 'timeout', 'inactive_purged', 'name']);
    expect(stats.queues[2]).toMatchObject({ job_states: { run: 1, total: 1 } });
    // The job without a queue counts only at the top level.
    expect(stats.job_states).toMatchObject({ run: 2, total: 2 });
  });

  it('agrees with the jobs job-list.list returns, overall and per queue', () => {
    const inst = new EmbeddedInstance({ queues: ['batch', 'debug', 'empty'] });
    const stages: Stage[] = ['new', 'depend', 'priority', 'sched', 'run', 'cleanup', 'completed', 'failed', 'canceled', 'canceled-running', 'timeout'];
    let id = 1n;
    for (const queue of ['batch', 'debug', undefined]) {
      for (const stage of stages) inst.sink.ingest(job(id++, stage, Number(id) * 10, { spec: queue === undefined ? {} : { queue } }));
    }
    inst.sink.post(1n, ev('validate', 1000)); // batch's NEW job moves to DEPEND
    const jobs = (callOnce(inst.service, request('job-list.list', { max_entries: 0, attrs: ['state', 'result', 'queue'] })).payload as { jobs: JsonObject[] }).jobs;
    const expected = (subset: JsonObject[]): JsonObject => {
      const count = (state: number): number => subset.filter((j) => j.state === state).length;
      const results = (result: number): number => subset.filter((j) => j.result === result).length;
      return {
        job_states: {
          depend: count(JobState.DEPEND),
          priority: count(JobState.PRIORITY),
          sched: count(JobState.SCHED),
          run: count(JobState.RUN),
          cleanup: count(JobState.CLEANUP),
          inactive: count(JobState.INACTIVE),
          total: subset.length,
        },
        successful: results(JobResult.COMPLETED),
        failed: results(JobResult.FAILED),
        canceled: results(JobResult.CANCELED),
        timeout: results(JobResult.TIMEOUT),
        inactive_purged: 0,
      };
    };
    const stats = callOnce(inst.service, request('job-list.job-stats', {})).payload as JsonObject & { queues: JsonObject[] };
    const { queues, ...overall } = stats;
    expect(overall).toEqual(expected(jobs));
    expect(overall.job_states).toMatchObject({ depend: 4, priority: 3, sched: 3, run: 3, cleanup: 3, inactive: 15, total: 31 });
    for (const queue of queues) {
      expect(queue).toEqual({ ...expected(jobs.filter((j) => j.queue === queue.name)), name: queue.name });
    }
  });

  it('moves a job between queues on jobspec-update', () => {
    const inst = new EmbeddedInstance({ queues: ['batch', 'debug'] });
    inst.sink.ingest(job(1n, 'sched', 10, { spec: { queue: 'batch' } }));
    inst.sink.post(1n, ev('jobspec-update', 20, { 'attributes.system.queue': 'debug' }));
    const stats = callOnce(inst.service, request('job-list.job-stats', {})).payload as { queues: JsonObject[] };
    expect(stats.queues.map((q) => [q.name, (q.job_states as JsonObject).total, (q.job_states as JsonObject).priority])).toEqual([
      ['batch', 0, 0],
      ['debug', 1, 1],
    ]);
  });

  it('streams: an answer at once, then one update per batch delay after changes, until disconnect', () => {
    const timers = new ManualTimers();
    const inst = new EmbeddedInstance({ timers });
    const streamed: ServiceResponse[] = [];
    const other: ServiceResponse[] = [];
    inst.service.handle(request('job-list.job-stats', {}, { streaming: true, sender: 'a' }), (r) => streamed.push(r));
    inst.service.handle(request('job-list.job-stats', {}, { streaming: true, sender: 'b' }), (r) => other.push(r));
    expect(streamed).toHaveLength(1);
    expect((callOnce(inst.service, request('job-list.stats-get', {})).payload as JsonObject).stats_watchers).toBe(2);

    inst.sink.ingest(job(1n, 'sched', 10));
    inst.sink.ingest(job(2n, 'run', 10));
    expect(streamed).toHaveLength(1);
    expect(timers.pending).toBe(1);
    expect(timers.delays).toEqual([200]);
    timers.fireAll();
    expect(streamed).toHaveLength(2);
    expect((streamed[1]?.payload as { job_states: JsonObject }).job_states).toMatchObject({ sched: 1, run: 1, total: 2 });
    expect(other).toHaveLength(2);

    call(inst.service, request('job-list.disconnect', undefined, { sender: 'a' }));
    inst.sink.post(1n, ev('alloc', 30));
    timers.fireAll();
    expect(streamed).toHaveLength(2);
    expect(other).toHaveLength(3);
    expect((callOnce(inst.service, request('job-list.stats-get', {})).payload as JsonObject).stats_watchers).toBe(1);
    inst.close();
    expect(timers.pending).toBe(0);
  });

  it('answers once without the STREAMING flag', () => {
    const timers = new ManualTimers();
    const inst = new EmbeddedInstance({ timers });
    const responses: ServiceResponse[] = [];
    inst.service.handle(request('job-list.job-stats', {}), (r) => responses.push(r));
    inst.sink.ingest(job(1n, 'sched', 10));
    timers.fireAll();
    expect(responses).toHaveLength(1);
  });
});

describe('job-list.stats-get', () => {
  it('reports list sizes, waits and watchers', () => {
    const inst = new EmbeddedInstance();
    inst.sink.ingest(job(1n, 'sched', 10));
    inst.sink.ingest(job(2n, 'cleanup', 10));
    inst.sink.ingest(job(3n, 'completed', 10));
    inst.sink.ingest(job(4n, 'new', 10));
    inst.service.handle(request('job-list.list-id', { id: 1, attrs: [], state: JobState.RUN }), () => {});
    inst.service.handle(request('job-list.list-id', { id: 1, attrs: [], state: JobState.INACTIVE }), () => {});
    inst.service.handle(request('job-list.list-id', { id: 4, attrs: [] }), () => {});
    expect(call(inst.service, request('job-list.stats-get', undefined, { streaming: true }))).toEqual([
      { payload: { jobs: { pending: 1, running: 1, inactive: 1 }, idsync: { lookups: 0, waits: 2 }, stats_watchers: 0 } },
    ]);
  });
});

describe('unknown topics and roles', () => {
  const inst = new EmbeddedInstance();

  it.each<[string, string]>([
    ['job-list.nosuch', "Unknown service method 'job-list.nosuch'"],
    ['job-list', "Unknown service method 'job-list'"],
    ['nosuchservice.foo', 'No service matching nosuchservice.foo is registered'],
    ['no-such.topic', 'No service matching no-such.topic is registered'],
  ])('%s -> ENOSYS %j', (topic, message) => {
    expect(call(inst.service, request(topic, {}))).toEqual([{ errnum: Errno.ENOSYS, errstr: message }]);
  });

  it('refuses callers without the USER or OWNER role', () => {
    for (const topic of ['job-list.list', 'job-list.list-attrs', 'job-list.job-stats', 'job-list.stats-get']) {
      expect(call(inst.service, request(topic, {}, { rolemask: 0 }))).toEqual([
        { errnum: Errno.EPERM, errstr: 'Request rejected due to insufficient privilege' },
      ]);
    }
    expect(call(inst.service, request('job-list.disconnect', undefined, { rolemask: 0 }))).toEqual([]);
    expect(callOnce(inst.service, request('job-list.list-attrs', {}, { rolemask: Role.USER })).errnum).toBeUndefined();
  });

  it('refuses statistics to guests in private mode, without an error string', () => {
    const priv = new EmbeddedInstance({ privateMode: true });
    for (const topic of ['job-list.job-stats', 'job-list.stats-get']) {
      expect(call(priv.service, request(topic, {}, { rolemask: Role.USER }))).toEqual([{ errnum: Errno.EPERM }]);
      expect(callOnce(priv.service, request(topic, {}, { rolemask: Role.OWNER })).errnum).toBeUndefined();
    }
  });
});

describe('job-list.job-state-pause / unpause', () => {
  it('holds journal updates while paused and applies them in order on unpause', () => {
    const inst = new EmbeddedInstance();
    inst.sink.ingest(job(1n, 'sched', 10));
    expect(call(inst.service, request('job-list.job-state-pause', {}))).toEqual([{}]);
    inst.sink.post(1n, ev('alloc', 20));
    inst.sink.ingest(job(2n, 'sched', 30));
    const listed = (): JsonObject[] => (callOnce(inst.service, request('job-list.list', { max_entries: 0, attrs: ['state'] })).payload as { jobs: JsonObject[] }).jobs;
    expect(listed()).toEqual([{ id: 1, state: JobState.SCHED }]);
    expect(call(inst.service, request('job-list.job-state-unpause', {}))).toEqual([{}]);
    expect(listed()).toEqual([
      { id: 2, state: JobState.SCHED },
      { id: 1, state: JobState.RUN },
    ]);
  });

  it('fails the unpause at an update that cannot be applied, keeping it held', () => {
    const inst = new EmbeddedInstance();
    inst.sink.ingest(job(1n, 'sched', 10));
    call(inst.service, request('job-list.job-state-pause', {}));
    inst.sink.post(9n, ev('alloc', 20));
    expect(call(inst.service, request('job-list.job-state-unpause', {}))).toEqual([{ errnum: Errno.EPROTO }]);
  });
});

describe('job-list.config-reload', () => {
  it('is for the instance owner only', () => {
    const inst = new EmbeddedInstance();
    expect(call(inst.service, request('job-list.config-reload', {}, { rolemask: Role.USER }))).toEqual([
      { errnum: Errno.EPERM, errstr: 'Request requires owner credentials' },
    ]);
  });

  it('applies queues, max_comparisons and private-mode, and resets what the new config leaves out', () => {
    const inst = new EmbeddedInstance({ queues: ['batch'] });
    for (let i = 1n; i <= 3n; i++) inst.sink.ingest(job(i, 'run', 10, { userid: Number(i) }));
    const reload = (config: JsonObject) => call(inst.service, request('job-list.config-reload', config));
    expect(reload({ queues: { debug: {} }, 'job-list': { max_comparisons: 2 }, access: { 'private-mode': true } })).toEqual([{}]);
    const stats = callOnce(inst.service, request('job-list.job-stats', {})).payload as { queues: JsonObject[] };
    expect(stats.queues.map((q) => q.name)).toEqual(['batch', 'debug']);
    expect(call(inst.service, request('job-list.list', { max_entries: 0, attrs: [] }))).toEqual([
      { errnum: Errno.EINVAL, errstr: 'Excessive comparisons made, limit search via states or since' },
    ]);
    // Jobs 3, 2, 1 in that order (same t_run, newest first): two comparisons find job 2.
    expect(callOnce(inst.service, request('job-list.list', { max_entries: 1, attrs: [] }, { userid: 2, rolemask: Role.USER }))).toEqual({ payload: { jobs: [{ id: 2 }] } });
    expect(reload({})).toEqual([{}]);
    expect((callOnce(inst.service, request('job-list.list', { max_entries: 0, attrs: [] }, { userid: 2, rolemask: Role.USER })).payload as { jobs: unknown[] }).jobs).toHaveLength(3);
  });

  it.each<[JsonObject, string]>([
    [{ 'job-list': { max_comparisons: -1 } }, 'job-list.max_comparisons must be >= 0'],
    [{ 'job-list': { max_comparisons: 'many' } }, 'error reading config for job-list: Expected integer, got string'],
    [{ 'job-list': 5 }, 'error reading config for job-list: Expected object, got integer'],
    [{ access: { 'private-mode': 'yes' } }, 'error reading [access] config: Expected true or false, got string'],
  ])('refuses %j', (config, message) => {
    const inst = new EmbeddedInstance();
    expect(call(inst.service, request('job-list.config-reload', config))).toEqual([{ errnum: Errno.EINVAL, errstr: message }]);
  });
});
