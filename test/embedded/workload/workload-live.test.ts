import { createHash } from 'node:crypto';
import { generateWorkload, LiveWorkload, WorkloadError } from '../../../src/embedded/workload';
import type { LiveWorkloadOptions } from '../../../src/embedded/workload';
import type { JobDocuments, JobSink } from '../../../src/embedded/store/job-documents';
import type { EventlogEntry, ResourceSet } from '../../../src/flux/jobspec';
import { encodeJobId } from '../../../src/flux/jobid';
import type { Json } from '../../../src/flux/json';
import { stringifyJson } from '../../../src/flux/json';
import type { JobView } from './workload-helpers';
import { assertNoDoubleBooking, hashJobs, replayEventlog } from './workload-helpers';

const NOW = 1795640000;

/** A sink that keeps every job as the job-list service would, and logs every call. */
class RecordingSink implements JobSink {
  readonly jobs = new Map<bigint, JobView>();
  readonly calls = createHash('sha256');
  lastPostedAt = -Infinity;
  postsOutOfOrder = 0;
  posts = 0;

  ingest(job: JobDocuments): void {
    if (this.jobs.has(job.id)) throw new Error(`job ${job.id} ingested twice`);
    this.jobs.set(job.id, { ...job, eventlog: [...job.eventlog] });
    this.calls.update(`ingest ${stringifyJson(job as unknown as Json)}\n`);
  }

  post(id: bigint, entry: EventlogEntry, R?: ResourceSet): void {
    const job = this.jobs.get(id);
    if (job === undefined) throw new Error(`post for unknown job ${id}`);
    if ((entry.name === 'alloc') !== (R !== undefined)) throw new Error(`R must come with alloc and only with alloc (${entry.name})`);
    if (R !== undefined) job.R = R;
    job.eventlog.push(entry);
    if (entry.timestamp < this.lastPostedAt) this.postsOutOfOrder++;
    this.lastPostedAt = entry.timestamp;
    this.posts++;
    this.calls.update(`post ${id} ${stringifyJson(entry as unknown as Json)}\n`);
  }

  stateOf(id: bigint): string {
    return replayEventlog((this.jobs.get(id) as JobView).eventlog).state;
  }

  latestEvent(): number {
    let latest = -Infinity;
    for (const job of this.jobs.values()) latest = Math.max(latest, (job.eventlog[job.eventlog.length - 1] as EventlogEntry).timestamp);
    return latest;
  }
}

const fixedClock = (): number => NOW;
const live = (sink: JobSink, options: Partial<LiveWorkloadOptions> = {}): LiveWorkload =>
  new LiveWorkload(sink, { jobs: 1500, seed: 4, now: NOW, clock: fixedClock, ...options });

describe('LiveWorkload', () => {
  it('starts by ingesting the same history that generateWorkload produces', () => {
    const sink = new RecordingSink();
    const workload = live(sink);
    const history = generateWorkload({ jobs: 1500, seed: 4, now: NOW });
    const ingested = [...sink.jobs.values()] as JobDocuments[];
    expect(hashJobs(ingested)).toBe(hashJobs(history.jobs));
    expect(workload.stats.submitted).toBe(1500);
    expect(workload.stats.posted).toBe(0);
    expect(workload.stats.active).toBeGreaterThan(0);
    expect(workload.now).toBe(NOW);
    expect(workload.description.nodes).toEqual(history.nodes);
  });

  it('submits new jobs and posts events in time order, never ahead of the step', () => {
    const sink = new RecordingSink();
    const workload = live(sink);
    const lastHistoryId = [...sink.jobs.keys()].reduce((a, b) => (a > b ? a : b));
    for (let t = NOW + 60; t <= NOW + 3 * 3600; t += 60) {
      workload.step(t);
      expect(sink.latestEvent()).toBeLessThanOrEqual(t);
    }
    expect(sink.postsOutOfOrder).toBe(0);
    const fresh = [...sink.jobs.values()].filter((job) => job.id > lastHistoryId);
    expect(fresh.length).toBeGreaterThan(20);
    expect(workload.stats.submitted).toBe(1500 + fresh.length);
    expect(workload.stats.posted).toBe(sink.posts);
    for (const job of fresh) expect((job.eventlog[0] as EventlogEntry).timestamp).toBeGreaterThan(NOW);
    // New jobs went through their whole life too.
    expect(fresh.some((job) => replayEventlog(job.eventlog).state === 'INACTIVE')).toBe(true);
  });

  it('moves waiting jobs forward: pending jobs run and finish, running jobs finish', () => {
    const sink = new RecordingSink();
    const workload = live(sink);
    const pendingAtStart = [...sink.jobs.keys()].filter((id) => ['DEPEND', 'SCHED'].includes(sink.stateOf(id)));
    const runningAtStart = [...sink.jobs.keys()].filter((id) => sink.stateOf(id) === 'RUN');
    expect(pendingAtStart.length).toBeGreaterThan(0);
    expect(runningAtStart.length).toBeGreaterThan(0);
    for (let t = NOW + 600; t <= NOW + 2 * 86400; t += 600) workload.step(t);
    const ranLater = pendingAtStart.filter((id) => {
      const replay = replayEventlog((sink.jobs.get(id) as JobView).eventlog);
      return replay.allocated && replay.state === 'INACTIVE';
    });
    expect(ranLater.length).toBeGreaterThan(0);
    for (const id of runningAtStart) expect(sink.stateOf(id)).toBe('INACTIVE');
    // Every job, old and new, still has a valid eventlog, and resources were never shared.
    for (const job of sink.jobs.values()) replayEventlog(job.eventlog, encodeJobId(job.id));
    expect(() => assertNoDoubleBooking([...sink.jobs.values()])).not.toThrow();
  });

  it('is deterministic whatever the step sizes', () => {
    const run = (times: number[]): { calls: string; jobs: number } => {
      const sink = new RecordingSink();
      const workload = live(sink, { jobs: 400, seed: 12 });
      for (const t of times) workload.step(t);
      return { calls: sink.calls.digest('hex'), jobs: sink.jobs.size };
    };
    const end = NOW + 5 * 3600;
    const oneStep = run([end]);
    const minutes = run(Array.from({ length: 300 }, (_, i) => NOW + (i + 1) * 60));
    const irregular = run([NOW + 7, NOW + 7, NOW + 3601.5, NOW - 50, NOW + 9000, end]);
    expect(minutes).toEqual(oneStep);
    expect(irregular).toEqual(oneStep);
    expect(oneStep.jobs).toBeGreaterThan(400);
    expect(run([end + 3600])).not.toEqual(oneStep);
  });

  it('ignores times that do not move forward and rejects times that are not numbers', () => {
    const sink = new RecordingSink();
    const workload = live(sink, { jobs: 100 });
    workload.step(NOW + 100);
    const posts = sink.posts;
    workload.step(NOW + 50);
    workload.step(NOW + 100);
    expect(sink.posts).toBe(posts);
    expect(workload.now).toBe(NOW + 100);
    expect(() => workload.step(Number.NaN)).toThrow(WorkloadError);
    expect(() => workload.step(Number.POSITIVE_INFINITY)).toThrow(/finite time/);
  });

  it('submits at the rate asked for, or not at all', () => {
    const quiet = new RecordingSink();
    live(quiet, { jobs: 50, submitRate: 0 }).step(NOW + 86400);
    expect(quiet.jobs.size).toBe(50);

    const busy = new RecordingSink();
    const workload = live(busy, { jobs: 0, submitRate: 0.05 });
    expect(busy.jobs.size).toBe(0);
    workload.step(NOW + 3600);
    // About 180 submissions in an hour at 0.05/s.
    expect(busy.jobs.size).toBeGreaterThan(100);
    expect(busy.jobs.size).toBeLessThan(300);
    expect(() => live(new RecordingSink(), { submitRate: -1 })).toThrow(/submitRate/);
  });

  it('requires a clock', () => {
    expect(() => new LiveWorkload(new RecordingSink(), { now: NOW } as unknown as LiveWorkloadOptions)).toThrow(/clock function/);
  });

  it('uses the clock when no present is given', () => {
    const sink = new RecordingSink();
    const workload = new LiveWorkload(sink, { jobs: 20, clock: () => NOW + 123 });
    expect(workload.now).toBe(NOW + 123);
    for (const job of sink.jobs.values()) expect((job.eventlog[0] as EventlogEntry).timestamp).toBeLessThan(NOW + 123);
  });
});

describe('LiveWorkload timer', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('steps to the clock on every tick until stopped', () => {
    jest.useFakeTimers();
    let clock = NOW;
    const sink = new RecordingSink();
    const workload = new LiveWorkload(sink, { jobs: 200, seed: 3, now: NOW, clock: () => clock });
    workload.start(1000);
    expect(workload.running).toBe(true);
    clock = NOW + 1800;
    jest.advanceTimersByTime(1000);
    expect(workload.now).toBe(NOW + 1800);
    workload.stop();
    expect(workload.running).toBe(false);
    clock = NOW + 3600;
    jest.advanceTimersByTime(5000);
    expect(workload.now).toBe(NOW + 1800);
  });

  it('does not keep the process alive', () => {
    const spy = jest.spyOn(global, 'setInterval');
    const workload = new LiveWorkload(new RecordingSink(), { jobs: 10, now: NOW, clock: fixedClock });
    workload.start(60000);
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    workload.stop();
  });

  it('stops and reports when a step fails', () => {
    jest.useFakeTimers();
    let clock = NOW;
    const failures: unknown[] = [];
    const sink = new RecordingSink();
    const workload = new LiveWorkload(sink, { jobs: 200, now: NOW, clock: () => clock, onError: (error) => failures.push(error) });
    sink.post = () => {
      throw new Error('sink is full');
    };
    workload.start(1000);
    clock = NOW + 3600;
    jest.advanceTimersByTime(1000);
    expect(failures).toEqual([new Error('sink is full')]);
    expect(workload.running).toBe(false);
  });

  it('rejects a non-positive interval', () => {
    const workload = new LiveWorkload(new RecordingSink(), { jobs: 10, now: NOW, clock: fixedClock });
    expect(() => workload.start(0)).toThrow(/positive number of milliseconds/);
  });
});
