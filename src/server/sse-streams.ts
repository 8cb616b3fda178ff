/**
 * Subscriptions over server-sent events (yoga's own result processor, "distinct connections"
 * mode), with what yoga leaves out:
 * - a keep-alive comment (`: keep-alive`) every --keepalive seconds while the stream is quiet, so
 *   that proxies and clients do not take a quiet subscription for a dead connection (yoga's own
 *   comment comes every 12 s, or 0.3 s under NODE_ENV=test, and cannot be set);
 * - the stream's end noted (its request log line is written then) and its results counted,
 *   with their error codes;
 * - a client that goes ends the stream at once: the node adapter stops reading without
 *   cancelling it when the response closes, which would leave the subscription's Flux streams
 *   open for as long as the server runs.
 */
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { ServerMetrics } from './metrics';
import { errorCodesOf } from './request-log';
import { existingObservationOf, type RequestObservation } from './request-observation';

export const SSE_KEEPALIVE_COMMENT = ': keep-alive\n\n';

const EVENT_STREAM = 'text/event-stream';

/**
 * Each result counted and its error codes noted as it passes on to the client. Not an async
 * generator: a generator's return() waits for its pending read, so a client that goes while the
 * subscription is quiet would not end it.
 */
function observed(results: AsyncIterable<ExecutionResult>, observation: RequestObservation | undefined, metrics: ServerMetrics): AsyncIterableIterator<ExecutionResult> {
  const iterator = results[Symbol.asyncIterator]();
  const done: IteratorResult<ExecutionResult> = { value: undefined, done: true };
  return {
    async next() {
      const next = await iterator.next();
      if (next.done !== true) {
        const codes = errorCodesOf(next.value);
        metrics.countErrors(codes);
        if (observation !== undefined) {
          observation.results = (observation.results ?? 0) + 1;
          for (const code of codes) observation.errorCodes.add(code);
        }
      }
      return next;
    },
    return: async (value?: unknown) => (await iterator.return?.(value)) ?? done,
    throw: async (error?: unknown) => {
      if (iterator.throw === undefined) throw error;
      return iterator.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Whether `chunk` ends an SSE message (a blank line): only there may a comment go in between. */
function endsMessage(chunk: Uint8Array): boolean {
  const length = chunk.length;
  return length >= 2 && chunk[length - 1] === 0x0a && chunk[length - 2] === 0x0a;
}

interface StreamEnd {
  (): void;
}

/**
 * yoga's event stream with keep-alive comments between its messages; `onEnd` runs once when it
 * ends: completed, cancelled by the reader, or the client gone (`signal`). Then `stop` returns
 * the results' iterator itself: cancelling yoga's stream while this one's read of it is pending
 * would reach yoga's cancel (which returns the iterator) only after that read.
 */
function withKeepAlive(
  response: Response,
  keepAliveMs: number,
  signal: AbortSignal | undefined,
  stop: () => void,
  onEnd: StreamEnd,
  fetchAPI: { Response: typeof Response; ReadableStream: typeof ReadableStream; TextEncoder: typeof TextEncoder },
): Response {
  const body = response.body;
  if (body === null) {
    onEnd();
    return response;
  }
  const source = body.getReader();
  const comment = new fetchAPI.TextEncoder().encode(SSE_KEEPALIVE_COMMENT);
  let atMessageBoundary = true;
  let timer: ReturnType<typeof setInterval> | undefined;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (timer !== undefined) clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
    onEnd();
  };
  function onAbort(): void {
    end();
    stop();
    source.cancel().catch(() => undefined);
  }
  const stream = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => {
        // A reader that is behind already has something to read: a comment would only queue up.
        if (ended || !atMessageBoundary || controller.desiredSize === null || controller.desiredSize <= 0) return;
        controller.enqueue(comment);
      }, keepAliveMs);
      timer.unref?.();
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    },
    async pull(controller) {
      try {
        const { value, done } = await source.read();
        if (done) {
          end();
          controller.close();
          return;
        }
        atMessageBoundary = endsMessage(value);
        controller.enqueue(value);
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    cancel(reason) {
      end();
      stop();
      return source.cancel(reason);
    },
  });
  return new fetchAPI.Response(stream, { status: response.status, statusText: response.statusText, headers: response.headers });
}

function acceptsEventStream(request: Request): boolean {
  return (request.headers.get('accept') ?? '').includes(EVENT_STREAM);
}

/** Must come after yoga's result processors (user plugins do), so that the one yoga chose is wrapped. */
export function useSseStreams(options: { keepAliveMs: number; metrics: ServerMetrics }): Plugin {
  const { keepAliveMs, metrics } = options;
  if (!(keepAliveMs > 0) || !Number.isFinite(keepAliveMs)) throw new RangeError(`the keep-alive interval must be a positive number of milliseconds (got ${keepAliveMs})`);
  return {
    onResultProcess({ request, result, setResult, resultProcessor, setResultProcessor }) {
      if (resultProcessor === undefined || !isAsyncIterable(result) || !acceptsEventStream(request)) return;
      const observation = existingObservationOf(request);
      let streamEnded: () => void = () => undefined;
      if (observation !== undefined) observation.streamEnded = new Promise<void>((resolve) => (streamEnded = resolve));
      const results = observed(result as AsyncIterable<ExecutionResult>, observation, metrics);
      setResult(results);
      const stop = (): void => void results.return?.().catch(() => undefined);
      const process = resultProcessor;
      setResultProcessor(async (processed, fetchAPI, mediaType) => {
        const response = await process(processed, fetchAPI, mediaType);
        return withKeepAlive(response, keepAliveMs, request.signal as AbortSignal | undefined, stop, streamEnded, fetchAPI);
      }, EVENT_STREAM);
    },
  };
}
