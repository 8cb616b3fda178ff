/**
 * The consumer side of a streaming RPC, shared by every FluxHandle (the socket StreamHandle and
 * the in-process EmbeddedHandle): a queue of responses ending in done or in one error, reported
 * once. The handle that feeds it bounds the wait for each next response (re-arming its timeout
 * on every response) and calls finish() on the final one.
 */
import type { Json } from './json';

export type ResponseValue = Json | undefined;

/** A queue of responses ending in done or an error; return() abandons it and calls onAbandon once. */
export class ResponseStream implements AsyncIterator<ResponseValue> {
  private readonly buffered: ResponseValue[] = [];
  private outcome: { error: Error | null } | null = null;
  private readonly waiters: Array<{ resolve(r: IteratorResult<ResponseValue>): void; reject(e: unknown): void }> = [];
  private abandoned = false;

  constructor(private readonly onAbandon: () => void) {}

  get isAbandoned(): boolean {
    return this.abandoned;
  }

  push(value: ResponseValue): void {
    if (this.abandoned || this.outcome !== null) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve({ value, done: false });
    else this.buffered.push(value);
  }

  finish(error: Error | null): void {
    if (this.outcome !== null) return;
    this.outcome = { error };
    while (this.waiters.length > 0) this.settleWaiter(this.waiters.shift() as (typeof this.waiters)[number]);
  }

  private settleWaiter(waiter: (typeof this.waiters)[number]): void {
    const outcome = this.outcome as { error: Error | null };
    if (outcome.error !== null) {
      waiter.reject(outcome.error);
      // The error is reported once; afterwards the iterator is simply done.
      outcome.error = null;
    } else {
      waiter.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ResponseValue>> {
    if (this.buffered.length > 0) return Promise.resolve({ value: this.buffered.shift(), done: false });
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      if (this.outcome !== null) this.settleWaiter(waiter);
      else this.waiters.push(waiter);
    });
  }

  return(): Promise<IteratorResult<ResponseValue>> {
    this.buffered.length = 0;
    if (this.outcome === null) {
      this.abandoned = true;
      this.outcome = { error: null };
      while (this.waiters.length > 0) this.settleWaiter(this.waiters.shift() as (typeof this.waiters)[number]);
      this.onAbandon();
    }
    return Promise.resolve({ value: undefined, done: true });
  }
}
