/**
 * The embedded instance in live mode (the default of serve and broker): a LiveWorkload keeps
 * submitting jobs and moving them on as the instance's clock advances. Most tests inject a
 * clock and step by hand (no timer); the last ones check the timer and that close() stops it.
 */
import type { JobDocuments, JobSink } from '../../src/embedded/store/job-documents';
import { LiveWorkload } from '../../src/embedded/workload';
import type { EventlogEntry, ResourceSet } from '../../src/flux/jobspec';
import type { Json, JsonObject } from '../../src/flux/json';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { openBackend, openEmbeddedInstance, type Backend } from '../../src/server/backend';
import { startServer } from '../../src/server/start';

const START = 1795640000;
const EMBEDDED = { jobs: 300, seed: 5, live: true, latencyMs: 0 };

interface JobNode {
  id: string;
  state: string;
  tSubmit: number;
  tRun: number | null;
  runtime: number | null;
}

/** A backend on a clock the test moves, stepped only by the test. */
class ManualLive {
  now = START;
  backend!: Backend;
  app!: FluxGraphQLApp;

  async open(settings = EMBEDDED): Promise<this> {
    this.backend = await openBackend({ embedded: settings }, { clock: () => this.now, stepOnTimer: false });
    const backend = this.backend;
    this.app = createApp({
      handle: backend.handle,
      backend: () => backend.description,
      logging: false,
      ...(backend.jobInfo === undefined ? {} : { jobInfo: backend.jobInfo }),
      ...(backend.userDatabase === undefined ? {} : { userDatabase: backend.userDatabase }),
    });
    return this;
  }

  /** Moves the clock to `time`, and the workload with it every `every` seconds on the way. */
  advanceTo(time: number, every = 600): void {
    const workload = this.backend.liveWorkload as LiveWorkload;
    while (this.now < time) {
      this.now = Math.min(time, this.now + every);
      workload.step(this.now);
    }
  }

  async gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await this.app.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors !== undefined) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
    return body.data as T;
  }

  async jobs(filters: string[] = []): Promise<JobNode[]> {
    const data = await this.gql<{ jobs: { nodes: JobNode[] } }>(
      'query($filters: [JobFilter!]) { jobs(filters: $filters, first: 1000) { nodes { id state tSubmit tRun runtime } } }',
      { filters },
    );
    return data.jobs.nodes;
  }

  async jobsById(ids: string[]): Promise<JobNode[]> {
    const data = await this.gql<{ jobs: { nodes: JobNode[] } }>(
      'query($ids: [JobID!]) { jobs(ids: $ids, first: 1000) { nodes { id state tSubmit tRun runtime } } }',
      { ids },
    );
    return data.jobs.nodes;
  }

  async total(): Promise<{ listed: number; counted: number }> {
    const data = await this.gql<{ jobs: { totalCount: number }; jobStats: { total: number } }>('{ jobs { totalCount } jobStats { total } }');
    return { listed: data.jobs.totalCount, counted: data.jobStats.total };
  }
}

/** Remembers what a LiveWorkload hands over, to learn in advance what the backend's will do. */
class FirstSubmissionSink implements JobSink {
  readonly ingested: JobDocuments[] = [];
  ingest(job: JobDocuments): void {
    this.ingested.push(job);
  }
  post(_id: bigint, _entry: EventlogEntry, _R?: ResourceSet): void {}
}

describe('live embedded backend, stepped by hand', () => {
  let live: ManualLive;

  beforeEach(async () => {
    live = await new ManualLive().open();
  });

  afterEach(async () => {
    await live.backend.close();
  });

  it('says it is live in its description and on /healthz', async () => {
    expect(live.backend.description).toBe('embedded:jobs=300,seed=5,live');
    expect(live.backend.liveWorkload).toBeInstanceOf(LiveWorkload);
    const response = await live.app.fetch('http://yoga/healthz');
    expect(await response.json()).toEqual({ ok: true, backend: 'embedded:jobs=300,seed=5,live' });
  });

  it('runs or ends jobs that were pending, and ends the ones that were running', async () => {
    const pending = await live.jobs(['PENDING']);
    const running = await live.jobs(['RUN']);
    expect(pending.length).toBeGreaterThan(0);
    expect(running.length).toBeGreaterThan(0);

    live.advanceTo(START + 4 * 86400);
    const pendingLater = await live.jobsById(pending.map((job) => job.id));
    expect(pendingLater.map((job) => job.id)).toEqual(pending.map((job) => job.id));
    // Every one of them moved on; some got to run (the rest were canceled while they waited).
    expect(pendingLater.filter((job) => ['DEPEND', 'PRIORITY', 'SCHED'].includes(job.state))).toEqual([]);
    const ran = pendingLater.filter((job) => job.tRun !== null);
    expect(ran.length).toBeGreaterThan(0);
    for (const job of ran) expect(job.tRun).toBeGreaterThan(START);
    const runningLater = await live.jobsById(running.map((job) => job.id));
    expect(runningLater.map((job) => job.state)).toEqual(running.map(() => 'INACTIVE'));
  });

  it('lists the jobs submitted as time goes on, and counts them in jobStats', async () => {
    const before = await live.jobs();
    expect(await live.total()).toEqual({ listed: 300, counted: 300 });

    live.advanceTo(START + 86400);
    const known = new Set(before.map((job) => job.id));
    const fresh = (await live.jobs()).filter((job) => !known.has(job.id));
    expect(fresh.length).toBeGreaterThan(10);
    for (const job of fresh) expect(job.tSubmit).toBeGreaterThan(START);
    const stats = live.backend.liveWorkload?.stats;
    const totals = await live.total();
    expect(totals.listed).toBe(300 + fresh.length);
    expect(totals.counted).toBe(totals.listed);
    expect(stats?.submitted).toBe(totals.listed);
    // Some of the new jobs already ran to completion.
    expect(fresh.some((job) => job.state === 'INACTIVE' && job.tRun !== null)).toBe(true);
  });

  it('derives runtime from the same clock that moves the jobs', async () => {
    const [job] = await live.jobs(['RUN']);
    expect(job?.runtime).toBeCloseTo(START - (job?.tRun as number), 6);
    // The clock moves but the workload has not caught up yet: the job still runs, for longer.
    live.now = START + 5;
    const [again] = await live.jobsById([job?.id as string]);
    expect(again?.state).toBe('RUN');
    expect(again?.runtime).toBeCloseTo(START + 5 - (job?.tRun as number), 6);
  });

  it('answers a lookup of a job still in NEW once the workload moves it on', async () => {
    // A twin of the backend's workload (same options, same present) shows when the first new job comes.
    const twin = new FirstSubmissionSink();
    const twinWorkload = new LiveWorkload(twin, { jobs: EMBEDDED.jobs, seed: EMBEDDED.seed, now: START, clock: () => START });
    const historyJobs = twin.ingested.length;
    for (let t = START + 60; twin.ingested.length === historyJobs; t += 60) twinWorkload.step(t);
    const next = twin.ingested[historyJobs] as JobDocuments;
    const submittedAt = (next.eventlog[0] as EventlogEntry).timestamp;
    expect(next.eventlog.map((entry) => entry.name)).toEqual(['submit']);

    // Stop right at its submission: it is in NEW, so list-id waits for it to move on.
    live.advanceTo(submittedAt);
    const [oldJob] = await live.jobs(['INACTIVE']);
    const lookup = live.gql<{ fresh: { jobid: string; state: string } | null; old: { state: string } | null }>(
      'query($fresh: JobID!, $old: JobID!) { fresh: job(id: $fresh) { jobid(encoding: DEC) state } old: job(id: $old) { state } }',
      { fresh: next.id.toString(), old: oldJob?.id },
    );
    let answered = false;
    void lookup.then(() => {
      answered = true;
    });
    let waits = 0;
    for (let tries = 0; tries < 100 && waits === 0; tries++) {
      await new Promise((resolve) => setImmediate(resolve));
      const stats = (await live.backend.handle.rpc('job-list.stats-get', {})) as { idsync: { waits: number } };
      waits = stats.idsync.waits;
    }
    expect(waits).toBe(1);
    expect(answered).toBe(false);

    live.advanceTo(submittedAt + 1, 1);
    const data = await lookup;
    expect(data.fresh?.jobid).toBe(next.id.toString());
    expect(data.fresh?.state).not.toBe('NEW');
    expect(data.old?.state).toBe('INACTIVE');
  });

  it('sends streamed job-stats callers an update when the workload moves', async () => {
    const stream = live.backend.handle.rpcStream('job-list.job-stats', {})[Symbol.asyncIterator]();
    try {
      const total = (response: IteratorResult<Json | undefined>): number => ((response.value as JsonObject).job_states as JsonObject).total as number;
      expect(total(await stream.next())).toBe(300);
      live.advanceTo(START + 86400);
      const updated = total(await stream.next());
      expect(updated).toBeGreaterThan(300);
      expect(updated).toBe(live.backend.liveWorkload?.stats.submitted);
    } finally {
      await stream.return?.();
    }
  });
});

describe('fixed embedded backend (--no-live)', () => {
  it('says it is fixed, has no workload, and its jobs do not change as the clock moves', async () => {
    const fixed = await new ManualLive().open({ ...EMBEDDED, live: false });
    try {
      expect(fixed.backend.description).toBe('embedded:jobs=300,seed=5,fixed');
      expect(fixed.backend.liveWorkload).toBeUndefined();
      const before = await fixed.jobs();
      fixed.now = START + 86400;
      const after = await fixed.jobs();
      expect(after.map((job) => [job.id, job.state])).toEqual(before.map((job) => [job.id, job.state]));
    } finally {
      await fixed.backend.close();
    }
  });

  it('holds the same jobs as the live backend had at the start', async () => {
    const fixed = await new ManualLive().open({ ...EMBEDDED, live: false });
    const live = await new ManualLive().open();
    try {
      const strip = (jobs: JobNode[]): Json => jobs.map(({ id, state, tSubmit }) => [id, state, tSubmit]);
      expect(strip(await live.jobs())).toEqual(strip(await fixed.jobs()));
    } finally {
      await fixed.backend.close();
      await live.backend.close();
    }
  });
});

describe('live embedded backend on its timer', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('steps to the clock every second until closed, leaving no timer behind', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    let now = START;
    const embedded = await openEmbeddedInstance(EMBEDDED, { clock: () => now });
    const workload = embedded.liveWorkload as LiveWorkload;
    expect(workload.running).toBe(true);
    now = START + 3600;
    jest.advanceTimersByTime(1000);
    expect(workload.now).toBe(START + 3600);
    expect(workload.stats.posted).toBeGreaterThan(0);

    await embedded.close();
    expect(workload.running).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
    now = START + 7200;
    jest.advanceTimersByTime(5000);
    expect(workload.now).toBe(START + 3600);
  });

  it('reports a failed step and no longer calls itself live', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    let now = START;
    const failures: unknown[] = [];
    const embedded = await openEmbeddedInstance(EMBEDDED, { clock: () => now, onLiveError: (error) => failures.push(error) });
    try {
      embedded.instance.sink.post = () => {
        throw new Error('store refused the event');
      };
      now = START + 3600;
      jest.advanceTimersByTime(1000);
      expect(failures).toEqual([new Error('store refused the event')]);
      expect(embedded.liveWorkload?.running).toBe(false);
      expect(embedded.description).toBe('embedded:jobs=300,seed=5,live-failed');
    } finally {
      await embedded.close();
    }
  });

  it('is what serve starts by default: the start-up line and /healthz say live, close() stops it', async () => {
    const lines: string[] = [];
    const server = await startServer(
      { port: 0, host: '127.0.0.1', embedded: { jobs: 40, seed: 2, live: true, latencyMs: 0 }, maxPageSize: 100, defaultPageSize: 10 },
      { log: (line) => lines.push(line), handleSignals: false },
    );
    const workload = server.backend.liveWorkload as LiveWorkload;
    try {
      expect(lines).toEqual(['flux-graphql: backend embedded:jobs=40,seed=2,live', `flux-graphql: GraphiQL at ${server.url}`]);
      const response = await fetch(server.url.replace('/graphql', '/healthz'));
      expect(await response.json()).toEqual({ ok: true, backend: 'embedded:jobs=40,seed=2,live' });
      expect(workload.running).toBe(true);
    } finally {
      await server.close();
    }
    expect(workload.running).toBe(false);
  });
});
