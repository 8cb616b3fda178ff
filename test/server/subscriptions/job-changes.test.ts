/**
 * Subscription.jobChanges fed by the embedded instance's job-manager journal: every event of
 * a job driven while subscribed, in order, each with the job as job-list shows it after the
 * change; filters that Flux judges (states, name, constraint); private mode, where Flux shows
 * a user their own jobs only; and the journal stream closed when the last subscriber goes.
 */
import { EmbeddedInstance } from '../../../src/embedded';
import { Role } from '../../../src/flux/constants';
import type { FluxHandle } from '../../../src/flux/handle';
import type { JsonObject } from '../../../src/flux/json';
import { encodeJobId } from '../../../src/flux/jobid';
import { createApp, type FluxGraphQLApp } from '../../../src/server/app';
import { SCHED_TO_CLEAN, ev, job } from '../../embedded/job-builders';
import { subscribeSse, type SseReader } from '../../support/sse';
import { openEmbeddedInstance } from '../../../src/server/backend';
import { embeddedIdentity } from '../../support/embedded-identity';

const PROXY = { req: { socket: { remoteAddress: '127.0.0.1' } } };

const T0 = 1796190000;
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

interface Change {
  event: string;
  timestamp: number;
  job: { id: string; state: string; name: string | null };
}

const CHANGES = (args: string): string => `subscription { jobChanges${args} { event timestamp job { id state name } } }`;

/** Drives job `id` from NEW (its submit) to clean, one event at a time, letting the server see each. */
async function runJobThrough(instance: EmbeddedInstance, id: bigint, name = 'sim', userid = 1000): Promise<void> {
  instance.sink.ingest({ ...job(id, 'new', T0, { userid, spec: { command: [name] } }) });
  await settle();
  const steps: (readonly [string, JsonObject | undefined])[] = [
    ['validate', undefined],
    ['depend', undefined],
    ['priority', { priority: 16 }],
    ...SCHED_TO_CLEAN,
  ];
  for (const [index, [event, context]] of steps.entries()) {
    instance.sink.post(id, ev(event, T0 + index + 1, context));
    await settle();
  }
}

async function collect(reader: SseReader, count: number): Promise<Change[]> {
  const results = (await reader.results(count)) as { data: { jobChanges: Change }; errors?: unknown }[];
  for (const result of results) expect(result.errors).toBeUndefined();
  return results.map((result) => result.data.jobChanges);
}

function setup(options: { privateMode?: boolean } = {}): { instance: EmbeddedInstance; app: FluxGraphQLApp } {
  const instance = new EmbeddedInstance({ ownerUserid: 0, now: () => T0 + 100, ...options });
  const app = createApp({ handle: instance.handle(), logging: false });
  return { instance, app };
}

describe('jobChanges from the journal', () => {
  it("sends every event of a job run while subscribed, in order, with the job's state after each", async () => {
    const { instance, app } = setup();
    instance.sink.ingest(job(1n, 'run', T0 - 50));
    const { reader } = await subscribeSse(app, CHANGES(''));
    await settle();
    await runJobThrough(instance, 2000n);
    const changes = await collect(reader, 10);
    expect(changes.map((c) => [c.event, c.job.state])).toEqual([
      // job-list answers for a job once it has left NEW
      ['submit', 'DEPEND'],
      ['validate', 'DEPEND'],
      ['depend', 'PRIORITY'],
      ['priority', 'SCHED'],
      ['alloc', 'RUN'],
      ['start', 'RUN'],
      ['finish', 'CLEANUP'],
      ['release', 'CLEANUP'],
      ['free', 'CLEANUP'],
      ['clean', 'INACTIVE'],
    ]);
    expect(changes[0]?.timestamp).toBe(T0);
    expect(changes[9]?.timestamp).toBe(T0 + 9);
    expect(new Set(changes.map((c) => c.job.id))).toEqual(new Set([encodeJobId(2000n)]));
    await reader.close();
  });

  it("the events sent for a job run while subscribed are its eventlog's, as `flux job eventlog` shows them (no journal-only annotations)", async () => {
    const { instance, app } = setup();
    const { reader } = await subscribeSse(app, CHANGES(''));
    await reader.opened();
    await settle();
    instance.sink.ingest(job(2100n, 'sched', T0));
    await settle();
    instance.sink.post(2100n, ev('annotations', T0 + 5, { annotations: { sched: { resource_summary: 'rank0/core0' } } }));
    instance.sink.post(2100n, ev('alloc', T0 + 5, { annotations: { sched: { resource_summary: 'rank0/core0' } } }));
    await settle();
    for (const [index, name] of ['start', 'finish', 'release', 'free', 'clean'].entries()) {
      instance.sink.post(2100n, ev(name, T0 + 6 + index, name === 'finish' ? { status: 0 } : name === 'release' ? { ranks: 'all', final: true } : undefined));
      await settle();
    }
    const lookup = (await instance.handle().rpc('job-info.lookup', { id: 2100, keys: ['eventlog'], flags: 0 })) as { eventlog: string };
    const eventlog = lookup.eventlog.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { name: string; timestamp: number });
    const changes = await collect(reader, eventlog.length);
    expect(changes.map((c) => [c.event, c.timestamp])).toEqual(eventlog.map((e) => [e.name, e.timestamp]));
    await reader.close();
  });

  it('with filters, only the changes after which the job matches them (Flux finds the job again with them)', async () => {
    const { instance, app } = setup();
    const { reader } = await subscribeSse(app, CHANGES('(filters: [RUN], name: "sim")'));
    await settle();
    await runJobThrough(instance, 3000n, 'other');
    await runJobThrough(instance, 3001n, 'sim');
    const changes = await collect(reader, 2);
    expect(changes.map((c) => [c.event, c.job.id, c.job.state])).toEqual([
      ['alloc', encodeJobId(3001n), 'RUN'],
      ['start', encodeJobId(3001n), 'RUN'],
    ]);
    await reader.close();
  });

  it('with filters, a job that moves on while its match is asked is still found, in the state job-list has then', async () => {
    const instance = new EmbeddedInstance({ ownerUserid: 0, now: () => T0 + 100 });
    const inner = instance.handle();
    let movedOn = false;
    // The first match read for job 3100 after its alloc: the job finishes before job-list answers.
    const moveOn = (topic: string, payload: object | undefined): void => {
      if (topic !== 'job-list.list' || movedOn || !JSON.stringify(payload ?? {}).includes('t_submit')) return;
      movedOn = true;
      for (const [index, [name, context]] of SCHED_TO_CLEAN.slice(1).entries()) instance.sink.post(3100n, ev(name, T0 + 20 + index, context));
    };
    const handle: FluxHandle = {
      uri: inner.uri,
      rpc: (topic, payload, options) => {
        moveOn(topic, payload);
        return inner.rpc(topic, payload, options);
      },
      rpcStream: (topic, payload, options) => {
        moveOn(topic, payload);
        return inner.rpcStream(topic, payload, options);
      },
      close: () => inner.close(),
    };
    for (let id = 1n; id <= 50n; id++) instance.sink.ingest(job(id, 'completed', T0 - 1000 + Number(id), { spec: { command: ['sim'] } }));
    instance.sink.ingest(job(3100n, 'sched', T0, { spec: { command: ['sim'] } }));
    const app = createApp({ handle, logging: false });
    const { reader } = await subscribeSse(app, CHANGES('(name: "sim")'));
    await reader.opened();
    await settle();
    instance.sink.post(3100n, ev('alloc', T0 + 10));
    const changes = await collect(reader, 6);
    expect(movedOn).toBe(true);
    expect(changes.map((c) => [c.event, c.job.id])).toEqual(
      ['alloc', 'start', 'finish', 'release', 'free', 'clean'].map((event) => [event, encodeJobId(3100n)]),
    );
    expect(changes[0]?.job.state).toBe('INACTIVE');
    await reader.close();
  });

  it('a constraint is judged by Flux too', async () => {
    const { instance, app } = setup();
    const { reader } = await subscribeSse(app, CHANGES('(constraint: {states: ["inactive"]})'));
    await settle();
    await runJobThrough(instance, 4000n);
    expect((await collect(reader, 1)).map((c) => c.event)).toEqual(['clean']);
    await reader.close();
  });

  it('ids: only those jobs', async () => {
    const { instance, app } = setup();
    const { reader } = await subscribeSse(app, CHANGES(`(ids: ["${encodeJobId(5001n)}"])`));
    await settle();
    await runJobThrough(instance, 5000n);
    await runJobThrough(instance, 5001n);
    const changes = await collect(reader, 10);
    expect(new Set(changes.map((c) => c.job.id))).toEqual(new Set([encodeJobId(5001n)]));
    // With its only job inactive, the subscription is complete.
    expect(changes[9]?.event).toBe('clean');
    expect(await reader.next()).toEqual({ event: 'complete', data: null });
  });

  it('ids of jobs that are all inactive already: complete at once', async () => {
    const { instance, app } = setup();
    instance.sink.ingest(job(5100n, 'completed', T0 - 50));
    instance.sink.ingest(job(5101n, 'canceled', T0 - 40));
    const { reader } = await subscribeSse(app, CHANGES(`(ids: ["${encodeJobId(5100n)}", "${encodeJobId(5101n)}"])`));
    expect(await reader.results()).toEqual([]);
    await settle();
    expect(instance.journal.openStreams).toBe(0);
  });

  it.each([
    [true, ['alice']],
    [false, ['alice', 'bob']],
  ])('private mode %p: alice is sent the changes of the jobs of %p (Flux decides, with her credentials)', async (privateMode, seen) => {
    const embedded = await openEmbeddedInstance({ jobs: 20, seed: 11, live: false, latencyMs: 0, privateMode });
    const { instance } = embedded;
    const listed = (await instance.handle().rpc('job-list.list', { max_entries: 0, attrs: ['userid'], constraint: {} })) as unknown as { jobs: { userid: number }[] };
    const [alice, bob] = [...new Set(listed.jobs.map((j) => j.userid))].filter((uid) => uid !== instance.ownerUserid).sort((a, b) => a - b) as [number, number];
    const identity = await embeddedIdentity(embedded);
    const app = createApp({ handle: instance.handle(), logging: false, identity, jobInfo: { now: instance.now, usernameOf: embedded.usernameOf } });
    const name = (uid: number): string => embedded.usernameOf(uid) as string;
    const { reader } = await subscribeSse(app, 'subscription { jobChanges { event job { id userid } } }', {}, { 'x-remote-user': name(alice) }, PROXY);
    await reader.opened();
    await settle();
    await runJobThrough(instance, 9_000_001n, 'sim', bob);
    await runJobThrough(instance, 9_000_002n, 'sim', alice);
    const owners = { [alice]: 'alice', [bob]: 'bob' } as Record<number, string>;
    const changes = (await reader.results(privateMode ? 10 : 20)) as { data: { jobChanges: { event: string; job: { userid: number } } } }[];
    expect([...new Set(changes.map((c) => owners[c.data.jobChanges.job.userid]))].sort()).toEqual(seen);
    expect(changes.map((c) => c.data.jobChanges.event).slice(-2)).toEqual(['free', 'clean']);
    await reader.close();
    await embedded.close();
  });

  it('the journal stream is opened for the first subscriber and cancelled when the last goes', async () => {
    const { instance, app } = setup();
    expect(instance.journal.openStreams).toBe(0);
    const first = await subscribeSse(app, CHANGES(''));
    const second = await subscribeSse(app, CHANGES('(filters: [RUN])'));
    // (an in-process answer's body passes a cancel on only once it has been read from)
    await first.reader.opened();
    await second.reader.opened();
    await settle();
    expect(instance.journal.openStreams).toBe(1);
    await first.reader.close();
    await settle();
    expect(instance.journal.openStreams).toBe(1);
    await second.reader.close();
    await settle();
    expect(instance.journal.openStreams).toBe(0);
  });

  it('bad filters are refused before anything is watched', async () => {
    const { instance, app } = setup();
    const { reader } = await subscribeSse(app, CHANGES('(user: "no-such-user-xyz")'));
    const results = (await reader.results()) as { errors: { extensions: { code: string } }[] }[];
    expect(results[0]?.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(instance.journal.openStreams).toBe(0);
  });
});

describe('jobChanges when the server is not the instance owner', () => {
  it('falls back to polling job-list: one change per job per poll, with the job as the user sees it', async () => {
    const instance = new EmbeddedInstance({ ownerUserid: 0, now: () => T0 + 100 });
    // The server's own connection is a plain user's: Flux refuses it the journal.
    const app = createApp({ handle: instance.handle({ userid: 1000, rolemask: Role.USER }), logging: false });
    const { reader } = await subscribeSse(app, CHANGES('(pollInterval: 0.2)'));
    await reader.opened();
    // Let the baseline poll happen before the job arrives.
    await new Promise((resolve) => setTimeout(resolve, 400));
    instance.sink.ingest(job(6000n, 'run', T0, { userid: 1000 }));
    const [first] = await collect(reader, 1);
    expect(first).toMatchObject({ event: 'alloc', job: { id: encodeJobId(6000n), state: 'RUN' } });
    instance.sink.post(6000n, ev('finish', T0 + 20, { status: 0 }));
    instance.sink.post(6000n, ev('release', T0 + 20.01, { ranks: 'all', final: true }));
    instance.sink.post(6000n, ev('free', T0 + 20.02));
    instance.sink.post(6000n, ev('clean', T0 + 20.03));
    const [last] = await collect(reader, 1);
    expect(last).toMatchObject({ event: 'clean', timestamp: T0 + 20.03, job: { state: 'INACTIVE' } });
    expect(instance.journal.openStreams).toBe(0);
    await reader.close();
  });
});
