/**
 * mapStream: a wrapping handle's stream whose return() reaches the source while a read is
 * pending (an async generator's would wait for the read), with its end reported once.
 */
import { mapStream } from '../../src/flux/stream-map';

const same = <T>(item: T): T => item;

/** A source that answers nothing until told, and records whether it was returned. */
function quietSource(): { source: AsyncIterable<number>; returned: () => boolean; push(value: number): void } {
  let returned = false;
  const waiting: ((result: IteratorResult<number>) => void)[] = [];
  return {
    source: {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>((resolve) => waiting.push(resolve)),
        return: async () => {
          returned = true;
          for (const resolve of waiting.splice(0)) resolve({ value: undefined, done: true });
          return { value: undefined, done: true };
        },
      }),
    },
    returned: () => returned,
    push: (value) => waiting.shift()?.({ value, done: false }),
  };
}

describe('mapStream', () => {
  it('passes values on, and a return() during a pending read reaches the source at once', async () => {
    const quiet = quietSource();
    const ends: unknown[] = [];
    const iterator = mapStream(() => quiet.source, (value: number) => value * 2, { onEnd: (error) => ends.push(error) })[Symbol.asyncIterator]();
    const first = iterator.next();
    quiet.push(7);
    expect(await first).toEqual({ value: 14, done: false });
    const pending = iterator.next();
    expect(await iterator.return?.()).toEqual({ value: undefined, done: true });
    expect(quiet.returned()).toBe(true);
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(ends).toEqual([undefined]);
  });

  it('an async generator in its place would not have returned the source (what this replaces)', async () => {
    const quiet = quietSource();
    async function* generator(): AsyncGenerator<number> {
      yield* quiet.source;
    }
    const iterator = generator();
    const pending = iterator.next();
    const returning = iterator.return(undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(quiet.returned()).toBe(false);
    quiet.push(1);
    expect(await pending).toEqual({ value: 1, done: false });
    await returning;
    expect(quiet.returned()).toBe(true);
  });

  it('reports an error of the source once, and one thrown by open() on the first read', async () => {
    const ends: unknown[] = [];
    const failing = mapStream<number, number>(() => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('lost')) }) }), same, {
      onEnd: (error) => ends.push(error),
    })[Symbol.asyncIterator]();
    await expect(failing.next()).rejects.toThrow('lost');
    expect(await failing.next()).toEqual({ value: undefined, done: true });
    const refused = mapStream<number, number>(
      () => {
        throw new Error('refused');
      },
      same,
      { onEnd: (error) => ends.push(error) },
    )[Symbol.asyncIterator]();
    await expect(refused.next()).rejects.toThrow('refused');
    expect(ends.map((error) => (error as Error).message)).toEqual(['lost', 'refused']);
  });

  it('reports a source that ends as done', async () => {
    const ends: unknown[] = [];
    const values: number[] = [];
    const source = async function* (): AsyncGenerator<number> {
      yield 1;
      yield 2;
    };
    for await (const value of mapStream(source, same, { onEnd: (error) => ends.push(error) })) values.push(value);
    expect(values).toEqual([1, 2]);
    expect(ends).toEqual([undefined]);
  });
});
