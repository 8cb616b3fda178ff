/**
 * Streaming job-list.job-stats callers (flux-core stats.c): each gets an immediate answer, then
 * a fresh one whenever the counters changed, batched so that at most one update goes out per
 * batch delay (0.2 s in Flux) after a change. A caller is dropped when its client disconnects.
 */
import type { JsonObject } from '../../flux/json';
import type { Respond } from './service-types';

/** setTimeout/clearTimeout, replaceable for tests. */
export interface TimerApi {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const NODE_TIMERS: TimerApi = {
  set(callback, ms) {
    const handle = setTimeout(callback, ms);
    // An idle instance must not keep the process alive.
    handle.unref?.();
    return handle;
  },
  clear(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export const STATS_BATCH_DELAY_MS = 200;

interface Watcher {
  readonly sender: string;
  readonly respond: Respond;
}

export class StatsWatchers {
  private watchers: Watcher[] = [];
  private timer: unknown;
  private armed = false;

  constructor(
    private readonly snapshot: () => JsonObject,
    private readonly timers: TimerApi = NODE_TIMERS,
    private readonly delayMs = STATS_BATCH_DELAY_MS,
  ) {}

  get count(): number {
    return this.watchers.length;
  }

  add(sender: string, respond: Respond): void {
    this.watchers.push({ sender, respond });
  }

  /** Drops every watcher of `sender` (job-list.disconnect). */
  disconnect(sender: string): void {
    this.watchers = this.watchers.filter((watcher) => watcher.sender !== sender);
  }

  /** The counters changed: schedule one update for every watcher, unless one is already due. */
  changed(): void {
    if (this.armed) return;
    this.armed = true;
    this.timer = this.timers.set(() => this.fire(), this.delayMs);
  }

  private fire(): void {
    this.armed = false;
    this.timer = undefined;
    for (const watcher of [...this.watchers]) watcher.respond({ payload: this.snapshot() });
  }

  close(): void {
    if (this.armed) this.timers.clear(this.timer);
    this.armed = false;
    this.watchers = [];
  }
}
