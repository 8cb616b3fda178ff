/**
 * job-info watches while the live workload runs jobs: through the in-process EmbeddedHandle, a
 * watch of a running job's eventlog receives the job's later events as the workload posts them,
 * ending with ENODATA at clean; a running job's output watch gets new lines as time passes; and
 * leaving a stream early releases the watch.
 */
import { JobState } from '../../../src/flux/constants';
import type { Json } from '../../../src/flux/json';
import { EmbeddedInstance } from '../../../src/embedded';
import { LiveWorkload } from '../../../src/embedded/workload/live';

const NOW = 1795640000;

function liveInstance(jobs = 400): { instance: EmbeddedInstance; workload: LiveWorkload; step: (seconds: number) => void } {
  const instance = new EmbeddedInstance({ queues: ['batch', 'debug', 'gpu'], ownerUserid: 0 });
  let now = NOW;
  const workload = new LiveWorkload(instance.sink, { jobs, seed: 5, now, clock: () => now, submitRate: 0.02 });
  return {
    instance,
    workload,
    step: (seconds) => {
      now += seconds;
      workload.step(now);
    },
  };
}

/** Reads a stream in the background, keeping every payload; `done` settles with how it ended. */
function collect(stream: AsyncIterable<Json | undefined>): { items: Array<Json | undefined>; done: Promise<unknown> } {
  const items: Array<Json | undefined> = [];
  const done = (async () => {
    for await (const item of stream) items.push(item);
    return 'ended';
  })().catch((err: unknown) => err);
  return { items, done };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('job-info watches of the live workload', () => {
  it('a running job\'s eventlog watch receives the events the workload posts, up to clean', async () => {
    const { instance, step } = liveInstance();
    const running = instance.store.lists.running.toArray().slice(0, 12).map((slot) => instance.store.jobs.id(slot));
    expect(running.length).toBeGreaterThan(5);
    const handle = instance.handle();
    const watches = running.map((id) => ({ id, ...collect(handle.rpcStream('job-info.eventlog-watch', { id, path: 'eventlog', flags: 0 })) }));
    await settle();
    const initial = watches.map((w) => w.items.length);
    expect(initial.every((n) => n >= 6)).toBe(true);
    // Run the instance on until every watched job has finished.
    for (let i = 0; i < 400 && running.some((id) => instance.store.jobs.state[instance.store.lookup(id)] !== JobState.INACTIVE); i++) step(600);
    expect(await Promise.all(watches.map((w) => w.done))).toEqual(watches.map(() => 'ended'));
    for (const [i, watch] of watches.entries()) {
      const names = watch.items.map((item) => (JSON.parse((item as { event: string }).event) as { name: string }).name);
      expect(names.length).toBeGreaterThan(initial[i] as number);
      expect(names[names.length - 1]).toBe('clean');
      // What arrived is the job's eventlog as a lookup gives it now.
      const answer = (await handle.rpc('job-info.lookup', { id: watch.id, keys: ['eventlog'], flags: 0 })) as { eventlog: string };
      expect(watch.items.map((item) => (item as { event: string }).event).join('')).toBe(answer.eventlog);
    }
    await handle.close();
  });

  it('running jobs\' output grows as the workload moves on, entry by entry as the job shows it', async () => {
    const { instance, step } = liveInstance(3000);
    const handle = instance.handle();
    const running = instance.store.lists.running.toArray().map((slot) => instance.store.jobs.id(slot));
    const watches = running.map((id) => ({ id, ...collect(handle.rpcStream('job-info.eventlog-watch', { id, path: 'guest.output', flags: 1 })) }));
    await settle();
    const initial = watches.map((w) => w.items.length);
    for (let i = 0; i < 20; i++) {
      step(60);
      await settle();
    }
    // Some grew while their job still runs (new progress lines), others because it ended.
    const stillRunning = (id: bigint): boolean => instance.store.jobs.state[instance.store.lookup(id)] === JobState.RUN;
    const grown = watches.filter((w, i) => w.items.length > (initial[i] as number));
    expect(grown.filter((w) => stillRunning(w.id)).length).toBeGreaterThan(2);
    expect(grown.filter((w) => !stillRunning(w.id)).length).toBeGreaterThan(2);
    for (const watch of watches) {
      const answer = (await handle.rpc('job-info.lookup', { id: watch.id, keys: ['guest.output'], flags: 0 })) as { 'guest.output': string };
      expect(watch.items.map((item) => (item as { event: string }).event).join('')).toBe(answer['guest.output']);
    }
    await handle.close();
  });

  it('leaving a stream early releases its watch', async () => {
    const { instance } = liveInstance();
    const handle = instance.handle();
    const id = instance.store.jobs.id(instance.store.lists.running.toArray()[0] as number);
    const stream = handle.rpcStream('job-info.eventlog-watch', { id, path: 'guest.exec.eventlog', flags: 0 })[Symbol.asyncIterator]();
    expect(((await stream.next()).value as { event: string }).event).toContain('"name":"init"');
    expect(await handle.rpc('job-info.stats-get', {})).toMatchObject({ guest_watchers: 1 });
    await stream.return?.();
    expect(await handle.rpc('job-info.stats-get', {})).toMatchObject({ watchers: 0, guest_watchers: 0 });
    await handle.close();
  });
});
