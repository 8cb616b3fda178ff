/**
 * One deadline for all the RPCs of a piece of work (a GraphQL request): each RPC may take at
 * most the time left, and none is sent once it has passed. A connector timeout that the deadline
 * imposed comes back as a RequestDeadlineError, so that callers can tell "the request took too
 * long" from "Flux did not answer within its own timeout".
 */
import { mapStream } from './stream-map';
import { FluxError } from './errors';
import type { FluxHandle, RpcOptions } from './handle';
import type { Json, JsonObject } from './json';

export class RequestDeadlineError extends FluxError {
  override readonly name: string = 'RequestDeadlineError';
  constructor(
    readonly topic: string,
    readonly deadlineMs: number,
  ) {
    super('FLUX_TIMEOUT', `the request's deadline of ${deadlineMs / 1000} s passed while waiting for ${topic}`);
  }
}

export function withDeadline(handle: FluxHandle, deadlineMs: number, now: () => number = Date.now): FluxHandle {
  const endsAt = now() + deadlineMs;
  /** The options for the next RPC, and whether the deadline is what bounds it. */
  const bounded = (topic: string, options: RpcOptions | undefined): { options: RpcOptions; byDeadline: boolean } => {
    const left = endsAt - now();
    if (left <= 0) throw new RequestDeadlineError(topic, deadlineMs);
    const own = options?.timeoutMs;
    if (own !== undefined && own <= left) return { options: options ?? {}, byDeadline: false };
    return { options: { ...options, timeoutMs: Math.ceil(left) }, byDeadline: true };
  };
  // A timeout counts as the deadline's only when the deadline bound the RPC and has indeed come
  // (timers fire to the millisecond); an earlier FLUX_TIMEOUT is the connector's own.
  const translate = (error: unknown, topic: string, byDeadline: boolean): unknown =>
    byDeadline && error instanceof FluxError && error.code === 'FLUX_TIMEOUT' && endsAt - now() <= 1 ? new RequestDeadlineError(topic, deadlineMs) : error;
  return {
    get uri() {
      return handle.uri;
    },
    async rpc(topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined> {
      const limit = bounded(topic, options);
      try {
        return await handle.rpc(topic, payload, limit.options);
      } catch (error) {
        throw translate(error, topic, limit.byDeadline);
      }
    },
    rpcStream(topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined> {
      let byDeadline = false;
      let delivered = false;
      return mapStream(
        () => {
          const limit = bounded(topic, options);
          byDeadline = limit.byDeadline;
          return handle.rpcStream(topic, payload, limit.options);
        },
        (response) => {
          // A response that comes once the deadline has passed ends the stream, after the one before it.
          if (delivered && endsAt - now() <= 0) throw new RequestDeadlineError(topic, deadlineMs);
          delivered = true;
          return response;
        },
        { mapError: (error) => translate(error, topic, byDeadline) },
      );
    },
    close: () => handle.close(),
  };
}
