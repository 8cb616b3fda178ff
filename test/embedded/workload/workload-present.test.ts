/**
 * The same options give the same jobs whatever the present: job IDs, names, states and results
 * do not depend on `now`, and every time in the documents moves with it. A server restarted with
 * the same seed shows the same jobs.
 */
import { generateWorkload, LiveWorkload } from '../../../src/embedded/workload';
import type { Workload } from '../../../src/embedded/workload';
import type { JobDocuments, JobSink } from '../../../src/embedded/store/job-documents';
import { fluidTimestamp } from '../../../src/flux/jobid';
import type { EventlogEntry, ResourceSet } from '../../../src/flux/jobspec';
import type { Json, JsonObject } from '../../../src/flux/json';
import type { Replay } from './workload-helpers';
import { assertNoDoubleBooking, findEvent, replayEventlog, submitTime } from './workload-helpers';

const NOW = 1795640000;
const LATER = NOW + 12345.678;
/** 1 ms: how far a moved time may be from the exact shift (they agree far more closely). */
const TOLERANCE = 0.001;

type Dependency = { scheme: string; value: string };

const system = (job: JobDocuments): NonNullable<JobDocuments['jobspec']['attributes']['system']> => job.jobspec.attributes.system ?? {};
const jobName = (job: JobDocuments): string | undefined => (system(job).job as { name?: string } | undefined)?.name;
const dependencies = (job: JobDocuments): Dependency[] => (system(job).dependencies ?? []) as Dependency[];

/** A job with every absolute time blanked out: what must not depend on the present. */
function timeless(job: JobDocuments): Json {
  const blankBeginTimes = (text: string): string => text.replace(/begin-time=\d+\.\d{3}/g, 'begin-time=T');
  const blank = (value: Json): Json => {
    if (typeof value === 'string') return blankBeginTimes(value);
    if (Array.isArray(value)) return value.map(blank);
    if (value !== null && typeof value === 'object') {
      const out: JsonObject = {};
      for (const [key, item] of Object.entries(value)) {
        const isTime = key === 'timestamp' || key === 'starttime' || (key === 'expiration' && item !== 0);
        out[key] = isTime ? 'T' : blank(item as Json);
      }
      if (out.scheme === 'begin-time') out.value = 'T';
      return out;
    }
    return value;
  };
  return blank({ id: job.id.toString(), jobspec: job.jobspec, eventlog: job.eventlog, R: job.R ?? null } as unknown as Json);
}

/** Every absolute time a job's documents carry, in a fixed order. */
function timesOf(job: JobDocuments): number[] {
  const times = job.eventlog.map((entry) => entry.timestamp);
  for (const dep of dependencies(job)) if (dep.scheme === 'begin-time') times.push(Number(dep.value));
  const execution = job.R?.execution;
  if (execution !== undefined) times.push(execution.starttime ?? Number.NaN);
  // 0 is "no time limit", not a time.
  if (execution !== undefined && execution.expiration !== 0) times.push(execution.expiration ?? Number.NaN);
  return times;
}

function outcomes(workload: Workload): Array<[string, string | undefined, string, string | null]> {
  return workload.jobs.map((job) => {
    const replay: Replay = replayEventlog(job.eventlog);
    return [job.id.toString(), jobName(job), replay.state, replay.result];
  });
}

/** The documents agree with themselves at this present: time order, IDs from t_submit, R, begin times. */
function expectConsistent(workload: Workload, now: number): void {
  let previous: JobDocuments | undefined;
  for (const job of workload.jobs) {
    const t = submitTime(job);
    expect(t).toBeLessThan(now);
    expect(Math.abs(Number(fluidTimestamp(job.id)) - (t - workload.epoch) * 1000)).toBeLessThan(3);
    if (previous !== undefined) expect(t).toBeGreaterThan(submitTime(previous));
    previous = job;
    replayEventlog(job.eventlog);
    for (const entry of job.eventlog) expect(entry.timestamp).toBeLessThanOrEqual(now);
    const alloc = findEvent(job, 'alloc');
    if (job.R !== undefined && alloc !== undefined) {
      const duration = system(job).duration as number;
      expect(job.R.execution.starttime).toBe(alloc.timestamp);
      expect(job.R.execution.expiration).toBe(duration > 0 ? alloc.timestamp + duration : 0);
    }
    for (const dep of dependencies(job)) {
      if (dep.scheme !== 'begin-time') continue;
      const removed = job.eventlog.find((e) => e.name === 'dependency-remove' && (e.context as JsonObject).description === `begin-time=${dep.value}`);
      if (removed !== undefined) expect(removed.timestamp).toBeGreaterThanOrEqual(Number(dep.value));
    }
  }
  expect(() => assertNoDoubleBooking(workload.jobs)).not.toThrow();
}

describe.each([1, 7])('seed %i generated at two different presents', (seed) => {
  let early: Workload;
  let late: Workload;

  beforeAll(() => {
    early = generateWorkload({ now: NOW, seed });
    late = generateWorkload({ now: LATER, seed });
  });

  it('has the same job IDs, names, states and results', () => {
    expect(late.jobs).toHaveLength(3000);
    expect(outcomes(late)).toEqual(outcomes(early));
    // Not a vacuous comparison: the seed gives jobs in every state.
    expect(new Set(outcomes(late).map(([, , state]) => state)).size).toBe(6);
  });

  it('differs only in absolute times, and those by the shift of the present', () => {
    for (let i = 0; i < early.jobs.length; i++) {
      const a = early.jobs[i] as JobDocuments;
      const b = late.jobs[i] as JobDocuments;
      expect(timeless(b)).toEqual(timeless(a));
      const before = timesOf(a);
      const after = timesOf(b);
      expect(after).toHaveLength(before.length);
      after.forEach((time, k) => expect(Math.abs(time - (before[k] as number) - (LATER - NOW))).toBeLessThan(TOLERANCE));
    }
    expect(Math.abs(late.epoch - early.epoch - (LATER - NOW))).toBeLessThan(TOLERANCE);
    expect({ ...late, jobs: [], epoch: 0 }).toEqual({ ...early, jobs: [], epoch: 0 });
  });

  it('is consistent in itself at the later present too', () => {
    expectConsistent(late, LATER);
  });
});

describe('other presents', () => {
  it.each([
    ['a fraction of a millisecond later (taken to the millisecond)', NOW + 0.0004],
    ['a year earlier', NOW - 365 * 86400 + 0.5],
    ['in 2046, past the range where the shift is exact', 2400000000.123],
  ])('gives the same jobs %s', (_label, now) => {
    const options = { jobs: 400, seed: 3 };
    const reference = generateWorkload({ ...options, now: NOW });
    const moved = generateWorkload({ ...options, now });
    expect(outcomes(moved)).toEqual(outcomes(reference));
    const shift = moved.epoch - reference.epoch;
    expect(Math.abs(shift - (Math.round(now * 1000) / 1000 - NOW))).toBeLessThan(1e-6);
    for (let i = 0; i < reference.jobs.length; i++) {
      const before = timesOf(reference.jobs[i] as JobDocuments);
      timesOf(moved.jobs[i] as JobDocuments).forEach((time, k) => expect(Math.abs(time - (before[k] as number) - shift)).toBeLessThan(TOLERANCE));
    }
  });
});

class CollectingSink implements JobSink {
  readonly jobs: JobDocuments[] = [];
  ingest(job: JobDocuments): void {
    this.jobs.push(job);
  }
  post(_id: bigint, _entry: EventlogEntry, _R?: ResourceSet): void {}
}

describe('a live workload started at two different presents', () => {
  it('submits the same jobs after the history, at the same times after its start', () => {
    const run = (now: number): JobDocuments[] => {
      const sink = new CollectingSink();
      const workload = new LiveWorkload(sink, { jobs: 300, seed: 5, now, clock: () => now });
      workload.step(now + 6 * 3600);
      return sink.jobs.slice(300);
    };
    const early = run(NOW);
    const late = run(LATER);
    expect(early.length).toBeGreaterThan(5);
    expect(late.map((job) => job.id)).toEqual(early.map((job) => job.id));
    late.forEach((job, i) => expect(Math.abs(submitTime(job) - submitTime(early[i] as JobDocuments) - (LATER - NOW))).toBeLessThan(TOLERANCE));
  });
});
