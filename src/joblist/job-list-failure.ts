/**
 * What went wrong with a request to the job-list service, decided once, here, from the error's
 * class, code, topic and errno (never from its message, which is for people).
 */
import { FluxRpcError } from '../flux/errors';
import { JobListErrno } from '../flux/job-list-errnos';
import { TransportFailure, transportFailureOf } from '../flux/transport-failure';
import { LIST_ID_TOPIC } from './job-list-id';
import { LIST_TOPIC } from './job-list-rpc';

export const JobListFailure = {
  /** list-id: Flux does not know the job. */
  NOT_FOUND: 'NOT_FOUND',
  /** list: Flux refused the constraint. */
  INVALID_CONSTRAINT: 'INVALID_CONSTRAINT',
  /** list: the search ran out of Flux's comparison budget. */
  TOO_MANY_COMPARISONS: 'TOO_MANY_COMPARISONS',
  /** Flux refused the caller (EPERM): the user this request is for may not do this. */
  FORBIDDEN: 'FORBIDDEN',
  ...TransportFailure,
  /** Any other error response from the service. */
  ERROR_RESPONSE: 'ERROR_RESPONSE',
} as const;
export type JobListFailure = (typeof JobListFailure)[keyof typeof JobListFailure];

function classifyErrorResponse(error: FluxRpcError): JobListFailure {
  if (error.errno === JobListErrno.NOT_PERMITTED) return JobListFailure.FORBIDDEN;
  if (error.topic === LIST_ID_TOPIC && error.errno === JobListErrno.UNKNOWN_JOB) return JobListFailure.NOT_FOUND;
  if (error.topic === LIST_TOPIC) {
    // job-list answers every payload it cannot use with EPROTO. A list payload from this port
    // always carries a constraint, and its other fields (max_entries, since, attrs as an array)
    // are built and checked by jobListPayload, so on this topic EPROTO is Flux refusing the
    // constraint: the request we sent, not the text we got back, tells the cases apart.
    if (error.errno === JobListErrno.INVALID_PAYLOAD) return JobListFailure.INVALID_CONSTRAINT;
    // job-list's other EINVAL on this topic names an unknown attribute; this server's resolvers
    // ask only attributes of JOB_LIST_ATTRS, so for them EINVAL is the comparison budget.
    if (error.errno === JobListErrno.EXCESSIVE_COMPARISONS) return JobListFailure.TOO_MANY_COMPARISONS;
  }
  return JobListFailure.ERROR_RESPONSE;
}

/** The kind of a failure of a job-list request, or undefined when it is not a Flux failure. */
export function classifyFailure(error: unknown): JobListFailure | undefined {
  if (error instanceof FluxRpcError) return classifyErrorResponse(error);
  return transportFailureOf(error);
}
