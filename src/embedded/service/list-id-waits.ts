/**
 * job-list.list-id requests waiting for a job to reach a state (flux-core idsync.c). A wait
 * ends at the first state change after which the job has reached one of the requested states,
 * or, with no state requested, at any change (a job leaving NEW), or when the job becomes
 * inactive (so a canceled pending job still gets its answer). There is no timeout and no
 * cancel, as in Flux.
 */
import { JobState } from '../../flux/constants';
import type { JobStore } from '../store/job-store';

export interface Waiter {
  /** Requested state mask; 0 = any change. */
  readonly states: number;
  /** Sends the answer for the job in `slot`. */
  readonly answer: (slot: number) => void;
}

export class ListIdWaits {
  private readonly waits = new Map<bigint, Waiter[]>();

  constructor(private readonly store: JobStore) {}

  /** Number of jobs with at least one waiter (what Flux reports as idsync.waits). */
  get jobCount(): number {
    return this.waits.size;
  }

  add(id: bigint, waiter: Waiter): void {
    const list = this.waits.get(id);
    if (list === undefined) this.waits.set(id, [waiter]);
    else list.push(waiter);
  }

  /** Called after the job in `slot` changed state. */
  stateChanged(slot: number): void {
    if (this.waits.size === 0) return;
    const id = this.store.jobs.id(slot);
    const list = this.waits.get(id);
    if (list === undefined) return;
    const reached = this.store.jobs.statesMask[slot] as number;
    const inactive = this.store.jobs.state[slot] === JobState.INACTIVE;
    const remaining: Waiter[] = [];
    const done: Waiter[] = [];
    for (const waiter of list) {
      if (waiter.states === 0 || (waiter.states & reached) !== 0 || inactive) done.push(waiter);
      else remaining.push(waiter);
    }
    if (remaining.length === 0) this.waits.delete(id);
    else this.waits.set(id, remaining);
    for (const waiter of done) waiter.answer(slot);
  }
}
