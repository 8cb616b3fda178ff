/**
 * jobChanges by polling job-list (for a server that is not the instance owner) on the embedded
 * instance: the baseline sends nothing, each later poll sends one change per job that changed,
 * named after its last change, for the jobs the filters (or IDs) and Flux's access rules let
 * the subscriber see; a failed poll ends the queue with its coded error; a closed queue polls no more.
 */
import { EmbeddedInstance, type EmbeddedInstanceOptions } from '../../../src/embedded';
import { Role } from '../../../src/flux/constants';
import { withCredentials } from '../../../src/flux/credentials-handle';
import { FluxUnavailableError } from '../../../src/flux/errors';
import type { FluxHandle, RpcOptions } from '../../../src/flux/handle';
import type { Json, JsonObject } from '../../../src/flux/json';
import { jobQueryFromArgs, type JobFilterArgs } from '../../../src/graphql/job-query';
import type { JobChange } from '../../../src/graphql/live/job-change';
import { LiveQueue, type LiveItem } from '../../../src/graphql/live/live-queue';
import { pollJobChanges, type PollTimers } from '../../../src/graphql/live/polled-changes';
import { ev, job, resourceSet } from '../../embedded/job-builders';
import { RecordingHandle } from '../recording-handle';

const T0 = 1796190000;
/** The poll time the clock gives: the timestamp of changes the record does not date. */
const READ_AT = T0 + 5000;
const R = resourceSet('0', '0', ['node0']);

/** Timers that fire only when told: a test runs each poll itself. */
class ManualTimers implements PollTimers {
  private pending: (() => void) | undefined;
  private waiters: Array<() => void> = [];

  set(callback: () => void): unknown {
    this.pending = callback;
    for (const resolve of this.waiters.splice(0)) resolve();
    return callback;
  }

  clear(timer: unknown): void {
    if (this.pending === timer) this.pending = undefined;
  }

  get armed(): boolean {
    return this.pending !== undefined;
  }

  /** Resolves once the next poll is scheduled, i.e. the poll before it has finished. */
  scheduled(): Promise<void> {
    if (this.pending !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Starts the scheduled poll. */
  fire(): void {
    const callback = this.pending;
    if (callback === undefined) throw new Error('no poll is scheduled');
    this.pending = undefined;
    callback();
  }

  /** Runs the scheduled poll to its end (the next one scheduled). */
  async tick(): Promise<void> {
    this.fire();
    await this.scheduled();
  }
}

/** A handle whose requests wait while it is held, and fail once it is broken. */
class ControlledHandle implements FluxHandle {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  broken = false;

  constructor(private readonly inner: FluxHandle) {}

  get uri(): string {
    return this.inner.uri;
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async rpc(topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined> {
    await this.gate;
    if (this.broken) throw new FluxUnavailableError(this.uri, 'connection lost');
    return this.inner.rpc(topic, payload, options);
  }

  rpcStream(topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined> {
    const gate = this.gate;
    const inner = this.inner;
    const uri = this.uri;
    const isBroken = (): boolean => this.broken;
    return (async function* held(): AsyncGenerator<Json | undefined> {
      await gate;
      if (isBroken()) throw new FluxUnavailableError(uri, 'connection lost');
      yield* inner.rpcStream(topic, payload, options);
    })();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

interface Seen {
  event: string;
  timestamp: number;
  id: bigint;
  state: Json | undefined;
}

function seen(change: JobChange): Seen {
  return { event: change.event, timestamp: change.timestamp, id: change.job.id, state: change.job.state };
}

/** What the queue holds now, read without waiting for more. */
async function unread(queue: LiveQueue<JobChange>): Promise<LiveItem<JobChange>[]> {
  const items: LiveItem<JobChange>[] = [];
  while (queue.unread > 0) {
    const next = await queue.next();
    if (next.done === true) break;
    items.push(next.value);
  }
  return items;
}

/** The changes the queue holds now (failing on an error item). */
async function changes(queue: LiveQueue<JobChange>): Promise<Seen[]> {
  return (await unread(queue)).map((item) => {
    if ('error' in item) throw item.error;
    return seen(item.event);
  });
}

interface Setup {
  instance: EmbeddedInstance;
  recording: RecordingHandle;
  controlled: ControlledHandle;
  timers: ManualTimers;
  queue: LiveQueue<JobChange>;
  /** Starts polling through `handle` (the recording owner handle by default) and waits for the baseline. */
  start(args?: JobFilterArgs, options?: { ids?: readonly bigint[]; handle?: FluxHandle; margin?: number }): Promise<void>;
}

function setup(options: EmbeddedInstanceOptions = {}): Setup {
  const instance = new EmbeddedInstance({ ownerUserid: 0, now: () => T0 + 100, ...options });
  const controlled = new ControlledHandle(instance.handle());
  const recording = new RecordingHandle(controlled);
  const timers = new ManualTimers();
  const queue = new LiveQueue<JobChange>();
  return {
    instance,
    recording,
    controlled,
    timers,
    queue,
    async start(args = {}, { ids, handle = recording, margin } = {}) {
      const query = await jobQueryFromArgs(handle, args);
      pollJobChanges(handle, query, ids ?? null, queue, {
        intervalMs: 1000,
        now: () => READ_AT,
        timers,
        ...(margin === undefined ? {} : { inactiveMarginSeconds: margin }),
      });
      await timers.scheduled();
    },
  };
}

/** Moves a SCHED job on to RUN at `t` (alloc, then start). */
function run(instance: EmbeddedInstance, id: bigint, t: number): void {
  instance.sink.post(id, ev('alloc', t), R);
  instance.sink.post(id, ev('start', t + 0.5));
}

/** Ends a running job: finish at `t`, clean at `t + 1`. */
function finish(instance: EmbeddedInstance, id: bigint, t: number, status = 0): void {
  instance.sink.post(id, ev('finish', t, { status }));
  instance.sink.post(id, ev('release', t + 0.2, { ranks: 'all', final: true }));
  instance.sink.post(id, ev('free', t + 0.5));
  instance.sink.post(id, ev('clean', t + 1));
}

describe('pollJobChanges: the baseline', () => {
  it('sends nothing for the jobs as they are when it starts, and asks only for the active jobs and the newest inactive one', async () => {
    const { instance, recording, timers, queue, start } = setup();
    instance.sink.ingest(job(1000n, 'sched', T0));
    instance.sink.ingest(job(2000n, 'run', T0));
    instance.sink.ingest(job(3000n, 'completed', T0));
    instance.sink.ingest(job(4000n, 'failed', T0 + 1));
    await start();
    expect(await changes(queue)).toEqual([]);
    const baseline = recording.callsTo('job-list.list').map((call) => ({ max_entries: call.payload?.max_entries, constraint: call.payload?.constraint }));
    expect(baseline).toEqual([
      { max_entries: 1, constraint: { and: [{ states: [64] }] } },
      { max_entries: 0, constraint: { and: [{ states: [62] }] } },
    ]);
    recording.reset();
    await timers.tick();
    expect(await changes(queue)).toEqual([]);
    // The next poll lists every active job and the inactive ones from the newest t_inactive (T0 + 10: 4000 cleaned) less the margin.
    expect(recording.callsTo('job-list.list').map((call) => call.payload)).toEqual([
      { max_entries: 0, attrs: ['all'], since: T0 + 10 - 5, constraint: { and: [] } },
    ]);
  });
});

describe('pollJobChanges: a job submitted and run', () => {
  it('appears at submit, then with each state it enters, dated as Flux dated it, and is forgotten after clean', async () => {
    const { instance, timers, queue, start } = setup();
    instance.sink.ingest(job(500n, 'completed', T0));
    await start();

    instance.sink.ingest(job(1000n, 'depend', T0 + 100));
    await timers.tick();
    expect(await changes(queue)).toEqual([{ event: 'submit', timestamp: T0 + 100, id: 1000n, state: 2 }]);

    instance.sink.post(1000n, ev('dependency-remove', T0 + 110, { description: 'after-finish=f1' }));
    await timers.tick();
    expect(await changes(queue)).toEqual([{ event: 'dependency-remove', timestamp: READ_AT, id: 1000n, state: 2 }]);

    instance.sink.post(1000n, ev('depend', T0 + 120));
    instance.sink.post(1000n, ev('priority', T0 + 121, { priority: 16 }));
    await timers.tick();
    expect(await changes(queue)).toEqual([{ event: 'priority', timestamp: T0 + 121, id: 1000n, state: 8 }]);

    run(instance, 1000n, T0 + 130);
    await timers.tick();
    const [running] = (await unread(queue)) as { event: JobChange }[];
    expect(seen(running?.event as JobChange)).toEqual({ event: 'alloc', timestamp: T0 + 130, id: 1000n, state: 16 });
    expect(running?.event.job).toMatchObject({ nodelist: 'node0', t_run: T0 + 130, urgency: 16, priority: 16 });

    instance.sink.post(1000n, ev('finish', T0 + 140, { status: 256 }));
    await timers.tick();
    expect(await changes(queue)).toEqual([{ event: 'finish', timestamp: T0 + 140, id: 1000n, state: 32 }]);

    instance.sink.post(1000n, ev('release', T0 + 141, { ranks: 'all', final: true }));
    instance.sink.post(1000n, ev('free', T0 + 142));
    instance.sink.post(1000n, ev('clean', T0 + 143));
    await timers.tick();
    const [cleaned] = (await unread(queue)) as { event: JobChange }[];
    expect(seen(cleaned?.event as JobChange)).toEqual({ event: 'clean', timestamp: T0 + 143, id: 1000n, state: 64 });
    expect(cleaned?.event.job).toMatchObject({ result: 2, success: false, waitstatus: 256 });

    // Still listed (within the margin), never sent again.
    await timers.tick();
    await timers.tick();
    expect(await changes(queue)).toEqual([]);
  });

  it('a job canceled while pending enters CLEANUP by the exception', async () => {
    const { instance, timers, queue, start } = setup();
    instance.sink.ingest(job(1000n, 'sched', T0));
    await start();
    instance.sink.post(1000n, ev('exception', T0 + 50, { type: 'cancel', severity: 0, note: '', userid: 1000 }));
    await timers.tick();
    expect(await changes(queue)).toEqual([{ event: 'exception', timestamp: T0 + 50, id: 1000n, state: 32 }]);
  });
});

describe('pollJobChanges: coalescing', () => {
  it('several changes between two polls are one change, named after the last', async () => {
    const { instance, timers, queue, start } = setup();
    instance.sink.ingest(job(1000n, 'sched', T0));
    instance.sink.ingest(job(2000n, 'sched', T0));
    instance.sink.ingest(job(3000n, 'run', T0));
    await start();
    run(instance, 1000n, T0 + 50);
    instance.sink.post(1000n, ev('finish', T0 + 60, { status: 0 }));
    instance.sink.post(2000n, ev('urgency', T0 + 70, { urgency: 31, userid: 1000 }));
    instance.sink.post(2000n, ev('priority', T0 + 70.1, { priority: 31 }));
    instance.sink.post(3000n, ev('memo', T0 + 80, { progress: 42 }));
    await timers.tick();
    expect(await changes(queue)).toEqual([
      { event: 'finish', timestamp: T0 + 60, id: 1000n, state: 32 },
      { event: 'priority', timestamp: READ_AT, id: 2000n, state: 8 },
      { event: 'memo', timestamp: READ_AT, id: 3000n, state: 16 },
    ]);
  });

  it('a job submitted and ended between two polls is one clean', async () => {
    const { instance, timers, queue, start } = setup();
    await start();
    instance.sink.ingest(job(1000n, 'completed', T0 + 200));
    await timers.tick();
    const [only, ...rest] = await changes(queue);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ event: 'clean', id: 1000n, state: 64 });
  });

  it('orders the changes of one poll by timestamp, then by job ID', async () => {
    const { instance, timers, queue, start } = setup();
    for (const id of [1000n, 2000n, 3000n]) instance.sink.ingest(job(id, 'sched', T0));
    await start();
    run(instance, 3000n, T0 + 50);
    instance.sink.post(1000n, ev('exception', T0 + 60, { type: 'cancel', severity: 0, note: '' }));
    run(instance, 2000n, T0 + 50);
    await timers.tick();
    expect((await changes(queue)).map((change) => [change.event, change.id])).toEqual([
      ['alloc', 2000n],
      ['alloc', 3000n],
      ['exception', 1000n],
    ]);
  });
});

describe('pollJobChanges: filters', () => {
  it.each<[string, JobFilterArgs]>([
    ['filters RUNNING', { filters: ['running'] }],
    ['a user', { user: '1001' }],
    ['a name', { name: 'train' }],
    ['a constraint', { constraint: { queue: ['gpu'] } }],
  ])('%s: only the jobs that match change', async (_name, args) => {
    const { instance, timers, queue, start } = setup();
    // 1000 matches every filter; 2000 matches none of the user, name and constraint; 3000 stays pending.
    instance.sink.ingest(job(1000n, 'sched', T0, { userid: 1001, spec: { name: 'train', queue: 'gpu' } }));
    instance.sink.ingest(job(2000n, 'sched', T0, { userid: 1002, spec: { name: 'eval', queue: 'cpu' } }));
    instance.sink.ingest(job(3000n, 'sched', T0, { userid: 1002, spec: { name: 'eval', queue: 'cpu' } }));
    await start(args);
    run(instance, 1000n, T0 + 50);
    await timers.tick();
    const first = await changes(queue);
    if (args.filters !== undefined) {
      run(instance, 2000n, T0 + 60);
      await timers.tick();
      first.push(...(await changes(queue)));
      expect(first).toEqual([
        { event: 'alloc', timestamp: T0 + 50, id: 1000n, state: 16 },
        { event: 'alloc', timestamp: T0 + 60, id: 2000n, state: 16 },
      ]);
    } else {
      run(instance, 2000n, T0 + 60);
      instance.sink.post(3000n, ev('urgency', T0 + 61, { urgency: 0, userid: 1002 }));
      await timers.tick();
      first.push(...(await changes(queue)));
      expect(first).toEqual([{ event: 'alloc', timestamp: T0 + 50, id: 1000n, state: 16 }]);
    }
  });

  it('a job that leaves the filter stops changing (RUNNING: no clean); one that enters it appears in its state', async () => {
    const { instance, timers, queue, start } = setup();
    instance.sink.ingest(job(1000n, 'run', T0));
    instance.sink.ingest(job(2000n, 'sched', T0));
    await start({ filters: ['running'] });
    finish(instance, 1000n, T0 + 50);
    await timers.tick();
    expect(await changes(queue)).toEqual([]);
    run(instance, 2000n, T0 + 60);
    await timers.tick();
    expect(await changes(queue)).toEqual([{ event: 'alloc', timestamp: T0 + 60, id: 2000n, state: 16 }]);
  });

  it('filters FAILED: jobs that fail after the start, once each, not those that failed before or succeed', async () => {
    const { instance, timers, queue, start } = setup();
    instance.sink.ingest(job(500n, 'failed', T0));
    instance.sink.ingest(job(1000n, 'run', T0));
    instance.sink.ingest(job(2000n, 'run', T0));
    await start({ filters: ['failed'] });
    finish(instance, 1000n, T0 + 50, 256);
    finish(instance, 2000n, T0 + 50, 0);
    await timers.tick();
    await timers.tick();
    expect(await changes(queue)).toEqual([{ event: 'clean', timestamp: T0 + 51, id: 1000n, state: 64 }]);
  });
});

describe('pollJobChanges: inactive jobs from the newest t_inactive seen, less the margin', () => {
  it('sends a job that ended a little before the newest seen once; one that ended before the subscription not at all', async () => {
    const { instance, recording, timers, queue, start } = setup();
    instance.sink.ingest(job(500n, 'completed', T0)); // inactive at T0 + 9
    await start({}, { margin: 5 });
    instance.sink.ingest(job(1000n, 'completed', T0 + 100)); // inactive at T0 + 109
    await timers.tick();
    expect((await changes(queue)).map((change) => change.id)).toEqual([1000n]);
    recording.reset();
    // Recorded out of order by job-list: ended at T0 + 106, after one that ended at T0 + 109.
    instance.sink.ingest(job(2000n, 'completed', T0 + 97));
    // Ended at T0 + 7, before the subscription started (the baseline's newest ended at T0 + 9).
    instance.sink.ingest(job(3000n, 'completed', T0 - 2));
    await timers.tick();
    expect(recording.callsTo('job-list.list')[0]?.payload?.since).toBe(T0 + 109 - 5);
    expect((await changes(queue)).map((change) => [change.event, change.timestamp, change.id])).toEqual([['clean', T0 + 106, 2000n]]);
    await timers.tick();
    expect(await changes(queue)).toEqual([]);
  });

  it("never lists inactive jobs from before the subscription's own since", async () => {
    const { instance, recording, timers, start } = setup();
    instance.sink.ingest(job(500n, 'completed', T0));
    await start({ since: T0 + 1000 });
    await timers.tick();
    expect(recording.callsTo('job-list.list').map((call) => call.payload?.since)).toEqual([T0 + 1000, T0 + 1000, T0 + 1000]);
  });
});

describe('pollJobChanges: credentials', () => {
  it("in private mode a user's handle sees only that user's jobs (Flux decides)", async () => {
    const { instance, timers, queue, start } = setup({ privateMode: true });
    instance.sink.ingest(job(1000n, 'sched', T0, { userid: 1001 }));
    instance.sink.ingest(job(2000n, 'sched', T0, { userid: 1002 }));
    const user = withCredentials(instance.handle(), { userid: 1001, rolemask: Role.USER });
    await start({}, { handle: user });
    run(instance, 1000n, T0 + 50);
    run(instance, 2000n, T0 + 50);
    instance.sink.ingest(job(3000n, 'depend', T0 + 60, { userid: 1002 }));
    instance.sink.ingest(job(4000n, 'depend', T0 + 60, { userid: 1001 }));
    await timers.tick();
    expect((await changes(queue)).map((change) => [change.event, change.id])).toEqual([
      ['alloc', 1000n],
      ['submit', 4000n],
    ]);
  });

  it("in private mode the IDs of someone else's jobs give no changes", async () => {
    const { instance, timers, queue, start } = setup({ privateMode: true });
    instance.sink.ingest(job(1000n, 'sched', T0, { userid: 1001 }));
    instance.sink.ingest(job(2000n, 'sched', T0, { userid: 1002 }));
    const user = withCredentials(instance.handle(), { userid: 1001, rolemask: Role.USER });
    await start({}, { handle: user, ids: [1000n, 2000n] });
    run(instance, 1000n, T0 + 50);
    run(instance, 2000n, T0 + 50);
    await timers.tick();
    expect((await changes(queue)).map((change) => [change.event, change.id])).toEqual([['alloc', 1000n]]);
  });
});

describe('pollJobChanges: given IDs', () => {
  it('looks up just those jobs (other filters ignored), and ends once they are all inactive', async () => {
    const { instance, recording, timers, queue, start } = setup();
    instance.sink.ingest(job(1000n, 'sched', T0, { spec: { name: 'a' } }));
    instance.sink.ingest(job(2000n, 'run', T0, { spec: { name: 'b' } }));
    instance.sink.ingest(job(3000n, 'sched', T0, { spec: { name: 'c' } }));
    await start({ name: 'nothing-has-this-name', filters: ['inactive'] }, { ids: [1000n, 2000n, 2000n, 9999n] });
    expect(recording.callsTo('job-list.list')).toEqual([]);
    expect(recording.callsTo('job-list.list-id').map((call) => call.payload?.id)).toEqual([1000n, 2000n, 9999n]);

    run(instance, 1000n, T0 + 50);
    run(instance, 3000n, T0 + 50);
    finish(instance, 2000n, T0 + 60);
    recording.reset();
    await timers.tick();
    expect(await changes(queue)).toEqual([
      { event: 'alloc', timestamp: T0 + 50, id: 1000n, state: 16 },
      { event: 'clean', timestamp: T0 + 61, id: 2000n, state: 64 },
    ]);
    recording.reset();
    await timers.tick();
    // The inactive job is looked up no more.
    expect(recording.callsTo('job-list.list-id').map((call) => call.payload?.id)).toEqual([1000n, 9999n]);

    instance.sink.ingest(job(9999n, 'depend', T0 + 70));
    await timers.tick();
    expect(await changes(queue)).toEqual([{ event: 'submit', timestamp: T0 + 70, id: 9999n, state: 2 }]);

    finish(instance, 1000n, T0 + 80);
    instance.sink.post(9999n, ev('exception', T0 + 90, { type: 'cancel', severity: 0, note: '' }));
    instance.sink.post(9999n, ev('clean', T0 + 91));
    timers.fire();
    const items = [await queue.next(), await queue.next(), await queue.next()];
    expect(items.map((item) => (item.done === true ? 'done' : 'event' in item.value ? [item.value.event.event, item.value.event.job.id] : 'error'))).toEqual([
      ['clean', 1000n],
      ['clean', 9999n],
      'done',
    ]);
    expect(timers.armed).toBe(false);
  });
});

describe('pollJobChanges: failures', () => {
  it('a filter Flux refuses ends the queue at the baseline with its coded error', async () => {
    const { queue, recording, timers } = setup();
    const query = await jobQueryFromArgs(recording, { constraint: { no_such_operator: [1] } });
    pollJobChanges(recording, query, null, queue, { intervalMs: 1000, timers });
    const item = await queue.next();
    expect(item.done).toBe(false);
    const error = (item.value as { error: { message: string; extensions: { code: string } } }).error;
    expect(error.extensions.code).toBe('INVALID_CONSTRAINT');
    expect(error.message).toContain('no_such_operator');
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    expect(timers.armed).toBe(false);
  });

  it('a later poll that fails ends the queue with FLUX_UNAVAILABLE, and nothing more is asked', async () => {
    const { instance, controlled, recording, timers, queue, start } = setup();
    instance.sink.ingest(job(1000n, 'sched', T0));
    await start();
    controlled.broken = true;
    recording.reset();
    timers.fire();
    const item = await queue.next();
    const error = (item.value as { error: { message: string; extensions: { code: string } } }).error;
    expect(error.extensions.code).toBe('FLUX_UNAVAILABLE');
    expect(error.message).toBe('Flux instance at embedded: is unavailable: connection lost');
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    expect(recording.calls).toHaveLength(1);
    expect(timers.armed).toBe(false);
  });

  it('refuses an interval that is not a positive number of milliseconds', async () => {
    const { recording, queue } = setup();
    const query = await jobQueryFromArgs(recording, {});
    expect(() => pollJobChanges(recording, query, null, queue, { intervalMs: 0 })).toThrow('intervalMs must be a number of milliseconds > 0 (got 0)');
    expect(() => pollJobChanges(recording, query, null, queue, { intervalMs: Number.NaN })).toThrow('(got NaN)');
    expect(recording.calls).toEqual([]);
  });
});

describe('pollJobChanges: the queue closing', () => {
  it('stops the polls: no timer left, no more requests', async () => {
    const { instance, recording, timers, queue, start } = setup();
    instance.sink.ingest(job(1000n, 'sched', T0));
    await start();
    await timers.tick();
    expect(recording.callsTo('job-list.list')).toHaveLength(3);
    await queue.return();
    expect(timers.armed).toBe(false);
    run(instance, 1000n, T0 + 50);
    await recording.idle();
    expect(recording.calls).toHaveLength(3);
  });

  it('during a poll: its answer is dropped and no poll follows', async () => {
    const { instance, controlled, recording, timers, queue, start } = setup();
    instance.sink.ingest(job(1000n, 'sched', T0));
    await start();
    controlled.hold();
    run(instance, 1000n, T0 + 50);
    timers.fire();
    await queue.return();
    controlled.release();
    await recording.idle();
    expect(recording.callsTo('job-list.list')).toHaveLength(3);
    expect(queue.unread).toBe(0);
    expect(timers.armed).toBe(false);
  });

  it('a queue already closed is never polled', async () => {
    const { recording, timers, queue } = setup();
    await queue.return();
    const query = await jobQueryFromArgs(recording, {});
    pollJobChanges(recording, query, null, queue, { intervalMs: 1000, timers });
    await recording.idle();
    expect(recording.calls).toEqual([]);
    expect(timers.armed).toBe(false);
  });
});
