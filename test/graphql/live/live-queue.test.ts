/**
 * LiveQueue: a subscription's bounded event stream, and pump(), which feeds it from a Flux
 * stream and releases that stream when the queue ends.
 */
import { GraphQLError } from 'graphql';
import { LiveQueue, pump, type LiveItem } from '../../../src/graphql/live/live-queue';

async function drain<T>(queue: LiveQueue<T>): Promise<LiveItem<T>[]> {
  const items: LiveItem<T>[] = [];
  for await (const item of queue) items.push(item);
  return items;
}

describe('LiveQueue', () => {
  it('hands events out in order, then completes after end()', async () => {
    const queue = new LiveQueue<number>(10);
    queue.push(1);
    queue.push(2);
    const waiting = queue.next();
    queue.end();
    queue.push(3);
    expect(await drain(queue)).toEqual([{ event: 2 }]);
    expect(await waiting).toEqual({ value: { event: 1 }, done: false });
  });

  it('a reader waiting gets the next event at once', async () => {
    const queue = new LiveQueue<string>(1);
    const next = queue.next();
    queue.push('a');
    expect(await next).toEqual({ value: { event: 'a' }, done: false });
  });

  it('past its limit, drops the unread events and ends with SUBSCRIBER_TOO_SLOW', async () => {
    const queue = new LiveQueue<number>(3);
    let closed = 0;
    queue.onClose(() => closed++);
    for (let i = 0; i < 4; i++) queue.push(i);
    const items = await drain(queue);
    expect(items).toHaveLength(1);
    const error = (items[0] as { error: GraphQLError }).error;
    expect(error.extensions['code']).toBe('SUBSCRIBER_TOO_SLOW');
    expect(error.message).toBe('this subscription was ended: its client left more than 3 events unread');
    expect(closed).toBe(1);
  });

  it('fail() delivers the error after what is queued, then the end', async () => {
    const queue = new LiveQueue<number>(5);
    queue.push(7);
    queue.fail(new Error('gone'));
    const items = await drain(queue);
    expect(items[0]).toEqual({ event: 7 });
    expect((items[1] as { error: Error }).error.message).toBe('gone');
    expect(items).toHaveLength(2);
  });

  it('return() drops everything, runs each closer once, and later closers at once', async () => {
    const queue = new LiveQueue<number>(5);
    const calls: string[] = [];
    queue.onClose(() => calls.push('a'));
    queue.push(1);
    await queue.return();
    await queue.return();
    queue.onClose(() => calls.push('b'));
    expect(calls).toEqual(['a', 'b']);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('refuses a limit below one', () => {
    expect(() => new LiveQueue(0)).toThrow('a subscriber buffer holds at least one event (got 0)');
  });
});

/** A source whose end and release are observable, like a Flux stream. */
function source(values: number[], options: { hang?: boolean; failWith?: Error } = {}): { iterable: AsyncIterable<number>; released: () => boolean } {
  let released = false;
  const iterable: AsyncIterable<number> = {
    [Symbol.asyncIterator]() {
      let index = 0;
      return {
        async next() {
          if (index < values.length) return { value: values[index++] as number, done: false };
          if (options.failWith !== undefined) throw options.failWith;
          if (options.hang === true) return new Promise<IteratorResult<number>>(() => undefined);
          return { value: undefined, done: true };
        },
        async return() {
          released = true;
          return { value: undefined, done: true };
        },
      };
    },
  };
  return { iterable, released: () => released };
}

describe('pump', () => {
  it('maps each item, ends with the source, and does not release a finished source', async () => {
    const queue = new LiveQueue<number>(10);
    const { iterable, released } = source([1, 2, 3]);
    pump(iterable, queue, (n) => (n === 2 ? [] : [n * 10]), (e) => e as Error);
    expect(await drain(queue)).toEqual([{ event: 10 }, { event: 30 }]);
    expect(released()).toBe(false);
  });

  it("'end' from the map ends the queue and releases the source", async () => {
    const queue = new LiveQueue<number>(10);
    const { iterable, released } = source([1, 2, 3], { hang: true });
    pump(iterable, queue, (n) => (n === 2 ? 'end' : [n]), (e) => e as Error);
    expect(await drain(queue)).toEqual([{ event: 1 }]);
    expect(released()).toBe(true);
  });

  it('the client leaving releases a source that is still open', async () => {
    const queue = new LiveQueue<number>(10);
    const { iterable, released } = source([1], { hang: true });
    pump(iterable, queue, (n) => [n], (e) => e as Error);
    expect(await queue.next()).toEqual({ value: { event: 1 }, done: false });
    await queue.return();
    expect(released()).toBe(true);
  });

  it("a source's error ends the queue with the coded error", async () => {
    const queue = new LiveQueue<number>(10);
    const { iterable } = source([5], { failWith: new Error('lost') });
    pump(iterable, queue, (n) => [n], (e) => new GraphQLError(`coded: ${(e as Error).message}`, { extensions: { code: 'FLUX_UNAVAILABLE' } }));
    const items = await drain(queue);
    expect(items[0]).toEqual({ event: 5 });
    expect((items[1] as { error: GraphQLError }).error.message).toBe('coded: lost');
  });

  it('a source faster than its reader ends the queue as too slow and is released', async () => {
    const queue = new LiveQueue<number>(2);
    const { iterable, released } = source([1, 2, 3, 4, 5], { hang: true });
    pump(iterable, queue, (n) => [n], (e) => e as Error);
    await new Promise((resolve) => setImmediate(resolve));
    const items = await drain(queue);
    expect((items[0] as { error: GraphQLError }).error.extensions['code']).toBe('SUBSCRIBER_TOO_SLOW');
    expect(released()).toBe(true);
  });
});
