/**
 * Drives a workload: draws submissions in time order, gives them job IDs and
 * dependencies on earlier jobs, and plans each one's life on the shared
 * resource timeline. The history (exactly `jobs` submissions before `now`)
 * comes first; a live continuation may follow. Only a bounded window of
 * recent jobs is remembered, so a million jobs cost no more memory than ten.
 *
 * Every workload is planned on one fixed clock, whose present is
 * PLANNING_PRESENT, and each planned job is then moved to the real present
 * (`now`). So the jobs, their IDs and everything else but absolute times are
 * the same for the same options whenever the workload is generated: a server
 * restarted with the same seed shows the same jobs.
 */
import { encodeJobId } from '../../flux/jobid';
import type { Jobspec } from '../../flux/jobspec';
import type { JsonObject } from '../../flux/json';
import { Urgency } from '../../flux/constants';
import { HistoryArrivals, JobIdSequence, LiveArrivals } from './arrivals';
import type { SubmissionSpec } from './choices';
import { SubmissionChooser } from './choices';
import type { ClusterLayout, QueueLayout } from './cluster';
import { buildCluster } from './cluster';
import type { DependencyPlan, JobOutcome, PlanHints, PlannedJob, PlannerContext } from './lifecycle';
import { coresHeld, delayScale, planJob } from './lifecycle';
import type { ResolvedOptions } from './options';
import { SeededRandom, WeightedChoice } from './random';
import { batchShellOptions, jobspecResources, jobspecTasks, ResourceSetBuilder } from './resources';
import { ResourceTimeline } from './timeline';
import type { UserProfile } from './vocabulary';
import { USERS } from './vocabulary';

// Module-level copies: a global lookup (Math, Infinity) is slow in some hosts, jest's
// sandbox among them, and these run millions of times.
const { max, min, round } = Math;
const FOREVER = Number.POSITIVE_INFINITY;

export interface WorkloadDescription {
  /** Queue names, the default queue first. */
  queues: string[];
  /** Everyone who may submit jobs. */
  users: Array<{ uid: number; name: string }>;
  /** Hostnames by broker rank. */
  nodes: string[];
  /** uid of the instance owner. */
  owner: number;
  /** The instance's FLUID epoch (Unix seconds) that job IDs count milliseconds from. */
  epoch: number;
}

/** Share of the machine the history keeps busy on average. */
const TARGET_UTILIZATION = 0.6;
/** Jobs remembered as possible dependency targets. */
const RECENT_WINDOW = 256;
/** How far back the guaranteed CLEANUP job may have finished. */
const SLOW_CLEANUP_WINDOW = 4 * 3600;
/** The last hours of a history hold a job waiting for its begin time and a held job, both still waiting at `now`. */
const WAITING_WINDOW = 2 * 3600;
const HELD_WINDOW = 3600;
/** The newest history job is submitted this long before `now` and is still being prioritized. */
const NEWEST_JOB_AGE = 0.05;

interface RecentJob extends JobOutcome {
  id: bigint;
  userIndex: number;
}

interface ArrayInProgress {
  spec: SubmissionSpec;
  size: number;
  index: number;
  lastTime: number;
  jobName: string | undefined;
}

type AfterKind = 'afterok' | 'afterany' | 'afternotok' | 'afterstart';
const AFTER_KINDS = new WeightedChoice<AfterKind>(['afterok', 'afterany', 'afternotok', 'afterstart'], [55, 25, 10, 10]);
const AFTER_DESCRIPTION: Record<AfterKind, string> = {
  afterok: 'after-success',
  afterany: 'after-finish',
  afternotok: 'after-failure',
  afterstart: 'after-start',
};
const BEGIN_DELAYS = [300, 900, 1800, 3600, 7200, 14400, 28800, 43200];

/**
 * The present of the clock every workload is planned on (a Wednesday evening
 * in November 2026, 20:53:20 UTC). Times on it and the shifts to real
 * presents (whole milliseconds, see resolveOptions) are multiples of 2^-22 s
 * within [2^30, 2^31) s, so for presents from 2004 to 2038 the shift is exact
 * and keeps every difference between times (R's expiration - starttime, a
 * begin time's milliseconds) bit for bit; further out it may round by well
 * under a microsecond.
 */
export const PLANNING_PRESENT = 1795640000;

export class WorkloadEngine {
  readonly layout: ClusterLayout;
  /** The instance's FLUID epoch, Unix seconds at the real present. */
  readonly epoch: number;
  /** The history's present on the planning clock; everything below is planned relative to it. */
  private readonly present = PLANNING_PRESENT;
  /** Real time minus planning time: added to every time a job's documents carry. */
  private readonly shift: number;
  private readonly random: SeededRandom;
  private readonly chooser: SubmissionChooser;
  private readonly planner: PlannerContext;
  private readonly ids: JobIdSequence;
  private readonly history: HistoryArrivals;
  private live: LiveArrivals | null = null;
  private readonly scales = new Map<string, number>();
  private readonly recent: RecentJob[] = [];
  private recentHead = 0;
  private array: ArrayInProgress | null = null;
  private lastSubmit = -FOREVER;
  private slowCleanupDone = false;
  private waitingJobDone = false;
  private heldJobDone = false;

  /**
   * `loadJobs` is the number of jobs per history span the run times are
   * calibrated for (default: the history's own count).
   */
  constructor(
    readonly options: ResolvedOptions,
    loadJobs: number = options.jobs,
  ) {
    this.layout = buildCluster(options);
    this.random = new SeededRandom(options.seed);
    this.chooser = new SubmissionChooser(this.layout);
    const timeline = new ResourceTimeline(this.layout);
    this.planner = {
      layout: this.layout,
      timeline,
      resources: new ResourceSetBuilder(this.layout),
      random: this.random,
      owner: options.owner,
    };
    this.shift = options.now - this.present;
    const historyStart = this.present - options.days * 86400;
    const epoch = round((historyStart - this.random.between(86400, 5 * 86400)) * 1000) / 1000;
    this.epoch = epoch + this.shift;
    this.ids = new JobIdSequence(epoch);
    this.history = new HistoryArrivals(this.random, historyStart, this.present, options.jobs);
    this.calibrate(historyStart, loadJobs);
  }

  describe(): WorkloadDescription {
    return {
      queues: this.layout.queues.map((q) => q.name),
      users: USERS.map((u) => ({ uid: u.uid, name: u.name })),
      nodes: [...this.layout.hostnames],
      owner: this.options.owner,
      epoch: this.epoch,
    };
  }

  /** The next job of the history, in submission (and job ID) order; null after the last. */
  nextHistoryJob(): PlannedJob | null {
    const drawn = this.history.next();
    if (drawn === null) return null;
    const now = this.present;
    const newest = this.history.remaining === 0;
    const hints: PlanHints = {};
    if (!this.slowCleanupDone) hints.slowCleanup = { from: now - SLOW_CLEANUP_WINDOW, until: now };
    if (newest) {
      this.array = null;
      const time = max(this.lastSubmit + 0.0001, now - NEWEST_JOB_AGE);
      if (time < now - 0.001) {
        hints.priorityNotBefore = now;
        return this.plan(time, this.freshSpec(true), hints, false);
      }
    }
    return this.plan(drawn, null, hints, true, now - 0.05);
  }

  /**
   * The next job after the history, submitted at `rate` jobs per second on
   * average (an open-ended continuation); null when the rate is 0. Call only
   * once nextHistoryJob() has returned null.
   */
  nextLiveJob(rate: number): PlannedJob | null {
    this.live ??= new LiveArrivals(this.random, max(this.present, this.lastSubmit), rate);
    const time = this.live.next();
    return time === null ? null : this.plan(time, null, {}, true);
  }

  /**
   * Plans one job submitted at about `time`: a member of the array in progress if
   * there is one, else a new submission (possibly starting an array).
   */
  private plan(time: number, given: SubmissionSpec | null, hints: PlanHints, allowArrays: boolean, arraysEndBy = FOREVER): PlannedJob {
    const r = this.random;
    let spec: SubmissionSpec;
    let index = 0;
    let jobName: string | undefined;
    let submitTime = time;
    const array = this.array;
    const arrayTime = array === null ? FOREVER : array.lastTime + r.between(0.0006, 0.004);
    if (given === null && array !== null && arrayTime < arraysEndBy) {
      spec = array.spec;
      index = ++array.index;
      submitTime = arrayTime;
      array.lastTime = arrayTime;
      jobName = spec.app.namePerIndex === true ? spec.app.jobName?.(r, index) : array.jobName;
      if (array.index >= array.size) this.array = null;
    } else {
      this.array = null;
      spec = given ?? this.chooser.choose(r);
      const size = allowArrays ? this.chooser.arraySize(r, spec) : 1;
      if (size > 1) index = 1;
      jobName = spec.app.jobName?.(r, index);
      if (size > 1) this.array = { spec, size, index: 1, lastTime: time, jobName };
    }
    submitTime = max(submitTime, this.lastSubmit + 0.000001);
    this.lastSubmit = submitTime;
    const id = this.ids.next(submitTime);

    const user = spec.user;
    const dependencies: DependencyPlan[] = [];
    const jobspecDeps: JsonObject[] = [];
    let urgency = hints.priorityNotBefore === undefined ? spec.urgency : Urgency.DEFAULT;
    if (index <= 1 && hints.priorityNotBefore === undefined) {
      const now = this.present;
      // Make sure the history ends with some jobs in DEPEND and in SCHED, as a live system would.
      if (this.live === null && !this.waitingJobDone && submitTime > now - WAITING_WINDOW) {
        this.waitingJobDone = true;
        hints.patient = true;
        this.addBeginTime(now + this.random.between(3600, 6 * 3600) - submitTime, submitTime, dependencies, jobspecDeps);
      } else if (this.live === null && !this.heldJobDone && submitTime > now - HELD_WINDOW) {
        this.heldJobDone = true;
        urgency = Urgency.HOLD;
        hints.holdNotBefore = now;
      } else {
        this.chooseDependencies(spec, submitTime, dependencies, jobspecDeps);
      }
    }

    const command = spec.app.command(r, index);
    const scale = this.scales.get(spec.queue.name) ?? 1;
    const { runtime, duration } = this.chooser.timing(r, spec.app, spec.queue, scale);
    const jobspec = this.jobspec(spec, user, command, duration, jobName, jobspecDeps);

    const { job, outcome } = planJob(
      this.planner,
      {
        id,
        submitTime,
        userid: user.uid,
        urgency,
        jobspec,
        request: spec.request,
        queue: spec.queue,
        command,
        runtime,
        duration,
        failRate: spec.app.failRate,
        dependencies,
        timeScale: scale,
      },
      hints,
    );
    if (outcome.slowCleanup) this.slowCleanupDone = true;
    this.moveToPresent(job);
    this.remember({
      id,
      userIndex: spec.userIndex,
      allocTime: outcome.allocTime,
      startTime: outcome.startTime,
      inactiveTime: outcome.inactiveTime,
      completed: outcome.completed,
      slowCleanup: outcome.slowCleanup,
    });
    return job;
  }

  private freshSpec(plain: boolean): SubmissionSpec {
    const spec = this.chooser.choose(this.random);
    return plain ? { ...spec, urgency: Urgency.DEFAULT } : spec;
  }

  private jobspec(
    spec: SubmissionSpec,
    user: UserProfile,
    command: string[],
    duration: number,
    jobName: string | undefined,
    dependencies: JsonObject[],
  ): Jobspec {
    const r = this.random;
    const system: NonNullable<Jobspec['attributes']['system']> = { duration, cwd: user.cwd, queue: spec.queue.name };
    if (user.project !== undefined && r.chance(0.4)) system.project = user.project;
    if (user.bank !== undefined && r.chance(0.6)) system.bank = user.bank;
    if (jobName !== undefined) system.job = { name: jobName };
    if (spec.request.shape === 'script' && spec.request.exclusive) system.shell = { options: batchShellOptions() };
    if (dependencies.length > 0) system.dependencies = dependencies;
    return {
      resources: jobspecResources(spec.request),
      tasks: jobspecTasks(command),
      attributes: { system },
      version: 1,
    };
  }

  /** Maybe makes the job wait for an earlier job of the same user, or for a begin time. */
  private chooseDependencies(spec: SubmissionSpec, submitTime: number, plans: DependencyPlan[], jobspecDeps: JsonObject[]): void {
    const r = this.random;
    if (r.chance(0.07)) {
      const target = this.findActiveTarget(spec.userIndex, submitTime);
      if (target !== null) {
        const kind = AFTER_KINDS.draw(r);
        const value = encodeJobId(target.id, 'f58');
        const description = `${AFTER_DESCRIPTION[kind]}=${value}`;
        jobspecDeps.push({ scheme: kind, value });
        const plan = resolveAfter(kind, description, target, submitTime);
        if (plan !== null) plans.push(plan);
      }
    }
    if (r.chance(0.015)) {
      const scale = delayScale(this.scales.get(spec.queue.name) ?? 1);
      this.addBeginTime(r.pick(BEGIN_DELAYS) * scale, submitTime, plans, jobspecDeps);
    }
  }

  /**
   * Moves a job planned on the planning clock to the real present: its events and R. The rest
   * of the plan (dependency outcomes remembered for later jobs) stays on the planning clock.
   */
  private moveToPresent(job: PlannedJob): void {
    const shift = this.shift;
    if (shift === 0) return;
    for (const event of job.events) event.timestamp += shift;
    if (job.R !== null) {
      const execution = job.R.execution;
      if (execution.starttime !== undefined) execution.starttime += shift;
      // 0 means no time limit.
      if (execution.expiration !== undefined && execution.expiration > 0) execution.expiration += shift;
    }
  }

  /** `flux submit --begin-time=+<delay>`: the plugin logs the time with three decimals. */
  private addBeginTime(delay: number, submitTime: number, plans: DependencyPlan[], jobspecDeps: JsonObject[]): void {
    const begin = round((submitTime + delay) * 1000) / 1000;
    // Planned on the planning clock, written as the real time (both in whole milliseconds).
    const value = (begin + this.shift).toFixed(3);
    jobspecDeps.push({ scheme: 'begin-time', value });
    plans.push({ description: `begin-time=${value}`, resolveAt: begin, satisfied: true });
  }

  private findActiveTarget(userIndex: number, time: number): RecentJob | null {
    const n = this.recent.length;
    for (let back = 1; back <= n; back++) {
      const job = this.recent[(this.recentHead - back + n) % n] as RecentJob;
      if (job.userIndex === userIndex && job.inactiveTime > time + 0.01) return job;
    }
    return null;
  }

  private remember(job: RecentJob): void {
    if (this.recent.length < RECENT_WINDOW) {
      this.recent.push(job);
      this.recentHead = this.recent.length % RECENT_WINDOW;
    } else {
      this.recent[this.recentHead] = job;
      this.recentHead = (this.recentHead + 1) % RECENT_WINDOW;
    }
  }

  /**
   * Scales run times so that each partition is busy about TARGET_UTILIZATION of
   * the time whatever the job count, span and cluster size: a million jobs in
   * three days run for seconds, three thousand for hours.
   */
  private calibrate(historyStart: number, jobs: number): void {
    if (!(jobs > 0)) return;
    const sampler = new SeededRandom(this.options.seed, 1);
    const span = this.present - historyStart;
    // Sample submissions as they will happen, arrays included (an array of 50
    // weighs 50 times as much), and add up the core-seconds each pool must serve.
    const demandByPool = new Map<string, number>();
    let sampledJobs = 0;
    for (let i = 0; i < 8000; i++) {
      const spec = this.chooser.choose(sampler);
      const size = this.chooser.arraySize(sampler, spec);
      const { runtime, duration } = this.chooser.timing(sampler, spec.app, spec.queue, 1);
      const held = coresHeld(this.layout, spec.request) * (duration > 0 ? min(runtime, duration) : runtime);
      const key = poolKey(spec.queue);
      demandByPool.set(key, (demandByPool.get(key) ?? 0) + size * held);
      sampledJobs += size;
    }
    for (const queue of this.layout.queues) {
      const demand = (jobs * (demandByPool.get(poolKey(queue)) ?? 0)) / sampledJobs;
      const capacity = (queue.endRank - queue.firstRank) * this.layout.coresPerNode * span;
      const scale = demand > 0 ? (TARGET_UTILIZATION * capacity) / demand : 1;
      this.scales.set(queue.name, min(2, max(1e-5, scale)));
    }
  }
}

function poolKey(queue: QueueLayout): string {
  return `${queue.firstRank}-${queue.endRank}`;
}

/** How an after-* dependency on `target` will end, or null if it is already satisfied. */
function resolveAfter(kind: AfterKind, description: string, target: RecentJob, submitTime: number): DependencyPlan | null {
  const neverRan = target.allocTime === FOREVER;
  const at = target.inactiveTime;
  const never: DependencyPlan = { description, resolveAt: at, satisfied: false, failure: 'job never started' };
  switch (kind) {
    case 'afterok':
      if (neverRan) return never;
      return target.completed ? { description, resolveAt: at, satisfied: true } : { description, resolveAt: at, satisfied: false };
    case 'afterany':
      return { description, resolveAt: at, satisfied: true };
    case 'afternotok':
      if (neverRan) return never;
      return target.completed ? { description, resolveAt: at, satisfied: false } : { description, resolveAt: at, satisfied: true };
    case 'afterstart':
      if (neverRan) return never;
      if (target.startTime <= submitTime) return null;
      return { description, resolveAt: target.startTime, satisfied: true };
  }
}
