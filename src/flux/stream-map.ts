/**
 * A response stream seen through a function, for the layers that wrap rpcStream (credentials,
 * deadlines, instrumentation, decoders). An async generator would do it in three lines, but a
 * generator's return() waits while a next() is pending: leaving a quiet stream (a journal or an
 * eventlog watch with nothing new) would then never release it, and its cancel would never go
 * out. Here return() reaches the underlying stream at once.
 */
export interface StreamMapOptions {
  /** What an error of the underlying stream becomes (default: itself). */
  mapError?: (error: unknown) => unknown;
  /** Called once, when the stream ends: `error` undefined at its end or when left early. */
  onEnd?: (error: unknown) => void;
}

/**
 * The stream of `map(item)` for each item of the stream `open()` gives; `open` runs at the
 * first next(), so that nothing is sent before the stream is read. `map` may throw to end the
 * stream with that error (the underlying stream is then released).
 */
export function mapStream<A, B>(open: () => AsyncIterable<A>, map: (item: A) => B, options: StreamMapOptions = {}): AsyncIterable<B> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<B> {
      let inner: AsyncIterator<A> | undefined;
      let ended = false;
      const end = (error: unknown): void => {
        if (ended) return;
        ended = true;
        options.onEnd?.(error);
      };
      const release = (): void => {
        void inner?.return?.()?.catch(() => undefined);
      };
      const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
      return {
        async next(): Promise<IteratorResult<B>> {
          if (ended) return done;
          let result: IteratorResult<A>;
          try {
            inner ??= open()[Symbol.asyncIterator]();
            result = await inner.next();
          } catch (error) {
            const mapped = options.mapError === undefined ? error : options.mapError(error);
            end(mapped);
            throw mapped;
          }
          // Left while the response was on its way.
          if (ended) return done;
          if (result.done === true) {
            end(undefined);
            return done;
          }
          try {
            return { done: false, value: map(result.value) };
          } catch (error) {
            end(error);
            release();
            throw error;
          }
        },
        async return(): Promise<IteratorResult<B>> {
          if (!ended) {
            end(undefined);
            release();
          }
          return done;
        },
      };
    },
  };
}
