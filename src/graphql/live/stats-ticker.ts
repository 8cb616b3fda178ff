/**
 * The counts behind Subscription.jobStats: one job-list.job-stats request per tick for all the
 * subscribers that share credentials (not one per subscriber), each subscriber sent the counts
 * when they differ from what it last received and its own interval has passed since then.
 * Ticks run only while someone subscribes, at the shortest interval any of them asked for.
 */
import type { FluxHandle } from '../../flux/handle';
import type { JsonObject } from '../../flux/json';
import { fetchJobStatsResponse } from '../../joblist';
import { expectedErrorFor } from '../errors';
import type { LiveQueue } from './live-queue';

export interface StatsSubscriber<T> {
  readonly intervalMs: number;
  readonly queue: LiveQueue<T>;
  /** The subscriber's view of a response: what it is sent, and what tells a change (its counters as text). Throws for a response it cannot read. */
  view(response: JsonObject): { readonly event: T; readonly key: string };
}

interface Subscribed<T> {
  readonly subscriber: StatsSubscriber<T>;
  lastKey: string;
  lastSentAt: number;
}

class StatsGroup<T> {
  readonly members = new Set<Subscribed<T>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private tickMs = Infinity;
  private fetching = false;
  private again = false;

  constructor(
    readonly handle: FluxHandle,
    private readonly now: () => number,
    private readonly onEmpty: () => void,
  ) {}

  add(member: Subscribed<T>): void {
    this.members.add(member);
    member.subscriber.queue.onClose(() => this.remove(member));
    this.schedule();
  }

  private remove(member: Subscribed<T>): void {
    this.members.delete(member);
    if (this.members.size === 0) {
      this.stop();
      this.onEmpty();
    } else {
      this.schedule();
    }
  }

  private stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.tickMs = Infinity;
  }

  /** (Re)arms the timer at the shortest interval of the members. */
  private schedule(): void {
    const shortest = Math.min(...[...this.members].map((member) => member.subscriber.intervalMs));
    if (shortest === this.tickMs && this.timer !== undefined) return;
    this.stop();
    if (!Number.isFinite(shortest)) return;
    this.tickMs = shortest;
    this.timer = setTimeout(() => this.tick(), shortest);
    this.timer.unref?.();
  }

  private tick(): void {
    this.timer = undefined;
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = true;
    fetchJobStatsResponse(this.handle).then(
      (response) => this.deliver(response),
      (error: unknown) => this.failAll(error),
    ).finally(() => {
      this.fetching = false;
      if (this.members.size === 0) return;
      if (this.again) {
        this.again = false;
        this.tick();
        return;
      }
      this.timer = setTimeout(() => this.tick(), this.tickMs);
      this.timer.unref?.();
    });
  }

  private deliver(response: JsonObject): void {
    const now = this.now();
    for (const member of [...this.members]) {
      const { subscriber } = member;
      let view: { event: T; key: string };
      try {
        view = subscriber.view(response);
      } catch (error) {
        subscriber.queue.fail(error instanceof Error ? (expectedErrorFor(error) ?? error) : new Error(String(error)));
        continue;
      }
      if (view.key === member.lastKey || now - member.lastSentAt < subscriber.intervalMs) continue;
      member.lastKey = view.key;
      member.lastSentAt = now;
      subscriber.queue.push(view.event);
    }
  }

  private failAll(error: unknown): void {
    const coded = error instanceof Error ? (expectedErrorFor(error) ?? error) : new Error(String(error));
    for (const member of [...this.members]) member.subscriber.queue.fail(coded);
  }
}

export class StatsTicker<T> {
  private readonly groups = new Map<string, StatsGroup<T>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** How many credential groups are polling now (each one job-stats request per tick). */
  get activeGroups(): number {
    return this.groups.size;
  }

  /**
   * Adds a subscriber that was just sent `first` (the counts as `key` describes them). `group`
   * names the credentials `handle` carries: subscribers with the same one share its requests.
   */
  subscribe(group: string, handle: FluxHandle, subscriber: StatsSubscriber<T>, firstKey: string): void {
    let shared = this.groups.get(group);
    if (shared === undefined) {
      shared = new StatsGroup<T>(handle, this.now, () => this.groups.delete(group));
      this.groups.set(group, shared);
    }
    shared.add({ subscriber, lastKey: firstKey, lastSentAt: this.now() });
  }
}
