/**
 * At most N GraphQL requests of one user in flight at once (--max-concurrent-per-user): one
 * user's dashboard gone wild cannot take every Flux connection slot and the event loop from the
 * others. Beyond it, HTTP 429 with Retry-After and a TOO_MANY_REQUESTS error; over WebSocket
 * (see websocket.ts) the operation gets that error.
 */
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { existingObservationOf } from './request-observation';

export const DEFAULT_MAX_CONCURRENT_PER_USER = 32;
export const TOO_MANY_REQUESTS_CODE = 'TOO_MANY_REQUESTS';

/**
 * What one limit counts: the requests this server holds, or (serve --workers) those of this one
 * worker process, each of which keeps its own count.
 */
export type ConcurrencyScope = 'server' | 'worker';

/** The count of each user's requests in flight, shared by the HTTP plugin and the WebSocket server. */
export class ConcurrencyLimit {
  private readonly inFlight = new Map<string, number>();

  constructor(
    readonly maxPerUser: number,
    readonly scope: ConcurrencyScope = 'server',
  ) {}

  /** Counts one more request of `username`, or returns false (counting nothing) when they have the most already. */
  enter(username: string): boolean {
    const count = this.inFlight.get(username) ?? 0;
    if (count >= this.maxPerUser) return false;
    this.inFlight.set(username, count + 1);
    return true;
  }

  leave(username: string): void {
    const left = (this.inFlight.get(username) ?? 1) - 1;
    if (left <= 0) this.inFlight.delete(username);
    else this.inFlight.set(username, left);
  }

  refusalMessage(username: string): string {
    const where = this.scope === 'worker' ? ' in this worker process' : '';
    return `Too many requests in flight for user "${username}": at most ${this.maxPerUser} at once${where} (--max-concurrent-per-user); retry when one has finished.`;
  }

  refusal(username: string): GraphQLError {
    return createGraphQLError(this.refusalMessage(username), { extensions: { code: TOO_MANY_REQUESTS_CODE, limit: this.maxPerUser } });
  }
}

/**
 * Needs the viewer that useAuthentication sets, so it must come after it. A subscription over
 * SSE holds its slot until its answer begins (yoga's onResponse comes with the stream's first
 * bytes), not for as long as it streams: subscriptions have limits of their own.
 */
export function useConcurrencyLimit(limit: ConcurrencyLimit): Plugin {
  const holders = new WeakSet<Request>();
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const viewer = existingObservationOf(request)?.viewer;
      if (viewer === undefined) return;
      if (!limit.enter(viewer.username)) {
        existingObservationOf(request)?.errorCodes.add(TOO_MANY_REQUESTS_CODE);
        const message = limit.refusalMessage(viewer.username);
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: TOO_MANY_REQUESTS_CODE, limit: limit.maxPerUser } }] }), {
            status: 429,
            headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' },
          }),
        );
        return;
      }
      holders.add(request);
    },
    onResponse({ request }) {
      if (!holders.has(request)) return;
      holders.delete(request);
      limit.leave(existingObservationOf(request)?.viewer?.username as string);
    },
  };
}
