/**
 * How eventlog entries, jobspec and R become a job record (reference section 7, flux-core
 * job_state.c and job_data.c), observed through job-list.list-id.
 */
import { JobResult, JobState } from '../../../src/flux/constants';
import type { ResourceSet } from '../../../src/flux/jobspec';
import type { JsonObject } from '../../../src/flux/json';
import { EmbeddedInputError, EmbeddedInstance } from '../../../src/embedded';
import type { JobspecOptions } from '../job-builders';
import { callOnce, ev, job, request, resourceSet } from '../job-builders';

function show(instance: EmbeddedInstance, id: bigint, attrs: string[] = ['all']): JsonObject {
  const response = callOnce(instance.service, request('job-list.list-id', { id, attrs }));
  if (response.errnum !== undefined) throw new Error(`list-id ${id}: errnum ${response.errnum} ${response.errstr ?? ''}`);
  return (response.payload as { job: JsonObject }).job;
}

function fresh(...documents: Array<ReturnType<typeof job>>): EmbeddedInstance {
  const instance = new EmbeddedInstance();
  for (const d of documents) instance.sink.ingest(d);
  return instance;
}

describe('fields derived from the jobspec and R (flux-core job_data.c test vectors)', () => {
  const R1node1core = resourceSet('0', '0', ['node1']);
  const R1node4core = resourceSet('0', '0-3', ['node1']);
  const R4node1core = resourceSet('0-3', '0', ['node[1-4]']);
  const R4node4core = resourceSet('0-3', '0-3', ['node[1-4]']);

  it.each<[string, JobspecOptions, ReturnType<typeof resourceSet>, [number, number, number], [number, number, number]]>([
    // name, jobspec, R, [nnodes, ntasks, ncores] after jobspec, after R (-1 = absent)
    ['1slot', { slots: 1, cores: 1 }, R1node1core, [-1, 1, 1], [1, 1, 1]],
    ['4slot', { slots: 4, cores: 1 }, R4node4core, [-1, 4, 4], [4, 4, 16]],
    ['4slot on one node', { slots: 4, cores: 1 }, R1node4core, [-1, 4, 4], [1, 4, 4]],
    ['1slot_4core', { slots: 1, cores: 4 }, R1node4core, [-1, 1, 4], [1, 1, 4]],
    ['1node', { nodes: 1, exclusive: true }, R1node4core, [1, 1, -1], [1, 1, 4]],
    ['4node', { nodes: 4, exclusive: true }, R4node4core, [4, 4, -1], [4, 4, 16]],
    ['1node_1slot_nonexclusive', { nodes: 1 }, R1node1core, [1, 1, 1], [1, 1, 1]],
    ['4node_1slot_nonexclusive', { nodes: 4 }, R4node1core, [4, 4, 4], [4, 4, 4]],
    ['4node_4slot_nonexclusive', { nodes: 4, slots: 4 }, R4node4core, [4, 16, 16], [4, 16, 16]],
    ['1node_perresourcenode4', { nodes: 1, exclusive: true, perResource: { type: 'node', count: 4 } }, R1node4core, [1, 4, -1], [1, 4, 4]],
    ['4node_perresourcenode4', { nodes: 4, exclusive: true, perResource: { type: 'node', count: 4 } }, R4node4core, [4, 16, -1], [4, 16, 16]],
    ['1slot_perresourcecore4', { slots: 1, perResource: { type: 'core', count: 4 } }, R1node4core, [-1, 4, 1], [1, 4, 4]],
    ['4slot_perresourcecore4', { slots: 4, perResource: { type: 'core', count: 4 } }, R1node4core, [-1, 16, 4], [1, 16, 4]],
    ['1node_perresourcecore4', { nodes: 1, exclusive: true, perResource: { type: 'core', count: 4 } }, R1node4core, [1, -1, -1], [1, 16, 4]],
    ['4node_perresourcecore4', { nodes: 4, exclusive: true, perResource: { type: 'core', count: 4 } }, R4node4core, [4, -1, -1], [4, 64, 16]],
    ['per-resource node without nodes', { slots: 2, perResource: { type: 'node' } }, R4node4core, [-1, -1, 2], [4, 4, 16]],
    ['tasks total', { slots: 2, tasksTotal: 7 }, R1node4core, [-1, 7, 2], [1, 7, 4]],
  ])('%s', (_name, spec, R, afterJobspec, afterR) => {
    const counts = (j: JsonObject): number[] => ['nnodes', 'ntasks', 'ncores'].map((k) => (j[k] === undefined ? -1 : (j[k] as number)));
    const instance = fresh(job(1n, 'sched', 10, { spec, R }));
    expect(counts(show(instance, 1n))).toEqual(afterJobspec);
    instance.sink.post(1n, ev('alloc', 20));
    expect(counts(show(instance, 1n))).toEqual(afterR);
  });

  it('writes ranks as an idset (brackets only for several) and hosts as a hostlist in rank order', () => {
    const R: ResourceSet = {
      version: 1,
      execution: {
        R_lite: [
          { rank: '5-6', children: { core: '0-1' } },
          { rank: '0,2', children: { core: '0', gpu: '0' } },
        ],
        nodelist: ['n0', 'n2', 'n5', 'n6'],
        expiration: 1234.5,
      },
    };
    const instance = fresh(job(1n, 'run', 10, { R }));
    expect(show(instance, 1n, ['ranks', 'nodelist', 'nnodes', 'ncores', 'expiration'])).toEqual({
      id: 1,
      ranks: '[0,2,5-6]',
      nodelist: 'n[0,2,5-6]',
      nnodes: 4,
      ncores: 6,
      expiration: 1234.5,
    });
    expect(show(fresh(job(2n, 'run', 10, { R: R1node4core })), 2n, ['ranks'])).toEqual({ id: 2, ranks: '0' });
  });

  it('leaves R fields alone for an R it cannot read, and stops at the nodelist when R names no hosts', () => {
    const badVersion = { ...resourceSet('0-3', '0-3', ['node[1-4]']), version: 2 } as never;
    expect(show(fresh(job(1n, 'run', 10, { R: badVersion, spec: { slots: 2 } })), 1n, ['nnodes', 'ncores', 'ranks', 'nodelist', 'expiration'])).toEqual({
      id: 1,
      ncores: 2,
    });
    const tooFewHosts = resourceSet('0-3', '0-3', ['node[1-2]']);
    expect(show(fresh(job(2n, 'run', 10, { R: tooFewHosts, spec: { slots: 2 } })), 2n, ['nnodes', 'ncores', 'ranks', 'nodelist'])).toEqual({
      id: 2,
      ncores: 2,
    });
    const noHosts = { version: 1, execution: { R_lite: [{ rank: '0-1', children: { core: '0-3' } }], expiration: 50 } } as never;
    expect(show(fresh(job(3n, 'run', 10, { R: noHosts, spec: { slots: 2 } })), 3n, ['nnodes', 'ncores', 'ranks', 'nodelist', 'expiration'])).toEqual({
      id: 3,
      nnodes: 2,
      ncores: 2,
      ranks: '[0-1]',
      expiration: 50,
    });
  });

  it('names a job by jobspec name, else by the command, reduced to its last path component', () => {
    const name = (spec: JobspecOptions): unknown => show(fresh(job(1n, 'sched', 10, { spec })), 1n, ['name']).name;
    expect(name({ command: ['/usr/bin/foo.sh', '-x'] })).toBe('foo.sh');
    expect(name({ command: ['hostname'] })).toBe('hostname');
    expect(name({ command: ['/usr/bin/'] })).toBe('/usr/bin/');
    expect(name({ command: ['/bin/true'], name: 'my job ✓' })).toBe('my job ✓');
  });

  it('reads cwd, queue, project, bank and duration from attributes.system', () => {
    const spec = { cwd: '/home/alice', queue: 'debug', project: 'p', bank: 'b', duration: 3600 };
    expect(show(fresh(job(1n, 'sched', 10, { spec })), 1n, ['cwd', 'queue', 'project', 'bank', 'duration'])).toEqual({ id: 1, ...spec });
  });

  it('keeps what it read before a malformed part of the jobspec', () => {
    const documents = job(1n, 'sched', 10, { spec: { cwd: '/w', queue: 'q' } });
    delete (documents.jobspec.attributes.system as JsonObject).duration;
    expect(show(fresh(documents), 1n, ['name', 'cwd', 'queue', 'duration', 'ntasks', 'ncores', 'nnodes'])).toEqual({ id: 1, name: 'sleep', cwd: '/w', queue: 'q' });
  });
});

describe('event rules', () => {
  it('adds each dependency description once ever, and removes only present ones', () => {
    const instance = fresh(job(1n, 'new', 10));
    const post = (name: string, description: string): void => instance.sink.post(1n, ev(name, 11, { description }));
    instance.sink.post(1n, ev('validate', 11));
    post('dependency-add', 'after-success=fA');
    post('dependency-add', 'begin-time=1795643336.208');
    post('dependency-remove', 'after-success=fA');
    post('dependency-add', 'after-success=fA');
    post('dependency-remove', 'nothing-like-this');
    expect(show(instance, 1n, ['dependencies']).dependencies).toEqual(['begin-time=1795643336.208']);
    post('dependency-remove', 'begin-time=1795643336.208');
    expect(show(instance, 1n, ['dependencies'])).toEqual({ id: 1, dependencies: [] });
  });

  it('deep-merges memos under "user", dropping nulls and emptied objects', () => {
    const instance = fresh(job(1n, 'run', 10));
    const memo = (context: JsonObject): void => instance.sink.post(1n, ev('memo', 20, context));
    memo({ progress: 42, note: 'half way', nested: { a: 1 } });
    memo({ nested: { b: 2 }, progress: 50 });
    expect(show(instance, 1n, ['annotations']).annotations).toEqual({
      sched: { resource_summary: 'rank0/core0' },
      user: { progress: 50, note: 'half way', nested: { a: 1, b: 2 } },
    });
    memo({ nested: { a: null, b: null }, note: null });
    expect(show(instance, 1n, ['annotations']).annotations).toEqual({ sched: { resource_summary: 'rank0/core0' }, user: { progress: 50 } });
    // An annotations event replaces all annotations, user ones included; null removes them.
    instance.sink.post(1n, ev('annotations', 21, { annotations: null }));
    expect(show(instance, 1n, ['annotations'])).toEqual({ id: 1 });
    memo({ progress: 60 });
    expect(show(instance, 1n, ['annotations']).annotations).toEqual({ user: { progress: 60 } });
    memo({ progress: null });
    expect(show(instance, 1n, ['annotations'])).toEqual({ id: 1 });
  });

  it('reports the first exception of the lowest severity; severity 0 ends the job', () => {
    const instance = fresh(job(1n, 'run', 10));
    const raise = (type: string, severity: number, t: number): void => instance.sink.post(1n, ev('exception', t, { type, severity, note: `${type} note` }));
    raise('foo', 3, 20);
    raise('bar', 5, 21);
    raise('baz', 3, 22);
    expect(show(instance, 1n, ['state']).state).toBe(JobState.RUN);
    raise('cancel', 0, 23);
    raise('timeout', 0, 24);
    instance.sink.post(1n, ev('finish', 25, { status: 0 }));
    instance.sink.post(1n, ev('clean', 26));
    expect(show(instance, 1n, ['state', 't_cleanup', 'success', 'exception_type', 'exception_severity', 'exception_note', 'result', 'waitstatus'])).toEqual({
      id: 1,
      state: JobState.INACTIVE,
      t_cleanup: 23,
      success: false,
      exception_type: 'cancel',
      exception_severity: 0,
      exception_note: 'cancel note',
      result: JobResult.CANCELED,
      waitstatus: 0,
    });
  });

  it('counts a job with only non-fatal exceptions and exit 0 as completed', () => {
    const instance = fresh(job(1n, 'run', 10));
    instance.sink.post(1n, ev('exception', 20, { type: 'warning', severity: 3, note: '' }));
    for (const [name, t, context] of [
      ['finish', 21, { status: 0 }],
      ['clean', 22, undefined],
    ] as const) {
      instance.sink.post(1n, ev(name, t, context));
    }
    expect(show(instance, 1n, ['success', 'exception_occurred', 'exception_type', 'result'])).toEqual({
      id: 1,
      success: true,
      exception_occurred: true,
      exception_type: 'warning',
      result: JobResult.COMPLETED,
    });
  });

  it.each<[string, ReturnType<typeof job>, number]>([
    ['exit 0', job(1n, 'completed', 10), JobResult.COMPLETED],
    ['non-zero exit', job(1n, 'failed', 10, { status: 256 }), JobResult.FAILED],
    ['canceled pending', job(1n, 'canceled', 10), JobResult.CANCELED],
    ['canceled running', job(1n, 'canceled-running', 10), JobResult.CANCELED],
    ['timed out', job(1n, 'timeout', 10), JobResult.TIMEOUT],
  ])('result: %s', (_name, documents, result) => {
    expect(show(fresh(documents), 1n, ['result']).result).toBe(result);
  });

  it('fails a job whose fatal exception is neither cancel nor timeout', () => {
    const documents = job(1n, 'run', 10);
    documents.eventlog.push(ev('exception', 20, { type: 'exec', severity: 0, note: 'command not found' }), ev('finish', 21, { status: 32512 }), ev('clean', 22));
    expect(show(fresh(documents), 1n, ['result', 'exception_type', 'waitstatus'])).toEqual({ id: 1, result: JobResult.FAILED, exception_type: 'exec', waitstatus: 32512 });
  });

  it('falls back from SCHED to PRIORITY on urgency, jobspec-update and flux-restart, hiding priority', () => {
    for (const event of [ev('urgency', 20, { urgency: 0 }), ev('jobspec-update', 20, { 'attributes.system.duration': 60 }), ev('flux-restart', 20)]) {
      const instance = fresh(job(1n, 'sched', 10));
      instance.sink.post(1n, event);
      expect(show(instance, 1n, ['state', 'priority', 't_priority', 't_sched'])).toEqual({ id: 1, state: JobState.PRIORITY, t_priority: 12, t_sched: 13 });
      instance.sink.post(1n, ev('priority', 30, { priority: 7 }));
      expect(show(instance, 1n, ['state', 'priority', 't_priority', 't_sched'])).toEqual({ id: 1, state: JobState.SCHED, priority: 7, t_priority: 12, t_sched: 13 });
    }
  });

  it('does not fall back from other states', () => {
    const instance = fresh(job(1n, 'run', 10));
    instance.sink.post(1n, ev('urgency', 20, { urgency: 5 }));
    expect(show(instance, 1n, ['state', 'urgency', 'priority'])).toEqual({ id: 1, state: JobState.RUN, urgency: 5, priority: 16 });
  });

  it('applies jobspec-update paths under resources, tasks and attributes, and ignores others', () => {
    const instance = fresh(job(1n, 'sched', 10, { spec: { queue: 'batch', duration: 60 } }));
    instance.sink.post(
      1n,
      ev('jobspec-update', 20, {
        'attributes.system.queue': 'debug',
        'attributes.system.duration': 120,
        'attributes.system.project': 'proj',
        'attributes.system.job.name': 'renamed',
        version: 9,
        'resources.0.count': 3,
      }),
    );
    expect(show(instance, 1n, ['queue', 'duration', 'project', 'name'])).toEqual({ id: 1, queue: 'debug', duration: 120, project: 'proj', name: 'renamed' });
  });

  it('does not modify the documents it was given', () => {
    const documents = job(1n, 'run', 10);
    const before = JSON.stringify(documents, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const instance = fresh(documents);
    instance.sink.post(1n, ev('jobspec-update', 20, { 'attributes.system.duration': 5 }));
    instance.sink.post(1n, ev('resource-update', 21, { expiration: 99 }));
    expect(JSON.stringify(documents, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(before);
  });

  it('updates expiration on resource-update', () => {
    const instance = fresh(job(1n, 'run', 10));
    expect(show(instance, 1n, ['expiration']).expiration).toBe(0);
    instance.sink.post(1n, ev('resource-update', 20, { expiration: 5000.5 }));
    expect(show(instance, 1n, ['expiration']).expiration).toBe(5000.5);
    instance.sink.post(1n, ev('resource-update', 21, { expiration: 6000 }));
    expect(show(instance, 1n, ['expiration']).expiration).toBe(6000);
  });

  it('ignores a second event for a state already entered', () => {
    const instance = fresh(job(1n, 'completed', 10));
    instance.sink.post(1n, ev('clean', 100));
    instance.sink.post(1n, ev('alloc', 101));
    expect(show(instance, 1n, ['state', 't_run', 't_inactive'])).toEqual({ id: 1, state: JobState.INACTIVE, t_run: 14, t_inactive: 19 });
  });

  it('treats t_depend as t_submit for eventlogs from before the validate event (no submit version)', () => {
    const documents = job(1n, 'sched', 10);
    delete (documents.eventlog[0]?.context as JsonObject).version;
    expect(show(fresh(documents), 1n, ['t_submit', 't_depend'])).toEqual({ id: 1, t_submit: 10, t_depend: 10 });
  });

  it('moves jobs between lists and counts them as they change state', () => {
    const instance = fresh(job(1n, 'sched', 10, { spec: { queue: 'batch' } }));
    const stats = (): JsonObject => callOnce(instance.service, request('job-list.stats-get', {})).payload as JsonObject;
    expect(stats().jobs).toEqual({ pending: 1, running: 0, inactive: 0 });
    instance.sink.post(1n, ev('alloc', 20));
    expect(stats().jobs).toEqual({ pending: 0, running: 1, inactive: 0 });
    instance.sink.post(1n, ev('finish', 21, { status: 0 }));
    expect(stats().jobs).toEqual({ pending: 0, running: 1, inactive: 0 });
    instance.sink.post(1n, ev('clean', 22));
    expect(stats().jobs).toEqual({ pending: 0, running: 0, inactive: 1 });
  });

  it('forgets purged inactive jobs and counts them as purged', () => {
    const instance = fresh(job(1n, 'completed', 10, { spec: { queue: 'batch' } }), job(2n, 'run', 10, { spec: { queue: 'batch' } }));
    expect(instance.store.purgeInactive([1n, 2n, 3n])).toBe(1);
    expect(callOnce(instance.service, request('job-list.list-id', { id: 1, attrs: [] })).errnum).toBe(2);
    const stats = callOnce(instance.service, request('job-list.job-stats', {})).payload as JsonObject;
    expect(stats).toMatchObject({ job_states: { run: 1, inactive: 0, total: 1 }, successful: 0, inactive_purged: 1 });
  });
});

describe('bad input', () => {
  const instance = fresh(job(1n, 'run', 10));

  it.each<[string, () => void, string]>([
    ['a known id', () => instance.sink.ingest(job(1n, 'sched', 10)), 'job 1: is already known to this instance'],
    ['an empty eventlog', () => instance.sink.ingest({ ...job(2n, 'sched', 10), eventlog: [] }), 'job 2: "eventlog" must be a non-empty array starting with submit'],
    [
      'an eventlog not starting with submit',
      () => instance.sink.ingest({ ...job(2n, 'sched', 10), eventlog: [ev('validate', 1)] }),
      'job 2: eventlog entry 0 must be "submit", got "validate"',
    ],
    [
      'a submit without userid',
      () => instance.sink.ingest({ ...job(2n, 'sched', 10), eventlog: [ev('submit', 1, { urgency: 16 })] }),
      'job 2: eventlog entry 0: submit context needs "userid"',
    ],
    ['a priority that is not an integer', () => instance.sink.post(1n, ev('priority', 20, { priority: 1.5 })), 'job 1: eventlog entry: priority context "priority" must be an integer, got the real 1.5'],
    ['an urgency out of range', () => instance.sink.post(1n, ev('urgency', 20, { urgency: 32 })), 'job 1: eventlog entry: urgency context "urgency" must be 0-31, got 32'],
    ['an exception without note', () => instance.sink.post(1n, ev('exception', 20, { type: 'x', severity: 0 })), 'job 1: eventlog entry: exception context needs "note"'],
    ['a dependency event Flux does not know', () => instance.sink.post(1n, ev('dependency-foo', 20, { description: 'x' })), 'job 1: eventlog entry: unknown dependency event "dependency-foo" (only dependency-add and dependency-remove exist)'],
    ['a memo without context', () => instance.sink.post(1n, ev('memo', 20)), 'job 1: eventlog entry: memo event needs a context'],
    ['a timestamp that is not a number', () => instance.sink.post(1n, { timestamp: 'now', name: 'start' } as never), 'job 1: eventlog entry: "timestamp" must be a finite number, got the string "now"'],
    ['an event for an unknown job', () => instance.sink.post(9n, ev('start', 20)), 'job 9: is not known to this instance (post "start" after ingesting the job)'],
    ['an id that is not 64-bit', () => instance.sink.ingest({ ...job(2n, 'sched', 10), id: -1n }), 'job id -1 is not a 64-bit unsigned integer'],
  ])('refuses %s', (_what, act, message) => {
    expect(act).toThrow(EmbeddedInputError);
    expect(act).toThrow(message);
  });

  it('applies nothing of a refused job or entry', () => {
    expect(instance.store.lookup(2n)).toBe(-1);
    expect(show(instance, 1n, ['state', 'priority'])).toEqual({ id: 1, state: JobState.RUN, priority: 16 });
  });
});
