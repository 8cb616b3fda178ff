/**
 * Failures to get an answer at all, the same for every service: the instance could not be
 * reached or the connection was lost, no response came within the RPC's timeout, or the
 * request's own deadline passed. Each port names the failures of its service's answers itself
 * and takes these from here.
 */
import { RequestDeadlineError } from './deadline-handle';
import { FluxError } from './errors';

export const TransportFailure = {
  /** The instance could not be reached, or the connection to it was lost. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** No response within the per-RPC timeout. */
  TIMEOUT: 'TIMEOUT',
  /** The request's own deadline (the server's --request-timeout) passed. */
  DEADLINE: 'DEADLINE',
} as const;
export type TransportFailure = (typeof TransportFailure)[keyof typeof TransportFailure];

/** The transport failure `error` is, or undefined for an answer (an error response) or anything else. */
export function transportFailureOf(error: unknown): TransportFailure | undefined {
  if (error instanceof RequestDeadlineError) return TransportFailure.DEADLINE;
  if (!(error instanceof FluxError)) return undefined;
  switch (error.code) {
    case 'FLUX_CONNECT':
    case 'FLUX_DISCONNECTED':
      return TransportFailure.UNAVAILABLE;
    case 'FLUX_TIMEOUT':
      return TransportFailure.TIMEOUT;
    default:
      return undefined;
  }
}
