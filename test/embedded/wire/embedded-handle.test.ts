/**
 * EmbeddedHandle: the FluxHandle contract over the in-process job-list service.
 */
import { Errno, JobState, Role } from '../../../src/flux/constants';
import { FluxError, FluxRpcError } from '../../../src/flux/errors';
import type { Json, JsonObject } from '../../../src/flux/json';
import { EmbeddedInstance } from '../../../src/embedded';
import { ev, job } from '../job-builders';

const BIG_ID = (1n << 60n) + 12345n;

function instance(): EmbeddedInstance {
  const inst = new EmbeddedInstance({ uri: 'embedded:jobs=3,seed=1', ownerUserid: 1000 });
  inst.sink.ingest(job(1n, 'sched', 10));
  inst.sink.ingest(job(2n, 'run', 10, { userid: 2000 }));
  inst.sink.ingest(job(BIG_ID, 'completed', 10));
  return inst;
}

async function collect(iterable: AsyncIterable<Json | undefined>): Promise<Array<Json | undefined>> {
  const out: Array<Json | undefined> = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('EmbeddedHandle', () => {
  it('reports the instance URI', () => {
    expect(instance().handle().uri).toBe('embedded:jobs=3,seed=1');
  });

  it('resolves an RPC with the response payload, asynchronously', async () => {
    const handle = instance().handle();
    let settled = false;
    const pending = handle.rpc('job-list.list-attrs', {}).then((value) => {
      settled = true;
      return value;
    });
    expect(settled).toBe(false);
    const payload = (await pending) as { attrs: string[] };
    expect(payload.attrs).toHaveLength(33);
  });

  it('keeps 64-bit job IDs exact', async () => {
    const handle = instance().handle();
    const listed = (await handle.rpc('job-list.list', { max_entries: 0, attrs: [], constraint: { states: ['inactive'] } })) as { jobs: JsonObject[] };
    expect(listed.jobs).toEqual([{ id: BIG_ID }]);
    const one = (await handle.rpc('job-list.list-id', { id: BIG_ID, attrs: ['state'] })) as { job: JsonObject };
    expect(one.job).toEqual({ id: BIG_ID, state: JobState.INACTIVE });
  });

  it('rejects with FluxRpcError carrying errno and the service text', async () => {
    const handle = instance().handle();
    const err = await rejection(handle.rpc('job-list.list', { max_entries: -1, attrs: [] }));
    expect(err).toBeInstanceOf(FluxRpcError);
    expect(err).toMatchObject({ code: 'FLUX_RPC', errno: Errno.EPROTO, errnoName: 'EPROTO', text: 'invalid payload: max_entries < 0 not allowed' });
    const unknown = (await rejection(handle.rpc('job-list.list-id', { id: 99, attrs: [] }))) as FluxRpcError;
    expect(unknown.errno).toBe(Errno.ENOENT);
    expect(unknown.errorString).toBeUndefined();
    expect(unknown.text).toBe('No such file or directory');
    const nosys = (await rejection(handle.rpc('nosuch.topic'))) as FluxRpcError;
    expect(nosys.text).toBe('No service matching nosuch.topic is registered');
  });

  it('sends no payload frame when the RPC has no payload', async () => {
    const err = (await rejection(instance().handle().rpc('job-list.list'))) as FluxRpcError;
    expect(err.text).toBe('invalid payload: message does not have a string payload');
  });

  it('streams until ENODATA', async () => {
    const handle = instance().handle();
    const responses = await collect(handle.rpcStream('job-list.list', { max_entries: 0, attrs: ['state'] }));
    expect(responses).toEqual([
      { jobs: [{ id: 1, state: JobState.SCHED }], version: 1 },
      { jobs: [{ id: 2, state: JobState.RUN }] },
      { jobs: [{ id: BIG_ID, state: JobState.INACTIVE }] },
    ]);
    expect(await collect(handle.rpcStream('job-list.list', { max_entries: 0, attrs: [], constraint: { userid: [5] } }))).toEqual([]);
  });

  it('throws the stream error response', async () => {
    const err = await rejection(collect(instance().handle().rpcStream('job-list.list', { max_entries: 0, attrs: ['bogus'] })));
    expect(err).toMatchObject({ errno: Errno.EINVAL, text: 'bogus is not a valid attribute' });
  });

  it('releases a streamed job-stats request when the loop is left early', async () => {
    const inst = instance();
    const handle = inst.handle();
    const watchers = async (): Promise<unknown> => ((await handle.rpc('job-list.stats-get', {})) as JsonObject).stats_watchers;
    for await (const stats of handle.rpcStream('job-list.job-stats', {})) {
      expect((stats as { job_states: JsonObject }).job_states).toMatchObject({ total: 3 });
      expect(await watchers()).toBe(1);
      break;
    }
    expect(await watchers()).toBe(0);
    inst.close();
  });

  it('resolves a waiting list-id when the job reaches the state', async () => {
    const inst = instance();
    const handle = inst.handle();
    const waiting = handle.rpc('job-list.list-id', { id: 1, attrs: ['state'], state: JobState.RUN });
    await Promise.resolve();
    inst.sink.post(1n, ev('alloc', 50));
    expect(await waiting).toEqual({ job: { id: 1, state: JobState.RUN } });
  });

  it('gives up after timeoutMs with FLUX_TIMEOUT', async () => {
    const handle = instance().handle();
    const err = await rejection(handle.rpc('job-list.list-id', { id: 1, attrs: [], state: JobState.INACTIVE }, { timeoutMs: 5 }));
    expect(err).toBeInstanceOf(FluxError);
    expect(err).toMatchObject({ code: 'FLUX_TIMEOUT' });
  });

  it('bounds the wait for each next stream response by timeoutMs, re-armed per response as on a socket', async () => {
    const inst = instance();
    const stream = inst.handle().rpcStream('job-list.job-stats', {}, { timeoutMs: 20 })[Symbol.asyncIterator]();
    expect((await stream.next()).done).toBe(false);
    expect(await rejection(stream.next())).toMatchObject({ code: 'FLUX_TIMEOUT' });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(((await inst.handle().rpc('job-list.stats-get', {})) as JsonObject).stats_watchers).toBe(0);
    inst.close();
  });

  describe('timeoutMs 0, or not a finite positive delay, means no timeout (as on a socket handle)', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
    afterEach(() => jest.useRealTimers());

    /** The instance of the tests above, with job-stats batching on timers of its own: the handle's are the only real ones. */
    function quietInstance(): { inst: EmbeddedInstance; flushStats: () => void } {
      const due: Array<() => void> = [];
      const inst = new EmbeddedInstance({ ownerUserid: 1000, timers: { set: (callback) => due.push(callback), clear: () => undefined } });
      inst.sink.ingest(job(1n, 'sched', 10));
      inst.sink.ingest(job(2n, 'run', 10, { userid: 2000 }));
      return { inst, flushStats: () => due.splice(0).forEach((callback) => callback()) };
    }

    it.each([0, -5, Number.POSITIVE_INFINITY, Number.NaN, 2 ** 31])('a stream with timeoutMs %p waits for its next response however long it takes', async (timeoutMs) => {
      const { inst, flushStats } = quietInstance();
      const stream = inst.handle().rpcStream('job-list.job-stats', {}, { timeoutMs })[Symbol.asyncIterator]();
      expect((await stream.next()).done).toBe(false);
      const next = stream.next();
      expect(jest.getTimerCount()).toBe(0);
      jest.advanceTimersByTime(24 * 3600 * 1000);
      // The counters change, and the batched update is the next response.
      inst.sink.post(1n, ev('alloc', 50));
      flushStats();
      expect(await next).toMatchObject({ done: false, value: { job_states: { run: 2 } } });
      await stream.return?.();
      inst.close();
    });

    it.each([0, Number.POSITIVE_INFINITY])('an RPC with timeoutMs %p waits for its answer however long it takes', async (timeoutMs) => {
      const { inst } = quietInstance();
      const waiting = inst.handle().rpc('job-list.list-id', { id: 1, attrs: ['state'], state: JobState.RUN }, { timeoutMs });
      await Promise.resolve();
      expect(jest.getTimerCount()).toBe(0);
      jest.advanceTimersByTime(24 * 3600 * 1000);
      inst.sink.post(1n, ev('alloc', 50));
      expect(await waiting).toEqual({ job: { id: 1, state: JobState.RUN } });
    });

    it('a positive timeoutMs still arms one timer per stream', async () => {
      const { inst } = quietInstance();
      const stream = inst.handle().rpcStream('job-list.job-stats', {}, { timeoutMs: 20 })[Symbol.asyncIterator]();
      expect((await stream.next()).done).toBe(false);
      expect(jest.getTimerCount()).toBe(1);
      const next = stream.next();
      jest.advanceTimersByTime(20);
      await expect(next).rejects.toMatchObject({ code: 'FLUX_TIMEOUT' });
      inst.close();
    });
  });

  it('fails RPCs in flight on close, refuses new ones, and drops its streams', async () => {
    const inst = instance();
    const handle = inst.handle();
    const waiting = handle.rpc('job-list.list-id', { id: 1, attrs: [], state: JobState.INACTIVE });
    const stream = handle.rpcStream('job-list.job-stats', {})[Symbol.asyncIterator]();
    await stream.next();
    const other = inst.handle();
    expect(((await other.rpc('job-list.stats-get', {})) as JsonObject).stats_watchers).toBe(1);
    await handle.close();
    expect(await rejection(waiting)).toMatchObject({ code: 'FLUX_DISCONNECTED' });
    expect(await rejection(handle.rpc('job-list.list-attrs', {}))).toMatchObject({ code: 'FLUX_DISCONNECTED' });
    expect(((await other.rpc('job-list.stats-get', {})) as JsonObject).stats_watchers).toBe(0);
    inst.close();
  });

  it('stamps its credentials on requests', async () => {
    const inst = new EmbeddedInstance({ privateMode: true });
    inst.sink.ingest(job(1n, 'sched', 10, { userid: 1000 }));
    inst.sink.ingest(job(2n, 'sched', 10, { userid: 2000 }));
    const guest = inst.handle({ userid: 2000, rolemask: Role.USER });
    expect(await guest.rpc('job-list.list', { max_entries: 0, attrs: [] })).toEqual({ jobs: [{ id: 2 }] });
    expect(await rejection(guest.rpc('job-list.job-stats', {}))).toMatchObject({ errno: Errno.EPERM });
    expect(await inst.handle().rpc('job-list.list', { max_entries: 0, attrs: [] })).toEqual({ jobs: [{ id: 1 }, { id: 2 }] });
  });

  it('delays requests by the simulated latency', async () => {
    const handle = instance().handle({ latencyMs: 2 });
    expect(((await handle.rpc('job-list.list-attrs', {})) as { attrs: string[] }).attrs[0]).toBe('userid');
    expect(await collect(handle.rpcStream('job-list.list', { max_entries: 1, attrs: [] }))).toEqual([{ jobs: [{ id: 1 }], version: 1 }]);
    expect(() => instance().handle({ latencyMs: -1 })).toThrow(RangeError);
  });
});
