/**
 * A workload that keeps going: after delivering its history, each step to a
 * later time submits the jobs due by then and posts every event that has
 * happened to the jobs still active, in time order, then tells the sink it
 * has reached that time. Everything a job will do
 * was planned when it was submitted, so what the sink sees depends only on the
 * seed and the times stepped to, never on wall-clock timing or step sizes.
 */
import type { JobSink } from '../store/job-documents';
import type { WorkloadDescription } from './engine';
import { WorkloadEngine } from './engine';
import { EventQueue } from './event-queue';
import { documentsAt, eventsBy } from './generate';
import type { PlannedJob } from './lifecycle';
import type { WorkloadOptions } from './options';
import { resolveOptions, WorkloadError } from './options';

export interface LiveWorkloadOptions extends Omit<WorkloadOptions, 'now'> {
  /** Current time, Unix seconds; start() steps to it. */
  clock: () => number;
  /** The present of the history (default: clock() when constructed). */
  now?: number;
  /** Submissions per second after the history (default: the history's average rate). */
  submitRate?: number;
  /** Called (and the timer stopped) if a timed step throws, e.g. because the sink did. */
  onError?: (error: unknown) => void;
}

export interface LiveWorkloadStats {
  /** Jobs handed to the sink, history included. */
  submitted: number;
  /** Events posted after ingestion. */
  posted: number;
  /** Jobs that still have events to come. */
  active: number;
}

export class LiveWorkload {
  readonly description: WorkloadDescription;
  private readonly engine: WorkloadEngine;
  private readonly clock: () => number;
  private readonly rate: number;
  private readonly onError: ((error: unknown) => void) | undefined;
  private readonly active = new EventQueue();
  private upcoming: PlannedJob | null;
  private present: number;
  private timer: NodeJS.Timeout | null = null;
  private submitted = 0;
  private posted = 0;

  /** Generates the history up to `now` and ingests every job of it into `sink`. */
  constructor(
    private readonly sink: JobSink,
    options: LiveWorkloadOptions,
  ) {
    if (options === null || typeof options !== 'object' || typeof options.clock !== 'function') {
      throw new WorkloadError('WORKLOAD_INVALID_OPTIONS', 'live workload options need a clock function');
    }
    this.clock = options.clock;
    this.onError = options.onError;
    const resolved = resolveOptions({ ...options, now: options.now ?? options.clock() });
    const historyRate = resolved.jobs / (resolved.days * 86400);
    const rate = options.submitRate ?? historyRate;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 10000) {
      throw new WorkloadError('WORKLOAD_INVALID_OPTIONS', `submitRate must be a number of jobs per second from 0 to 10000, got ${String(rate)}`);
    }
    this.rate = rate;
    this.present = resolved.now;
    // An empty history still gets run times that suit the live submission rate.
    const span = resolved.days * 86400;
    this.engine = new WorkloadEngine(resolved, resolved.jobs > 0 ? resolved.jobs : rate * span);
    for (let job = this.engine.nextHistoryJob(); job !== null; job = this.engine.nextHistoryJob()) {
      const seen = eventsBy(job, this.present);
      const finished = seen === job.events.length;
      sink.ingest(documentsAt(job, this.present, finished));
      this.submitted++;
      if (!finished) this.active.push({ job, next: seen });
    }
    this.description = this.engine.describe();
    this.upcoming = this.engine.nextLiveJob(this.rate);
    sink.advanceTo?.(this.present);
  }

  /** The time the workload has been stepped to. */
  get now(): number {
    return this.present;
  }

  get stats(): LiveWorkloadStats {
    return { submitted: this.submitted, posted: this.posted, active: this.active.size };
  }

  /**
   * Advances to `now`: submits the jobs due and posts, in time order, every
   * event up to and including `now`. Times at or before the present are ignored.
   */
  step(now: number): void {
    if (typeof now !== 'number' || !Number.isFinite(now)) {
      throw new WorkloadError('WORKLOAD_INVALID_OPTIONS', `step needs a finite time in Unix seconds, got ${String(now)}`);
    }
    if (now <= this.present) return;
    for (;;) {
      const eventAt = this.active.peekTime();
      const submitAt = this.upcoming === null ? Number.POSITIVE_INFINITY : (this.upcoming.events[0] as { timestamp: number }).timestamp;
      if (Math.min(eventAt, submitAt) > now) break;
      if (submitAt <= eventAt && this.upcoming !== null) {
        const job = this.upcoming;
        this.upcoming = this.engine.nextLiveJob(this.rate);
        // Delivered with just its submit event; the rest follows as it happens.
        this.sink.ingest(documentsAt(job, submitAt, false));
        this.submitted++;
        if (job.events.length > 1) this.active.push({ job, next: 1 });
        continue;
      }
      const active = this.active.pop();
      if (active === undefined) break;
      const { job, next } = active;
      const entry = job.events[next];
      if (entry === undefined) continue;
      if (next === job.allocIndex && job.R !== null) this.sink.post(job.id, entry, job.R);
      else this.sink.post(job.id, entry);
      this.posted++;
      if (next + 1 < job.events.length) this.active.push({ job, next: next + 1 });
    }
    this.present = now;
    // Running jobs' output up to now can be shown: nothing before it is still to come.
    this.sink.advanceTo?.(now);
  }

  /** Steps to clock() every `intervalMs` until stop(); the timer never keeps the process alive. */
  start(intervalMs = 1000): void {
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new WorkloadError('WORKLOAD_INVALID_OPTIONS', `interval must be a positive number of milliseconds, got ${String(intervalMs)}`);
    }
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      try {
        this.step(this.clock());
      } catch (error) {
        this.stop();
        if (this.onError) this.onError(error);
      }
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  get running(): boolean {
    return this.timer !== null;
  }
}
