/**
 * Subscription.jobOutput and jobStats over server-sent events on the embedded instance with
 * its live workload; and the bound on a subscriber that does not read.
 */
import { EmbeddedInstance } from '../../../src/embedded';
import { LiveWorkload } from '../../../src/embedded/workload/live';
import { JobState } from '../../../src/flux/constants';
import { encodeJobId } from '../../../src/flux/jobid';
import { createApp, type FluxGraphQLApp } from '../../../src/server/app';
import { ev, job } from '../../embedded/job-builders';
import { subscribeSse } from '../../support/sse';

const NOW = 1795640000;

function liveSetup(jobs = 400, options: { now?: () => number; subscriberBuffer?: number } = {}): { instance: EmbeddedInstance; app: FluxGraphQLApp; step: (seconds: number) => void } {
  const instance = new EmbeddedInstance({ queues: ['batch', 'debug', 'gpu'], ownerUserid: 0 });
  let now = NOW;
  const workload = new LiveWorkload(instance.sink, { jobs, seed: 5, now, clock: () => now, submitRate: 0.02 });
  const app = createApp({ handle: instance.handle(), logging: false, live: { ...(options.now === undefined ? {} : { now: options.now }), ...(options.subscriberBuffer === undefined ? {} : { subscriberBuffer: options.subscriberBuffer }) } });
  return {
    instance,
    app,
    step: (seconds) => {
      now += seconds;
      workload.step(now);
    },
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Chunk {
  stream: string;
  rank: string;
  data: string;
  encoding: string;
  eof: boolean;
}

describe('jobOutput', () => {
  it("follows a running job's output to its end: the chunks are the output eventlog's data events, in order", async () => {
    const { instance, app, step } = liveSetup(3000);
    const handle = instance.handle();
    const id = instance.store.jobs.id(instance.store.lists.running.toArray()[0] as number);
    const { reader } = await subscribeSse(app, 'subscription($id: JobID!) { jobOutput(id: $id) { stream rank data encoding eof } }', { id: encodeJobId(id) });
    const results: Chunk[] = [];
    const reading = (async () => {
      for (;;) {
        const message = await reader.next();
        if (message === undefined || message.event === 'complete') return;
        results.push((message.data as { data: { jobOutput: Chunk } }).data.jobOutput);
      }
    })();
    for (let i = 0; i < 400 && instance.store.jobs.state[instance.store.lookup(id)] !== JobState.INACTIVE; i++) {
      step(60);
      await settle();
    }
    await reading;
    const answer = (await handle.rpc('job-info.lookup', { id, keys: ['guest.output'], flags: 0 })) as { 'guest.output': string };
    const expected = answer['guest.output']
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { name: string; context: Record<string, unknown> })
      .filter((entry) => entry.name === 'data')
      .map(({ context }) => ({
        stream: context['stream'],
        rank: context['rank'],
        data: context['data'] ?? '',
        encoding: context['encoding'] ?? 'UTF-8',
        eof: context['eof'] === true,
      }));
    expect(expected.length).toBeGreaterThan(2);
    expect(results).toEqual(expected);
    // Everything the subscription watched is released.
    expect(await handle.rpc('job-info.stats-get', {})).toMatchObject({ watchers: 0, guest_watchers: 0 });
  });

  it('a job canceled while pending completes with no chunks', async () => {
    const instance = new EmbeddedInstance({ ownerUserid: 0 });
    const app = createApp({ handle: instance.handle(), logging: false });
    instance.sink.ingest(job(77n, 'sched', NOW));
    const { reader } = await subscribeSse(app, 'subscription { jobOutput(id: "77") { data } }');
    await settle();
    instance.sink.post(77n, ev('exception', NOW + 5, { type: 'cancel', severity: 0, note: '', userid: 0 }));
    instance.sink.post(77n, ev('clean', NOW + 5.1));
    expect(await reader.results()).toEqual([]);
  });
});

describe('jobStats', () => {
  it('sends the counts at once, then when they change, never sooner than the interval', async () => {
    let clock = 1_000_000;
    const { app, step } = liveSetup(400, { now: () => clock });
    const { reader } = await subscribeSse(app, 'subscription { jobStats(interval: 0.2) { total running inactive } }');
    const first = (await reader.next())?.data as { data: { jobStats: { total: number } } };
    expect(first.data.jobStats.total).toBeGreaterThan(0);
    // Counts change, but the subscriber's clock has not moved: nothing yet, over several ticks.
    step(3600);
    const pending = reader.next();
    const early = await Promise.race([pending, new Promise<'nothing'>((resolve) => setTimeout(() => resolve('nothing'), 700))]);
    expect(early).toBe('nothing');
    clock += 1000;
    const update = (await pending)?.data as { data: { jobStats: { total: number; inactive: number } } };
    expect(update.data.jobStats).not.toEqual(first.data.jobStats);
    await reader.close();
  });

  it('a queue the instance does not report: BAD_USER_INPUT before any counts', async () => {
    const { app } = liveSetup(50);
    const { reader } = await subscribeSse(app, 'subscription { jobStats(queue: ["nosuch"]) { total } }');
    const results = (await reader.results()) as { errors: { message: string; extensions: { code: string } }[] }[];
    expect(results).toEqual([{ errors: [expect.objectContaining({ message: 'no stats available for queue nosuch', extensions: { code: 'BAD_USER_INPUT' } })] }]);
  });

  it.each([0.1, 0, -1, 4000])('interval %p: BAD_USER_INPUT', async (interval) => {
    const { app } = liveSetup(50);
    const { reader } = await subscribeSse(app, `subscription { jobStats(interval: ${interval}) { total } }`);
    const results = (await reader.results()) as { errors: { message: string; extensions: { code: string } }[] }[];
    expect(results[0]?.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(results[0]?.errors[0]?.message).toBe(`interval must be from 0.2 to 3600 seconds (got ${interval})`);
  });
});

describe('a subscriber that does not read', () => {
  it('is ended with SUBSCRIBER_TOO_SLOW and its Flux watch is released', async () => {
    const instance = new EmbeddedInstance({ ownerUserid: 0 });
    const app = createApp({ handle: instance.handle(), logging: false, live: { subscriberBuffer: 5 } });
    instance.sink.ingest(job(1000n, 'run', NOW));
    const { reader } = await subscribeSse(app, 'subscription { jobEvents(id: "1000") { name } }');
    // Flux sends more events than the client reads (it reads none until now).
    for (let i = 0; i < 20; i++) instance.sink.post(1000n, ev('memo', NOW + 10 + i, { n: i }));
    await settle();
    const results = (await reader.results()) as { data: unknown; errors?: { extensions: { code: string } }[] }[];
    const last = results[results.length - 1];
    expect(last?.errors?.[0]?.extensions.code).toBe('SUBSCRIBER_TOO_SLOW');
    expect(results.length).toBeLessThanOrEqual(6);
    expect(await instance.handle().rpc('job-info.stats-get', {})).toMatchObject({ watchers: 0 });
  });
});
