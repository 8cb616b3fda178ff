/**
 * The subscriptions with the server talking local:// to a wire broker that serves an embedded
 * instance (as `flux-graphql broker` does): jobEvents and jobChanges of a job driven while
 * watched, and every Flux stream the subscriptions opened closed on the broker's side once their
 * clients go (job-info's watcher count, the journal's open streams).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedInstance } from '../../../src/embedded';
import { serveBroker, type RunningBroker } from '../../../src/embedded/wire/broker';
import { openHandle } from '../../../src/flux/connect';
import type { FluxHandle } from '../../../src/flux/handle';
import { encodeJobId } from '../../../src/flux/jobid';
import { createApp, type FluxGraphQLApp } from '../../../src/server/app';
import { SCHED_TO_CLEAN, ev, job } from '../../embedded/job-builders';
import { subscribeSse } from '../../support/sse';

const T0 = 1796190000;

describe('subscriptions over a wire broker', () => {
  let dir: string;
  let instance: EmbeddedInstance;
  let broker: RunningBroker;
  let handle: FluxHandle;
  let app: FluxGraphQLApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fg-subscriptions-wire-'));
    const uid = process.getuid?.() ?? 0;
    instance = new EmbeddedInstance({ ownerUserid: uid, now: () => T0 + 100 });
    // The broker stamps its own uid on its clients: the server's connection is the instance owner's.
    const services = instance.servicesOwnedBy(uid);
    broker = await serveBroker(services, { path: join(dir, 'local'), userid: uid, serviceNames: services.names, log: () => undefined });
    handle = await openHandle(`local://${broker.path}`);
    app = createApp({ handle, logging: false });
  });

  afterAll(async () => {
    await handle?.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the broker's side has open: job-info watches and journal streams. */
  async function openOnBroker(): Promise<{ watchers: number; journals: number }> {
    const stats = (await instance.handle().rpc('job-info.stats-get', {})) as { watchers: number; guest_watchers: number };
    return { watchers: stats.watchers + stats.guest_watchers, journals: instance.journal.openStreams };
  }

  async function until(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  it('jobEvents and jobChanges of a job run while watched, in order; everything released when the clients go', async () => {
    instance.sink.ingest(job(7000n, 'sched', T0));
    const events = await subscribeSse(app, 'subscription { jobEvents(id: "7000") { name } }');
    const changes = await subscribeSse(app, 'subscription { jobChanges { event job { id state } } }');
    const stored = (await events.reader.results(4)) as { data: { jobEvents: { name: string } } }[];
    expect(stored.map((r) => r.data.jobEvents.name)).toEqual(['submit', 'validate', 'depend', 'priority']);
    await changes.reader.opened();
    await until(async () => (await openOnBroker()).journals === 1);
    expect(await openOnBroker()).toEqual({ watchers: 1, journals: 1 });

    // One event at a time, as a job moves: each change is read before the next event.
    const seen: { event: string; job: { id: string; state: string } }[] = [];
    for (const [index, [name, context]] of SCHED_TO_CLEAN.entries()) {
      instance.sink.post(7000n, ev(name, T0 + 10 + index, context));
      const [change] = (await changes.reader.results(1)) as { data: { jobChanges: (typeof seen)[number] } }[];
      seen.push((change as { data: { jobChanges: (typeof seen)[number] } }).data.jobChanges);
    }
    const live = (await events.reader.results()) as { data: { jobEvents: { name: string } } }[];
    expect(live.map((r) => r.data.jobEvents.name)).toEqual(SCHED_TO_CLEAN.map(([name]) => name));
    expect(seen.map((c) => [c.event, c.job.state])).toEqual([
      ['alloc', 'RUN'],
      ['start', 'RUN'],
      ['finish', 'CLEANUP'],
      ['release', 'CLEANUP'],
      ['free', 'CLEANUP'],
      ['clean', 'INACTIVE'],
    ]);
    expect(new Set(seen.map((c) => c.job.id))).toEqual(new Set([encodeJobId(7000n)]));

    // The eventlog watch ended with the job; the journal goes when its last subscriber does.
    await changes.reader.close();
    await until(async () => (await openOnBroker()).journals === 0);
    expect(await openOnBroker()).toEqual({ watchers: 0, journals: 0 });
  });

  it('a client that leaves a quiet watch releases it on the broker', async () => {
    instance.sink.ingest(job(7001n, 'sched', T0));
    const { reader } = await subscribeSse(app, 'subscription { jobOutput(id: "7001") { data } }');
    await reader.opened();
    await until(async () => (await openOnBroker()).watchers === 1);
    expect(await openOnBroker()).toEqual({ watchers: 1, journals: 0 });
    await reader.close();
    await until(async () => (await openOnBroker()).watchers === 0);
    expect(await openOnBroker()).toEqual({ watchers: 0, journals: 0 });
  });
});
