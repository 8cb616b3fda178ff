import {
  describeWorkload,
  forEachJob,
  generateWorkload,
  iterateJobs,
  WorkloadError,
} from '../../../src/embedded/workload';
import type { Workload } from '../../../src/embedded/workload';
import type { JobDocuments } from '../../../src/embedded/store/job-documents';
import { encodeJobId, fluidGenerator, fluidTimestamp, parseJobId } from '../../../src/flux/jobid';
import type { JsonObject } from '../../../src/flux/json';
import { parseHostlist } from '../../../src/flux/hostlist';
import type { Replay } from './workload-helpers';
import { assertNoDoubleBooking, expandIdset, findEvent, hashJobs, replayEventlog, submitTime } from './workload-helpers';

/** The workload's present: a Tuesday evening in 2026 (UTC), close to when the fixtures were recorded. */
const NOW = 1795640000;

let workload: Workload;
let replays: Map<bigint, Replay>;
let byId: Map<bigint, JobDocuments>;

beforeAll(() => {
  workload = generateWorkload({ now: NOW });
  replays = new Map(workload.jobs.map((job) => [job.id, replayEventlog(job.eventlog, encodeJobId(job.id))]));
  byId = new Map(workload.jobs.map((job) => [job.id, job]));
});

const system = (job: JobDocuments): NonNullable<JobDocuments['jobspec']['attributes']['system']> =>
  job.jobspec.attributes.system ?? {};

describe('the default workload (seed 1, 3000 jobs)', () => {
  it('describes a 64-node cluster with three queues and a dozen users', () => {
    expect(workload.jobs).toHaveLength(3000);
    expect(workload.queues).toEqual(['batch', 'debug', 'gpu']);
    expect(workload.nodes).toHaveLength(64);
    expect(workload.nodes[0]).toBe('fluke1');
    expect(workload.nodes[63]).toBe('fluke64');
    expect(workload.users.filter((u) => u.uid >= 1001 && u.uid <= 1012)).toHaveLength(12);
    expect(workload.users).toContainEqual({ uid: 0, name: 'root' });
    expect(workload.owner).toBe(0);
  });

  it('hands out job IDs in submission order, as FLUIDs from generator 0 counting from the epoch', () => {
    let previous: JobDocuments | undefined;
    for (const job of workload.jobs) {
      const t = submitTime(job);
      expect(t).toBeLessThan(NOW);
      expect(t).toBeGreaterThan(NOW - 3 * 86400);
      expect(fluidGenerator(job.id)).toBe(0);
      const ms = Number(fluidTimestamp(job.id));
      expect(Math.abs(ms - (t - workload.epoch) * 1000)).toBeLessThan(3);
      if (previous !== undefined) {
        expect(job.id > previous.id).toBe(true);
        expect(t).toBeGreaterThan(submitTime(previous));
      }
      previous = job;
    }
    // The epoch lies a few days before the first submission.
    const firstAge = submitTime(workload.jobs[0] as JobDocuments) - workload.epoch;
    expect(firstAge).toBeGreaterThan(86400);
    expect(firstAge).toBeLessThan(6 * 86400);
  });

  it('gives every job a valid RFC 21 eventlog, and has every state and result', () => {
    const states = new Map<string, number>();
    const results = new Map<string, number>();
    for (const replay of replays.values()) {
      states.set(replay.state, (states.get(replay.state) ?? 0) + 1);
      if (replay.result !== null) results.set(replay.result, (results.get(replay.result) ?? 0) + 1);
    }
    for (const state of ['DEPEND', 'PRIORITY', 'SCHED', 'RUN', 'CLEANUP', 'INACTIVE']) expect(states.get(state)).toBeGreaterThan(0);
    for (const result of ['COMPLETED', 'FAILED', 'CANCELED', 'TIMEOUT']) expect(results.get(result)).toBeGreaterThan(0);
    expect(states.get('NEW') ?? 0).toBe(0);
    // Like a real system: most jobs are done, most of those successfully.
    expect(states.get('INACTIVE')).toBeGreaterThan(2700);
    expect(results.get('COMPLETED')).toBeGreaterThan((states.get('INACTIVE') as number) * 0.6);
  });

  it('spreads the jobs over at least ten users and every queue', () => {
    const users = new Set(workload.jobs.map((job) => (job.eventlog[0]?.context as JsonObject).userid));
    expect(users.size).toBeGreaterThanOrEqual(10);
    const queues = new Map<string, number>();
    for (const job of workload.jobs) queues.set(String(system(job).queue), (queues.get(String(system(job).queue)) ?? 0) + 1);
    expect([...queues.keys()].sort()).toEqual(['batch', 'debug', 'gpu']);
    for (const count of queues.values()) expect(count).toBeGreaterThan(100);
  });

  it('sets priority from urgency as the default priority plugin does', () => {
    const seen = new Set<number>();
    for (const job of workload.jobs) {
      let urgency = (job.eventlog[0]?.context as JsonObject).urgency as number;
      for (const entry of job.eventlog) {
        if (entry.name === 'urgency') urgency = (entry.context as JsonObject).urgency as number;
        if (entry.name !== 'priority') continue;
        const expected = urgency === 0 ? 0 : urgency === 31 ? 4294967295 : urgency;
        expect((entry.context as JsonObject).priority).toBe(expected);
        seen.add(urgency);
      }
    }
    expect([0, 16, 31].every((u) => seen.has(u))).toBe(true);
    // A held job is still waiting at `now` with priority 0.
    const held = [...replays.values()].filter((r) => r.state === 'SCHED' && r.urgency === 0);
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((r) => r.priority === 0)).toBe(true);
  });

  it('carries R exactly for allocated jobs, consistent with the cluster and the jobspec', () => {
    for (const job of workload.jobs) {
      const replay = replays.get(job.id) as Replay;
      const alloc = findEvent(job, 'alloc');
      expect(job.R !== undefined).toBe(replay.allocated);
      if (job.R === undefined || alloc === undefined) continue;
      const exec = job.R.execution;
      expect(job.R.version).toBe(1);
      expect(exec.starttime).toBe(alloc.timestamp);
      const duration = system(job).duration as number;
      expect(exec.expiration).toBe(duration > 0 ? alloc.timestamp + duration : 0);
      const ranks = exec.R_lite.flatMap((entry) => expandIdset(entry.rank)).sort((a, b) => a - b);
      expect(parseHostlist(exec.nodelist.join(','))).toEqual(ranks.map((rank) => workload.nodes[rank]));
      const top = job.jobspec.resources[0];
      if (top?.type === 'node') {
        expect(ranks).toHaveLength(top.count);
        for (const entry of exec.R_lite) expect(entry.children.core).toBe('0-31');
      } else {
        const slot = top as NonNullable<typeof top>;
        const perSlot = slot.with?.find((v) => v.type === 'core')?.count ?? 0;
        expect(ranks).toHaveLength(1);
        expect(expandIdset(exec.R_lite[0]?.children.core ?? '')).toHaveLength(slot.count * perSlot);
      }
      // The scheduler's summary names the same ranks and cores, in Flux's bracketed form.
      const summary = ((alloc.context as JsonObject).annotations as JsonObject).sched as JsonObject;
      const expected = exec.R_lite.map((entry) => {
        const ids = (text: string): string => (expandIdset(text).length > 1 ? `[${text}]` : text);
        const gpu = entry.children.gpu === undefined ? '' : `,gpu${ids(entry.children.gpu)}`;
        return `rank${ids(entry.rank)}/core${ids(entry.children.core ?? '')}${gpu}`;
      });
      expect(summary.resource_summary).toBe(expected.join(' '));
    }
  });

  it('never books a core or GPU for two jobs at once', () => {
    expect(() => assertNoDoubleBooking(workload.jobs)).not.toThrow();
    const running = [...replays.entries()].filter(([, r]) => r.state === 'RUN' || r.state === 'CLEANUP');
    expect(running.length).toBeGreaterThan(5);
  });

  it('posts the journal annotations right before alloc, and merges memos left while pending', () => {
    let memoBeforeAlloc = 0;
    for (const job of workload.jobs) {
      const alloc = findEvent(job, 'alloc');
      if (alloc === undefined) continue;
      const index = job.eventlog.indexOf(alloc);
      const annotations = job.eventlog[index - 1];
      expect(annotations?.name).toBe('annotations');
      expect(annotations?.context).toEqual(alloc.context);
      const memo = job.eventlog.slice(0, index).find((e) => e.name === 'memo');
      if (memo !== undefined) {
        memoBeforeAlloc++;
        expect(((alloc.context as JsonObject).annotations as JsonObject).user).toEqual(memo.context);
      }
    }
    expect(memoBeforeAlloc).toBeGreaterThan(0);
    const memoWhileRunning = workload.jobs.some((job) => {
      const start = job.eventlog.findIndex((e) => e.name === 'start');
      return start >= 0 && job.eventlog.slice(start).some((e) => e.name === 'memo');
    });
    expect(memoWhileRunning).toBe(true);
  });

  it('ends jobs the way Flux does: exit codes, timeouts, cancels and exec failures', () => {
    const statuses = new Set<number>();
    const types = new Set<string>();
    let canceledPending = 0;
    for (const job of workload.jobs) {
      const replay = replays.get(job.id) as Replay;
      if (replay.finishStatus !== null) statuses.add(replay.finishStatus);
      if (replay.fatal !== null) types.add(replay.fatal.type as string);
      if (replay.result === 'TIMEOUT') {
        expect(replay.fatal).toEqual(expect.objectContaining({ note: 'resource allocation expired', severity: 0 }));
        expect(replay.finishStatus).toBe(36352);
        const alloc = findEvent(job, 'alloc') as { timestamp: number };
        const timeout = job.eventlog.find((e) => e.name === 'exception') as { timestamp: number };
        expect(timeout.timestamp).toBe(alloc.timestamp + (system(job).duration as number));
      }
      if (replay.result === 'CANCELED' && replay.allocated) expect(replay.finishStatus).toBe(36608);
      if (replay.result === 'CANCELED' && !replay.allocated) {
        canceledPending++;
        expect(job.eventlog.slice(-2).map((e) => e.name)).toEqual(['exception', 'clean']);
      }
      if (replay.fatal?.type === 'exec' && String(replay.fatal.note).includes('start failed')) {
        expect(replay.fatal.note).toMatch(/^task 0 \(host fluke\d+\): start failed: .+: No such file or directory$/);
        expect(replay.finishStatus).toBe(32512);
      }
      if (replay.result === 'COMPLETED') expect(replay.finishStatus).toBe(0);
    }
    expect(canceledPending).toBeGreaterThan(0);
    for (const status of [0, 256, 32512, 36352, 36608]) expect(statuses.has(status)).toBe(true);
    expect([...types].sort()).toEqual(expect.arrayContaining(['cancel', 'exec', 'timeout', 'dependency']));
  });

  it('resolves dependencies according to the antecedent job', () => {
    const schemes: Record<string, string> = {
      afterok: 'after-success',
      afterany: 'after-finish',
      afternotok: 'after-failure',
      afterstart: 'after-start',
    };
    let afterJobs = 0;
    let beginJobs = 0;
    for (const job of workload.jobs) {
      const deps = (system(job).dependencies ?? []) as Array<{ scheme: string; value: string }>;
      const replay = replays.get(job.id) as Replay;
      for (const dep of deps) {
        if (dep.scheme === 'begin-time') {
          beginJobs++;
          expect(dep.value).toMatch(/^\d+\.\d{3}$/);
          const description = `begin-time=${dep.value}`;
          expect(replay.added).toContain(description);
          const removed = job.eventlog.find((e) => e.name === 'dependency-remove' && (e.context as JsonObject).description === description);
          if (removed !== undefined) expect(removed.timestamp).toBeGreaterThanOrEqual(Number(dep.value));
          else expect(Number(dep.value)).toBeGreaterThan(replay.state === 'DEPEND' ? NOW : -Infinity);
          continue;
        }
        afterJobs++;
        const description = `${schemes[dep.scheme]}=${dep.value}`;
        const target = byId.get(parseJobId(dep.value)) as JobDocuments;
        expect(target).toBeDefined();
        expect(target.id < job.id).toBe(true);
        const targetReplay = replays.get(target.id) as Replay;
        const removed = job.eventlog.find((e) => e.name === 'dependency-remove' && (e.context as JsonObject).description === description);
        if (removed !== undefined && dep.scheme !== 'afterstart') {
          expect(targetReplay.state).toBe('INACTIVE');
          const clean = findEvent(target, 'clean') as { timestamp: number };
          expect(removed.timestamp).toBeGreaterThanOrEqual(clean.timestamp);
          if (dep.scheme === 'afterok') expect(targetReplay.result).toBe('COMPLETED');
          if (dep.scheme === 'afternotok') expect(targetReplay.result).not.toBe('COMPLETED');
        }
        if (replay.fatal?.type === 'dependency') {
          expect(replay.fatal.note).toMatch(/^dependency (after-\w+|begin-time)=\S+ (can never be satisfied|job never started)$/);
        }
        if (replay.state === 'DEPEND' && replay.dependencies.includes(description)) {
          // Still waiting: the antecedent has not settled it by now.
          expect(dep.scheme === 'afterstart' ? !targetReplay.started : targetReplay.state !== 'INACTIVE').toBe(true);
        }
      }
    }
    expect(afterJobs).toBeGreaterThan(20);
    expect(beginJobs).toBeGreaterThan(5);
  });

  it('looks like real jobs: commands, names, working directories, banks', () => {
    const names = new Set<string>();
    for (const job of workload.jobs) {
      expect(job.jobspec.version).toBe(1);
      expect(job.jobspec.tasks[0]?.command.length).toBeGreaterThan(0);
      expect(typeof system(job).cwd).toBe('string');
      const name = (system(job).job as { name?: string } | undefined)?.name;
      if (name !== undefined) names.add(name);
    }
    expect(names.size).toBeGreaterThan(5);
    expect([...names].some((name) => /[^\x00-\x7f]/.test(name))).toBe(true);
    expect(workload.jobs.some((job) => system(job).bank !== undefined)).toBe(true);
    expect(workload.jobs.some((job) => system(job).project !== undefined)).toBe(true);
    expect(workload.jobs.some((job) => job.jobspec.tasks[0]?.command[0] === 'flux')).toBe(true);
  });
});

describe('other seeds', () => {
  it.each([2, 3, 7])('seed %i also ends with a job in every state', (seed) => {
    const states = new Set(generateWorkload({ now: NOW, seed }).jobs.map((job) => replayEventlog(job.eventlog).state));
    expect([...states].sort()).toEqual(['CLEANUP', 'DEPEND', 'INACTIVE', 'PRIORITY', 'RUN', 'SCHED']);
  });
});

describe('determinism', () => {
  const first2000 = (seed: number): string => {
    const jobs: JobDocuments[] = [];
    forEachJob({ now: NOW, seed }, (job) => {
      if (jobs.length < 2000) jobs.push(job);
    });
    return hashJobs(jobs);
  };

  it('gives identical documents for the same seed, byte for byte', () => {
    expect(first2000(1)).toBe(first2000(1));
  });

  it('gives different documents for different seeds', () => {
    expect(first2000(2)).not.toBe(first2000(1));
  });

  it('yields the same jobs from the iterator, the callback and the array forms', () => {
    const options = { now: NOW, jobs: 300, seed: 9 };
    const viaIterator = [...iterateJobs(options)];
    const viaArray = generateWorkload(options).jobs;
    expect(viaIterator).toHaveLength(300);
    expect(hashJobs(viaIterator)).toBe(hashJobs(viaArray));
  });

  it('does not depend on Math.random or the wall clock', () => {
    const random = jest.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random used');
    });
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => {
      throw new Error('Date.now used');
    });
    try {
      expect(generateWorkload({ now: NOW, jobs: 200 }).jobs).toHaveLength(200);
    } finally {
      random.mockRestore();
      clock.mockRestore();
    }
  });
});

describe('options', () => {
  it.each([
    [{ now: Number.NaN }, /now must be a finite number/],
    [{ now: 1000 }, /not a plausible Unix time/],
    [{ now: NOW, jobs: -1 }, /jobs must be an integer from 0/],
    [{ now: NOW, jobs: 2.5 }, /jobs must be an integer/],
    [{ now: NOW, nodes: 0 }, /nodes must be an integer from 1/],
    [{ now: NOW, seed: 0.5 }, /seed must be a safe integer/],
    [{ now: NOW, queues: [] }, /queues must be a non-empty array/],
    [{ now: NOW, queues: ['batch', 'batch'] }, /queue batch is listed twice/],
    [{ now: NOW, queues: ['has space'] }, /queue name "has space" is not valid/],
    [{ now: NOW, cluster: 'node9' }, /cluster must be letters and dashes/],
    [{ now: NOW, days: 0 }, /days must be a number greater than 0/],
  ])('rejects %p', (options, message) => {
    expect(() => generateWorkload(options)).toThrow(message);
    try {
      generateWorkload(options);
    } catch (error) {
      expect(error).toBeInstanceOf(WorkloadError);
      expect((error as WorkloadError).code).toBe('WORKLOAD_INVALID_OPTIONS');
    }
  });

  it('generates nothing for zero jobs but still describes the cluster', () => {
    const empty = generateWorkload({ now: NOW, jobs: 0 });
    expect(empty.jobs).toEqual([]);
    expect(empty.nodes).toHaveLength(64);
    expect(describeWorkload({ now: NOW, nodes: 3, cluster: 'vm' }).nodes).toEqual(['vm1', 'vm2', 'vm3']);
  });

  it('fits a small custom cluster without double booking', () => {
    const small = generateWorkload({ now: NOW, jobs: 600, nodes: 4, coresPerNode: 8, gpusPerNode: 2, queues: ['pbatch', 'pdebug', 'gpu'], cluster: 'vm', seed: 5 });
    expect(small.nodes).toEqual(['vm1', 'vm2', 'vm3', 'vm4']);
    expect(small.queues).toEqual(['pbatch', 'pdebug', 'gpu']);
    for (const job of small.jobs) {
      replayEventlog(job.eventlog, encodeJobId(job.id));
      for (const entry of job.R?.execution.R_lite ?? []) {
        expect(expandIdset(entry.rank).every((rank) => rank < 4)).toBe(true);
        expect(expandIdset(entry.children.core ?? '').every((core) => core < 8)).toBe(true);
        expect(expandIdset(entry.children.gpu ?? '').every((gpu) => gpu < 2)).toBe(true);
      }
    }
    expect(small.jobs.some((job) => job.R?.execution.R_lite.some((e) => e.children.gpu !== undefined))).toBe(true);
    expect(() => assertNoDoubleBooking(small.jobs)).not.toThrow();
  });

  it('puts every job in the only queue when there is one', () => {
    const single = generateWorkload({ now: NOW, jobs: 200, queues: ['short'] });
    expect(new Set(single.jobs.map((job) => system(job).queue))).toEqual(new Set(['short']));
    expect(() => assertNoDoubleBooking(single.jobs)).not.toThrow();
  });
});

describe('the eventlog checker used above', () => {
  const ok = (): JobDocuments => workload.jobs.find((job) => replays.get(job.id)?.result === 'COMPLETED') as JobDocuments;

  it('accepts a completed job and rejects broken copies of it', () => {
    const job = ok();
    expect(replayEventlog(job.eventlog).result).toBe('COMPLETED');
    const without = (name: string): JobDocuments['eventlog'] => job.eventlog.filter((e) => e.name !== name);
    expect(() => replayEventlog(without('validate'))).toThrow(/not allowed in NEW/);
    expect(() => replayEventlog(without('free'))).toThrow(/clean before free/);
    expect(() => replayEventlog(without('annotations'))).toThrow(/annotations right before alloc/);
    expect(() => replayEventlog([...job.eventlog].reverse())).toThrow(/goes back|first event/);
    const badPriority = job.eventlog.map((e) => (e.name === 'priority' ? { ...e, context: { priority: -1 } } : e));
    expect(() => replayEventlog(badPriority)).toThrow(/bad priority/);
  });

  it('notices overlapping bookings', () => {
    const allocated = workload.jobs.find((job) => job.R !== undefined) as JobDocuments;
    const clash = [allocated, { ...allocated, id: allocated.id + 1n }];
    expect(() => assertNoDoubleBooking(clash)).toThrow(/is held by job/);
  });
});
