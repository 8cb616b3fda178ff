/**
 * What the server learns about one HTTP request while serving it: its id, when it started, the
 * operation, the RPCs it caused and the error codes of its answer. Plugins and the context
 * factory meet on the Request object, which yoga hands to each of them.
 */
import { randomUUID } from 'node:crypto';
import type { Viewer } from '../graphql/viewer';

export interface RequestObservation {
  readonly id: string;
  readonly startedAt: bigint;
  operationName?: string;
  rpcCount: number;
  errorCodes: Set<string>;
  /** Who the request is served for, once authenticated. */
  viewer?: Viewer;
  /**
   * A subscription answered as a stream (SSE): settles when the stream ends, which is when its
   * log line is written. Absent for an answer that is one response.
   */
  streamEnded?: Promise<void>;
  /** Results sent on the stream so far. */
  results?: number;
}

const observations = new WeakMap<Request, RequestObservation>();

/** The request's observation, begun on first sight; a client's X-Request-Id is kept when it is sane. */
export function observationOf(request: Request): RequestObservation {
  let observation = observations.get(request);
  if (observation === undefined) {
    const given = request.headers.get('x-request-id');
    const id = given !== null && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
    observation = { id, startedAt: process.hrtime.bigint(), rpcCount: 0, errorCodes: new Set() };
    observations.set(request, observation);
  }
  return observation;
}

/** The request's observation if one was begun (only GraphQL requests get one), without beginning one. */
export function existingObservationOf(request: Request): RequestObservation | undefined {
  return observations.get(request);
}

export function secondsSince(observation: RequestObservation): number {
  return Number(process.hrtime.bigint() - observation.startedAt) / 1e9;
}
