/**
 * What a subscription hands graphql-js as its event stream: a queue that the server's feeds
 * (a Flux stream pumped eagerly, a shared fan-out) push into, and the transport pulls from.
 *
 * The queue is bounded: a client that stops reading must not make the server hold every event
 * Flux sends meanwhile. Past `limit` unread events the queue drops them all and ends with one
 * SUBSCRIBER_TOO_SLOW error, which the client receives as the subscription's last result.
 * Whatever ends the queue (the feed's end, an error, the client going: return()) runs `onClose`
 * once, which is where each feed releases its Flux streams.
 */
import type { GraphQLError } from 'graphql';
import { ErrorCode, graphqlError } from '../errors';

/** Most events a subscriber may leave unread before it is ended (see LiveQueue). */
export const DEFAULT_SUBSCRIBER_BUFFER = 1000;

/** One item of a subscription's stream: an event, or the error that ends it (delivered, then done). */
export type LiveItem<T> = { readonly event: T } | { readonly error: GraphQLError | Error };

/** For a subscription field's resolve: the event, or the error that ends the stream, thrown for graphql to report. */
export function eventOf<T>(item: LiveItem<T>): T {
  if ('error' in item) throw item.error;
  return item.event;
}

export class LiveQueue<T> implements AsyncIterableIterator<LiveItem<T>> {
  private readonly items: LiveItem<T>[] = [];
  private readonly waiting: Array<(result: IteratorResult<LiveItem<T>>) => void> = [];
  private ending = false;
  private closed = false;
  private closers: Array<() => void> = [];

  constructor(private readonly limit: number = DEFAULT_SUBSCRIBER_BUFFER) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a subscriber buffer holds at least one event (got ${limit})`);
  }

  /** Runs `closer` once when the queue ends for any reason (at once if it already has). */
  onClose(closer: () => void): void {
    if (this.closed) closer();
    else this.closers.push(closer);
  }

  /** True once nothing more will be accepted: pushing is pointless. */
  get isEnded(): boolean {
    return this.ending || this.closed;
  }

  /** How many events wait for the client. */
  get unread(): number {
    return this.items.length;
  }

  push(event: T): void {
    if (this.isEnded) return;
    const waiter = this.waiting.shift();
    if (waiter !== undefined) {
      waiter({ value: { event }, done: false });
      return;
    }
    if (this.items.length >= this.limit) {
      this.tooSlow();
      return;
    }
    this.items.push({ event });
  }

  /** Drops what is queued and ends the stream with SUBSCRIBER_TOO_SLOW: its client fell too far behind. */
  tooSlow(): void {
    this.items.length = 0;
    this.fail(graphqlError(ErrorCode.SUBSCRIBER_TOO_SLOW, `this subscription was ended: its client left more than ${this.limit} events unread`, { limit: this.limit }));
  }

  /** Ends the stream after what is queued; the client sees it complete. */
  end(): void {
    if (this.isEnded) return;
    this.ending = true;
    this.release();
    this.settleIfDrained();
  }

  /** Ends the stream with `error` after what is queued (the error is its last result). */
  fail(error: GraphQLError | Error): void {
    if (this.isEnded) return;
    const waiter = this.waiting.shift();
    if (waiter !== undefined) waiter({ value: { error }, done: false });
    else this.items.push({ error });
    this.ending = true;
    this.release();
    this.settleIfDrained();
  }

  next(): Promise<IteratorResult<LiveItem<T>>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.isEnded) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The client went (or graphql-js stopped reading): drop everything and release the feeds. */
  return(): Promise<IteratorResult<LiveItem<T>>> {
    this.items.length = 0;
    this.ending = true;
    this.release();
    this.settleIfDrained();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private settleIfDrained(): void {
    if (this.items.length > 0) return;
    while (this.waiting.length > 0) (this.waiting.shift() as (result: IteratorResult<LiveItem<T>>) => void)({ value: undefined, done: true });
  }

  private release(): void {
    if (this.closed) return;
    this.closed = true;
    const closers = this.closers;
    this.closers = [];
    for (const closer of closers) closer();
  }
}

/**
 * Pumps `source` (a Flux stream) into `queue` as fast as it comes, so the bound applies to what
 * the client has not read rather than to what the handle buffers; `map` turns each item into
 * zero or more events and may end the stream (return 'end'). Errors end the queue through
 * `onError`'s coded error. The queue closing (client gone, too slow) stops the pump, which
 * releases the Flux stream (its cancel goes out).
 */
export function pump<S, T>(
  source: AsyncIterable<S>,
  queue: LiveQueue<T>,
  map: (item: S) => readonly T[] | 'end',
  onError: (error: unknown) => GraphQLError | Error,
): void {
  const iterator = source[Symbol.asyncIterator]();
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    void iterator.return?.()?.catch(() => undefined);
  };
  queue.onClose(stop);
  void (async () => {
    try {
      for (;;) {
        if (stopped) return;
        const next = await iterator.next();
        if (stopped) return;
        if (next.done === true) {
          stopped = true;
          queue.end();
          return;
        }
        const events = map(next.value);
        if (events === 'end') {
          queue.end();
          return;
        }
        for (const event of events) queue.push(event);
      }
    } catch (error) {
      stopped = true;
      queue.fail(onError(error));
    }
  })();
}
