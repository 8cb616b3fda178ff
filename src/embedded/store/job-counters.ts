/**
 * The job-stats counters of flux-core's job-list (stats.c): jobs per state, outcomes of
 * inactive jobs, overall and per queue. Updated on every state change, so answering
 * job-list.job-stats costs nothing per job.
 */
import { JobState } from '../../flux/constants';
import type { JsonObject } from '../../flux/json';
import { FLAG_EXCEPTION, FLAG_SUCCESS, type JobTable } from './job-table';

/** State names in job_states order (NEW is never counted). */
const COUNTED_STATES: ReadonlyArray<readonly [string, number]> = [
  ['depend', JobState.DEPEND],
  ['priority', JobState.PRIORITY],
  ['sched', JobState.SCHED],
  ['run', JobState.RUN],
  ['cleanup', JobState.CLEANUP],
  ['inactive', JobState.INACTIVE],
];

class Counters {
  /** Indexed by state bit position (1 DEPEND … 6 INACTIVE). */
  readonly states = new Int32Array(7);
  successful = 0;
  failed = 0;
  canceled = 0;
  timeout = 0;
  inactivePurged = 0;

  toJson(name?: string): JsonObject {
    const jobStates: JsonObject = {};
    let total = 0;
    for (const [key, bit] of COUNTED_STATES) {
      const n = this.states[Math.log2(bit)] as number;
      jobStates[key] = n;
      total += n;
    }
    jobStates.total = total;
    const out: JsonObject = {
      job_states: jobStates,
      successful: this.successful,
      failed: this.failed,
      canceled: this.canceled,
      timeout: this.timeout,
      inactive_purged: this.inactivePurged,
    };
    if (name !== undefined) out.name = name;
    return out;
  }
}

type Outcome = 'successful' | 'failed' | 'canceled' | 'timeout';

export class JobStats {
  private readonly all = new Counters();
  /** Insertion order: configured queues first, then queues as jobs name them. */
  private readonly queues = new Map<string, Counters>();

  constructor(
    private readonly jobs: JobTable,
    configuredQueues: readonly string[],
    /** Called after every change (arms the streaming watchers' timer). */
    private readonly onChange: () => void,
  ) {
    for (const queue of configuredQueues) this.queueCounters(queue);
  }

  private queueCounters(name: string): Counters {
    let counters = this.queues.get(name);
    if (counters === undefined) {
      counters = new Counters();
      this.queues.set(name, counters);
    }
    return counters;
  }

  /** Adds queues named by configuration (existing ones keep their counts). */
  addConfiguredQueues(names: readonly string[]): void {
    for (const name of names) this.queueCounters(name);
  }

  private queueOf(slot: number): Counters | undefined {
    const name = this.jobs.str(this.jobs.queue, slot);
    return name === undefined ? undefined : this.queueCounters(name);
  }

  private outcome(slot: number): Outcome {
    if (this.jobs.hasFlag(slot, FLAG_SUCCESS)) return 'successful';
    if (!this.jobs.hasFlag(slot, FLAG_EXCEPTION)) return 'failed';
    const type = this.jobs.str(this.jobs.exceptionType, slot);
    return type === 'cancel' ? 'canceled' : type === 'timeout' ? 'timeout' : 'failed';
  }

  private add(counters: Counters, slot: number, state: number): void {
    if (state === JobState.NEW) return;
    (counters.states[Math.log2(state)] as number)++;
    if (state === JobState.INACTIVE) counters[this.outcome(slot)]++;
  }

  private remove(counters: Counters, slot: number): void {
    const state = this.jobs.state[slot] as number;
    if (state === JobState.NEW) return;
    (counters.states[Math.log2(state)] as number)--;
    if (state === JobState.INACTIVE) counters[this.outcome(slot)]--;
  }

  /** The job is about to move to `newState` (call before its state cell changes). */
  transition(slot: number, newState: number): void {
    for (const counters of [this.all, this.queueOf(slot)]) {
      if (counters === undefined) continue;
      if (this.jobs.state[slot] !== JobState.NEW) (counters.states[Math.log2(this.jobs.state[slot] as number)] as number)--;
      this.add(counters, slot, newState);
    }
    this.onChange();
  }

  /** Counts a job that appears in its current state (a loaded record). */
  addJob(slot: number): void {
    this.add(this.all, slot, this.jobs.state[slot] as number);
    const queue = this.queueOf(slot);
    if (queue !== undefined) this.add(queue, slot, this.jobs.state[slot] as number);
    this.onChange();
  }

  /** Before a jobspec update may change the job's queue: take it out of its queue's counts. */
  removeFromQueue(slot: number): void {
    const name = this.jobs.str(this.jobs.queue, slot);
    const counters = name === undefined ? undefined : this.queues.get(name);
    if (counters === undefined) return;
    this.remove(counters, slot);
    this.onChange();
  }

  /** After a jobspec update: count the job in its (possibly new) queue. */
  addToQueue(slot: number): void {
    const queue = this.queueOf(slot);
    if (queue !== undefined) this.add(queue, slot, this.jobs.state[slot] as number);
    this.onChange();
  }

  /** An inactive job is purged: its counts move to inactive_purged. */
  purge(slot: number): void {
    const name = this.jobs.str(this.jobs.queue, slot);
    const queue = name === undefined ? undefined : this.queues.get(name);
    for (const counters of [this.all, queue]) {
      if (counters === undefined) continue;
      this.remove(counters, slot);
      counters.inactivePurged++;
    }
    this.onChange();
  }

  /** Takes a job out of every count without a trace (a record dropped before it was listed). */
  forget(slot: number): void {
    const name = this.jobs.str(this.jobs.queue, slot);
    const queue = name === undefined ? undefined : this.queues.get(name);
    for (const counters of [this.all, queue]) if (counters !== undefined) this.remove(counters, slot);
    this.onChange();
  }

  /** The job-list.job-stats response. */
  toJson(): JsonObject {
    const out = this.all.toJson();
    out.queues = [...this.queues.entries()].map(([name, counters]) => counters.toJson(name));
    return out;
  }

  /** Number of jobs counted in `state`. */
  count(state: number): number {
    return this.all.states[Math.log2(state)] as number;
  }
}
