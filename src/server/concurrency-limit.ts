/**
 * At most N GraphQL requests of one user in flight at once (--max-concurrent-per-user): one
 * user's dashboard gone wild cannot take every Flux connection slot and the event loop from the
 * others. Beyond it, HTTP 429 with Retry-After and a TOO_MANY_REQUESTS error.
 */
import type { Plugin } from 'graphql-yoga';
import { existingObservationOf } from './request-observation';

export const DEFAULT_MAX_CONCURRENT_PER_USER = 32;

/**
 * What one limit counts: the requests this server holds, or (serve --workers) those of this one
 * worker process, each of which keeps its own count.
 */
export type ConcurrencyScope = 'server' | 'worker';

/** Needs the viewer that useAuthentication sets, so it must come after it. */
export function useConcurrencyLimit(maxPerUser: number, scope: ConcurrencyScope = 'server'): Plugin {
  const where = scope === 'worker' ? ' in this worker process' : '';
  const inFlight = new Map<string, number>();
  const holders = new WeakSet<Request>();
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const viewer = existingObservationOf(request)?.viewer;
      if (viewer === undefined) return;
      const count = inFlight.get(viewer.username) ?? 0;
      if (count >= maxPerUser) {
        existingObservationOf(request)?.errorCodes.add('TOO_MANY_REQUESTS');
        const message = `Too many requests in flight for user "${viewer.username}": at most ${maxPerUser} at once${where} (--max-concurrent-per-user); retry when one has finished.`;
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: 'TOO_MANY_REQUESTS', limit: maxPerUser } }] }), {
            status: 429,
            headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' },
          }),
        );
        return;
      }
      inFlight.set(viewer.username, count + 1);
      holders.add(request);
    },
    onResponse({ request }) {
      if (!holders.has(request)) return;
      holders.delete(request);
      const username = existingObservationOf(request)?.viewer?.username as string;
      const left = (inFlight.get(username) ?? 1) - 1;
      if (left <= 0) inFlight.delete(username);
      else inFlight.set(username, left);
    },
  };
}
